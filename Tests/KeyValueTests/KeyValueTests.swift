import Foundation
@testable import KeyValue
import Swiftlet
import Synchronization
import TestSupport
import Testing

/// The `kv` import module as a guest sees it (tests/kv/kv_guest.c through the Swiftlet library), on both backends.
@Suite("KeyValueService: the kv import module", .serialized)
struct KeyValueTests {
    @Test("every function and errno of include/swiftlet/kv.h", arguments: BackendKind.allCases, KeyValueTestSupport.isolations)
    func contract(backend: BackendKind, isolation: Isolation) throws {
        let run = try backend.withService { service throws in
            try GuestRun(
                ["contract", "alpha", "beta", "gamma"], service: service, grantedStores: ["alpha", "beta"],
                isolation: isolation)
        }
        #expect(run.output.hasSuffix("0 failures\n"), "\(run.output)")
        #expect(run.status == 0)
    }

    @Test("the limits are the configured ones", arguments: BackendKind.allCases)
    func configuredLimits(backend: BackendKind) throws {
        try backend.withService({ $0.maximumKeyBytes = 8; $0.maximumValueBytes = 4 }) { service throws in
            func set(_ key: String, _ value: String) throws -> [String] {
                try GuestRun(["set", "s", key, value], service: service, grantedStores: ["s"]).lines
            }
            #expect(try set("12345678", "1234") == ["0"])
            #expect(try set("123456789", "1") == ["1"])  // __WASI_ERRNO_2BIG
            #expect(try set("k", "12345") == ["1"])
        }
    }

    @Test(
        "a store's keys and values are the same for every sandbox of a service, and only for its name",
        arguments: BackendKind.allCases, KeyValueTestSupport.isolations)
    func storesAreSharedByName(backend: BackendKind, isolation: Isolation) throws {
        try backend.withService { service throws in
            func guest(_ arguments: String...) throws -> [String] {
                try GuestRun(arguments, service: service, grantedStores: ["one", "two"], isolation: isolation).lines
            }
            #expect(try guest("set", "one", "key", "first") == ["0"])
            #expect(try guest("set", "two", "key", "second") == ["0"])
            #expect(try guest("get", "one", "key") == ["0", "first"])
            #expect(try guest("get", "two", "key") == ["0", "second"])
            #expect(try guest("delete", "one", "key") == ["0"])
            #expect(try guest("get", "one", "key") == ["44"])  // __WASI_ERRNO_NOENT
            #expect(try guest("list", "two") == ["0", "key"])
            // Granted to another sandbox under a handle of another number, the same store.
            let alone = try GuestRun(["get", "two", "key"], service: service, grantedStores: ["two"], isolation: isolation)
            #expect(alone.lines == ["0", "second"])
        }
    }

    @Test("modules in micro-VMs and in this process share a service's stores", .needsVirtualMachine)
    func isolationsShareStores() throws {
        let service = try KeyValueService(KeyValueService.Configuration())
        let set = try GuestRun(["set", "s", "key", "from a VM"], service: service, grantedStores: ["s"], isolation: .vm)
        #expect(set.lines == ["0"])
        let get = try GuestRun(["get", "s", "key"], service: service, grantedStores: ["s"], isolation: .process)
        #expect(get.lines == ["0", "from a VM"])
    }

