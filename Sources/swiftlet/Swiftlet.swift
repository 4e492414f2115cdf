import ArgumentParser
import Swiftlet

/// The `swiftlet` command line: runs, validates and spec-tests WebAssembly modules, shaped like `wasmtime`.
@main
struct SwiftletCommand: ParsableCommand {
    static let version = swiftletVersion

    static let configuration = CommandConfiguration(
        commandName: "swiftlet",
        abstract: "Runs untrusted WebAssembly modules in isolation.",
        version: "swiftlet \(version)",
        subcommands: [RunCommand.self, SnapshotCommand.self, ServeCommand.self, ValidateCommand.self, WastCommand.self, InfoCommand.self, ExploreCommand.self]
    )

    /// `run` in the common case goes straight to `RunOptions.run`, without ArgumentParser's start-up (see
    /// `RunOptions.parse`); everything else, and every failure, ends as ArgumentParser would end it.
    static func main() {
        guard let options = RunOptions.parse(Array(CommandLine.arguments.dropFirst())) else {
            return main(nil)
        }
        do {
            try options.run()
        } catch {
            exit(withError: error)
        }
    }
}
