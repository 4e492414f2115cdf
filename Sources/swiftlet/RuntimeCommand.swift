import ArgumentParser
import ContainerRuntime
import Glibc

/// `swiftlet runtime`: the runc-compatible runtime (ContainerRuntime). `main` sends its command lines straight to
/// `Runtime.main`, runc's grammar rather than ArgumentParser's; this command is here for `--help`.
struct RuntimeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "A runc-compatible OCI runtime: each Wasm container's module runs in its own micro-VM.",
        discussion: """
            Takes runc's command line: [--root DIR] [--log FILE] [--log-format text|json] [--runc PATH] \
            create|start|state|kill|delete|ps|features ... Containers that are not Wasm modules go to runc \
            (--runc, $SWIFTLET_RUNC or runc on PATH). Installed as `swiftlet-runtime` (a symlink to swiftlet), it \
            is that runtime without the `runtime` word, for containerd's runc shim (BinaryName, --runc-binary).
            """
    )

    /// The name under which the CLI is the runtime.
    static let executableName = "swiftlet-runtime"

    @Argument(parsing: .captureForPassthrough, help: "runc's global flags, command and arguments.")
    var arguments: [String] = []

    /// Only help comes here from `main` (arguments are captured as they are, `--help` among them).
    func run() throws {
        guard let first = arguments.first, !["--help", "-h"].contains(first) else {
            print(Self.helpMessage())
            return
        }
        Glibc.exit(Runtime.main(arguments))
    }
}
