import Foundation
import WasmEngine

/// Reads a module file, failing with a message that names the file.
func readModuleFile(_ path: String) throws -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw CommandFailure(message: "cannot read `\(path)`: no such file")
    }
    guard !isDirectory.boolValue else {
        throw CommandFailure(message: "cannot read `\(path)`: it is a directory")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CommandFailure(message: "cannot read `\(path)`: permission denied or unreadable")
    }
    return [UInt8](data)
}

/// A module error as the commands print it, with a hint when the file is in the text format.
func describe(_ error: ModuleError, path: String, bytes: [UInt8]) -> String {
    let looksLikeText = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "(")
    guard error.kind == .malformed && error.offset == 0 && looksLikeText else { return error.description }
    return error.description + " (`\(path)` looks like the text format; convert it with `wasm-tools parse`)"
}
