import ArgumentParser
import Swiftlet

extension SnapshotPoint: ExpressibleByArgument {}

/// `swiftlet snapshot`: runs a module to a snapshot point and writes the captured sandbox to a file, which
/// `swiftlet run FILE` then starts from.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Runs a module to a snapshot point and writes the captured sandbox to a file for `run` to start from.",
        discussion: """
            --at initialized (the default) captures the module after instantiation and its initializer (`wizer.initialize`, \
            else `_initialize`); `run FILE` then calls `_start` or --invoke NAME with its own arguments. --at stdin \
            captures `_start` just before it first reads stdin (micro-VM only); `run FILE` feeds it a new stdin. Runs \
            from a snapshot need the same --dir guest names and --tcplisten count; host paths may differ.
            """
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("The snapshot file to write.", valueName: "FILE"))
    var output: String

    @Option(help: "Where to capture: `initialized` or `stdin`.")
    var at: SnapshotPoint = .afterInitialization

    @Option(help: "Where the module runs: `process` (in this process) or `vm` (a KVM micro-VM).")
    var isolation: Isolation = .vm

    @OptionGroup(title: "Micro-VM options") var vmOptions: VMOptions

    @OptionGroup(title: "The module's world") var world: WorldOptions

    @OptionGroup(title: "Key-value stores") var keyValue: KeyValueOptions

    @Argument(help: "The WebAssembly binary module.")
    var module: String

    @Argument(parsing: .captureForPassthrough, help: "The program's arguments (kept in a `stdin` snapshot).")
    var arguments: [String] = []

    func run() throws {
        try reportingFailures {
            let options = RunOptions(
                module: module, arguments: arguments, isolation: isolation, memory: vmOptions.memory,
                timeout: vmOptions.timeout, directories: world.directories,
                environment: world.environment, listenAddresses: world.listenAddresses,
                keyValue: keyValue.stores.isEmpty ? nil : keyValue)
            let sandbox = try Sandbox(try options.sandboxConfiguration())
            try sandbox.snapshot(at: at).write(to: output)
        }
    }
}
