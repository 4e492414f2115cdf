import Foundation
import Swiftlet
import TestSupport
import Testing

/// `swiftlet serve` as a user starts it (the executable SwiftPM built), serving the kv-http demo: the long-running
/// model in both isolations, and what only a separate process shows (kill -9, a Redis server going away).
enum ServeCommandChecks {
    /// The demo served long-running: the module accepts and answers every connection itself.
    static func longRunningDemo(_ isolation: Isolation) async throws {
        let store = try ScratchDirectory()
        let port = Int(try Loopback.freePort())
        let server = try swiftletServe([
            "serve", "--model", "long-running", "--isolation", isolation.rawValue, "--listen", "127.0.0.1:\(port)",
            "--kv-store", "my-container", "--kv-dir", store.path, demoModule,
        ], port: port)
        try await demoRoutes(port: port)

        // A client that sent half a request holds its connection open; 32 others are served meanwhile.
        let slow = try RawConnection(port: port)
        slow.send("GET /hello HTTP/1.1\r\nHost: slow\r\n")
        try await Task.sleep(for: .milliseconds(100))
        let replies = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<32 { group.addTask { try await HTTPClient.shared.request("/hello", port: port).status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(replies == Array(repeating: 200, count: 32))
        slow.send("Connection: close\r\n\r\n")
        let answer = slow.receiveAll()
        #expect(answer.hasPrefix("HTTP/1.1 200 OK") && answer.hasSuffix("Hello from Swiftlet!\n"), "\(answer)")

        let garbage = try RawConnection(port: port)
        garbage.send("NOT HTTP AT ALL\r\n\r\n")
        #expect(garbage.receiveAll().hasPrefix("HTTP/1.1 400"))
        #expect(server.isRunning)
    }

    /// GET /hello, GET /foo before and after PUT /bar (a 1 MiB value, the store's limit), on a fresh store.
    static func demoRoutes(port: Int) async throws {
        let client = HTTPClient.shared
        let hello = try await client.request("/hello", port: port)
        #expect(hello.status == 200 && hello.text == "Hello from Swiftlet!\n")
        let missing = try await client.request("/foo", port: port)
        #expect(missing.status == 404 && missing.text == "Key not found\n")
        #expect(try await client.request("/bar", method: "PUT", port: port, body: Data("first value".utf8)).status == 204)
        #expect(try await client.request("/foo", port: port).text == "first value")
        var large = Data(count: 1 << 20)
        for index in large.indices { large[index] = UInt8(truncatingIfNeeded: index &* 7 &+ index >> 11) }
        #expect(try await client.request("/bar", method: "PUT", port: port, body: large).status == 204)
        let read = try await client.request("/foo", port: port)
        #expect(read.status == 200 && read.body == large)
        #expect(try await client.request("/bar", method: "DELETE", port: port).status == 405)
        #expect(try await client.request("/nowhere", port: port).status == 404)
    }

    /// The demo's three routes from its route table, a fresh sandbox per request.
    static func perRequestDemo(_ isolation: Isolation) async throws {
        let store = try ScratchDirectory()
        let port = Int(try Loopback.freePort())
        let server = try swiftletServe([
            "serve", "--isolation", isolation.rawValue, "--listen", "127.0.0.1:\(port)", "--kv-dir", store.path,
            "--routes", packageRoot + "/examples/kv-http/routes.yaml",
        ], port: port)
        try await demoRoutes(port: port)
        #expect(server.isRunning)
    }
}

/// One at a time: each starts a server with several sandboxes, and the machine has few cores.
@Suite("swiftlet serve, the command, with the kv-http demo", .serialized)
struct ServeCommandTests {
    @Test func longRunningInProcess() async throws { try await ServeCommandChecks.longRunningDemo(.process) }

    @Test(.needsKVM) func longRunningInVM() async throws { try await ServeCommandChecks.longRunningDemo(.vm) }

    @Test func perRequestInProcess() async throws { try await ServeCommandChecks.perRequestDemo(.process) }

    @Test(.needsKVM) func perRequestInVM() async throws { try await ServeCommandChecks.perRequestDemo(.vm) }

    /// Every PUT answered 204 is on disk: SQLite commits before the host function returns.
    @Test func noAcknowledgedPutIsLostToKill9() async throws {
        let store = try ScratchDirectory()
        let port = Int(try Loopback.freePort())
        let arguments = [
            "serve", "--isolation", "process", "--listen", "127.0.0.1:\(port)", "--kv-dir", store.path,
            "--routes", packageRoot + "/examples/kv-http/routes.yaml",
        ]
        var server = try swiftletServe(arguments, port: port)
        // Writers race the kill: the last value acknowledged must be the one read after the restart (or a later one
        // whose acknowledgment the kill cut off).
        let acknowledged = ValueLog()
        let writers = Task {
            await withTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for round in 0... {
                            let value = "writer \(writer) round \(round)"
                            let reply = try? await HTTPClient.shared.request(
                                "/bar", method: "PUT", port: port, body: Data(value.utf8))
                            guard reply?.status == 204 else { return }
                            acknowledged.record(value)
                        }
                    }
                }
            }
        }
        // The kill comes once the writers are well under way, however loaded the machine.
        let deadline = ContinuousClock.now + .seconds(120)
        while acknowledged.values.count < 40 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        server.kill()
        await writers.value
        let sent = acknowledged.values
        try #require(sent.count >= 40, "only \(sent.count) PUTs were acknowledged before the kill")
        server = try swiftletServe(arguments, port: port)
        let stored = try await HTTPClient.shared.request("/foo", port: port).text
        // Each writer's values were set in order: what is stored is at least as new as that writer's last
        // acknowledged one (each value is "writer W round R").
        let parts = stored.split(separator: " ")
        let storedRound = try #require(parts.count == 4 ? Int(parts[3]) : nil, "\(stored)")
        let lastAcknowledged = sent.last { $0.hasPrefix("writer \(parts[1]) ") }
        let lastRound = lastAcknowledged.flatMap { Int($0.split(separator: " ")[3]) } ?? -1
        #expect(storedRound >= lastRound, "\(stored) vs \(sent.suffix(8))")
        #expect(server.isRunning)
    }

    /// Redis as the store, and Redis going away: requests fail (500) while it is down and work again once it is back,
    /// with what it had kept.
    @Test func redisStoreSurvivesARedisRestart() async throws {
        let redis = try RedisServer(appendOnly: true)
        let port = Int(try Loopback.freePort())
        let server = try swiftletServe([
            "serve", "--isolation", "process", "--listen", "127.0.0.1:\(port)", "--kv", "redis://127.0.0.1:\(redis.port)",
            "--routes", packageRoot + "/examples/kv-http/routes.yaml",
        ], port: port)
        try await ServeCommandChecks.demoRoutes(port: port)
        #expect(try await HTTPClient.shared.request("/bar", method: "PUT", port: port, body: Data("kept".utf8)).status == 204)

        redis.stop()
        #expect(try await HTTPClient.shared.request("/foo", port: port).status == 500)
        #expect(try await HTTPClient.shared.request("/hello", port: port).status == 200)
        try redis.start()
        let deadline = ContinuousClock.now + .seconds(10)
        var reply = try await HTTPClient.shared.request("/foo", port: port)
        while reply.status != 200 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            reply = try await HTTPClient.shared.request("/foo", port: port)
        }
        #expect(reply.status == 200 && reply.text == "kept")
        #expect(server.isRunning)
    }
}

/// Values acknowledged by the server, from several tasks.
final class ValueLog: Sendable {
    private let lock = NSLock()
    nonisolated(unsafe) private var recorded: [String] = []

    func record(_ value: String) { lock.withLock { recorded.append(value) } }
    var values: [String] { lock.withLock { recorded } }
}

/// A directory of the test's own, removed with it.
final class ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "swiftlet-serve-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// `swiftlet ARGUMENTS` (serve), listening on `port`, its output on the test's stderr.
func swiftletServe(_ arguments: [String], port: Int) throws -> ListeningProcess {
    try ListeningProcess(try BuiltExecutable.named("swiftlet").path, arguments, port: UInt16(port))
}
