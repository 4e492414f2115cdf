import Glibc
import Digest
import ModuleCache

/// The file form of a sandbox snapshot: a header naming the format and what made it, sections of tagged bytes, and
/// the SHA-256 of everything before it.
///
/// Layout (integers little-endian): "SWLTSNAP", format version (u32), then sections — tag (u32), length (u64), bytes
/// — and last the 32-byte digest. A reader checks the digest over the whole file before it believes any length, so a
/// damaged or truncated file is refused as a whole; what the sections contain is then checked by their owners
/// (the monitor's and the engine's snapshot formats) as if hostile anyway.
enum SnapshotFile {
    static let magic = Array("SWLTSNAP".utf8)
    static let formatVersion: UInt32 = 1
    static let digestSize = 32

    enum Tag: UInt32 {
        /// Who made it (``SandboxSnapshot/producerIdentity``): the snapshot is refused by any other.
        case producer = 1
        /// The isolation and the snapshot point.
        case description = 2
        /// The module's bytes.
        case module = 3
        /// The captured state, in the isolation's own format.
        case state = 4
    }

    /// Writes a snapshot file beside its final path and renames it into place on ``commit()``, so a reader never sees
    /// half a file under the final name. The digest is computed at the end by reading the file back, so a section's
    /// owner may write to the descriptor itself (a VM's memory, straight from its memfd).
    struct Writer: ~Copyable {
        private let descriptor: Int32
        private let path: String
        private let temporaryPath: String
        private var committed = false

        init(path: String) throws(SandboxError) {
            self.path = path
            temporaryPath = path + ".partial-\(getpid())"
            descriptor = open(temporaryPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw Self.failure(path, "cannot create it") }
            try write(SnapshotFile.magic + littleEndian(SnapshotFile.formatVersion))
        }

        deinit {
            close(descriptor)
            if !committed { unlink(temporaryPath) }
        }

        /// A section whose bytes are given whole.
        func appendSection(_ tag: Tag, _ bytes: [UInt8]) throws(SandboxError) {
            try write(littleEndian(tag.rawValue) + littleEndian(UInt64(bytes.count)) + bytes)
        }

