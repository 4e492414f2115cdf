import Glibc

// Preopened directory names and directory listings.
extension WASIHost {
    public func fdPrestatGet(_ memory: LinearMemoryView, fd: UInt32, resultPointer: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            guard let name = try descriptors.get(fd).preopenName else { throw .badDescriptor }
            try memory.store(UInt64(0), at: resultPointer)  // tag 0: a directory
            try memory.store(UInt32(name.count), at: resultPointer + 4)
        }
    }

    public func fdPrestatDirName(_ memory: LinearMemoryView, fd: UInt32, buffer: UInt32, length: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            guard let name = try descriptors.get(fd).preopenName else { throw .badDescriptor }
            guard name.count <= Int(length) else { throw .nameTooLong }
            try memory.write(name, at: buffer)
        }
    }

    /// Fills the buffer with `dirent` records from position `cookie` on; the last one may be cut short, which
    /// tells the guest to call again with a larger buffer. Cookies are positions in a listing read when the
    /// guest starts at 0, so they stay valid while the guest pages through.
    public func fdReaddir(
        _ memory: LinearMemoryView, fd: UInt32, buffer: UInt32, length: UInt32, cookie: UInt64, resultPointer: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let entry = try descriptors.get(fd)
            guard entry.isDirectory else { throw .badDescriptor }
            if cookie == 0 || entry.directoryListing == nil {
                entry.directoryListing = try Self.listDirectory(entry.hostFD)
            }
            let listing = entry.directoryListing ?? []
            var record: [UInt8] = []
            var position = Int(clamping: cookie)
            while position < listing.count && record.count < Int(length) {
                let item = listing[position]
                position += 1
                Self.appendLittleEndian(UInt64(position), to: &record)
                Self.appendLittleEndian(item.inode, to: &record)
                Self.appendLittleEndian(UInt32(item.name.count), to: &record)
                record.append(item.fileType.rawValue)
                record.append(contentsOf: [0, 0, 0])
                record.append(contentsOf: item.name)
            }
            let used = min(record.count, Int(length))
            try memory.write(record[..<used], at: buffer)
            try memory.store(UInt32(used), at: resultPointer)
        }
    }

    static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// The entries of the directory open as `hostFD`, `.` and `..` first (as wasmtime lists them).
    static func listDirectory(_ hostFD: Int32) throws(WASIErrno) -> [DirectoryEntry] {
        let listingFD = openat(hostFD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard listingFD >= 0 else { throw .lastHostError }
        guard let stream = fdopendir(listingFD) else {
            close(listingFD)
            throw .lastHostError
        }
        defer { closedir(stream) }
        var entries: [DirectoryEntry] = []
        for special in [".", ".."] {
            var status = stat()
            if fstatat(hostFD, special, &status, 0) == 0 {
                entries.append(DirectoryEntry(name: Array(special.utf8), inode: UInt64(status.st_ino), fileType: .directory))
            }
        }
        while let item = readdir(stream) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            var fileType = fileType(ofDirectoryEntryType: item.pointee.d_type)
            if fileType == .unknown {
                var status = stat()
                if PathResolution.withCString(name, { fstatat(hostFD, $0, &status, AT_SYMLINK_NOFOLLOW) }) == 0 {
                    fileType = Self.fileType(ofMode: status.st_mode)
                }
            }
            entries.append(DirectoryEntry(name: name, inode: UInt64(item.pointee.d_ino), fileType: fileType))
        }
        return entries
    }

    private static func fileType(ofDirectoryEntryType type: UInt8) -> WASIFileType {
        switch Int(type) {
        case Int(DT_REG): return .regularFile
        case Int(DT_DIR): return .directory
        case Int(DT_LNK): return .symbolicLink
        case Int(DT_CHR): return .characterDevice
        case Int(DT_BLK): return .blockDevice
        case Int(DT_SOCK): return .socketStream
        default: return .unknown
        }
    }
}