    @Test("many sandboxes on many threads share one service", arguments: BackendKind.allCases, KeyValueTestSupport.isolations)
    func concurrentSandboxes(backend: BackendKind, isolation: Isolation) throws {
        let threads = 8, keysPerThread = 400
        try backend.withService { service throws in
            let failures = Mutex<[String]>([])
            let done = DispatchGroup()
            for thread in 0..<threads {
                done.enter()
                Thread {
                    defer { done.leave() }
                    do {
                        // Two runs each, so sandboxes start and end while others are busy.
                        for round in 0..<2 {
                            let run = try GuestRun(
                                ["churn", "shared", "t\(thread)r\(round)-", "\(keysPerThread / 2)"], service: service,
                                grantedStores: ["shared"], isolation: isolation)
                            if run.status != 0 { failures.withLock { $0.append("thread \(thread): \(run.output)") } }
                        }
                    } catch {
                        failures.withLock { $0.append("thread \(thread): \(error)") }
                    }
                }.start()
            }
            done.wait()
            #expect(failures.withLock { $0 } == [])
            // `churn` deletes every other key it sets.
            let listed = try GuestRun(["list", "shared"], service: service, grantedStores: ["shared"]).lines
            #expect(listed.first == "0")
            #expect(listed.count - 1 == threads * keysPerThread / 2)
            #expect(Array(listed.dropFirst()) == listed.dropFirst().sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        }
    }

    @Test("a SQLite directory keeps the stores for the next service")
    func sqliteDirectoryPersists() throws {
        let directory = try KeyValueTestSupport.temporaryDirectory() + "/created/on/demand"
        let configuration = KeyValueService.Configuration(backend: .sqlite(directory: directory))
        let first = try GuestRun(["set", "s", "k", "kept"], service: KeyValueService(configuration), grantedStores: ["s"])
        #expect(first.lines == ["0"])
        #expect(FileManager.default.fileExists(atPath: directory + "/kv.sqlite"))
        let second = try GuestRun(["get", "s", "k"], service: KeyValueService(configuration), grantedStores: ["s"])
        #expect(second.lines == ["0", "kept"])
    }

    @Test("Redis keeps each store in two keys named by the store (README)")
    func redisLayout() throws {
        let server = try RedisServer()
        let service = try KeyValueService(KeyValueService.Configuration(backend: server.backend))
        #expect(try GuestRun(["set", "users:1", "name", "ada"], service: service, grantedStores: ["users:1"]).lines == ["0"])
        #expect(try server.command("TYPE", "swiftlet:kv:values:users:1") == "hash\n")
        #expect(try server.command("HGET", "swiftlet:kv:values:users:1", "name") == "ada\n")
        #expect(try server.command("ZRANGE", "swiftlet:kv:keys:users:1", "0", "-1") == "name\n")
    }
}

/// Configurations a service refuses, with messages naming what is wrong.
@Suite("KeyValueService: configuration")
struct KeyValueConfigurationTests {
    @Test(arguments: [
        ("redis://localhost", "localhost", 6379), ("redis://10.0.0.2:7000", "10.0.0.2", 7000),
        ("redis://[::1]:7001/", "::1", 7001), ("redis://[::1]", "::1", 6379),
    ] as [(String, String, UInt16)])
    func redisURLs(url: String, host: String, port: UInt16) throws {
        #expect(try KeyValueService.Configuration.Backend.redis(url: url) == .redis(host: host, port: port))
    }

    @Test(arguments: [
        ("http://localhost:6379", "only redis:// addresses are supported"),
        ("redis://", "no host"),
        ("redis://:6379", "no host"),
        ("redis://h:99999", "`99999` is not a port number (1 to 65535)"),
        ("redis://h:", "`` is not a port number (1 to 65535)"),
        ("redis://user:secret@h:1", "passwords are not supported"),
        ("redis://h:1/2", "database numbers and parameters are not supported"),
        ("redis://[::1", "no `]` after the IPv6 host"),
    ])
    func malformedRedisURLs(url: String, reason: String) {
        #expect(throws: KeyValueError.invalidURL(url, reason: reason)) {
            try KeyValueService.Configuration.Backend.redis(url: url)
        }
    }

    @Test func limitsMustBePositiveAndBounded() {
        var configuration = KeyValueService.Configuration()
        configuration.maximumKeyBytes = 0
        #expect(throws: KeyValueError.invalidLimit(name: "maximum key length", value: 0)) {
            try KeyValueService(configuration)
        }
        configuration.maximumKeyBytes = 1
        configuration.maximumValueBytes = KeyValueService.Configuration.largestLimit + 1
        #expect(throws: KeyValueError.self) { try KeyValueService(configuration) }
    }

    @Test func unusableDirectory() throws {
        let file = try KeyValueTestSupport.temporaryDirectory() + "/file"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        #expect(throws: KeyValueError.unusableDirectory(path: file + "/kv", reason: "Not a directory")) {
            try KeyValueService(KeyValueService.Configuration(backend: .sqlite(directory: file + "/kv")))
        }
    }

    @Test("an unreachable Redis server is not an error until a call, which fails with EIO")
    func unreachableRedisAtStart() throws {
        let port = try Loopback.freePort()
        let lines = Mutex<[String]>([])
        let service = try KeyValueService(
            KeyValueService.Configuration(backend: .redis(host: "127.0.0.1", port: port)),
            log: { line in lines.withLock { $0.append(line) } })
        let started = ContinuousClock.now
        #expect(try GuestRun(["get", "s", "k"], service: service, grantedStores: ["s"]).lines == ["29"])
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(lines.withLock { $0 } == [
            "swiftlet: kv: Redis at 127.0.0.1:\(port): cannot connect: Connection refused; key-value calls fail with "
                + "EIO until it works"
        ])
    }
}

