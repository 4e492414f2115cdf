import ArgumentParser
import Swiftlet
import WasmEngine

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Decodes and validates a WebAssembly binary module."
    )

    @Argument(help: "The WebAssembly binary module to check.")
    var module: String

    @OptionGroup var features: WasmFeatureOptions

    func run() throws {
        try reportingFailures {
            let refused = try features.refused()
            try WasmFeatureOptions.check(try Sandbox.loadModule(path: module).module, path: module, refused: refused)
            print("valid")
        }
    }
}
