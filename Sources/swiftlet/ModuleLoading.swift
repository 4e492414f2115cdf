import Glibc
import WasmEngine

/// Reads a module file, failing with a message that names the file.
func readModuleFile(_ path: String) throws -> [UInt8] {
    if let bytes = readWholeFile(path) { return bytes }
    var status = stat()
    guard stat(path, &status) == 0 else {
        throw CommandFailure(message: "cannot read `\(path)`: no such file")
    }
    guard status.st_mode & S_IFMT != S_IFDIR else {
        throw CommandFailure(message: "cannot read `\(path)`: it is a directory")
    }
    throw CommandFailure(message: "cannot read `\(path)`: permission denied or unreadable")
}

/// Reads and decodes a module file, failing with a message that names the file and, for a bad module, the byte
/// offset and rule broken.
func loadModule(_ path: String) throws -> Module {
    let bytes = try readModuleFile(path)
    do throws(ModuleError) {
        return try Module(bytes: bytes)
    } catch {
        throw CommandFailure(message: describe(error, path: path, bytes: bytes))
    }
}

/// A module error as the commands print it, with a hint when the file is in the text format.
func describe(_ error: ModuleError, path: String, bytes: [UInt8]) -> String {
    let looksLikeText = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "(")
    guard error.kind == .malformed && error.offset == 0 && looksLikeText else { return error.description }
    return error.description + " (`\(path)` looks like the text format; convert it with `wasm-tools parse`)"
}
