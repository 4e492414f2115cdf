import Glibc
import Synchronization

/// The stores in a Redis server, two keys per store: the hash `swiftlet:kv:values:<store>` (key → value) and the sorted
/// set `swiftlet:kv:keys:<store>` (its keys, all of score 0, which Redis orders by memcmp: `list` pages through it by
/// rank, where a hash could only be read whole and sorted on every call). A set or delete changes both in one
/// `MULTI`/`EXEC` transaction. The kinds of key come before the store's name, so no store name can reach another
/// store's keys.
///
/// Connections are made on demand and kept for reuse (at most `idleLimit` idle). A call on a kept connection that
/// turns out broken (Redis restarted) drops the kept ones and is retried once on a new connection; a call with no
/// server to reach fails (`EIO` for the module) as soon as the connection is refused or `connectTimeout` passes.
final class RedisBackend: KeyValueBackend {
    let name: String
    private let host: String
    private let port: UInt16
    private let idle = Mutex<[RedisConnection]>([])
    /// Idle connections kept for reuse: a sandbox makes one call at a time, so enough for the threads a busy host
    /// runs sandboxes on, beyond which a burst's extra connections are closed.
    private static let idleLimit = 16

    init(host: String, port: UInt16) {
        (self.host, self.port) = (host, port)
        name = "Redis at \(host.contains(":") ? "[\(host)]" : host):\(port)"
        // hiredis writes to its socket with write(2): a server that closed the connection must fail the call with
        // EPIPE, not end this process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    func value(store: String, key: [UInt8], capacity: Int) throws(BackendFailure) -> StoredValue? {
        switch try run(Self.command("HGET", Self.values(store), key)) {
        case .string(let value): .bytes(value)
        case .null: nil
        case let reply: throw Self.unexpected(reply, to: "HGET")
        }
    }

    func setValue(_ value: [UInt8], store: String, key: [UInt8]) throws(BackendFailure) {
        _ = try transaction(
            Self.command("HSET", Self.values(store), key, value), Self.command("ZADD", Self.keys(store), Array("0".utf8), key))
    }

    func removeValue(store: String, key: [UInt8]) throws(BackendFailure) -> Bool {
        let replies = try transaction(
            Self.command("HDEL", Self.values(store), key), Self.command("ZREM", Self.keys(store), key))
        guard case .integer(let removed) = replies[0] else { throw Self.unexpected(replies[0], to: "HDEL") }
        return removed > 0
    }

    func containsKey(store: String, key: [UInt8]) throws(BackendFailure) -> Bool {
        switch try run(Self.command("HEXISTS", Self.values(store), key)) {
        case .integer(let exists): exists != 0
        case let reply: throw Self.unexpected(reply, to: "HEXISTS")
        }
    }

    func keys(store: String, offset: Int, limit: Int) throws(BackendFailure) -> [[UInt8]] {
        let (last, overflow) = offset.addingReportingOverflow(limit - 1)
        let reply = try run(
            Self.command("ZRANGE", Self.keys(store), Array("\(offset)".utf8), Array("\(overflow ? .max : last)".utf8)))
        guard case .array(let elements) = reply else { throw Self.unexpected(reply, to: "ZRANGE") }
        return try elements.map { element throws(BackendFailure) in
            guard case .string(let key) = element else { throw Self.unexpected(element, to: "ZRANGE") }
            return key
        }
    }

    /// A command: its name, then its arguments.
    private static func command(_ name: String, _ arguments: [UInt8]...) -> [[UInt8]] { [Array(name.utf8)] + arguments }

    private static func values(_ store: String) -> [UInt8] { Array("swiftlet:kv:values:\(store)".utf8) }
    private static func keys(_ store: String) -> [UInt8] { Array("swiftlet:kv:keys:\(store)".utf8) }

    /// One command's reply; an error reply is a failure.
    private func run(_ command: [[UInt8]]) throws(BackendFailure) -> RedisReply {
        let reply = try withConnection { connection throws(BackendFailure) in try connection.run([command])[0] }
        if case .error(let message) = reply {
            throw BackendFailure(reason: "Redis refused \(String(decoding: command[0], as: UTF8.self)): \(message)")
        }
        return reply
    }

    /// The replies of `commands` run as one transaction, in one round trip; an error reply to any is a failure.
    private func transaction(_ commands: [[UInt8]]...) throws(BackendFailure) -> [RedisReply] {
        let replies = try withConnection { connection throws(BackendFailure) in
            try connection.run([Self.command("MULTI")] + commands + [Self.command("EXEC")])
        }
        for reply in replies {
            if case .error(let message) = reply { throw BackendFailure(reason: "Redis refused a transaction: \(message)") }
        }
        guard case .array(let results) = replies.last, results.count == commands.count else {
            throw Self.unexpected(replies.last ?? .null, to: "EXEC")
        }
        for result in results {
            if case .error(let message) = result { throw BackendFailure(reason: "Redis refused a transaction: \(message)") }
        }
        return results
    }

    /// Runs `body` on a kept connection, or on a new one; a kept one that fails is assumed stale (the server
    /// restarted, so all the kept ones are) and the body runs once more on a new one.
    private func withConnection<R>(_ body: (RedisConnection) throws(BackendFailure) -> R) throws(BackendFailure) -> R {
        if let kept = idle.withLock({ $0.popLast() }) {
            do {
                let result = try body(kept)
                keep(kept)
                return result
            } catch {
                idle.withLock { $0.removeAll() }
            }
        }
        let connection = try RedisConnection(host: host, port: port)
        let result = try body(connection)
        keep(connection)
        return result
    }

    private func keep(_ connection: RedisConnection) {
        idle.withLock { idle in
            if idle.count < Self.idleLimit { idle.append(connection) }
        }
    }

    private static func unexpected(_ reply: RedisReply, to command: String) -> BackendFailure {
        BackendFailure(reason: "unexpected reply to \(command): \(reply)")
    }
}
