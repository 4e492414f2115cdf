import Glibc

// The `fd_*` functions that read, write and describe an open descriptor.
extension WASIHost {
    /// The descriptor `fd`, which must not be a directory (reading, writing, seeking) and must hold `rights`, else
    /// EBADF as in wasmtime: a file not open for reading is never read, nor one not open for writing written, even
    /// through an empty buffer; stdin is never written, stdout and stderr never read, whatever the host's
    /// descriptor behind them would allow.
    func streamOrFile(_ fd: UInt32, requiring rights: WASIRights = []) throws(WASIErrno) -> OpenDescriptor {
        let entry = try descriptors.get(fd)
        guard !entry.isDirectory, entry.rightsBase.contains(rights) else { throw .badDescriptor }
        return entry
    }

    /// Blocks until a stream or socket is ready, interruptibly; regular files and non-blocking descriptors
    /// never block, so they are not waited for.
    func waitUnlessRegularFile(_ entry: OpenDescriptor, for events: Int32) throws(WASIErrno) {
        guard entry.fileType != .regularFile, fcntl(entry.hostFD, F_GETFL) & O_NONBLOCK == 0 else { return }
        try interruptHandle.wait(for: entry.hostFD, events: events)
    }

    /// The descriptor `fd` for a call on a file as such (positioned I/O, seeking, size, syncing, advice), as
    /// wasmtime has it: a directory is `EBADF`, a standard stream `standardStreamError`.
    func file(_ fd: UInt32, standardStreamError: WASIErrno = .badDescriptor) throws(WASIErrno) -> OpenDescriptor {
        let entry = try descriptors.get(fd)
        guard !entry.isDirectory else { throw .badDescriptor }
        guard !entry.isStandardStream else { throw standardStreamError }
        return entry
    }

    /// Moves bytes between the guest and the host through the first non-empty buffer only, as wasmtime's
    /// preview1 does (a short count, which callers of `readv`/`writev` must handle anyway).
    private func transfer(
        _ memory: LinearMemoryView, vectors: UInt32, vectorCount: UInt32, resultPointer: UInt32,
        _ hostCall: (UnsafeMutableRawBufferPointer) -> Int
    ) throws(WASIErrno) {
        var moved = 0
        if let vector = try memory.ioVectors(at: vectors, count: vectorCount).first(where: { $0.count > 0 }) {
            moved = try memory.withBytes(at: vector.pointer, count: vector.count) { hostCall($0) }
            guard moved >= 0 else { throw .lastHostError }
        }
        try memory.store(UInt32(truncatingIfNeeded: moved), at: resultPointer)
    }