        /// A section that `body` writes to the file's descriptor, from its current position on.
        func appendSection(
            _ tag: Tag, _ body: (Int32) throws(SandboxError) -> Void
        ) throws(SandboxError) {
            try write(littleEndian(tag.rawValue) + littleEndian(UInt64(0)))
            let start = lseek(descriptor, 0, SEEK_CUR)
            try body(descriptor)
            let end = lseek(descriptor, 0, SEEK_CUR)
            guard start >= 0, end >= start else { throw Self.failure(path, "cannot tell where a section ends") }
            let length = littleEndian(UInt64(end - start))
            let written = length.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, 8, start - 8) }
            guard written == 8 else { throw Self.failure(path, String(cString: strerror(errno))) }
        }

        /// Appends the digest of everything written, flushes the file to disk and gives it its final name.
        consuming func commit() throws(SandboxError) {
            let size = lseek(descriptor, 0, SEEK_CUR)
            guard size >= 0 else { throw Self.failure(path, String(cString: strerror(errno))) }
            var hasher = SHA256Hasher()
            do throws(SandboxError) {
                try SnapshotFile.forEachChunk(of: descriptor, count: UInt64(size), path: path) { hasher.update($0) }
            } catch {
                throw Self.failure(path, "cannot read it back")
            }
            try write(hasher.finalize())
            guard fsync(descriptor) == 0, rename(temporaryPath, path) == 0 else {
                throw Self.failure(path, String(cString: strerror(errno)))
            }
            committed = true
        }

        private func write(_ bytes: [UInt8]) throws(SandboxError) {
            var offset = 0
            while offset < bytes.count {
                let count = bytes.withUnsafeBytes { buffer in
                    // SAFETY: offset < bytes.count, so the write reads only inside `bytes`.
                    Glibc.write(descriptor, buffer.baseAddress! + offset, bytes.count - offset)
                }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { throw Self.failure(path, String(cString: strerror(errno))) }
                offset += count
            }
        }

        private static func failure(_ path: String, _ reason: String) -> SandboxError {
            .invalidConfiguration("cannot write the snapshot file `\(path)`: \(reason)")
        }
    }

    /// Calls `body` with the first `count` bytes of `descriptor`, a chunk at a time (read with pread).
    static func forEachChunk(
        of descriptor: Int32, count: UInt64, path: String, _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(SandboxError) {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { chunk.deallocate() }
        var offset: UInt64 = 0
        while offset < count {
            let wanted = Int(min(UInt64(chunk.count), count - offset))
            // SAFETY: at most chunk.count bytes are read into the chunk allocated above.
            let got = pread(descriptor, chunk.baseAddress, wanted, off_t(offset))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw .invalidSnapshot(path: path, reason: "it could not be read to the end") }
            body(UnsafeRawBufferPointer(rebasing: chunk[0..<got]))
            offset += UInt64(got)
        }
    }

    /// A snapshot file whose digest matched, and where each of its sections lies in it.
    struct Reader: ~Copyable {
        private let file: ModuleFile
        let path: String
        /// Each section's place in the file, by tag; a tag given twice is refused.
        let sections: [Tag: (offset: UInt64, length: UInt64)]

        init(path: String) throws(SandboxError) {
            let file = try ModuleFile(path: path)
            sections = try Self.sections(of: file, path: path)
            self.file = file
            self.path = path
        }

        var descriptor: Int32 { file.descriptor }

        /// The bytes of section `tag`, which must be present and at most `limit` bytes.
        func section(_ tag: Tag, limit: UInt64 = 1 << 31) throws(SandboxError) -> [UInt8] {
            guard let (offset, length) = sections[tag] else {
                throw Self.refusal(path, "it has no section \(tag.rawValue)")
            }
            guard length <= limit else { throw Self.refusal(path, "section \(tag.rawValue) is too large") }
            return try Self.read(file, at: offset, count: Int(length), path: path)
        }

        /// The file's descriptor positioned at section `tag`'s first byte, for an owner that reads its section itself
        /// (and must stop at its end: ``sections`` says where that is).
        func descriptor(positionedAt tag: Tag) throws(SandboxError) -> Int32 {
            guard let (offset, _) = sections[tag] else { throw Self.refusal(path, "it has no section \(tag.rawValue)") }
            guard lseek(file.descriptor, off_t(offset), SEEK_SET) == off_t(offset) else {
                throw Self.refusal(path, String(cString: strerror(errno)))
            }
            return file.descriptor
        }

        /// Checks the header and the digest, then finds the sections.
        private static func sections(
            of file: borrowing ModuleFile, path: String
        ) throws(SandboxError) -> [Tag: (offset: UInt64, length: UInt64)] {
            let headerSize = UInt64(SnapshotFile.magic.count + 4)
            guard file.size >= headerSize + UInt64(SnapshotFile.digestSize) else {
                throw refusal(path, "it is too short to be a snapshot")
            }
            let header = try read(file, at: 0, count: Int(headerSize), path: path)
            guard Array(header[0..<8]) == SnapshotFile.magic else { throw refusal(path, "it is not a snapshot file") }
            let version = integer(header[8..<12], as: UInt32.self)
            guard version == SnapshotFile.formatVersion else {
                throw refusal(path, "it is in snapshot format \(version); this swiftlet reads format "
                    + "\(SnapshotFile.formatVersion)")
            }
            let contentSize = file.size - UInt64(SnapshotFile.digestSize)
            var hasher = SHA256Hasher()
            try SnapshotFile.forEachChunk(of: file.descriptor, count: contentSize, path: path) { hasher.update($0) }
            guard try hasher.finalize() == read(file, at: contentSize, count: SnapshotFile.digestSize, path: path) else {
                throw refusal(path, "its checksum does not match: the file is damaged or was changed")
            }
            var sections: [Tag: (offset: UInt64, length: UInt64)] = [:]
            var offset = headerSize
            while offset < contentSize {
                guard contentSize - offset >= 12 else { throw refusal(path, "a section header is cut short") }
                let fields = try read(file, at: offset, count: 12, path: path)
                let (tag, length) = (integer(fields[0..<4], as: UInt32.self), integer(fields[4..<12], as: UInt64.self))
                offset += 12
                guard length <= contentSize - offset else { throw refusal(path, "a section runs past the end") }
                if let known = Tag(rawValue: tag) {
                    guard sections[known] == nil else { throw refusal(path, "section \(tag) appears twice") }
                    sections[known] = (offset, length)
                }
                offset += length
            }
            return sections
        }

        private static func read(
            _ file: borrowing ModuleFile, at offset: UInt64, count: Int, path: String
        ) throws(SandboxError) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got = bytes.withUnsafeMutableBytes { buffer in
                    // SAFETY: done < count = buffer.count, so the read stays inside `bytes`.
                    pread(file.descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                }
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { throw refusal(path, "it could not be read to the end") }
                done += got
            }
            return bytes
        }

        static func refusal(_ path: String, _ reason: String) -> SandboxError {
            .invalidSnapshot(path: path, reason: reason)
        }
    }
}

/// The little-endian integer in `bytes` (as many as the type has).
func integer<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, as type: T.Type) -> T {
    bytes.reversed().reduce(T.zero) { $0 << 8 | T($1) }
}

/// `value`'s bytes, little-endian.
func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}
