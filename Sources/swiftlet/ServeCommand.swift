import ArgumentParser
import Swiftlet
import SwiftletServe

/// How `serve` answers requests.
enum ServeModel: String, ExpressibleByArgument, CaseIterable {
    /// A fresh sandbox per request, restored from a snapshot (WAGI).
    case perRequest = "per-request"
    /// One module serving the listening socket itself.
    case longRunning = "long-running"
}

/// `swiftlet serve`: HTTP in front of sandboxes (Sources/SwiftletServe), shaped like `run`.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serves HTTP with WebAssembly modules: a fresh sandbox per request (WAGI), or one long-running module.",
        discussion: """
            --model per-request (the default) runs every request in a new sandbox of its route's module, restored from \
            a snapshot taken after the module's initialization: the request comes as CGI variables (REQUEST_METHOD, \
            PATH_INFO, QUERY_STRING, HTTP_*, ...) and on stdin, the response goes to stdout as CGI headers \
            (Content-Type, Status, Location), a blank line and the body. Routes come from --routes FILE.yaml, or \
            MODULE.wasm serves every path. A trap gives 500; a request past its time limit (--timeout, default \
            \(Int(defaultTimeout)) s, or the route's) gives 504.

            --model long-running starts MODULE.wasm once with a listening socket on the --listen address as fd 3 \
            (as run --tcplisten); it serves every connection itself, and is restarted if it ends.
            """
    )

    /// A request's time limit when neither --timeout nor its route gives one.
    static let defaultTimeout = 30.0

    @Option(help: ArgumentHelp("The address to serve HTTP on.", valueName: "HOST:PORT"))
    var listen = "127.0.0.1:8080"

    @Option(help: "`per-request` (a fresh sandbox per request, WAGI) or `long-running` (the module serves the socket).")
    var model = ServeModel.perRequest

    @Option(help: ArgumentHelp(
        "The route table: paths, their modules, stores, environment, arguments and time limits.", valueName: "FILE.yaml"))
    var routes: String?

    @Option(help: "Where the modules run: `process` (in this process) or `vm` (a KVM micro-VM each).")
    var isolation: Isolation = .vm

    @OptionGroup(title: "Micro-VM options") var vmOptions: VMOptions

    @Option(help: ArgumentHelp(
        "Threads running per-request sandboxes (default: one per core; more for modules that wait).", valueName: "N"))
    var workers = ServeConfiguration.defaultWorkerCount

    @OptionGroup(title: "Key-value stores") var keyValue: KeyValueOptions

    @Option(
        name: .customLong("env"),
        help: ArgumentHelp(
            "Set an environment variable for MODULE (NAME alone passes on the host's value).", valueName: "NAME=VALUE"))
    var environment: [String] = []

    @Argument(help: "The module serving every path (instead of --routes), or the long-running module.")
    var module: String?

    @Argument(parsing: .captureForPassthrough, help: "MODULE's arguments.")
    var arguments: [String] = []

    func run() throws {
        try reportingFailures {
            let configuration = try serveConfiguration()
            switch model {
            case .perRequest:
                let server = try PerRequestServer(configuration)
                writeToStandardError("swiftlet serve: listening on \(listen) (port \(server.localPort))")
                server.waitUntilClosed()
            case .longRunning:
                try LongRunningServer.run(configuration) { writeToStandardError("swiftlet serve: \($0)") }
            }
        }
    }

    func serveConfiguration() throws -> ServeConfiguration {
        if model == .longRunning && routes != nil {
            throw CommandFailure(message: "a long-running module serves every path itself: give MODULE.wasm, not --routes")
        }
        let routeList: [Route]
        switch (routes, module) {
        case (let file?, nil):
            guard environment.isEmpty, arguments.isEmpty, keyValue.stores.isEmpty else {
                throw CommandFailure(
                    message: "--env, --kv-store and module arguments go with MODULE; routes give their own (env, "
                        + "kv_stores, args)")
            }
            routeList = try RouteTable.load(contentsOf: file)
        case (nil, let module?):
            var route = Route(path: "/...", module: module)
            route.arguments = arguments
            route.kvStores = keyValue.stores
            route.environment = environment.map { variable in
                variable.contains("=") ? variable : "\(variable)=\(environmentValue(variable) ?? "")"
            }
            routeList = [route]
        default:
            throw CommandFailure(message: "give either MODULE.wasm or --routes FILE.yaml")
        }
        var configuration = ServeConfiguration(listenAddress: listen, routes: routeList)
        configuration.isolation = isolation
        configuration.workerCount = workers
        configuration.limits.vmMemoryMiB = vmOptions.memory
        if model == .perRequest || vmOptions.timeout != nil {
            let seconds = vmOptions.timeout ?? Self.defaultTimeout
            configuration.limits.timeout = .milliseconds(Int64(min(max(seconds, 0), 1e9) * 1000))
        }
        // One service for every route and request: modules that import `kv` link even where no store is granted.
        configuration.keyValue = try keyValue.makeService()
        configuration.virtualMachine.kvmDevicePath = kvmDevicePath
        // How forwarded WASI calls travel (SWIFTLET_WASI_MAILBOX=on|off overrides it, for measurements). A VM's
        // mailbox worker polls a core for a while after each call: worth it for one long-running module making call
        // after call (the demo's /hello, 2 cores: 25,000 requests/s through the mailbox, 3,600 by exit), not for
        // sandboxes run back to back on every core, each making a few (4,100 requests/s by exit, 2,200 through it).
        switch environmentValue("SWIFTLET_WASI_MAILBOX") {
        case "on": configuration.virtualMachine.wasiMailbox = true
        case "off": configuration.virtualMachine.wasiMailbox = false
        default: configuration.virtualMachine.wasiMailbox = model == .longRunning
        }
        return configuration
    }
}