    public func fdRead(
        _ memory: LinearMemoryView, fd: UInt32, vectors: UInt32, vectorCount: UInt32, resultPointer: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let entry = try streamOrFile(fd, requiring: .fdRead)
            // As wasmtime 51, whose zero-byte read of a stream reports "interrupted": stdin with no buffer to fill
            // is EINTR (a file's is a read of 0 bytes).
            if entry.isStandardStream, try !Self.hasBuffer(memory, vectors: vectors, count: vectorCount) {
                throw .interrupted
            }
            try waitUnlessRegularFile(entry, for: POLLIN)
            let hostFD = entry.hostFD
            try transfer(memory, vectors: vectors, vectorCount: vectorCount, resultPointer: resultPointer) { buffer in
                Self.retryingInterrupts { read(hostFD, buffer.baseAddress, buffer.count) }
            }
        }
    }

    public func fdPread(
        _ memory: LinearMemoryView, fd: UInt32, vectors: UInt32, vectorCount: UInt32, offset: UInt64, resultPointer: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let entry = try positioned(fd, requiring: .fdRead)
            let hostFD = entry.hostFD
            guard let start = Int64(exactly: offset) else { throw .invalid }
            // As wasmtime 51, which reads at an offset through a stream: no buffer to fill is EINTR (its zero-byte
            // stream read reports "interrupted"), whether or not the file is open for reading.
            guard try Self.hasBuffer(memory, vectors: vectors, count: vectorCount) else { throw .interrupted }
            guard entry.rightsBase.contains(.fdRead) else { throw .badDescriptor }
            try transfer(memory, vectors: vectors, vectorCount: vectorCount, resultPointer: resultPointer) { buffer in
                Self.retryingInterrupts { pread(hostFD, buffer.baseAddress, buffer.count, off_t(start)) }
            }
        }
    }

    public func fdWrite(
        _ memory: LinearMemoryView, fd: UInt32, vectors: UInt32, vectorCount: UInt32, resultPointer: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let entry = try streamOrFile(fd, requiring: .fdWrite)
            let hostFD = entry.hostFD
            try transfer(memory, vectors: vectors, vectorCount: vectorCount, resultPointer: resultPointer) { buffer in
                // A socket whose peer left is the guest's EPIPE, never the host's SIGPIPE.
                entry.isSocket
                    ? Self.writingAll(buffer) { pointer, count, _ in send(hostFD, pointer, count, Int32(MSG_NOSIGNAL)) }
                    : Self.writingAll(buffer) { pointer, count, _ in write(hostFD, pointer, count) }
            }
        }
    }

    public func fdPwrite(
        _ memory: LinearMemoryView, fd: UInt32, vectors: UInt32, vectorCount: UInt32, offset: UInt64, resultPointer: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let entry = try positioned(fd, requiring: .fdWrite)
            let hostFD = entry.hostFD
            guard let start = Int64(exactly: offset) else { throw .invalid }
            // Checked after the offset, as the host's `pwrite` (which wasmtime calls) does.
            guard entry.rightsBase.contains(.fdWrite) else { throw .badDescriptor }
            try transfer(memory, vectors: vectors, vectorCount: vectorCount, resultPointer: resultPointer) { buffer in
                Self.writingAll(buffer) { pwrite(hostFD, $0, $1, off_t(start) &+ off_t($2)) }
            }
        }
    }

    /// The descriptor `fd` for `fd_pread` (`rights` `fd_read`) or `fd_pwrite` (`fd_write`): not a directory; a
    /// standard stream is ESPIPE if it goes the right way, EBADF otherwise (as wasmtime: stdin cannot be read at an
    /// offset, and is never written at all). A file's rights are the caller's to check, after the offset.
    private func positioned(_ fd: UInt32, requiring rights: WASIRights) throws(WASIErrno) -> OpenDescriptor {
        let entry = try descriptors.get(fd)
        guard !entry.isDirectory else { throw .badDescriptor }
        if entry.isStandardStream { throw entry.rightsBase.contains(rights) ? .illegalSeek : .badDescriptor }
        return entry
    }

    /// Whether any of the `count` I/O vectors at `vectors` has a byte to move.
    private static func hasBuffer(_ memory: LinearMemoryView, vectors: UInt32, count: UInt32) throws(WASIErrno) -> Bool {
        try memory.ioVectors(at: vectors, count: count).contains { $0.count > 0 }
    }

    static func retryingInterrupts(_ call: () -> Int) -> Int {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }

    /// Writes the whole buffer unless the host refuses part of it (so output is never silently cut short).
    static func writingAll(
        _ buffer: UnsafeMutableRawBufferPointer, _ hostWrite: (UnsafeRawPointer?, Int, Int) -> Int
    ) -> Int {
        var written = 0
        while written < buffer.count {
            let result = retryingInterrupts { hostWrite(buffer.baseAddress! + written, buffer.count - written, written) }
            if result < 0 { return written > 0 ? written : result }
            if result == 0 { break }
            written += result
        }
        return written
    }

    public func fdSeek(
        _ memory: LinearMemoryView, fd: UInt32, offset: Int64, whence: UInt32, resultPointer: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let hostFD = try file(fd, standardStreamError: .illegalSeek).hostFD
            let hostWhence: Int32
            switch whence {
            case 0: hostWhence = SEEK_SET
            case 1: hostWhence = SEEK_CUR
            case 2: hostWhence = SEEK_END
            default: throw .invalid
            }
            let position = lseek(hostFD, off_t(offset), hostWhence)
            guard position >= 0 else { throw .lastHostError }
            try memory.store(UInt64(position), at: resultPointer)
        }
    }

    public func fdTell(_ memory: LinearMemoryView, fd: UInt32, resultPointer: UInt32) -> WASIErrno {
        fdSeek(memory, fd: fd, offset: 0, whence: 1, resultPointer: resultPointer)
    }

    public func fdClose(fd: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in try descriptors.remove(fd) }
    }

    public func fdRenumber(from: UInt32, to: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let moving = try descriptors.get(from)
            _ = try descriptors.get(to)
            guard from != to else { return }
            descriptors.set(to, moving)
            descriptors.set(from, nil)
        }
    }

    public func fdFdstatGet(_ memory: LinearMemoryView, fd: UInt32, resultPointer: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let entry = try descriptors.get(fd)
            let hostFlags = fcntl(entry.hostFD, F_GETFL)
            var flags: WASIFDFlags = []
            if hostFlags & O_APPEND != 0 { flags.insert(.append) }
            if hostFlags & O_NONBLOCK != 0 { flags.insert(.nonblock) }
            if hostFlags & O_SYNC == O_SYNC {
                flags.insert(.sync)
            } else if hostFlags & O_DSYNC != 0 {
                flags.insert(.dsync)
            }
            try memory.write([UInt8](repeating: 0, count: 24), at: resultPointer)
            try memory.store(entry.fileType.rawValue, at: resultPointer)
            try memory.store(flags.rawValue, at: resultPointer + 2)
            try memory.store(entry.rightsBase.rawValue, at: resultPointer + 8)
            try memory.store(entry.rightsInheriting.rawValue, at: resultPointer + 16)
        }
    }

    /// Only `append` and `nonblock` can change after opening (as in wasmtime); the others are `EINVAL`.
    public func fdFdstatSetFlags(fd: UInt32, flags: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            // The standard streams' flags are the embedding process's, which the guest must not change.
            let entry = try file(fd)
            let requested = WASIFDFlags(rawValue: UInt16(truncatingIfNeeded: flags))
            guard requested.subtracting([.append, .nonblock]).isEmpty else { throw .invalid }
            let current = fcntl(entry.hostFD, F_GETFL)
            guard current >= 0 else { throw .lastHostError }
            var updated = current & ~(O_APPEND | O_NONBLOCK)
            if requested.contains(.append) { updated |= O_APPEND }
            if requested.contains(.nonblock) { updated |= O_NONBLOCK }
            guard fcntl(entry.hostFD, F_SETFL, updated) == 0 else { throw .lastHostError }
        }
    }

    /// Rights are reported but never narrowed nor widened, as in wasmtime 51's preview1: ENOTSUP for a file or a
    /// directory, whatever rights are asked for, and EBADF for a standard stream (not a file-system descriptor
    /// there). A guest that narrows its rights to drop a capability therefore keeps it, as under wasmtime.
    public func fdFdstatSetRights(fd: UInt32, base: UInt64, inheriting: UInt64) -> WASIErrno {
        perform { () throws(WASIErrno) in
            guard !(try descriptors.get(fd)).isStandardStream else { throw .badDescriptor }
            throw .notSupported
        }
    }

    public func fdFilestatGet(_ memory: LinearMemoryView, fd: UInt32, resultPointer: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let entry = try descriptors.get(fd)
            var status = stat()
            // As wasmtime: a standard stream shows only its type, nothing of the host's file behind it.
            if !entry.isStandardStream {
                guard fstat(entry.hostFD, &status) == 0 else { throw .lastHostError }
            }
            let fileType = entry.isStandardStream ? entry.fileType : Self.fileType(ofMode: status.st_mode)
            try Self.storeFilestat(status, fileType: fileType, in: memory, at: resultPointer)
        }
    }

    static func storeFilestat(
        _ status: stat, fileType: WASIFileType, in memory: LinearMemoryView, at pointer: UInt32
    ) throws(WASIErrno) {
        func nanoseconds(_ time: timespec) -> UInt64 {
            UInt64(truncatingIfNeeded: time.tv_sec) &* 1_000_000_000 &+ UInt64(truncatingIfNeeded: time.tv_nsec)
        }
        try memory.write([UInt8](repeating: 0, count: 64), at: pointer)
        try memory.store(UInt64(status.st_dev), at: pointer)
        try memory.store(UInt64(status.st_ino), at: pointer + 8)
        try memory.store(fileType.rawValue, at: pointer + 16)
        try memory.store(UInt64(status.st_nlink), at: pointer + 24)
        try memory.store(UInt64(truncatingIfNeeded: status.st_size), at: pointer + 32)
        try memory.store(nanoseconds(status.st_atim), at: pointer + 40)
        try memory.store(nanoseconds(status.st_mtim), at: pointer + 48)
        try memory.store(nanoseconds(status.st_ctim), at: pointer + 56)
    }

    public func fdFilestatSetSize(fd: UInt32, size: UInt64) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let hostFD = try file(fd).hostFD
            guard let length = Int64(exactly: size) else { throw .invalid }
            guard ftruncate(hostFD, off_t(length)) == 0 else { throw .lastHostError }
        }
    }

    public func fdFilestatSetTimes(fd: UInt32, accessTime: UInt64, modificationTime: UInt64, flags: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let entry = try descriptors.get(fd)
            guard !entry.isStandardStream else { throw .badDescriptor }
            let hostFD = entry.hostFD
            var times = try Self.timespecs(accessTime: accessTime, modificationTime: modificationTime, flags: flags)
            guard futimens(hostFD, &times) == 0 else { throw .lastHostError }
        }
    }

    /// The `utimensat` pair for `fstflags`: each time set, set to now, or left alone.
    static func timespecs(accessTime: UInt64, modificationTime: UInt64, flags rawFlags: UInt32) throws(WASIErrno) -> [timespec] {
        let flags = WASITimeFlags(rawValue: UInt16(truncatingIfNeeded: rawFlags))
        func time(_ value: UInt64, set: WASITimeFlags, now: WASITimeFlags) throws(WASIErrno) -> timespec {
            switch (flags.contains(set), flags.contains(now)) {
            case (true, true): throw .invalid
            case (true, false):
                return timespec(tv_sec: Int(value / 1_000_000_000), tv_nsec: Int(value % 1_000_000_000))
            case (false, true): return timespec(tv_sec: 0, tv_nsec: UTIME_NOW)
            case (false, false): return timespec(tv_sec: 0, tv_nsec: UTIME_OMIT)
            }
        }
        return [
            try time(accessTime, set: .accessTime, now: .accessTimeNow),
            try time(modificationTime, set: .modificationTime, now: .modificationTimeNow),
        ]
    }

    public func fdAdvise(fd: UInt32, offset: UInt64, length: UInt64, advice: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            let hostFD = try file(fd).hostFD
            let hostAdvice: [Int32] = [
                POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM, POSIX_FADV_WILLNEED,
                POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE,
            ]
            guard advice < hostAdvice.count, let start = Int64(exactly: offset), let count = Int64(exactly: length) else {
                throw .invalid
            }
            let result = posix_fadvise(hostFD, off_t(start), off_t(count), hostAdvice[Int(advice)])
            guard result == 0 else { throw WASIErrno(hostErrno: result) }
        }
    }

    /// Preallocation is not offered, as in wasmtime's preview1: `ENOTSUP` for any file.
    public func fdAllocate(fd: UInt32, offset: UInt64, length: UInt64) -> WASIErrno {
        perform { () throws(WASIErrno) in
            _ = try file(fd)
            throw .notSupported
        }
    }

    public func fdDatasync(fd: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            guard fdatasync(try file(fd).hostFD) == 0 else { throw .lastHostError }
        }
    }

    public func fdSync(fd: UInt32) -> WASIErrno {
        perform { () throws(WASIErrno) in
            guard fsync(try file(fd).hostFD) == 0 else { throw .lastHostError }
        }
    }
}
