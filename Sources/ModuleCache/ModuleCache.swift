// What Swiftlet remembers about a module between runs, on disk, keyed by the module's SHA-256 and the engine's
// version, as wasmtime's cache is. Owns the entry format and its files; must not touch the engine's decoding or a
// guest: an entry is read only by the host, and only its fixed fields are believed (never a length or offset that
// could steer a read), after its checksum matches.

import Digest
import Glibc
import WasmEngine

/// Which module and which engine an entry is for. Two runs share an entry only when both match.
public struct ModuleCacheKey: Equatable, Sendable {
    /// SHA-256 of the module's bytes.
    public let moduleDigest: [UInt8]
    /// What the entry's facts depend on: an entry written by another version is stale.
    public let engineVersion: String

    public init(module: UnsafeRawBufferPointer, engineVersion: String = ModuleCache.engineVersion) {
        self.init(digest: sha256(module), engineVersion: engineVersion)
    }

    public init(digest: [UInt8], engineVersion: String = ModuleCache.engineVersion) {
        moduleDigest = digest
        self.engineVersion = engineVersion
    }

    /// SHA-256 of the `size` bytes of the open file `descriptor`, read through a private mapping that is gone on return
    /// (hashing keeps no copy); nil when the file cannot be mapped.
    public static func digest(ofFile descriptor: Int32, size: Int) -> [UInt8]? {
        guard size > 0 else { return sha256(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let mapping, mapping != MAP_FAILED else { return nil }
        defer { munmap(mapping, size) }
        // SAFETY: the mapping holds `size` readable bytes until the `munmap` above.
        return sha256(UnsafeRawBufferPointer(start: mapping, count: size))
    }

    /// The entry's file name: the digest in hex.
    var fileName: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: moduleDigest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] }, as: UTF8.self)
            + ".entry"
    }
}

/// What is known about a module.
public struct ModuleCacheEntry: Equatable, Sendable {
    /// Every function body of the module passed validation.
    public var bodiesValidated: Bool

    public init(bodiesValidated: Bool) {
        self.bodiesValidated = bodiesValidated
    }
}

/// A directory of entries, one file per module. Writes are atomic (a temporary file renamed over the entry), so a
/// reader sees a whole entry or none; an entry that is truncated, corrupted, for another module or from another
/// engine version is ignored, and the next write replaces it.
public struct ModuleCache: Sendable {
    public let directory: String

    /// This engine's version as entries record it: what they say holds for this engine revision only.
    public static let engineVersion = "swiftlet engine \(Module.engineRevision)"

    /// The cache in `directory`, which is created (with its parents) when first written.
    public init(directory: String) {
        self.directory = directory
    }

    /// `$SWIFTLET_CACHE_DIR`, else `$XDG_CACHE_HOME/swiftlet`, else `~/.cache/swiftlet`; nil when none can be named.
    public static var defaultDirectory: String? {
        if let directory = environment("SWIFTLET_CACHE_DIR"), !directory.isEmpty { return directory }
        if let cache = environment("XDG_CACHE_HOME"), !cache.isEmpty { return cache + "/swiftlet" }
        if let home = environment("HOME"), !home.isEmpty { return home + "/.cache/swiftlet" }
        return nil
    }

    /// The entry for `key`, or nil when there is none that can be trusted.
    public func entry(for key: ModuleCacheKey) -> ModuleCacheEntry? {
        guard let bytes = readFile(path(of: key), limit: EntryFormat.maximumSize) else { return nil }
        return EntryFormat.decode(bytes, for: key)
    }

    /// Records `entry` for `key`. Failing to write (a read-only or full disk) is not an error: the cache is only an
    /// optimization, so the run goes on without it.
    public func store(_ entry: ModuleCacheEntry, for key: ModuleCacheKey) {
        guard makeDirectories(directory) else { return }
        let final = path(of: key)
        let temporary = final + ".\(getpid()).tmp"
        guard writeFile(temporary, EntryFormat.encode(entry, for: key)) else {
            unlink(temporary)
            return
        }
        if rename(temporary, final) != 0 { unlink(temporary) }
    }

    func path(of key: ModuleCacheKey) -> String { directory + "/" + key.fileName }

    /// The key of the module in the open file `descriptor`. Hashing 24 MB takes ~20 ms, so the digest of a file is
    /// recorded next to the entries under the file's identity (device, inode, size, modification and change times:
    /// any write changes the change time) and reused while the identity holds; otherwise `hash` computes it. A digest
    /// that is wrong for the bytes (a file rewritten within one tick of the clock) can only make a run skip validating
    /// bodies that are still validated when they are translated.
    public func key(forFile descriptor: Int32, hash: () -> [UInt8]?) -> ModuleCacheKey? {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return hash().map { ModuleCacheKey(digest: $0) } }
        let identity = FileIdentityFormat.identity(of: status)
        let path = directory + "/files/\(status.st_dev)-\(status.st_ino).file"
        if let bytes = readFile(path, limit: FileIdentityFormat.size), let digest = FileIdentityFormat.decode(bytes, identity) {
            return ModuleCacheKey(digest: digest)
        }
        guard let digest = hash() else { return nil }
        if makeDirectories(directory + "/files") {
            let temporary = path + ".\(getpid()).tmp"
            if !writeFile(temporary, FileIdentityFormat.encode(identity, digest)) || rename(temporary, path) != 0 {
                unlink(temporary)
            }
        }
        return ModuleCacheKey(digest: digest)
    }
}

