import Glibc

// The `path_*` functions. Every path is resolved by `PathResolution` beneath a directory descriptor; the
// host call then acts on the final component with an `*at` call that does not follow symbolic links.
extension WASIHost {
    /// The directory descriptor `fd` of a `path_*` call. Anything else is EBADF, as in wasmtime 51, except that
    /// `path_open` names a file with `fileError` (ENOTDIR there).
    func directory(_ fd: UInt32, fileError: WASIErrno = .badDescriptor) throws(WASIErrno) -> OpenDescriptor {
        let entry = try descriptors.get(fd)
        guard !entry.isDirectory else { return entry }
        throw entry.isStandardStream || entry.isSocket ? .badDescriptor : fileError
    }

    /// Resolves the guest path at `pointer` beneath directory descriptor `fd`.
    func resolve(
        _ memory: LinearMemoryView, fd: UInt32, path pointer: UInt32, length: UInt32, followFinal: Bool = false,
        trailingSlash: TrailingSlash = .namesTheDirectoryItself
    ) throws(WASIErrno) -> ResolvedPath {
        try resolve(
            memory, in: try directory(fd), path: pointer, length: length, followFinal: followFinal,
            trailingSlash: trailingSlash)
    }

    /// Resolves the guest path at `pointer` beneath `directory`, a descriptor `directory(_:)` returned.
    func resolve(
        _ memory: LinearMemoryView, in directory: OpenDescriptor, path pointer: UInt32, length: UInt32,
        followFinal: Bool = false, trailingSlash: TrailingSlash = .namesTheDirectoryItself
    ) throws(WASIErrno) -> ResolvedPath {
        let path = try memory.read(at: pointer, count: length)
        return try PathResolution.resolve(
            path, from: directory.hostFD, followFinal: followFinal, trailingSlash: trailingSlash)
    }

