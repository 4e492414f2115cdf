import Glibc

/// A guest's `wasi_snapshot_preview1` world: its arguments, environment, clocks and descriptor table.
///
/// Each preview1 function is one method taking the guest memory view and the call's integer arguments and
/// returning an errno, so any caller (the in-process engine bridge, a VM monitor serving hypercalls) uses the
/// same code. Files are reachable only beneath the preopened directories (see `PathResolution`).
///
/// One guest thread calls it at a time; only `interruptHandle` may be used from other threads.
public final class WASIHost {
    public struct Configuration {
        /// `argv`, program name first.
        public var arguments: [String] = []
        /// `NAME=VALUE` strings.
        public var environment: [String] = []
        /// Host directories the guest may use, and the names it sees them under.
        public var preopenedDirectories: [(hostPath: String, guestPath: String)] = []
        /// `HOST:PORT` addresses to listen on; the guest gets each listening socket as a descriptor.
        public var listenAddresses: [String] = []
        /// Host descriptors serving as the guest's stdin, stdout and stderr.
        public var standardDescriptors: (input: Int32, output: Int32, error: Int32) = (0, 1, 2)
        /// Cap on the guest's open descriptors (`EMFILE` beyond it).
        public var maxOpenDescriptors = 1024
        /// Whether another thread may wake the guest's blocking calls through ``WASIHost/interruptHandle`` (a time
        /// limit does): its pipe costs a few system calls per host, which an embedder that never interrupts skips.
        public var interruptible = true

        public init() {}
    }

