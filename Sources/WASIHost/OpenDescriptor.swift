import Glibc

/// One entry of a guest's descriptor table: a host descriptor and what the guest may do with it.
final class OpenDescriptor {
    let hostFD: Int32
    /// A standard stream's is asked of the host (as wasmtime: a terminal is a character device, anything else an
    /// unknown stream) only when first needed: a host is made for every run, a server's once per request, and most
    /// runs never ask.
    private(set) lazy var fileType: WASIFileType = isatty(hostFD) != 0 ? .characterDevice : .unknown
    /// What `fd_fdstat_get` reports, fixed for the descriptor's life (see `WASIRights`).
    let rightsBase: WASIRights
    let rightsInheriting: WASIRights
    /// For a preopened directory, the name the guest sees (`fd_prestat_dir_name`).
    let preopenName: [UInt8]?
    /// stdin, stdout or stderr: the embedding process's own descriptors, which the guest may read or write
    /// but not seek, resize, sync or reconfigure, and which stay open when the guest closes them.
    let isStandardStream: Bool
    /// The listing `fd_readdir` pages through by cookie, read afresh when the guest starts over (cookie 0).
    var directoryListing: [DirectoryEntry]?

    /// - Parameter fileType: nil for a standard stream, whose type is found when first needed.
    init(
        hostFD: Int32, fileType: WASIFileType?, rightsBase: WASIRights, rightsInheriting: WASIRights,
        preopenName: [UInt8]? = nil, isStandardStream: Bool = false
    ) {
        self.hostFD = hostFD
        self.rightsBase = rightsBase
        self.rightsInheriting = rightsInheriting
        self.preopenName = preopenName
        self.isStandardStream = isStandardStream
        if let fileType { self.fileType = fileType }
    }

    deinit {
        if !isStandardStream { close(hostFD) }
    }

    var isDirectory: Bool { fileType == .directory }
    var isSocket: Bool { fileType == .socketStream || fileType == .socketDatagram }
}

struct DirectoryEntry {
    var name: [UInt8]
    var inode: UInt64
    var fileType: WASIFileType
}

/// The guest's descriptor numbers, capped so a guest cannot exhaust the host's descriptors.
struct DescriptorTable {
    private(set) var entries: [UInt32: OpenDescriptor] = [:]
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    subscript(fd: UInt32) -> OpenDescriptor? { entries[fd] }

    func get(_ fd: UInt32) throws(WASIErrno) -> OpenDescriptor {
        guard let entry = entries[fd] else { throw .badDescriptor }
        return entry
    }

    /// Adds `entry` under the lowest free number; `EMFILE` once the guest holds `capacity` descriptors.
    mutating func insert(_ entry: OpenDescriptor) throws(WASIErrno) -> UInt32 {
        guard entries.count < capacity else { throw .tooManyOpenFiles }
        var fd: UInt32 = 0
        while entries[fd] != nil { fd += 1 }
        entries[fd] = entry
        return fd
    }

    mutating func set(_ fd: UInt32, _ entry: OpenDescriptor?) {
        entries[fd] = entry
    }

    @discardableResult
    mutating func remove(_ fd: UInt32) throws(WASIErrno) -> OpenDescriptor {
        guard let entry = entries.removeValue(forKey: fd) else { throw .badDescriptor }
        return entry
    }
}
