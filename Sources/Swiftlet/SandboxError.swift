/// Why a sandbox could not run its module, or how the run failed. Every case's ``description`` is a complete
/// sentence for a user, naming the module as the configuration does.
public enum SandboxError: Error, CustomStringConvertible {
    /// The module file cannot be read.
    case unreadableModule(path: String, reason: String)
    /// The bytes are not a valid module; the message gives the byte offset and the rule broken.
    case invalidModule(String)
    /// An import is missing or has the wrong type.
    case unlinkable(module: String, reason: String)
    /// The module has no `_start` to run.
    case noStartFunction(module: String)
    case noSuchExport(module: String, name: String)
    case exportIsNotAFunction(name: String)
    case wrongArgumentCount(export: String, expected: Int, given: Int)
    case wrongArgumentType(export: String, position: Int, expected: ValueType)
    /// The module trapped (including running out of fuel); the message is the spec's wording.
    case trap(String)
    /// An exception the module threw and did not catch ended the call; the message names its tag.
    case uncaughtException(String)
    /// The module called `proc_exit` during an invocation of an export (``Sandbox/run()`` returns the status instead).
    case exited(status: UInt32)
    /// The run took longer than its time limit and was stopped (in a micro-VM, at that guest instruction).
    case timedOut(after: Duration, guestInstructionPointer: UInt64?)
    /// The micro-VM's guest kernel could not allocate `requested` bytes in `memoryMiB` of guest memory.
    case guestOutOfMemory(requested: UInt64, memoryMiB: UInt64)
    /// A preopen or listen address that does not work, or a bad limit.
    case invalidConfiguration(String)
    /// A snapshot file that cannot be used: damaged, not a snapshot, or made by another version.
    case invalidSnapshot(path: String, reason: String)
    /// A hook module that does not decode, validate or follow the hook ABI, or whose initialization failed.
    case invalidHook(String)
    /// A feature this isolation does not offer.
    case unsupported(String)
    /// The micro-VM cannot be made here: no usable KVM, no guest kernel image, or the host failed to set it up.
    case virtualMachineUnavailable(String)
    /// The guest kernel crashed or was stopped for a malformed request, at that guest instruction (which the message
    /// names too).
    case guestCrashed(String, guestInstructionPointer: UInt64)

    public var description: String {
        switch self {
        case .unreadableModule(let path, let reason): "cannot read `\(path)`: \(reason)"
        case .invalidModule(let message): message
        case .unlinkable(let module, let reason): "cannot link `\(module)`: \(reason)"
        case .noStartFunction(let module):
            "nothing to run: `\(module)` exports no `_start` function (use --invoke NAME)"
        case .noSuchExport(let module, let name): "`\(module)` has no export named `\(name)`"
        case .exportIsNotAFunction(let name): "export `\(name)` is not a function"
        case .wrongArgumentCount(let export, let expected, let given):
            "`\(export)` takes \(expected) argument(s) but \(given) were given"
        case .wrongArgumentType(let export, let position, let expected):
            "argument \(position + 1) of `\(export)` must be of type \(expected)"
        case .trap(let message): "wasm trap: \(message)"
        case .uncaughtException(let message): message
        case .exited(let status): "the module exited with status \(status)"
        case .timedOut(let limit, let rip):
            "timed out: the run was stopped after \(Self.seconds(limit)) s"
                + (rip.map { " (guest RIP 0x\(String($0, radix: 16)))" } ?? "")
        case .guestOutOfMemory(let requested, let memoryMiB):
            "guest out of memory: the kernel could not allocate \(requested) bytes in a \(memoryMiB) MiB micro-VM "
                + "(raise --memory)"
        case .invalidSnapshot(let path, let reason): "cannot use the snapshot `\(path)`: \(reason)"
        case .invalidConfiguration(let message), .unsupported(let message), .virtualMachineUnavailable(let message),
            .invalidHook(let message):
            message
        case .guestCrashed(let message, _): message
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
