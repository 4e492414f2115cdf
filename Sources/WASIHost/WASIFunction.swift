import SwiftletABI

/// The 46 functions of `wasi_snapshot_preview1`, numbered for callers that name a function by number (a VM
/// monitor serving one hypercall per WASI call), with the core-wasm parameters each takes.
///
/// The numbers are part of that guest/host ABI: new cases go at the end, existing ones never move.
public enum WASIFunction: UInt32, CaseIterable, Sendable {
    case argsGet, argsSizesGet, environGet, environSizesGet, clockResGet, clockTimeGet, fdAdvise, fdAllocate,
        fdClose, fdDatasync, fdFdstatGet, fdFdstatSetFlags, fdFdstatSetRights, fdFilestatGet, fdFilestatSetSize,
        fdFilestatSetTimes, fdPread, fdPrestatGet, fdPrestatDirName, fdPwrite, fdRead, fdReaddir, fdRenumber,
        fdSeek, fdSync, fdTell, fdWrite, pathCreateDirectory, pathFilestatGet, pathFilestatSetTimes, pathLink,
        pathOpen, pathReadlink, pathRemoveDirectory, pathRename, pathSymlink, pathUnlinkFile, pollOneoff,
        procExit, procRaise, randomGet, schedYield, sockAccept, sockRecv, sockSend, sockShutdown

    /// The import name, e.g. `fd_write`: the ABI's table, which numbers the functions the same way (a test pins
    /// the two together). Not derived from the case's name: reflection's first use costs a run ~0.3 ms.
    public var name: String {
        let name = WASIPreview1.names[Int(rawValue)]
        return String(decoding: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), as: UTF8.self)
    }

    /// Which parameters are i64 (the others are i32), in order.
    public var parameterIsI64: [Bool] {
        signature.map { $0 == "I" }
    }

    /// Every function returns an errno as i32, except `proc_exit`, which never returns.
    public var returnsErrno: Bool { self != .procExit }

    /// Parameters: `i` an i32, `I` an i64.
    private var signature: String {
        switch self {
        case .argsGet, .argsSizesGet, .environGet, .environSizesGet, .clockResGet, .fdFdstatGet,
            .fdFdstatSetFlags, .fdFilestatGet, .fdPrestatGet, .fdRenumber, .fdTell, .randomGet, .sockShutdown:
            return "ii"
        case .clockTimeGet: return "iIi"
        case .fdAdvise, .fdFilestatSetTimes: return "iIIi"
        case .fdAllocate, .fdFdstatSetRights: return "iII"
        case .fdClose, .fdDatasync, .fdSync, .procExit, .procRaise: return "i"
        case .fdFilestatSetSize: return "iI"
        case .fdPread, .fdPwrite, .fdReaddir: return "iiiIi"
        case .fdPrestatDirName, .pathCreateDirectory, .pathRemoveDirectory, .pathUnlinkFile, .sockAccept: return "iii"
        case .fdRead, .fdWrite, .pollOneoff: return "iiii"
        case .fdSeek: return "iIii"
        case .pathFilestatGet, .pathSymlink, .sockSend: return "iiiii"
        case .pathFilestatSetTimes: return "iiiiIIi"
        case .pathLink: return "iiiiiii"
        case .pathOpen: return "iiiiiIIii"
        case .pathReadlink, .pathRename, .sockRecv: return "iiiiii"
        case .schedYield: return ""
        }
    }
}

/// How a WASI call ended.
public enum WASICallOutcome: Equatable, Sendable {
    /// The function returned this errno to the guest.
    case returned(WASIErrno)
    /// `proc_exit`: the guest must be unwound and its embedder exit with this status.
    case exited(UInt32)
}

