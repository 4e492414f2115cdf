import ArgumentParser
import ContainerRuntime
import Glibc
import Swiftlet

/// The `swiftlet` command line: runs, validates and spec-tests WebAssembly modules, shaped like `wasmtime`.
@main
struct SwiftletCommand: ParsableCommand {
    static let version = swiftletVersion

    static let configuration = CommandConfiguration(
        commandName: "swiftlet",
        abstract: "Runs untrusted WebAssembly modules in isolation.",
        version: "swiftlet \(version)",
        subcommands: [
            RunCommand.self, SnapshotCommand.self, ServeCommand.self, BuildCommand.self, RuntimeCommand.self,
            ValidateCommand.self, WastCommand.self, InfoCommand.self, ExploreCommand.self,
        ]
    )

    /// `run` in the common case goes straight to `RunOptions.run`, without ArgumentParser's start-up (see
    /// `RunOptions.parse`), and so does the runtime (`swiftlet-runtime ...` or `swiftlet runtime ...`, runc's
    /// grammar); everything else, and every failure, ends as ArgumentParser would end it.
    static func main() {
        unblockTerminationSignals()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if CommandLine.arguments.first?.split(separator: "/").last == Substring(RuntimeCommand.executableName) {
            Glibc.exit(Runtime.main(arguments))
        }
        if arguments.first == RuntimeCommand.configuration.commandName,
            !["--help", "-h"].contains(arguments.dropFirst().first)
        {
            Glibc.exit(Runtime.main(Array(arguments.dropFirst())))
        }
        guard let options = RunOptions.parse(arguments) else {
            return main(nil)
        }
        do {
            try options.run()
        } catch {
            exit(withError: error)
        }
    }
}

/// Lets SIGINT, SIGTERM and SIGHUP end the process again. A signal mask is inherited, and a parent may start this
/// process with them blocked (every thread of Swift concurrency blocks all signals, so a child spawned from a task has
/// them blocked): `kill` and Ctrl-C would then not stop a server.
private func unblockTerminationSignals() {
    var signals = sigset_t()
    sigemptyset(&signals)
    for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, signal) }
    sigprocmask(SIG_UNBLOCK, &signals, nil)
}
