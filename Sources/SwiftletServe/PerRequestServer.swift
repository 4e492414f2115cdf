import NIOCore
import NIOHTTP1
import NIOPosix
import Swiftlet

/// `swiftlet serve`'s per-request model (WAGI): an HTTP server (SwiftNIO) that runs every request in a fresh sandbox
/// of its route's module, restored from a snapshot taken once at start-up, so no request sees another's memory.
///
/// A request goes: NIO's decoder (on the event loop) → route lookup and body gathering (``RequestHandler``) → one
/// handoff to a worker thread (``WorkerPool``) → the body into the worker's stdin memfd, the CGI variables into the
/// environment, `_start` in the worker's warm sandbox for the module (``Worker``) → the output's CGI headers and body
/// back to the event loop, which writes the response. A module that traps gives 500, one past its time limit 504;
/// other requests go on.
///
/// ```swift
/// var configuration = ServeConfiguration(listenAddress: "127.0.0.1:0", routes: [Route(path: "/...", module: "app.wasm")])
/// configuration.limits.timeout = .seconds(5)
/// let server = try PerRequestServer(configuration)
/// print(server.localPort)
/// server.waitUntilClosed()
/// ```
public final class PerRequestServer: Sendable {
    /// The port the server listens on (the kernel's pick when the address gave port 0).
    public let localPort: Int
    private let service: PreparedService
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// Captures the routes' modules, starts the workers and their warm sandboxes, and listens.
    public init(_ configuration: ServeConfiguration) throws(ServeError) {
        let (host, port) = try Self.parse(configuration.listenAddress)
        guard !configuration.routes.isEmpty else { throw .invalidConfiguration("nothing to serve: no routes") }
        guard configuration.workerCount > 0 else { throw .invalidConfiguration("--workers must be at least 1") }
        let service = try PreparedService(configuration, host: host)
        for _ in 0..<configuration.workerCount {
            do throws(ServeError) {
                service.workers.start(try Worker(service: service))
            } catch {
                service.workers.stop()
                throw error
            }
        }
        // One event loop: its work per request (decoding, routing, writing) is small next to a sandbox's, and the
        // workers need the cores.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Accepting starts once SERVER_PORT is known (the kernel picks the port for port 0).
            .serverChannelOption(.autoRead, value: false)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(service: service))
                }
            }
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
            localPort = channel.localAddress?.port ?? port
            service.port = localPort
            try channel.setOption(.autoRead, value: true).wait()
        } catch {
            service.workers.stop()
            try? group.syncShutdownGracefully()
            throw .cannotListen(address: configuration.listenAddress, reason: "\(error)")
        }
        self.service = service
        self.group = group
    }

    /// Blocks until the server is shut down.
    public func waitUntilClosed() {
        try? channel.closeFuture.wait()
    }

    /// Stops listening, drops open connections and waits for the workers to finish their requests.
    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
        service.workers.stop()
    }

    /// `HOST:PORT` with a numeric IPv4 host, or `[IPv6]:PORT`.
    static func parse(_ address: String) throws(ServeError) -> (host: String, port: Int) {
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw .cannotListen(address: address, reason: "expected HOST:PORT with a numeric IP address")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, Int(port))
    }
}
