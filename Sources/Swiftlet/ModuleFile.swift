import Glibc
import ModuleCache

/// An open module file: its descriptor (closed when dropped) and size.
struct ModuleFile: ~Copyable {
    let descriptor: Int32
    let size: UInt64

    /// Opens a module file for reading, failing with a message that names the file.
    init(path: String) throws(SandboxError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        var status = stat()
        guard fd >= 0 else { throw Self.unreadable(path) }
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw Self.unreadable(path)
        }
        descriptor = fd
        size = UInt64(status.st_size)
    }

    deinit { close(descriptor) }

    /// The whole file, read straight into a module's bytes.
    func read(path: String) throws(SandboxError) -> ModuleBytes {
        guard let bytes = readModuleBytes(descriptor, size: Int(size)) else {
            throw .unreadableModule(path: path, reason: "the read failed or the file changed size")
        }
        return bytes
    }

    /// Why a module file cannot be read.
    private static func unreadable(_ path: String) -> SandboxError {
        var status = stat()
        guard stat(path, &status) == 0 else { return .unreadableModule(path: path, reason: "no such file") }
        guard status.st_mode & S_IFMT != S_IFDIR else {
            return .unreadableModule(path: path, reason: "it is a directory")
        }
        return .unreadableModule(path: path, reason: "permission denied or unreadable")
    }
}

/// Whether a run's module cache knew the module.
public enum ModuleCacheUse: Sendable {
    /// No cache was configured.
    case disabled
    /// The module's bodies were validated by an earlier run: not validated again.
    case hit
    /// Every body was validated by this run, which then recorded it.
    case miss
}

extension Sandbox {
    /// Reads and decodes a module file, failing with a message that names the file and, for a bad module, the byte
    /// offset and rule broken. With a cache, a module it knows was validated before is not validated again, and one
    /// validated now is recorded.
    package static func loadModule(
        path: String, cache: ModuleCache? = nil
    ) throws(SandboxError) -> (module: Module, cacheUse: ModuleCacheUse) {
        let file = try ModuleFile(path: path)
        let bytes = try file.read(path: path)
        let key = cache?.key(forFile: file.descriptor) { bytes.withUnsafeBytes { ModuleCacheKey(module: $0).moduleDigest } }
        return try decode(bytes, name: path, cache: cache, key: key)
    }

    /// Decodes a module in memory, with the cache as ``loadModule(path:cache:)`` uses it.
    static func decodeModule(
        _ bytes: [UInt8], name: String, cache: ModuleCache?
    ) throws(SandboxError) -> (module: Module, cacheUse: ModuleCacheUse) {
        let key = cache.map { _ in bytes.withUnsafeBytes { ModuleCacheKey(module: $0) } }
        return try decode(ModuleBytes(copying: bytes), name: name, cache: cache, key: key)
    }

    private static func decode(
        _ bytes: ModuleBytes, name: String, cache: ModuleCache?, key: ModuleCacheKey?
    ) throws(SandboxError) -> (module: Module, cacheUse: ModuleCacheUse) {
        let known = key.flatMap { cache?.entry(for: $0) }?.bodiesValidated == true
        do throws(ModuleError) {
            let module = try Module(bytes: bytes, bodies: known ? .alreadyValidated : .eager)
            if let cache, let key, !known { cache.store(ModuleCacheEntry(bodiesValidated: true), for: key) }
            return (module, cache == nil ? .disabled : known ? .hit : .miss)
        } catch {
            throw .invalidModule(describe(error, name: name, bytes: bytes))
        }
    }

    /// A module error as users read it, with a hint when the file is in the text format.
    static func describe(_ error: ModuleError, name: String, bytes: ModuleBytes) -> String {
        let looksLikeText =
            bytes.withUnsafeBytes { $0.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } } == UInt8(ascii: "(")
        guard error.kind == .malformed && error.offset == 0 && looksLikeText else { return error.description }
        return error.description + " (`\(name)` looks like the text format; convert it with `wasm-tools parse`)"
    }

    /// Why the whole decoding rejects `bytes`, worded as in-process; nil for a valid module.
    static func moduleErrorMessage(_ bytes: ModuleBytes, name: String) -> String? {
        do throws(ModuleError) {
            _ = try Module(bytes: bytes)
            return nil
        } catch {
            return describe(error, name: name, bytes: bytes)
        }
    }
}
