import Swiftlet

/// Why a server could not start; each ``description`` is a complete sentence for a user. Failures of single requests
/// are never errors of the server: they become HTTP responses (500, 504).
public enum ServeError: Error, CustomStringConvertible {
    /// The route table cannot be read or says something wrong (the message names the file and line).
    case invalidRouteTable(String)
    /// The listen address does not parse, or cannot be bound.
    case cannotListen(address: String, reason: String)
    /// A route's module cannot be made ready: it does not load, link or initialize, or its sandbox cannot be made.
    case moduleNotReady(module: String, SandboxError)
    /// Options that do not go together.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .invalidRouteTable(let message), .invalidConfiguration(let message): message
        case .cannotListen(let address, let reason): "cannot listen on `\(address)`: \(reason)"
        case .moduleNotReady(let module, let error): "cannot serve `\(module)`: \(error)"
        }
    }
}
