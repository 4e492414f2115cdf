import ArgumentParser

struct WastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wast",
        abstract: "Runs WebAssembly spec scripts (.wast) and reports their assertions."
    )

    @Argument(help: "The spec scripts to run.")
    var scripts: [String]

    func run() throws {}
}
