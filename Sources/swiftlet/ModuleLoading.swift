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

/// Decodes and validates a binary module: the engine's single entry point for module bytes.
func decodeModule(_ bytes: [UInt8]) throws(ModuleError) -> Module {
    try Module(bytes: bytes)
}
