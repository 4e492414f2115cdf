import Glibc
import ModuleCache
import WasmEngine

/// Reads a module file, failing with a message that names the file.
func readModuleFile(_ path: String) throws -> ModuleBytes {
    if let bytes = readModuleBytes(path) { return bytes }
    throw unreadableModuleFile(path)
}

/// Opens a module file for reading, failing with a message that names the file: its descriptor and size.
func openModuleFile(_ path: String) throws -> (descriptor: Int32, size: UInt64) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    var status = stat()
    guard fd >= 0 else { throw unreadableModuleFile(path) }
    guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
        close(fd)
        throw unreadableModuleFile(path)
    }
    return (fd, UInt64(status.st_size))
}

/// Why a module file cannot be read.
private func unreadableModuleFile(_ path: String) -> CommandFailure {
    var status = stat()
    guard stat(path, &status) == 0 else {
        return CommandFailure(message: "cannot read `\(path)`: no such file")
    }
    guard status.st_mode & S_IFMT != S_IFDIR else {
        return CommandFailure(message: "cannot read `\(path)`: it is a directory")
    }
    return CommandFailure(message: "cannot read `\(path)`: permission denied or unreadable")
}

/// Reads and decodes a module file, failing with a message that names the file and, for a bad module, the byte
/// offset and rule broken. With a cache, a module it knows was validated before is not validated again, and one
/// validated now is recorded.
func loadModule(_ path: String, cache: ModuleCache? = nil, report: StartReport? = nil) throws -> Module {
    let file = try openModuleFile(path)
    defer { close(file.descriptor) }
    guard let bytes = readModuleBytes(file.descriptor, size: Int(file.size)) else {
        throw CommandFailure(message: "cannot read `\(path)`: the read failed or the file changed size")
    }
    let key = cache?.key(forFile: file.descriptor) { bytes.withUnsafeBytes { ModuleCacheKey(module: $0).moduleDigest } }
    let known = key.flatMap { cache?.entry(for: $0) }?.bodiesValidated == true
    report?.noteCache(cache == nil ? .disabled : known ? .hit : .miss)
    do throws(ModuleError) {
        let module = try Module(bytes: bytes, bodies: known ? .alreadyValidated : .eager)
        if let cache, let key, !known { cache.store(ModuleCacheEntry(bodiesValidated: true), for: key) }
        return module
    } catch {
        throw CommandFailure(message: describe(error, path: path, bytes: bytes))
    }
}

/// A module error as the commands print it, with a hint when the file is in the text format.
func describe(_ error: ModuleError, path: String, bytes: ModuleBytes) -> String {
    let looksLikeText = bytes.withUnsafeBytes { $0.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } } == UInt8(ascii: "(")
    guard error.kind == .malformed && error.offset == 0 && looksLikeText else { return error.description }
    return error.description + " (`\(path)` looks like the text format; convert it with `wasm-tools parse`)"
}
