import ArgumentParser
import WasmEngine

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Decodes and validates a WebAssembly binary module."
    )

    @Argument(help: "The WebAssembly binary module to check.")
    var module: String

    func run() throws {
        try reportingFailures {
            let bytes = try readModuleFile(module)
            do throws(ModuleError) {
                _ = try Module(bytes: bytes)
            } catch {
                throw CommandFailure(message: describe(error, path: module, bytes: bytes))
            }
            print("valid")
        }
    }
}
