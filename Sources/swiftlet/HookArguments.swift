import ArgumentParser
import Glibc
import Swiftlet

/// The hooks `run` loads beside the module (include/swiftlet/hook.h), and where their output goes.
struct HookArguments: ParsableArguments, Equatable {
    @Option(
        name: .customLong("hook"),
        help: ArgumentHelp(
            "Run this hook module around every WASI call of the module (include/swiftlet/hook.h); CONFIG is the string "
                + "its `config` import reads. Repeat for more; they run in order.", valueName: "HOOK.wasm[::CONFIG]"))
    var hooks: [String] = []

    @Option(
        name: .customLong("hook-output"),
        help: ArgumentHelp("Write what the hooks emit to FILE (created, or truncated); without it, it is dropped.",
            valueName: "FILE"))
    var output: String?

    @Option(
        name: .customLong("hook-fuel"),
        help: ArgumentHelp("Fuel (instructions) for each call of a hook's handler; running out is a failure.", valueName: "N"))
    var fuel = Sandbox.HookOptions().fuelPerEvent

    @Option(
        name: .customLong("hook-failure"),
        help: "When a hook fails (traps, runs out of fuel, returns no verdict): `deny` the call (ENOTCAPABLE) or `end` the run.")
    var failure = FailureAction.deny

    enum FailureAction: String, ExpressibleByArgument {
        case deny, end
    }

    /// Adds the hooks to `configuration`: reads each module and opens the output file, which stays open for the
    /// process's life.
    func apply(to configuration: inout Sandbox.Configuration) throws {
        configuration.hooks = try hooks.map { (argument) throws(SandboxError) in
            guard let separator = argument.firstRange(of: "::") else { return try Sandbox.Hook(path: argument) }
            return try Sandbox.Hook(
                path: String(argument[..<separator.lowerBound]),
                configuration: String(argument[separator.upperBound...]))
        }
        if let output {
            let descriptor = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw CommandFailure(message: "cannot open the hook output `\(output)`: \(String(cString: strerror(errno)))")
            }
            configuration.hookOptions.output = descriptor
        }
        configuration.hookOptions.fuelPerEvent = fuel
        configuration.hookOptions.endsRunOnFailure = failure == .end
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        (lhs.hooks, lhs.output, lhs.fuel, lhs.failure) == (rhs.hooks, rhs.output, rhs.fuel, rhs.failure)
    }
}
