import ArgumentParser

/// The `swiftlet` command line: runs, validates and spec-tests WebAssembly modules, shaped like `wasmtime`.
@main
struct Swiftlet: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "swiftlet",
        abstract: "Runs untrusted WebAssembly modules in isolation.",
        version: "swiftlet \(version)",
        subcommands: [RunCommand.self, ValidateCommand.self, WastCommand.self, InfoCommand.self, ExploreCommand.self]
    )
}
