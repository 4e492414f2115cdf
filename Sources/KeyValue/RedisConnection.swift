import CHiredis
import Glibc

/// One blocking hiredis connection to a Redis server, used by one thread at a time (`RedisBackend` hands each to a
/// single caller, hence `@unchecked Sendable`). Once a call fails on it, hiredis marks it unusable (`isBroken`).
final class RedisConnection: @unchecked Sendable {
    /// How long connecting may take: a server that does not answer (a host down, packets dropped) fails the call
    /// with EIO within this, where the system's default would wait minutes. A server that is down but whose host is
    /// up refuses at once.
    static let connectTimeout = timeval(tv_sec: 1, tv_usec: 0)
    /// How long a command may wait for its reply, for a server that stops answering mid-connection.
    static let commandTimeout = timeval(tv_sec: 2, tv_usec: 0)

    private let context: UnsafeMutablePointer<redisContext>

    /// Connects to `host`:`port`; the failure says why in hiredis's words ("Connection refused").
    init(host: String, port: UInt16) throws(BackendFailure) {
        guard let context = redisConnectWithTimeout(host, Int32(port), Self.connectTimeout) else {
            throw BackendFailure(reason: "cannot connect: out of memory")
        }
        // Checked before the connection is ours: a failed init does not run deinit's redisFree.
        guard context.pointee.err == 0 else {
            let reason = Self.errorDescription(context)
            redisFree(context)
            throw BackendFailure(reason: "cannot connect: \(reason)")
        }
        self.context = context
        redisSetTimeout(context, Self.commandTimeout)
    }

    deinit { redisFree(context) }

    /// Whether the connection failed and cannot be used again.
    var isBroken: Bool { context.pointee.err != 0 }

    /// Sends the commands (each its arguments, binary-safe) at once and reads their replies: one round trip for a
    /// `MULTI` ... `EXEC` transaction. Throws only for the connection's own failures (which break it); the server's
    /// error replies are `.error` replies.
    func run(_ commands: [[[UInt8]]]) throws(BackendFailure) -> [RedisReply] {
        for command in commands { append(command) }
        var replies: [RedisReply] = []
        for _ in commands {
            var reply: UnsafeMutableRawPointer?
            guard redisGetReply(context, &reply) == REDIS_OK, let reply else {
                throw BackendFailure(reason: Self.errorDescription(context))
            }
            defer { freeReplyObject(reply) }
            // SAFETY: redisGetReply returned REDIS_OK, so `reply` is a redisReply, alive until freed just after.
            replies.append(RedisReply(reply.assumingMemoryBound(to: redisReply.self).pointee))
        }
        return replies
    }

    /// Queues a command in hiredis's output buffer (redisGetReply sends it): the arguments with their lengths, as
    /// `%b` would pass them, so keys and values may hold any byte.
    private func append(_ arguments: [[UInt8]]) {
        var lengths = arguments.map(\.count)
        // One buffer holding every argument, so the pointers into it stay valid for the whole call.
        let joined = Array(arguments.joined())
        joined.withUnsafeBufferPointer { bytes in
            // SAFETY: the offsets are the running sums of the arguments' lengths, so each pointer and its length stay
            // inside `joined`, which outlives the call; hiredis copies the bytes into its buffer before returning.
            // `joined` always holds the command's name, so its base address is not nil.
            var pointers: [UnsafePointer<CChar>?] = []
            var offset = 0
            for length in lengths {
                pointers.append(UnsafeRawPointer(bytes.baseAddress! + offset).assumingMemoryBound(to: CChar.self))
                offset += length
            }
            // Fails only when hiredis cannot allocate its buffer, which aborts in Swift's allocator first anyway.
            _ = redisAppendCommandArgv(context, Int32(arguments.count), &pointers, &lengths)
        }
    }

    /// hiredis's message for the connection's failure ("Connection refused", "Server closed the connection").
    private static func errorDescription(_ context: UnsafeMutablePointer<redisContext>) -> String {
        // SAFETY: `errstr` is a NUL-terminated C string inside the context (hiredis always terminates it).
        let message = withUnsafeBytes(of: context.pointee.errstr) { bytes in
            String(cString: bytes.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
        // A timed-out read or write reports EAGAIN's words.
        return message == String(cString: strerror(EAGAIN)) ? "no reply within the command timeout" : message
    }
}

/// A Redis reply, copied out of hiredis's reply object.
enum RedisReply: Equatable {
    case string([UInt8])
    case integer(Int64)
    case array([RedisReply])
    case null
    /// A status (`+OK`, `+QUEUED`).
    case status(String)
    /// The server refused the command (`-WRONGTYPE ...`).
    case error(String)

    init(_ reply: redisReply) {
        switch reply.type {
        case REDIS_REPLY_STRING:
            // SAFETY: a string reply's `str` holds `len` bytes.
            self = .string(Array(UnsafeRawBufferPointer(start: reply.str, count: reply.len)))
        case REDIS_REPLY_INTEGER:
            self = .integer(reply.integer)
        case REDIS_REPLY_ARRAY:
            // SAFETY: an array reply's `element` holds `elements` replies.
            self = .array((0..<reply.elements).map { RedisReply(reply.element[$0]!.pointee) })
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: UnsafeRawBufferPointer(start: reply.str, count: reply.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: UnsafeRawBufferPointer(start: reply.str, count: reply.len), as: UTF8.self))
        default:
            self = .null
        }
    }
}
