import Glibc
import Synchronization

/// What the guest-facing calls (`KeyValueCalls`) need of a store's keeper, SQLite or Redis. Keys and values are bytes;
/// `store` is a granted store's name, which namespaces the keys. Calls come from many threads at once.
protocol KeyValueBackend: Sendable {
    /// Names the backend in log lines ("SQLite database /d/kv.sqlite", "Redis at host:port").
    var name: String { get }
    /// The value of `key`, or nil if it has none. A value longer than `capacity` may come back as its length only.
    func value(store: String, key: [UInt8], capacity: Int) throws(BackendFailure) -> StoredValue?
    func setValue(_ value: [UInt8], store: String, key: [UInt8]) throws(BackendFailure)
    /// Whether `key` had a value.
    func removeValue(store: String, key: [UInt8]) throws(BackendFailure) -> Bool
    func containsKey(store: String, key: [UInt8]) throws(BackendFailure) -> Bool
    /// At most `limit` keys of `store` in ascending byte order, skipping the first `offset`.
    func keys(store: String, offset: Int, limit: Int) throws(BackendFailure) -> [[UInt8]]
}

/// A value as a backend returns it: its bytes, or only its length when it would not fit the caller's buffer (so
/// that SQLite does not copy a value the module cannot take).
enum StoredValue: Equatable {
    case bytes([UInt8])
    case tooLong(length: Int)

    var length: Int {
        switch self {
        case .bytes(let bytes): bytes.count
        case .tooLong(let length): length
        }
    }
}

/// Why a backend could not do what a call asked, in words for the host's log; the module sees `__WASI_ERRNO_IO`.
struct BackendFailure: Error {
    let reason: String
}

/// The service's log of backend failures: a failing backend fails every call, and a busy server would otherwise
/// write a line per call. One line per `interval` at most (counting the failures since the last), and one when the
/// backend works again.
final class FailureLog: Sendable {
    private let backend: String
    private let interval: Duration
    private let write: @Sendable (String) -> Void
    /// Whether a failure was logged and no call has succeeded since: read on every success, so an atomic rather
    /// than the lock.
    private let failing = Atomic(false)
    private let state = Mutex(State())

    private struct State {
        var lastLine: ContinuousClock.Instant?
        var unlogged = 0
    }

    init(backend: String, interval: Duration, write: @escaping @Sendable (String) -> Void) {
        (self.backend, self.interval, self.write) = (backend, interval, write)
    }

    func recordFailure(_ failure: BackendFailure) {
        let now = ContinuousClock.now
        let unlogged: Int? = state.withLock { state in
            if let last = state.lastLine, now - last < interval {
                state.unlogged += 1
                return nil
            }
            defer { (state.lastLine, state.unlogged) = (now, 0) }
            return state.unlogged
        }
        guard let unlogged else { return }
        failing.store(true, ordering: .relaxed)
        let more = unlogged > 0 ? " (and \(unlogged) more failed calls since the last report)" : ""
        write("swiftlet: kv: \(backend): \(failure.reason); key-value calls fail with EIO until it works\(more)")
    }

    func recordSuccess() {
        guard failing.load(ordering: .relaxed), failing.exchange(false, ordering: .relaxed) else { return }
        let unlogged = state.withLock { state in
            defer { (state.lastLine, state.unlogged) = (nil, 0) }
            return state.unlogged
        }
        let more = unlogged > 0 ? " (after \(unlogged) more failed calls)" : ""
        write("swiftlet: kv: \(backend) works again\(more)")
    }
}