extension WASIHost {
    /// Calls `function` with its raw arguments (i32 ones in the low 32 bits), as a monitor serving a
    /// hypercall or an engine's host function does. `.exited` means the guest must be stopped; so does
    /// `.returned(.interrupted)` while `interruptHandle.isInterrupted` (a deadline cut a blocking call short).
    public func call(_ function: WASIFunction, _ memory: LinearMemoryView, _ arguments: [UInt64]) -> WASICallOutcome {
        guard arguments.count == function.parameterIsI64.count else { return .returned(.invalid) }
        func i32(_ index: Int) -> UInt32 { UInt32(truncatingIfNeeded: arguments[index]) }
        func i64(_ index: Int) -> UInt64 { arguments[index] }
        let m = memory
        let errno: WASIErrno
        switch function {
        case .argsGet: errno = argsGet(m, pointers: i32(0), buffer: i32(1))
        case .argsSizesGet: errno = argsSizesGet(m, countPointer: i32(0), sizePointer: i32(1))
        case .environGet: errno = environGet(m, pointers: i32(0), buffer: i32(1))
        case .environSizesGet: errno = environSizesGet(m, countPointer: i32(0), sizePointer: i32(1))
        case .clockResGet: errno = clockResGet(m, id: i32(0), resolutionPointer: i32(1))
        case .clockTimeGet: errno = clockTimeGet(m, id: i32(0), precision: i64(1), timePointer: i32(2))
        case .fdAdvise: errno = fdAdvise(fd: i32(0), offset: i64(1), length: i64(2), advice: i32(3))
        case .fdAllocate: errno = fdAllocate(fd: i32(0), offset: i64(1), length: i64(2))
        case .fdClose: errno = fdClose(fd: i32(0))
        case .fdDatasync: errno = fdDatasync(fd: i32(0))
        case .fdFdstatGet: errno = fdFdstatGet(m, fd: i32(0), resultPointer: i32(1))
        case .fdFdstatSetFlags: errno = fdFdstatSetFlags(fd: i32(0), flags: i32(1))
        case .fdFdstatSetRights: errno = fdFdstatSetRights(fd: i32(0), base: i64(1), inheriting: i64(2))
        case .fdFilestatGet: errno = fdFilestatGet(m, fd: i32(0), resultPointer: i32(1))
        case .fdFilestatSetSize: errno = fdFilestatSetSize(fd: i32(0), size: i64(1))
        case .fdFilestatSetTimes:
            errno = fdFilestatSetTimes(fd: i32(0), accessTime: i64(1), modificationTime: i64(2), flags: i32(3))
        case .fdPread:
            errno = fdPread(m, fd: i32(0), vectors: i32(1), vectorCount: i32(2), offset: i64(3), resultPointer: i32(4))
        case .fdPrestatGet: errno = fdPrestatGet(m, fd: i32(0), resultPointer: i32(1))
        case .fdPrestatDirName: errno = fdPrestatDirName(m, fd: i32(0), buffer: i32(1), length: i32(2))
        case .fdPwrite:
            errno = fdPwrite(m, fd: i32(0), vectors: i32(1), vectorCount: i32(2), offset: i64(3), resultPointer: i32(4))
        case .fdRead: errno = fdRead(m, fd: i32(0), vectors: i32(1), vectorCount: i32(2), resultPointer: i32(3))
        case .fdReaddir:
            errno = fdReaddir(m, fd: i32(0), buffer: i32(1), length: i32(2), cookie: i64(3), resultPointer: i32(4))
        case .fdRenumber: errno = fdRenumber(from: i32(0), to: i32(1))
        case .fdSeek:
            errno = fdSeek(m, fd: i32(0), offset: Int64(bitPattern: i64(1)), whence: i32(2), resultPointer: i32(3))
        case .fdSync: errno = fdSync(fd: i32(0))
        case .fdTell: errno = fdTell(m, fd: i32(0), resultPointer: i32(1))
        case .fdWrite: errno = fdWrite(m, fd: i32(0), vectors: i32(1), vectorCount: i32(2), resultPointer: i32(3))
        case .pathCreateDirectory: errno = pathCreateDirectory(m, fd: i32(0), path: i32(1), pathLength: i32(2))
        case .pathFilestatGet:
            errno = pathFilestatGet(
                m, fd: i32(0), lookupFlags: i32(1), path: i32(2), pathLength: i32(3), resultPointer: i32(4))
        case .pathFilestatSetTimes:
            errno = pathFilestatSetTimes(
                m, fd: i32(0), lookupFlags: i32(1), path: i32(2), pathLength: i32(3), accessTime: i64(4),
                modificationTime: i64(5), flags: i32(6))
        case .pathLink:
            errno = pathLink(
                m, oldFD: i32(0), oldLookupFlags: i32(1), oldPath: i32(2), oldPathLength: i32(3), newFD: i32(4),
                newPath: i32(5), newPathLength: i32(6))
        case .pathOpen:
            errno = pathOpen(
                m, fd: i32(0), lookupFlags: i32(1), path: i32(2), pathLength: i32(3), openFlags: i32(4),
                rightsBase: i64(5), rightsInheriting: i64(6), fdFlags: i32(7), resultPointer: i32(8))
        case .pathReadlink:
            errno = pathReadlink(
                m, fd: i32(0), path: i32(1), pathLength: i32(2), buffer: i32(3), length: i32(4), resultPointer: i32(5))
        case .pathRemoveDirectory: errno = pathRemoveDirectory(m, fd: i32(0), path: i32(1), pathLength: i32(2))
        case .pathRename:
            errno = pathRename(
                m, oldFD: i32(0), oldPath: i32(1), oldPathLength: i32(2), newFD: i32(3), newPath: i32(4),
                newPathLength: i32(5))
        case .pathSymlink:
            errno = pathSymlink(m, target: i32(0), targetLength: i32(1), fd: i32(2), path: i32(3), pathLength: i32(4))
        case .pathUnlinkFile: errno = pathUnlinkFile(m, fd: i32(0), path: i32(1), pathLength: i32(2))
        case .pollOneoff:
            errno = pollOneoff(m, subscriptions: i32(0), events: i32(1), count: i32(2), resultPointer: i32(3))
        case .procExit:
            procExit(status: i32(0))
            return .exited(i32(0))
        case .procRaise: errno = procRaise(signal: i32(0))
        case .randomGet: errno = randomGet(m, buffer: i32(0), length: i32(1))
        case .schedYield: errno = schedYield()
        case .sockAccept: errno = sockAccept(m, fd: i32(0), flags: i32(1), resultPointer: i32(2))
        case .sockRecv:
            errno = sockRecv(
                m, fd: i32(0), vectors: i32(1), vectorCount: i32(2), flags: i32(3), resultPointer: i32(4),
                resultFlagsPointer: i32(5))
        case .sockSend:
            errno = sockSend(m, fd: i32(0), vectors: i32(1), vectorCount: i32(2), flags: i32(3), resultPointer: i32(4))
        case .sockShutdown: errno = sockShutdown(fd: i32(0), how: i32(1))
        }
        return .returned(errno)
    }
}
