import Glibc
import KeyValue
import Swiftlet

/// What `swiftlet serve` serves and how, shared by both request models: the address, the isolation and limits of
/// every sandbox, and the routes. The CLI and tests fill it; the servers only read it.
public struct ServeConfiguration {
    /// `HOST:PORT` (a numeric IPv4 address, or `[IPv6]`) to serve on. Port 0 has the kernel pick a free port, which
    /// ``PerRequestServer/localPort`` then gives.
    public var listenAddress: String
    /// Where every sandbox runs its module.
    public var isolation = Isolation.vm
    /// The per-request model's routes; the long-running model serves the first route's module (its path unused).
    public var routes: [Route]
    /// Limits of every sandbox; `timeout` is the time allowed to each request of a route that names none
    /// (nil: unlimited).
    public var limits = Sandbox.Limits()
    /// The micro-VM's host side (KVM device, guest kernel image).
    public var virtualMachine = Sandbox.VirtualMachineSettings()
    /// Threads running per-request sandboxes, each with a warm sandbox per snapshot. Requests beyond them wait.
    public var workerCount = ServeConfiguration.defaultWorkerCount
    /// Longest request body the per-request model accepts (413 beyond).
    public var maxBodySize = 16 << 20
    /// The key-value stores modules import as `kv` (include/swiftlet/kv.h): every route's module links its functions
    /// and opens the stores the route grants, from its initialization on. Nil: modules import no `kv`.
    public var keyValue: KeyValueService?

    public init(listenAddress: String, routes: [Route]) {
        self.listenAddress = listenAddress
        self.routes = routes
    }

    /// One per core: a request's sandbox computes from start to end (its host calls are short), so more workers than
    /// cores only switch between vCPUs (measured on 2 cores: 5,700 requests/s with 2 workers, 4,900 with 4, and the
    /// p99 latency doubled). Modules that wait (a slow backend, a sleep) want more.
    public static var defaultWorkerCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

/// Requests whose path matches are served by a fresh sandbox of ``module``, restored from a snapshot of it taken once
/// at start-up (WAGI: the request in CGI variables and on stdin, the response on stdout).
public struct Route: Equatable, Sendable {
    /// `/hello` matches only that path; `/api/...` (WAGI's spelling) matches `/api` and every path beneath it, and
    /// `/...` every path. An exact route wins over prefixes, and a longer prefix over a shorter one.
    public var path: String
    /// The module file.
    public var module: String
    /// The key-value stores the module may open.
    public var kvStores: [String] = []
    /// `NAME=value` variables every request of the route sees, besides the CGI ones (which win).
    public var environment: [String] = []
    /// The program's arguments, after its name.
    public var arguments: [String] = []
    /// Time allowed to one request (504 after it); nil takes the server's.
    public var timeout: Duration?

    public init(path: String, module: String) {
        self.path = path
        self.module = module
    }

    /// Whether the route covers every path beneath ``prefix``.
    public var isPrefix: Bool { path.hasSuffix("/...") }

    /// The path as CGI's SCRIPT_NAME gives it: the route's own part, without `/...`.
    public var prefix: Substring { isPrefix ? path.dropLast(4) : path[...] }
}