@Suite("KeyValueService: Redis restarts")
struct RedisRestartTests {
    @Test("calls fail with EIO while Redis is down, and work again once it is back, on the same service")
    func restart() throws {
        let server = try RedisServer()
        let lines = Mutex<[String]>([])
        let service = try KeyValueService(
            KeyValueService.Configuration(backend: server.backend), log: { line in lines.withLock { $0.append(line) } })
        func guest(_ arguments: String...) throws -> [String] {
            try GuestRun(arguments, service: service, grantedStores: ["s"]).lines
        }
        #expect(try guest("set", "s", "k", "before") == ["0"])

        // Down: every call fails, and the log has one line for them all.
        server.stop()
        #expect(try guest("get", "s", "k") == ["29"])
        #expect(try guest("set", "s", "k", "during") == ["29"])
        #expect(try guest("list", "s") == ["29"])
        #expect(lines.withLock { $0.count } == 1)
        #expect(lines.withLock { $0.first?.contains("Redis at 127.0.0.1:\(server.port): cannot connect: Connection refused") } == true)

        // Back (empty: nothing was saved): the next call connects again by itself.
        try server.start()
        #expect(try guest("get", "s", "k") == ["44"])
        #expect(try guest("set", "s", "k", "after") == ["0"])
        #expect(try guest("get", "s", "k") == ["0", "after"])
        #expect(lines.withLock { $0.last } == "swiftlet: kv: Redis at 127.0.0.1:\(server.port) works again (after 2 more failed calls)")

        // A restart between two calls: the kept connection is broken, and the call is retried on a new one.
        server.stop()
        try server.start()
        #expect(try guest("set", "s", "k", "again") == ["0"])
        #expect(try guest("get", "s", "k") == ["0", "again"])
        #expect(lines.withLock { $0.count } == 2)
    }

    @Test(
        "a module running through a Redis restart gets EIO while it is down and success once it is back",
        arguments: KeyValueTestSupport.isolations)
    func restartDuringARun(isolation: Isolation) throws {
        let server = try RedisServer()
        let service = try KeyValueService(KeyValueService.Configuration(backend: server.backend), log: { _ in })
        let outcome = Mutex<Result<GuestRun, any Error>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            let run = Result {
                try GuestRun(["ride-out", "s", "k"], service: service, grantedStores: ["s"], isolation: isolation)
            }
            outcome.withLock { $0 = run }
            finished.signal()
        }.start()
        // Once the module's sets arrive, Redis goes away for a while, with the module still running.
        let deadline = ContinuousClock.now + .seconds(30)
        while try server.command("HEXISTS", "swiftlet:kv:values:s", "k") != "1\n" {
            try #require(ContinuousClock.now < deadline, "the module's sets never reached Redis")
            usleep(10_000)
        }
        server.stop()
        usleep(300_000)
        try server.start()
        finished.wait()
        let run = try #require(outcome.withLock { $0 }).get()
        #expect(run.lines == ["0", "29", "0"])
    }

    @Test("the failure log writes a line per interval, counting the calls it stands for")
    func failureLogIsRateLimited() {
        let lines = Mutex<[String]>([])
        let log = FailureLog(backend: "Redis at h:1", interval: .milliseconds(200)) { line in lines.withLock { $0.append(line) } }
        for _ in 0..<100 { log.recordFailure(BackendFailure(reason: "cannot connect: Connection refused")) }
        #expect(lines.withLock { $0 } == [
            "swiftlet: kv: Redis at h:1: cannot connect: Connection refused; key-value calls fail with EIO until it works"
        ])
        usleep(250_000)
        log.recordFailure(BackendFailure(reason: "cannot connect: Connection refused"))
        #expect(lines.withLock { $0.last?.hasSuffix("until it works (and 99 more failed calls since the last report)") } == true)
        log.recordSuccess()
        log.recordSuccess()
        #expect(lines.withLock { $0.count } == 3)
        #expect(lines.withLock { $0.last } == "swiftlet: kv: Redis at h:1 works again")
    }
}