/// A file's recorded digest: "SWLTFILE", the identity (device, inode, size, modification and change times in
/// seconds and nanoseconds, u64 LE each), the SHA-256 digest, and a SHA-256 of everything before it.
enum FileIdentityFormat {
    static let magic = Array("SWLTFILE".utf8)
    static let size = 8 + 7 * 8 + 32 + 32

    static func identity(of status: stat) -> [UInt64] {
        [UInt64(status.st_dev), UInt64(status.st_ino), UInt64(status.st_size),
         UInt64(bitPattern: Int64(status.st_mtim.tv_sec)), UInt64(status.st_mtim.tv_nsec),
         UInt64(bitPattern: Int64(status.st_ctim.tv_sec)), UInt64(status.st_ctim.tv_nsec)]
    }

    static func encode(_ identity: [UInt64], _ digest: [UInt8]) -> [UInt8] {
        let words = identity.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) } }
        let body = magic + words + digest
        return body + body.withUnsafeBytes { sha256($0) }
    }

    /// The digest, when `bytes` is a whole, intact record for exactly this identity.
    static func decode(_ bytes: [UInt8], _ identity: [UInt64]) -> [UInt8]? {
        guard bytes.count == size else { return nil }
        let digest = Array(bytes[(size - 64)..<(size - 32)])
        return encode(identity, digest) == bytes ? digest : nil
    }
}

/// An entry file: a fixed header, the facts, and a SHA-256 of everything before it.
///
///     "SWLTCACH"  format (u32 LE)  engine version length (u32 LE)  engine version (UTF-8)
///     module digest (32 bytes)  flags (u64 LE: bit 0 = bodies validated)  checksum (32 bytes)
enum EntryFormat {
    static let magic = Array("SWLTCACH".utf8)
    /// Bumped when the layout changes; an entry of another format is ignored.
    static let format: UInt32 = 1
    static let maximumSize = 4096

    static func encode(_ entry: ModuleCacheEntry, for key: ModuleCacheKey) -> [UInt8] {
        let version = Array(key.engineVersion.utf8)
        var bytes = magic + littleEndian(format) + littleEndian(UInt32(version.count)) + version
        bytes += key.moduleDigest
        bytes += littleEndian(UInt64(entry.bodiesValidated ? 1 : 0))
        return bytes + bytes.withUnsafeBytes { sha256($0) }
    }

    static func decode(_ bytes: [UInt8], for key: ModuleCacheKey) -> ModuleCacheEntry? {
        let expectedVersion = Array(key.engineVersion.utf8)
        let bodyCount = magic.count + 8 + expectedVersion.count + 32 + 8
        // The size is fixed by the key: a length field in the file is compared, never followed.
        guard bytes.count == bodyCount + 32 else { return nil }
        let body = bytes[0..<bodyCount]
        guard body.withUnsafeBytes({ sha256($0) }).elementsEqual(bytes[bodyCount...]) else { return nil }
        var expected = magic + littleEndian(format) + littleEndian(UInt32(expectedVersion.count)) + expectedVersion
        expected += key.moduleDigest
        guard body.prefix(expected.count).elementsEqual(expected) else { return nil }
        var flags: UInt64 = 0
        for (index, byte) in body.suffix(8).enumerated() { flags |= UInt64(byte) << (8 * UInt64(index)) }
        guard flags & ~1 == 0 else { return nil }
        return ModuleCacheEntry(bodiesValidated: flags & 1 != 0)
    }

    private static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}

private func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

/// The file's bytes when it is a regular file of at most `limit` bytes.
private func readFile(_ path: String, limit: Int) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size <= limit else { return nil }
    var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
    var count = 0
    while count < bytes.count {
        // SAFETY: count < bytes.count, so the read stays inside the array.
        let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
        if got > 0 {
            count += got
        } else if got == 0 || errno != EINTR {
            return nil
        }
    }
    return bytes
}

private func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var written = 0
    while written < bytes.count {
        // SAFETY: written < bytes.count, so the write reads only inside the array.
        let result = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
        if result > 0 {
            written += result
        } else if result < 0 && errno != EINTR {
            return false
        }
    }
    return true
}

/// `mkdir -p`: true when the directory exists afterwards.
private func makeDirectories(_ path: String) -> Bool {
    var status = stat()
    if stat(path, &status) == 0 { return status.st_mode & S_IFMT == S_IFDIR }
    if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
        guard makeDirectories(String(path[..<slash])) else { return false }
    }
    return mkdir(path, 0o755) == 0 || errno == EEXIST
}
