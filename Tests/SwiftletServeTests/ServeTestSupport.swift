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

extension Trait where Self == ConditionTrait {
    /// For tests that run modules in micro-VMs: where KVM is unusable they are skipped, and the skip says why.
    static var needsKVM: Self {
        .enabled(
            if: MicroVMProbe.problem == nil, Comment(rawValue: "needs a usable /dev/kvm: \(MicroVMProbe.problem ?? "")"))
    }
}
