import NIOCore
import NIOHTTP1
@testable import SwiftletServe
import Testing

@Suite("Route tables, route matching and CGI responses")
struct RouteTableTests {
    @Test func aRouteTableReadsEveryField() throws {
        let routes = try RouteTable.parse(
            """
            routes:
              - path: /hello
                module: server.wasm
              - path: /api/...
                module: /abs/api.wasm
                kv_stores: [a, b]
                env: {GREETING: hi, EMPTY: ""}
                args: [--verbose, "2"]
                timeout: 2.5
            """, file: "routes.yaml", moduleDirectory: "/srv/")
        #expect(routes.count == 2)
        #expect(routes[0] == Route(path: "/hello", module: "/srv/server.wasm"))
        var api = Route(path: "/api/...", module: "/abs/api.wasm")
        api.kvStores = ["a", "b"]
        api.environment = ["GREETING=hi", "EMPTY="]
        api.arguments = ["--verbose", "2"]
        api.timeout = .milliseconds(2500)
        #expect(routes[1] == api)
        #expect(api.isPrefix && api.prefix == "/api")
    }

    @Test(arguments: [
        ("routes: []", "routes.yaml:1: `routes` must be a list of routes, at least one"),
        ("route:\n  - path: /x", "routes.yaml:1: expected a mapping with a `routes` list"),
        ("routes:\n  - path: /x\n    module: m.wasm\n    kv_store: [a]", "routes.yaml:4: unknown key `kv_store`"),
        ("routes:\n  - path: x\n    module: m.wasm", "routes.yaml:2: a route needs a `path` starting with `/`"),
        ("routes:\n  - path: /x", "routes.yaml:2: the route `/x` needs a `module`"),
        ("routes:\n  - {path: /x, module: a}\n  - {path: /x, module: b}", "routes.yaml:3: a second route for `/x`"),
        ("routes:\n  - {path: /x, module: a, timeout: -1}", "routes.yaml:2: `timeout` must be a positive number"),
        ("routes:\n  - {path: /x, module: a, env: [A]}", "routes.yaml:2: `env` must be a mapping"),
        ("routes: [", "routes.yaml: not YAML"),
    ])
    func mistakesNameTheirLine(yaml: String, message: String) {
        do {
            _ = try RouteTable.parse(yaml, file: "routes.yaml", moduleDirectory: "")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error)")
        }
    }

    @Test func exactRoutesWinThenTheLongestPrefix() {
        let matcher = RouteMatcher([
            Route(path: "/...", module: "all"), Route(path: "/api/...", module: "api"),
            Route(path: "/api/v2/...", module: "v2"), Route(path: "/api/status", module: "status"),
        ])
        func match(_ path: String) -> String? {
            matcher.match(path[...]).map { "\($0.index) \($0.scriptName)|\($0.pathInfo)" }
        }
        #expect(match("/api/status") == "3 /api/status|")
        #expect(match("/api/v2/users/7") == "2 /api/v2|/users/7")
        #expect(match("/api") == "1 /api|")
        #expect(match("/api/") == "1 /api|/")
        #expect(match("/apix") == "0 |/apix")  // a prefix covers its own path segments only
        #expect(match("/") == "0 |/")
        #expect(RouteMatcher([Route(path: "/hello", module: "h")]).match("/hello/more") == nil)
    }

    @Test func cgiHeadersBecomeTheResponseHead() throws {
        func parse(_ output: String) -> (HTTPResponseHead, String)? {
            var buffer = ByteBuffer(string: output)
            return CGIResponse.head(consumingFrom: &buffer).map { ($0, String(buffer: buffer)) }
        }
        let (head, body) = try #require(parse("Status: 201 Made\r\nContent-Type: text/x\r\nX-A:  b \r\n\r\nbody\n\nmore"))
        #expect(head.status.code == 201 && head.status.reasonPhrase == "Made")
        #expect(head.headers["Content-Type"] == ["text/x"] && head.headers["x-a"] == ["b"])
        #expect(body == "body\n\nmore")

        #expect(parse("Location: /elsewhere\n\n")?.0.status == .found)
        #expect(parse("Content-Type: text/plain\n\n")?.0.status == .ok)
        #expect(parse("Status: 404\n\n")?.0.status == .notFound)
        // The server frames the body and manages the connection itself.
        #expect(parse("Content-Length: 99\nConnection: keep-alive\nTransfer-Encoding: chunked\n\nx")?.0.headers.count == 0)
        for broken in ["", "no header block", "Content-Type: a\n", "Bad Name: x\n\n", "Status: 99\n\n",
                       "Status: 200OK\n\n", "X: a\rb\n\n", ": empty name\n\n"] {
            #expect(parse(broken) == nil, "\(broken)")
        }
    }

    @Test func pathInfoIsPercentDecoded() {
        #expect(CGIEnvironment.percentDecoded("/a%20b/%C3%A9") == "/a b/é")
        #expect(CGIEnvironment.percentDecoded("/plain") == "/plain")
        #expect(CGIEnvironment.percentDecoded("/bad%zz%4") == "/bad%zz%4")
    }
}