    public func pathOpen(
        _ memory: LinearMemoryView, fd: UInt32, lookupFlags: UInt32, path: UInt32, pathLength: UInt32, openFlags: UInt32,
        rightsBase: UInt64, rightsInheriting: UInt64, fdFlags: UInt32, resultPointer: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            // Checked first, so a bad result pointer cannot leave a descriptor the guest never learns of.
            _ = try memory.range(at: resultPointer, count: 4)
            let directory = try directory(fd, fileError: .notDirectory)
            let open = WASIOpenFlags(rawValue: UInt16(truncatingIfNeeded: openFlags))
            let flags = WASIFDFlags(rawValue: UInt16(truncatingIfNeeded: fdFlags))
            // As wasmtime 51, before the path is looked at: synchronized I/O is not offered (ENOTSUP), and a
            // directory is never created, exclusively or not, nor truncated (EINVAL).
            guard flags.isDisjoint(with: [.dsync, .rsync, .sync]) else { throw .notSupported }
            if open.contains(.directory) && !open.isDisjoint(with: [.create, .exclusive, .truncate]) { throw .invalid }
            let createsFile = open.contains(.create) && !open.contains(.directory)
            let resolved = try resolve(
                memory, in: directory, path: path, length: pathLength,
                followFinal: lookupFlags & lookupSymlinkFollow != 0,
                trailingSlash: createsFile ? .stripped : .namesTheDirectoryItself)
            // As wasmtime: once its directory resolves, a file name ending in `/` is EISDIR, whatever it names.
            if resolved.mustBeDirectory { throw .isDirectory }
            // The rights asked for choose the open mode, and that is all they do (as wasmtime 51): `fd_write` opens
            // for writing, `fd_read` for reading; a file not opened for writing is opened for reading whatever was
            // asked, and creating or truncating opens it for writing too. The inheriting rights, and the
            // directory's, play no part.
            let rights = WASIRights(rawValue: rightsBase)
            let writes = rights.contains(.fdWrite) || !open.isDisjoint(with: [.create, .truncate])
            let reads = rights.contains(.fdRead) || !rights.contains(.fdWrite)
            var hostFlags = O_CLOEXEC | O_NOFOLLOW
            // A directory opened for writing is the host's EISDIR, once the path has resolved, as in wasmtime.
            hostFlags |= writes ? (reads ? O_RDWR : O_WRONLY) : O_RDONLY
            if open.contains(.create) { hostFlags |= O_CREAT }
            if open.contains(.exclusive) { hostFlags |= O_EXCL }
            if open.contains(.truncate) { hostFlags |= O_TRUNC }
            if open.contains(.directory) { hostFlags |= O_DIRECTORY }
            if flags.contains(.append) { hostFlags |= O_APPEND }
            if flags.contains(.nonblock) { hostFlags |= O_NONBLOCK }
            let hostFD = resolved.withName { openat(resolved.directoryFD, $0, hostFlags, 0o666) }
            guard hostFD >= 0 else { throw .lastHostError }
            let fileType = Self.fileType(ofHostFD: hostFD)
            let reported = fileType == .directory ? WASIRights.openedDirectory : .file(readable: reads, writable: writes)
            let entry = OpenDescriptor(
                hostFD: hostFD, fileType: fileType, rightsBase: reported, rightsInheriting: reported)
            try memory.store(try descriptors.insert(entry), at: resultPointer)
        }
    }

    public func pathCreateDirectory(_ memory: LinearMemoryView, fd: UInt32, path: UInt32, pathLength: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let resolved = try resolve(memory, fd: fd, path: path, length: pathLength, trailingSlash: .stripped)
            guard resolved.withName({ mkdirat(resolved.directoryFD, $0, 0o777) }) == 0 else { throw .lastHostError }
        }
    }

    public func pathFilestatGet(
        _ memory: LinearMemoryView, fd: UInt32, lookupFlags: UInt32, path: UInt32, pathLength: UInt32, resultPointer: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let resolved = try resolve(
                memory, fd: fd, path: path, length: pathLength, followFinal: lookupFlags & lookupSymlinkFollow != 0)
            let status = try Self.status(of: resolved)
            try Self.storeFilestat(status, fileType: Self.fileType(ofMode: status.st_mode), in: memory, at: resultPointer)
        }
    }

    static func status(of resolved: ResolvedPath) throws(WASIErrno) -> stat {
        var status = stat()
        guard resolved.withName({ fstatat(resolved.directoryFD, $0, &status, AT_SYMLINK_NOFOLLOW) }) == 0 else {
            throw .lastHostError
        }
        if resolved.mustBeDirectory && status.st_mode & S_IFMT != S_IFDIR { throw .notDirectory }
        return status
    }

    public func pathFilestatSetTimes(
        _ memory: LinearMemoryView, fd: UInt32, lookupFlags: UInt32, path: UInt32, pathLength: UInt32,
        accessTime: UInt64, modificationTime: UInt64, flags: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            var times = try Self.timespecs(accessTime: accessTime, modificationTime: modificationTime, flags: flags)
            let resolved = try resolve(
                memory, fd: fd, path: path, length: pathLength, followFinal: lookupFlags & lookupSymlinkFollow != 0)
            _ = try Self.status(of: resolved)
            guard resolved.withName({ utimensat(resolved.directoryFD, $0, &times, AT_SYMLINK_NOFOLLOW) }) == 0 else {
                throw .lastHostError
            }
        }
    }

    public func pathLink(
        _ memory: LinearMemoryView, oldFD: UInt32, oldLookupFlags: UInt32, oldPath: UInt32, oldPathLength: UInt32,
        newFD: UInt32, newPath: UInt32, newPathLength: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            // As wasmtime: linking through a final symbolic link is refused.
            guard oldLookupFlags & lookupSymlinkFollow == 0 else { throw .invalid }
            // Both descriptors are checked before either path, as in wasmtime.
            let sourceDirectory = try directory(oldFD), targetDirectory = try directory(newFD)
            let source = try resolve(memory, in: sourceDirectory, path: oldPath, length: oldPathLength)
            let target = try resolve(memory, in: targetDirectory, path: newPath, length: newPathLength)
            let result = source.withName { sourceName in
                target.withName { linkat(source.directoryFD, sourceName, target.directoryFD, $0, 0) }
            }
            guard result == 0 else { throw .lastHostError }
        }
    }

    public func pathReadlink(
        _ memory: LinearMemoryView, fd: UInt32, path: UInt32, pathLength: UInt32, buffer: UInt32, length: UInt32,
        resultPointer: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let resolved = try resolve(memory, fd: fd, path: path, length: pathLength)
            _ = try memory.range(at: buffer, count: length)
            guard let target = PathResolution.readLink(resolved.name, in: resolved.directoryFD) else {
                throw .lastHostError
            }
            // An absolute target is a host path, which the guest is not shown (EPERM, as wasmtime).
            guard target.first != UInt8(ascii: "/") else { throw .permission }
            // As POSIX `readlink`: a short buffer gets the start of the target.
            let used = min(target.count, Int(length))
            try memory.write(target[..<used], at: buffer)
            try memory.store(UInt32(used), at: resultPointer)
        }
    }

    public func pathRemoveDirectory(_ memory: LinearMemoryView, fd: UInt32, path: UInt32, pathLength: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            // `name/` removes `name` itself, which must be a directory: a link, even to one, is ENOTDIR (as Linux
            // `rmdir` and wasmtime 51; `unlinkat` with AT_REMOVEDIR refuses anything but a directory).
            let resolved = try resolve(memory, fd: fd, path: path, length: pathLength, trailingSlash: .stripped)
            guard resolved.withName({ unlinkat(resolved.directoryFD, $0, AT_REMOVEDIR) }) == 0 else { throw .lastHostError }
        }
    }

    public func pathUnlinkFile(_ memory: LinearMemoryView, fd: UInt32, path: UInt32, pathLength: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let resolved = try resolve(memory, fd: fd, path: path, length: pathLength)
            guard resolved.withName({ unlinkat(resolved.directoryFD, $0, 0) }) == 0 else { throw .lastHostError }
        }
    }

    public func pathRename(
        _ memory: LinearMemoryView, oldFD: UInt32, oldPath: UInt32, oldPathLength: UInt32,
        newFD: UInt32, newPath: UInt32, newPathLength: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            // Both descriptors are checked before either path, as in wasmtime.
            let sourceDirectory = try directory(oldFD), targetDirectory = try directory(newFD)
            let source = try resolve(
                memory, in: sourceDirectory, path: oldPath, length: oldPathLength, trailingSlash: .stripped)
            let target = try resolve(
                memory, in: targetDirectory, path: newPath, length: newPathLength, trailingSlash: .stripped)
            if source.mustBeDirectory || target.mustBeDirectory {
                // "name/" on either side: both must be directories (a missing target is fine).
                guard try Self.status(of: source).st_mode & S_IFMT == S_IFDIR else { throw .notDirectory }
                var status = stat()
                if target.withName({ fstatat(target.directoryFD, $0, &status, AT_SYMLINK_NOFOLLOW) }) == 0,
                    status.st_mode & S_IFMT != S_IFDIR
                {
                    throw .notDirectory
                }
            }
            let result = source.withName { sourceName in
                target.withName { renameat(source.directoryFD, sourceName, target.directoryFD, $0) }
            }
            guard result == 0 else { throw .lastHostError }
        }
    }

    /// Absolute link targets are refused with `EPERM` (as wasmtime); relative ones may point anywhere, since
    /// resolution checks every link it follows.
    public func pathSymlink(
        _ memory: LinearMemoryView, target: UInt32, targetLength: UInt32, fd: UInt32, path: UInt32, pathLength: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let contents = try memory.read(at: target, count: targetLength)
            let resolved = try resolve(memory, fd: fd, path: path, length: pathLength)
            guard !contents.contains(0) else { throw .illegalSequence }
            guard contents.first != UInt8(ascii: "/") else { throw .permission }
            let result = PathResolution.withCString(contents) { cTarget in
                resolved.withName { symlinkat(cTarget, resolved.directoryFD, $0) }
            }
            guard result == 0 else { throw .lastHostError }
        }
    }
}
