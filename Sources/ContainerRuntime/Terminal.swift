import Glibc

/// A pseudo-terminal for a container with `process.terminal`: its master goes to the shim over `--console-socket`
/// (SCM_RIGHTS, as runc sends it), its slave becomes the init's stdio and controlling terminal.
struct Terminal {
    /// The slave side, open in this process until the init has it.
    var slave: Int32

    static func open(sendingMasterTo socketPath: String) throws(RuntimeError) -> Terminal {
        let master = Glibc.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw .system("cannot open a pseudo-terminal") }
        defer { close(master) }
        // unlockpt and ptsname as ioctls (glibc declares those only under _GNU_SOURCE/XOPEN, which Swift's Glibc
        // lacks): TIOCSPTLCK = _IOW('T', 0x31, int), TIOCGPTN = _IOR('T', 0x30, unsigned int).
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0 else {
            throw .system("cannot set up the pseudo-terminal")
        }
        let slavePath = "/dev/pts/\(number)"
        let slave = Glibc.open(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard slave >= 0 else { throw .system("cannot open \(slavePath)") }
        do throws(RuntimeError) {
            try send(master, named: slavePath, to: socketPath)
        } catch {
            close(slave)
            throw error
        }
        return Terminal(slave: slave)
    }

    /// Connects to the console socket and sends `descriptor`, with the terminal's name as the message.
    private static func send(_ descriptor: Int32, named name: String, to socketPath: String) throws(RuntimeError) {
        let socket = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw .system("cannot make a socket") }
        defer { close(socket) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw RuntimeError("console socket path too long: \(socketPath)")
        }
        // SAFETY: sun_path holds more bytes than the path (checked above); the rest stays zero.
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let connected = withUnsafePointer(to: &address) {
            // SAFETY: sockaddr_un begins as a sockaddr; connect reads only the length given.
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw .system("cannot connect to the console socket \(socketPath)") }

        // One control message: a cmsghdr, then the descriptor, padded to the header's alignment (CMSG_SPACE).
        let headerSize = MemoryLayout<cmsghdr>.size
        var control = [UInt8](repeating: 0, count: headerSize + MemoryLayout<Int>.size)
        var header = cmsghdr()
        header.cmsg_len = headerSize + MemoryLayout<Int32>.size
        header.cmsg_level = SOL_SOCKET
        header.cmsg_type = Int32(SCM_RIGHTS)
        var payload = Array(name.utf8)
        var descriptorCopy = descriptor
        // SAFETY: `control` holds the header and the descriptor at the offsets CMSG_DATA gives on Linux.
        control.withUnsafeMutableBytes { bytes in
            withUnsafeBytes(of: &header) { bytes.copyMemory(from: $0) }
            withUnsafeBytes(of: &descriptorCopy) {
                UnsafeMutableRawBufferPointer(rebasing: bytes[headerSize...]).copyMemory(from: $0)
            }
        }
        let sent = payload.withUnsafeMutableBytes { payloadBytes in
            control.withUnsafeMutableBytes { controlBytes in
                var vector = iovec(iov_base: payloadBytes.baseAddress, iov_len: payloadBytes.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    return sendmsg(socket, &message, 0)
                }
            }
        }
        guard sent >= 0 else { throw .system("cannot send the terminal to the console socket") }
    }
}
