import Glibc
import Swiftlet

/// The per-request model's routes made ready at start-up: a snapshot of each module, taken once after its
/// initialization, and for each route the sandbox configuration its requests run with. Shared by every connection
/// and worker, and never changed after it is made.
///
/// A module is captured once per set of stores its routes grant, and initialized with those stores granted: it may
/// open them there (a handle stays valid for every run with the same grants, include/swiftlet/kv.h), so that its
/// requests do not each pay a host call (an exit, in a micro-VM) to open them again.
final class PreparedService: @unchecked Sendable {
    // @unchecked Sendable: every property is immutable but `port`, set before the first connection; the host
    // functions in the configurations call a KeyValueService, which any thread may use.
    let routes: [PreparedRoute]
    /// One configuration per snapshot, restored from it: what each worker makes its warm sandboxes from.
    let snapshots: [Sandbox.Configuration]
    let matcher: RouteMatcher
    let workers = WorkerPool()
    let maxBodySize: Int
    /// The port this server listens on, for CGI's SERVER_PORT (set once bound) and the host for SERVER_NAME when a
    /// request names none.
    var port = 0
    let host: String

    /// What a snapshot is taken for: a module with the stores granted to it.
    private struct ModuleGrant: Hashable {
        let module: String
        let stores: [String]
    }

    struct PreparedRoute {
        let route: Route
        /// Which of ``PreparedService/snapshots`` the route's requests are restored from.
        let snapshotIndex: Int
        /// The sandbox configuration of the route's requests, but for their environment, stdio and time left.
        let configuration: Sandbox.Configuration
    }

    /// Captures each distinct module of `configuration.routes`, with each set of stores it is granted, after its
    /// initialization, in the configured isolation.
    init(_ configuration: ServeConfiguration, host: String) throws(ServeError) {
        var captured: [ModuleGrant: (index: Int, snapshot: SandboxSnapshot)] = [:]
        var snapshots: [Sandbox.Configuration] = []
        var routes: [PreparedRoute] = []
        let nullDevice = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(nullDevice) }
        for route in configuration.routes {
            var sandbox = Sandbox.Configuration(module: .file(path: route.module))
            sandbox.isolation = configuration.isolation
            sandbox.limits = configuration.limits
            sandbox.limits.timeout = route.timeout ?? configuration.limits.timeout
            sandbox.virtualMachine = configuration.virtualMachine
            sandbox.hostFunctions = configuration.keyValue?.hostFunctions(grantedStores: route.kvStores) ?? []
            sandbox.programName = route.module
            let grant = ModuleGrant(module: route.module, stores: route.kvStores)
            if captured[grant] == nil {
                // Initialization sees no request: no stdin, its output in the server's log.
                var capture = sandbox
                capture.standardIO = Sandbox.StandardIO(input: nullDevice, output: STDERR_FILENO, error: STDERR_FILENO)
                do throws(SandboxError) {
                    let snapshot = try Sandbox(capture).snapshot(at: .afterInitialization, translatingAllFunctions: true)
                    captured[grant] = (snapshots.count, snapshot)
                    var restored = capture
                    restored.module = .snapshot(snapshot)
                    snapshots.append(restored)
                } catch {
                    throw .moduleNotReady(module: route.module, error)
                }
            }
            let (snapshotIndex, snapshot) = captured[grant]!
            sandbox.module = .snapshot(snapshot)
            sandbox.arguments = route.arguments
            routes.append(PreparedRoute(route: route, snapshotIndex: snapshotIndex, configuration: sandbox))
        }
        self.routes = routes
        self.snapshots = snapshots
        matcher = RouteMatcher(configuration.routes)
        maxBodySize = configuration.maxBodySize
        self.host = host
    }
}
