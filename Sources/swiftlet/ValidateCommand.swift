import ArgumentParser
import Swiftlet

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Decodes and validates a WebAssembly binary module."
    )

    @Argument(help: "The WebAssembly binary module to check.")
    var module: String

    func run() throws {
        try reportingFailures {
            _ = try Sandbox.loadModule(path: module)
            print("valid")
        }
    }
}
