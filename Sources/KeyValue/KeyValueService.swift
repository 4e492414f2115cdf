import Glibc
import Swiftlet

/// The key-value stores a host offers to its guests, as the Wasm import module `kv` (include/swiftlet/kv.h).
///
/// One service serves every sandbox of a host, on any number of threads at once: it holds the backend (a SQLite
/// database, or a pool of Redis connections) and nothing of any run. What a module may reach is decided per sandbox,
/// by the store names its host functions are made for, so each run or route grants its own stores out of one service:
///
/// ```swift
/// let service = try KeyValueService(KeyValueService.Configuration(backend: .sqlite(directory: "/var/lib/app")))
/// var configuration = Sandbox.Configuration(module: .file(path: "app.wasm"))
/// configuration.hostFunctions = service.hostFunctions(grantedStores: ["sessions"])
/// ```
///
/// A backend that fails while modules run (Redis down, a full disk) fails their calls with `__WASI_ERRNO_IO`, and the
/// service writes one line on stderr saying which backend and why, at most every 10 seconds (each line counts the
/// failures it stands for) and once more when the backend works again.
public final class KeyValueService: Sendable {
    /// What a service keeps its stores in, and the limits on what modules store.
    public struct Configuration: Equatable, Sendable {
        /// Where the stores are kept.
        public enum Backend: Equatable, Sendable {
            /// SQLite: the database `kv.sqlite` in `directory` (created if missing), kept across runs; nil, a new
            /// database in a temporary directory that is removed with the service (stores for one run).
            case sqlite(directory: String?)
            /// The Redis server at `host`:`port`. Nothing is checked when the service is made: Redis may come up
            /// later, and until then calls fail with `__WASI_ERRNO_IO`.
            case redis(host: String, port: UInt16)

            /// The Redis server a `redis://HOST[:PORT]` address names (port 6379 by default; an IPv6 host in
            /// brackets). Passwords and database numbers are refused: the service does not send them.
            public static func redis(url: String) throws(KeyValueError) -> Backend {
                let (host, port) = try parseRedisURL(url)
                return .redis(host: host, port: port)
            }
        }

        /// The most any limit may be: Redis's largest string (`proto-max-bulk-len`), below SQLite's largest blob.
        public static let largestLimit = 512 << 20

        public var backend: Backend
        /// The longest key a module may use, in bytes (a longer one is `__WASI_ERRNO_2BIG`).
        public var maximumKeyBytes = 256
        /// The longest value a module may set, in bytes (a longer one is `__WASI_ERRNO_2BIG`).
        public var maximumValueBytes = 1 << 20

        public init(backend: Backend = .sqlite(directory: nil)) {
            self.backend = backend
        }
    }

    /// How often, at most, the service logs a failing backend: often enough to follow an outage, rarely enough
    /// that a busy server failing every call does not flood its log.
    static let failureLogInterval: Duration = .seconds(10)

    public let configuration: Configuration
    let backend: any KeyValueBackend
    let failureLog: FailureLog

    /// Opens (or, for Redis, only notes) the configured backend.
    public convenience init(_ configuration: Configuration) throws(KeyValueError) {
        try self.init(configuration, log: { line in writeAll(line + "\n", to: STDERR_FILENO) })
    }

    /// `log` takes each line the service logs (tests read them).
    init(_ configuration: Configuration, log: @escaping @Sendable (String) -> Void) throws(KeyValueError) {
        for (name, value) in [
            ("maximum key length", configuration.maximumKeyBytes),
            ("maximum value length", configuration.maximumValueBytes),
        ] where !(1...Configuration.largestLimit).contains(value) {
            throw .invalidLimit(name: name, value: value)
        }
        self.configuration = configuration
        switch configuration.backend {
        case .sqlite(let directory):
            backend = try SQLiteBackend(directory: directory)
        case .redis(let host, let port):
            backend = RedisBackend(host: host, port: port)
        }
        failureLog = FailureLog(backend: backend.name, interval: Self.failureLogInterval, write: log)
    }

    /// The seven functions of the import module `kv`, for a sandbox that may open the stores `grantedStores` (and
    /// no other). Store handles are numbers derived from the list (1 + a name's first position), so the functions
    /// keep nothing between calls: they serve any number of runs, sandboxes restored from snapshots and pooled ones
    /// included.
    public func hostFunctions(grantedStores: [String]) -> [Sandbox.HostFunction] {
        let calls = KeyValueCalls(service: self, grantedStores: grantedStores)
        return KeyValueCalls.Function.allCases.map { function in
            Sandbox.HostFunction(module: "kv", name: function.rawValue, type: function.type) {
                memory, arguments in calls.call(function, memory: memory, arguments: arguments)
            }
        }
    }
}

/// The address in `redis://HOST[:PORT]`.
private func parseRedisURL(_ url: String) throws(KeyValueError) -> (host: String, port: UInt16) {
    let scheme = "redis://"
    guard url.hasPrefix(scheme) else { throw .invalidURL(url, reason: "only redis:// addresses are supported") }
    var authority = url.dropFirst(scheme.count)
    if authority.hasSuffix("/") { authority = authority.dropLast() }
    if authority.contains("@") { throw .invalidURL(url, reason: "passwords are not supported") }
    if authority.contains("/") || authority.contains("?") {
        throw .invalidURL(url, reason: "database numbers and parameters are not supported")
    }
    let host: Substring
    var portText: Substring?
    if authority.hasPrefix("[") {
        guard let end = authority.firstIndex(of: "]") else { throw .invalidURL(url, reason: "no `]` after the IPv6 host") }
        host = authority[authority.index(after: authority.startIndex)..<end]
        let rest = authority[authority.index(after: end)...]
        if !rest.isEmpty {
            guard rest.hasPrefix(":") else { throw .invalidURL(url, reason: "`\(rest)` after the host") }
            portText = rest.dropFirst()
        }
    } else if let colon = authority.lastIndex(of: ":") {
        host = authority[..<colon]
        portText = authority[authority.index(after: colon)...]
    } else {
        host = authority
    }
    guard !host.isEmpty else { throw .invalidURL(url, reason: "no host") }
    guard let portText else { return (String(host), 6379) }
    guard let port = UInt16(portText), port != 0 else {
        throw .invalidURL(url, reason: "`\(portText)` is not a port number (1 to 65535)")
    }
    return (String(host), port)
}
