// Bit sets and enumerations of `wasi_snapshot_preview1` (witx), under the spec's names.

public enum WASIFileType: UInt8, Sendable {
    case unknown = 0, blockDevice, characterDevice, directory, regularFile, socketDatagram, socketStream,
        symbolicLink
}

/// `rights`: what a descriptor may be used for.
public struct WASIRights: OptionSet, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let fdDatasync = WASIRights(rawValue: 1 << 0)
    public static let fdRead = WASIRights(rawValue: 1 << 1)
    public static let fdSeek = WASIRights(rawValue: 1 << 2)
    public static let fdFdstatSetFlags = WASIRights(rawValue: 1 << 3)
    public static let fdSync = WASIRights(rawValue: 1 << 4)
    public static let fdTell = WASIRights(rawValue: 1 << 5)
    public static let fdWrite = WASIRights(rawValue: 1 << 6)
    public static let fdAdvise = WASIRights(rawValue: 1 << 7)
    public static let fdAllocate = WASIRights(rawValue: 1 << 8)
    public static let pathCreateDirectory = WASIRights(rawValue: 1 << 9)
    public static let pathCreateFile = WASIRights(rawValue: 1 << 10)
    public static let pathLinkSource = WASIRights(rawValue: 1 << 11)
    public static let pathLinkTarget = WASIRights(rawValue: 1 << 12)
    public static let pathOpen = WASIRights(rawValue: 1 << 13)
    public static let fdReaddir = WASIRights(rawValue: 1 << 14)
    public static let pathReadlink = WASIRights(rawValue: 1 << 15)
    public static let pathRenameSource = WASIRights(rawValue: 1 << 16)
    public static let pathRenameTarget = WASIRights(rawValue: 1 << 17)
    public static let pathFilestatGet = WASIRights(rawValue: 1 << 18)
    public static let pathFilestatSetSize = WASIRights(rawValue: 1 << 19)
    public static let pathFilestatSetTimes = WASIRights(rawValue: 1 << 20)
    public static let fdFilestatGet = WASIRights(rawValue: 1 << 21)
    public static let fdFilestatSetSize = WASIRights(rawValue: 1 << 22)
    public static let fdFilestatSetTimes = WASIRights(rawValue: 1 << 23)
    public static let pathSymlink = WASIRights(rawValue: 1 << 24)
    public static let pathRemoveDirectory = WASIRights(rawValue: 1 << 25)
    public static let pathUnlinkFile = WASIRights(rawValue: 1 << 26)
    public static let pollFdReadwrite = WASIRights(rawValue: 1 << 27)
    public static let sockShutdown = WASIRights(rawValue: 1 << 28)
    public static let sockAccept = WASIRights(rawValue: 1 << 29)

    public static let all = WASIRights(rawValue: (1 << 30) - 1)

    // What each kind of descriptor reports in `fd_fdstat_get`, exactly as wasmtime 51's preview1 does. wasmtime
    // keeps no rights: it reports sets fixed by the descriptor's kind and open mode, never narrows them
    // (`fd_fdstat_set_rights` is ENOTSUP) and checks no right as such. A call fails only where the open mode or the
    // kind of descriptor forbids it, with the errno wasmtime returns there (EBADF, EINVAL, ESPIPE), never
    // ENOTCAPABLE. The host keeps these sets per descriptor and checks calls against them where wasmtime's checks
    // amount to a rights check (`fd_read`, `fd_write`, the standard streams' directions).

    /// A file (anything `path_open` opens but a directory): every right, less `fd_read` and `fd_readdir` unless it is
    /// open for reading and `fd_write` unless it is open for writing. Base and inheriting alike.
    public static func file(readable: Bool, writable: Bool) -> WASIRights {
        var rights = WASIRights.all
        if !readable { rights.subtract([.fdRead, .fdReaddir]) }
        if !writable { rights.remove(.fdWrite) }
        return rights
    }

    /// A preopened directory: the `path_*` and metadata rights, a set wasmtime fixes "as many userlands expect".
    public static let directory: WASIRights = [
        .pathCreateDirectory, .pathCreateFile, .pathLinkSource, .pathLinkTarget, .pathOpen, .fdReaddir,
        .pathReadlink, .pathRenameSource, .pathRenameTarget, .pathFilestatGet, .pathFilestatSetTimes,
        .fdFilestatGet, .fdFilestatSetTimes, .pathSymlink, .pathRemoveDirectory, .pathUnlinkFile,
    ]
    /// What a preopened directory passes on to what is opened beneath it (reported only: nothing opened beneath a
    /// directory is limited by it, in wasmtime as here).
    public static let directoryInheriting = WASIRights(rawValue: (1 << 28) - 1).subtracting(.pathFilestatSetSize)
    /// A directory opened by `path_open`, whatever rights were asked for, base and inheriting alike: a directory
    /// is always open for reading and never for writing.
    public static let openedDirectory = WASIRights.all.subtracting([
        .fdSeek, .fdWrite, .pathFilestatSetSize, .fdFilestatSetSize,
    ])
}

/// `fdflags`.
public struct WASIFDFlags: OptionSet, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let append = WASIFDFlags(rawValue: 1 << 0)
    public static let dsync = WASIFDFlags(rawValue: 1 << 1)
    public static let nonblock = WASIFDFlags(rawValue: 1 << 2)
    public static let rsync = WASIFDFlags(rawValue: 1 << 3)
    public static let sync = WASIFDFlags(rawValue: 1 << 4)
}

/// `oflags` of `path_open`.
struct WASIOpenFlags: OptionSet {
    let rawValue: UInt16

    static let create = WASIOpenFlags(rawValue: 1 << 0)
    static let directory = WASIOpenFlags(rawValue: 1 << 1)
    static let exclusive = WASIOpenFlags(rawValue: 1 << 2)
    static let truncate = WASIOpenFlags(rawValue: 1 << 3)
}

/// `fstflags` of the `*_set_times` functions.
struct WASITimeFlags: OptionSet {
    let rawValue: UInt16

    static let accessTime = WASITimeFlags(rawValue: 1 << 0)
    static let accessTimeNow = WASITimeFlags(rawValue: 1 << 1)
    static let modificationTime = WASITimeFlags(rawValue: 1 << 2)
    static let modificationTimeNow = WASITimeFlags(rawValue: 1 << 3)
}

/// `lookupflags`: bit 0 follows a final symbolic link.
let lookupSymlinkFollow: UInt32 = 1
