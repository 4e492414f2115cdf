import Foundation
import Glibc
import Swiftlet
import SwiftletServe
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The package's root, where the test modules are.
let packageRoot = String(#filePath.split(separator: "/Tests/SwiftletServeTests/", maxSplits: 1)[0])
let probeModule = packageRoot + "/bench/vm/modules/wagi-probe.wasm"
let demoModule = packageRoot + "/examples/kv-http/server.wasm"

enum ServeTestSupport {
    /// Why micro-VMs cannot run here (the library's own words), or nil where they can: one small module run in a VM.
    static let kvmProblem: String? = {
        var configuration = Sandbox.Configuration(module: .file(path: packageRoot + "/bench/vm/modules/empty.wasm"))
        configuration.limits.vmMemoryMiB = 16
        do throws(SandboxError) {
            _ = try Sandbox(configuration).run()
            return nil
        } catch {
            if case .virtualMachineUnavailable(let reason) = error { return reason }
            return nil  // any other failure is the VM tests' to report
        }
    }()

    /// A server on a free loopback port with `routes`, for the length of `body`.
    static func withServer<R>(
        _ isolation: Isolation, routes: [Route], timeout: Duration = .seconds(10), workers: Int = 4,
        _ body: (_ port: Int) async throws -> R
    ) async throws -> R {
        var configuration = ServeConfiguration(listenAddress: "127.0.0.1:0", routes: routes)
        configuration.isolation = isolation
        configuration.limits.timeout = timeout
        configuration.limits.vmMemoryMiB = 64
        configuration.workerCount = workers
        let server = try PerRequestServer(configuration)
        defer { server.shutdown() }
        return try await body(server.localPort)
    }
}

/// An HTTP response as a client saw it.
struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A real HTTP client (URLSession). It follows redirects (FoundationNetworking's ignores a delegate's refusal), so
/// redirects are checked on a ``RawConnection``.
final class HTTPClient: Sendable {
    static let shared = HTTPClient()

    private let session: URLSession

    init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 64
        configuration.timeoutIntervalForRequest = 60
        session = URLSession(configuration: configuration)
    }

    func request(
        _ path: String, method: String = "GET", port: Int, body: Data? = nil, headers: [String: String] = [:]
    ) async throws -> HTTPReply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            fields[String(describing: name).lowercased()] = String(describing: value)
        }
        return HTTPReply(status: http.statusCode, headers: fields, body: data)
    }
}

/// A client on a raw socket, for what a real client would not send (malformed requests) or would not do (hold a
/// request half-sent).
final class RawConnection {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Loopback.address(port: UInt16(port))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        // The descriptor is closed by deinit, which runs for an object whose init throws after setting it.
        guard connected else {
            throw ToolMissing(description: "cannot connect to 127.0.0.1:\(port): errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    func send(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(descriptor, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything the server sends until it closes the connection (or 10 s pass).
    func receiveAll() -> String {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = recv(descriptor, &buffer, buffer.count, 0), count > 0 { received += buffer[..<count] }
        return String(decoding: received, as: UTF8.self)
    }
}

extension Trait where Self == ConditionTrait {
    /// For tests that run modules in micro-VMs: where KVM is unusable they are skipped, and the skip says why.
    static var needsKVM: Self {
        .enabled(
            if: ServeTestSupport.kvmProblem == nil,
            Comment(rawValue: "needs a usable /dev/kvm: \(ServeTestSupport.kvmProblem ?? "")"))
    }
}
