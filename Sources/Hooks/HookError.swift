/// Why hooks could not be set up. A hook that fails while the application runs is not an error of this kind: it
/// denies the call it was asked about (see ``HookSettings/endsRunOnFailure``).
public enum HookError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The hook module does not decode or validate, or its imports or exports are not the hook ABI's.
    case invalid(hook: String, reason: String)
    /// Instantiating it, its `_initialize` or its `swiftlet_hook_init` trapped or ran out of fuel.
    case initializationFailed(hook: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let hook, let reason): "invalid hook `\(hook)`: \(reason)"
        case .initializationFailed(let hook, let reason): "hook `\(hook)` failed to initialize: \(reason)"
        }
    }
}
