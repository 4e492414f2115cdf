import Glibc

// Sockets: the guest accepts connections on listening sockets the host opened (`--tcplisten`) and talks
// over the accepted ones. It cannot open, bind or connect sockets itself (preview1 has no such call).
extension WASIHost {
    private func socket(_ fd: UInt32) throws(WASIErrno) -> OpenDescriptor {
        let entry = try descriptors.get(fd)
        guard entry.isSocket else { throw .notSocket }
        return entry
    }

    public func sockAccept(_ memory: LinearMemoryView, fd: UInt32, flags: UInt32, resultPointer: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let listener = try socket(fd)
            _ = try memory.range(at: resultPointer, count: 4)
            let fdFlags = WASIFDFlags(rawValue: UInt16(truncatingIfNeeded: flags))
            guard fdFlags.subtracting(.nonblock).isEmpty else { throw .invalid }
            try waitUnlessRegularFile(listener, for: POLLIN)
            var hostFD: Int32
            repeat {
                hostFD = accept(listener.hostFD, nil, nil)
            } while hostFD < 0 && errno == EINTR
            guard hostFD >= 0 else { throw .lastHostError }
            _ = fcntl(hostFD, F_SETFD, FD_CLOEXEC)
            if fdFlags.contains(.nonblock) { _ = fcntl(hostFD, F_SETFL, fcntl(hostFD, F_GETFL) | O_NONBLOCK) }
            let entry = OpenDescriptor(hostFD: hostFD, fileType: .socketStream, rightsBase: .all, rightsInheriting: .all)
            try memory.store(try descriptors.insert(entry), at: resultPointer)
        }
    }

    public func sockRecv(
        _ memory: LinearMemoryView, fd: UInt32, vectors: UInt32, vectorCount: UInt32, flags: UInt32,
        resultPointer: UInt32, resultFlagsPointer: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let entry = try socket(fd)
            let hostFD = entry.hostFD
            guard flags & ~3 == 0 else { throw .invalid }
            try waitUnlessRegularFile(entry, for: POLLIN)
            var hostFlags: Int32 = 0
            if flags & 1 != 0 { hostFlags |= Int32(MSG_PEEK) }
            if flags & 2 != 0 { hostFlags |= Int32(MSG_WAITALL) }
            var buffers = try memory.hostIOVectors(at: vectors, count: vectorCount)
            var message = msghdr()
            let received = buffers.withUnsafeMutableBufferPointer { buffers in
                message.msg_iov = buffers.baseAddress
                message.msg_iovlen = buffers.count
                return Self.retryingInterrupts { recvmsg(hostFD, &message, hostFlags) }
            }
            guard received >= 0 else { throw .lastHostError }
            try memory.store(UInt32(truncatingIfNeeded: received), at: resultPointer)
            try memory.store(UInt16(message.msg_flags & Int32(MSG_TRUNC) != 0 ? 1 : 0), at: resultFlagsPointer)
        }
    }

    public func sockSend(
        _ memory: LinearMemoryView, fd: UInt32, vectors: UInt32, vectorCount: UInt32, flags: UInt32, resultPointer: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let entry = try socket(fd)
            let hostFD = entry.hostFD
            try waitUnlessRegularFile(entry, for: POLLOUT)
            var buffers = try memory.hostIOVectors(at: vectors, count: vectorCount)
            let sent = buffers.withUnsafeMutableBufferPointer { buffers in
                var message = msghdr()
                message.msg_iov = buffers.baseAddress
                message.msg_iovlen = buffers.count
                // A closed peer is the guest's EPIPE, never the host's SIGPIPE.
                return Self.retryingInterrupts { sendmsg(hostFD, &message, Int32(MSG_NOSIGNAL)) }
            }
            guard sent >= 0 else { throw .lastHostError }
            try memory.store(UInt32(truncatingIfNeeded: sent), at: resultPointer)
        }
    }

    public func sockShutdown(fd: UInt32, how: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let hostFD = try socket(fd).hostFD
            let hostHow: Int32
            switch how {
            case 1: hostHow = Int32(SHUT_RD)
            case 2: hostHow = Int32(SHUT_WR)
            case 3: hostHow = Int32(SHUT_RDWR)
            default: throw .invalid
            }
            guard shutdown(hostFD, hostHow) == 0 else { throw .lastHostError }
        }
    }

    /// A listening TCP socket on `HOST:PORT` (IPv4, or `[IPv6]:PORT`).
    static func listeningSocket(_ address: String) throws(SetupError) -> Int32 {
        let invalid = SetupError(description: "--tcplisten `\(address)`: expected HOST:PORT with a numeric IP address")
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw invalid
        }
        var host = String(address[..<colon])
        let isIPv6 = host.hasPrefix("[") && host.hasSuffix("]")
        if isIPv6 { host = String(host.dropFirst().dropLast()) }
        let family = isIPv6 ? AF_INET6 : AF_INET
        let hostFD = Glibc.socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard hostFD >= 0 else {
            throw SetupError(description: "--tcplisten `\(address)`: \(String(cString: strerror(errno)))")
        }
        var reuse: Int32 = 1
        setsockopt(hostFD, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        let bound: Int32?
        if isIPv6 {
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            socketAddress.sin6_port = port.bigEndian
            bound = inet_pton(AF_INET6, host, &socketAddress.sin6_addr) == 1 ? bind(hostFD, to: socketAddress) : nil
        } else {
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_port = port.bigEndian
            bound = inet_pton(AF_INET, host, &socketAddress.sin_addr) == 1 ? bind(hostFD, to: socketAddress) : nil
        }
        guard let bound else {
            close(hostFD)
            throw invalid
        }
        guard bound == 0, listen(hostFD, 128) == 0 else {
            let reason = String(cString: strerror(errno))
            close(hostFD)
            throw SetupError(description: "--tcplisten `\(address)`: \(reason)")
        }
        // Non-blocking, as wasmtime's: `sock_accept` with nobody waiting is EAGAIN, so a guest's event loop can
        // serve its open connections; guests wait for clients with `poll_oneoff`.
        _ = fcntl(hostFD, F_SETFL, fcntl(hostFD, F_GETFL) | O_NONBLOCK)
        return hostFD
    }

    /// `bind(2)` to a `sockaddr_in` or `sockaddr_in6`, passed as the `sockaddr` the call takes.
    private static func bind<Address>(_ fd: Int32, to address: Address) -> Int32 {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
    }
}