    /// Why a host cannot be set up (a preopen or a listen address that does not work).
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
    }

    let arguments: [[UInt8]]
    let environment: [[UInt8]]
    var descriptors: DescriptorTable
    /// Set by `proc_exit`: the status the embedding process should exit with.
    public private(set) var exitStatus: UInt32?
    /// Stops blocking calls early, from another thread (a deadline).
    public let interruptHandle: WASIInterruptHandle
    /// The guest's open descriptor numbers, in order: at first its standard streams, listening sockets and preopens.
    /// (A sandbox snapshot is refused while the guest holds others: a restored guest would name files it lacks.)
    public var openDescriptorNumbers: [UInt32] { descriptors.entries.keys.sorted() }

    public init(configuration: Configuration) throws(SetupError) {
        interruptHandle = WASIInterruptHandle(enabled: configuration.interruptible)
        arguments = configuration.arguments.map { Array($0.utf8) }
        environment = configuration.environment.map { Array($0.utf8) }
        descriptors = DescriptorTable(capacity: configuration.maxOpenDescriptors)
        let standard = configuration.standardDescriptors
        for (hostFD, rights) in [(standard.input, WASIRights.fdRead), (standard.output, .fdWrite), (standard.error, .fdWrite)] {
            try insertDuringSetup(
                OpenDescriptor(
                    hostFD: hostFD, fileType: nil,
                    rightsBase: rights, rightsInheriting: rights, isStandardStream: true))
        }
        for address in configuration.listenAddresses {
            let socket = try Self.listeningSocket(address)
            try insertDuringSetup(
                OpenDescriptor(
                    hostFD: socket, fileType: .socketStream, rightsBase: .all, rightsInheriting: .all))
        }
        for (hostPath, guestPath) in configuration.preopenedDirectories {
            let hostFD = open(hostPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard hostFD >= 0 else {
                throw SetupError(description: "cannot preopen directory `\(hostPath)`: \(String(cString: strerror(errno)))")
            }
            try insertDuringSetup(
                OpenDescriptor(
                    hostFD: hostFD, fileType: .directory, rightsBase: .directory,
                    rightsInheriting: .directoryInheriting, preopenName: Array(guestPath.utf8)))
        }
    }

    private func insertDuringSetup(_ entry: OpenDescriptor) throws(SetupError) {
        do throws(WASIErrno) {
            _ = try descriptors.insert(entry)
        } catch {
            throw SetupError(description: "more preopened descriptors than the cap of \(descriptors.capacity)")
        }
    }

    /// Runs a function body, turning its thrown errno into the returned one.
    func perform(_ body: () throws(WASIErrno) -> Void) -> WASIErrno {
        do throws(WASIErrno) {
            try body()
            return .success
        } catch {
            return error
        }
    }

    static func fileType(ofHostFD hostFD: Int32) -> WASIFileType {
        var status = stat()
        guard fstat(hostFD, &status) == 0 else { return .unknown }
        return fileType(ofMode: status.st_mode)
    }

    static func fileType(ofMode mode: mode_t) -> WASIFileType {
        switch mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFDIR: return .directory
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFLNK: return .symbolicLink
        case S_IFSOCK: return .socketStream
        default: return .unknown
        }
    }

    // MARK: Arguments and environment

    public func argsSizesGet(_ memory: LinearMemoryView, countPointer: UInt32, sizePointer: UInt32) -> WASIErrno {
        Self.sizesGet(arguments, memory, countPointer, sizePointer)
    }

    public func argsGet(_ memory: LinearMemoryView, pointers: UInt32, buffer: UInt32) -> WASIErrno {
        Self.stringsGet(arguments, memory, pointers, buffer)
    }

    public func environSizesGet(_ memory: LinearMemoryView, countPointer: UInt32, sizePointer: UInt32) -> WASIErrno {
        Self.sizesGet(environment, memory, countPointer, sizePointer)
    }

    public func environGet(_ memory: LinearMemoryView, pointers: UInt32, buffer: UInt32) -> WASIErrno {
        Self.stringsGet(environment, memory, pointers, buffer)
    }

    private static func sizesGet(
        _ strings: [[UInt8]], _ memory: LinearMemoryView, _ countPointer: UInt32, _ sizePointer: UInt32
    ) -> WASIErrno {
        do throws(WASIErrno) {
            try memory.store(UInt32(strings.count), at: countPointer)
            try memory.store(UInt32(strings.reduce(0) { $0 + $1.count + 1 }), at: sizePointer)
            return .success
        } catch {
            return error
        }
    }

    /// Writes NUL-terminated `strings` from `buffer` on and their addresses from `pointers` on.
    private static func stringsGet(
        _ strings: [[UInt8]], _ memory: LinearMemoryView, _ pointers: UInt32, _ buffer: UInt32
    ) -> WASIErrno {
        do throws(WASIErrno) {
            _ = try memory.range(at: pointers, count: UInt32(clamping: strings.count * 4))
            _ = try memory.range(at: buffer, count: UInt32(clamping: strings.reduce(0) { $0 + $1.count + 1 }))
            // Both arrays fit in memory, so only the step past the last element can wrap (in a 4 GiB memory).
            var pointerSlot = pointers
            var next = buffer
            for string in strings {
                try memory.store(next, at: pointerSlot)
                try memory.write(string + [0], at: next)
                pointerSlot &+= 4
                next &+= UInt32(string.count + 1)
            }
            return .success
        } catch {
            return error
        }
    }

    // MARK: Clocks, randomness, scheduling, process

    static func hostClock(_ id: UInt32) throws(WASIErrno) -> clockid_t {
        switch id {
        case 0: return CLOCK_REALTIME
        case 1: return CLOCK_MONOTONIC
        case 2: return CLOCK_PROCESS_CPUTIME_ID
        case 3: return CLOCK_THREAD_CPUTIME_ID
        default: throw .invalid
        }
    }

    static func now(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    public func clockResGet(_ memory: LinearMemoryView, id: UInt32, resolutionPointer: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            var resolution = timespec()
            guard clock_getres(try Self.hostClock(id), &resolution) == 0 else { throw .lastHostError }
            try memory.store(UInt64(resolution.tv_sec) * 1_000_000_000 + UInt64(resolution.tv_nsec), at: resolutionPointer)
        }
    }

    public func clockTimeGet(_ memory: LinearMemoryView, id: UInt32, precision: UInt64, timePointer: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            try memory.store(Self.now(try Self.hostClock(id)), at: timePointer)
        }
    }

    public func randomGet(_ memory: LinearMemoryView, buffer: UInt32, length: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let failed = try memory.withBytes(at: buffer, count: length) { bytes -> Bool in
                var filled = 0
                while filled < bytes.count {
                    // `getentropy` serves at most 256 bytes a call.
                    let chunk = min(256, bytes.count - filled)
                    if getentropy(bytes.baseAddress! + filled, chunk) != 0 { return true }
                    filled += chunk
                }
                return false
            }
            if failed { throw .io }
        }
    }

    public func schedYield() -> WASIErrno {
        sched_yield()
        return .success
    }

    /// Records the exit status; the caller then unwinds the guest (it never returns to the guest).
    public func procExit(status: UInt32) {
        exitStatus = status
    }

    /// Raising signals is not offered to guests (as in wasmtime).
    public func procRaise(signal: UInt32) -> WASIErrno {
        .notSupported
    }
}
