import Foundation

/// Debian's `redis-server` on a free loopback port of its own, its data in a scratch directory removed with it:
/// nothing saved (`--save ''`), or with `appendOnly` every write in an append-only file, synced, so that a restart
/// finds it again. `stop()` ends it as an outage would (SIGKILL) and `start()` brings it back on the same port and
/// directory, for clients that outlive their server; it is stopped when the value goes away.
public final class RedisServer {
    public let port: UInt16
    private let directory: String
    private let appendOnly: Bool
    private var process: ListeningProcess?

    public init(appendOnly: Bool = false) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server") else {
            throw ToolMissing(description: "/usr/bin/redis-server not found (Debian package redis-server)")
        }
        port = try Loopback.freePort()
        directory = NSTemporaryDirectory() + "swiftlet-redis-\(UUID().uuidString)"
        self.appendOnly = appendOnly
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts the server and waits until it accepts connections.
    public func start() throws {
        let persistence = appendOnly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]
        do {
            process = try ListeningProcess(
                "/usr/bin/redis-server",
                ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--dir", directory, "--logfile",
                 directory + "/redis.log"] + persistence,
                port: port, output: .discarded)
        } catch let error as ToolMissing {
            let log = (try? String(contentsOfFile: directory + "/redis.log", encoding: .utf8)) ?? ""
            throw ToolMissing(description: "\(error.description)\n\(log)")
        }
    }

    /// Stops the server (SIGKILL: as a crash, and at once) and waits for it.
    public func stop() {
        process?.kill()
        process = nil
    }
}
