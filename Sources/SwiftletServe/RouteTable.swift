import Swiftlet
import Yams

/// The routes of a YAML route table, `swiftlet serve --routes FILE`:
///
/// ```yaml
/// routes:
///   - path: /hello              # exact; `/api/...` is a prefix, `/...` everything
///     module: server.wasm       # relative to this file's directory
///   - path: /foo
///     module: server.wasm
///     kv_stores: [my-container] # the stores the module may open
///     env: {GREETING: hi}       # besides the CGI variables
///     args: [--verbose]
///     timeout: 2.5              # seconds per request (504 after)
/// ```
///
/// Read through Yams' node tree rather than `Codable`, so that a mistake names its line and an unknown key (a typo
/// such as `kv_store`) is refused instead of ignored.
public enum RouteTable {
    static let routeKeys = ["path", "module", "kv_stores", "env", "args", "timeout"]

    /// The routes in the file at `path`.
    public static func load(contentsOf path: String) throws(ServeError) -> [Route] {
        guard let bytes = readWholeFile(path) else {
            throw .invalidRouteTable("cannot read the route table `\(path)`")
        }
        let directory = path.contains("/") ? String(path[...path.lastIndex(of: "/")!]) : ""
        return try parse(String(decoding: bytes, as: UTF8.self), file: path, moduleDirectory: directory)
    }

    /// The routes in `yaml`, read from `file` (for messages); relative module paths are taken from `moduleDirectory`
    /// (empty, or ending in `/`).
    static func parse(_ yaml: String, file: String, moduleDirectory: String) throws(ServeError) -> [Route] {
        func failure(_ node: Node?, _ message: String) -> ServeError {
            .invalidRouteTable("\(file):\(node?.mark.map { "\($0.line):" } ?? "") \(message)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw .invalidRouteTable("\(file): not YAML: \(error)")
        }
        guard let top = root?.mapping, let routeList = top["routes"] else {
            throw failure(root, "expected a mapping with a `routes` list")
        }
        if let unknown = top.keys.first(where: { $0.string != "routes" }) {
            throw failure(unknown, "unknown key `\(unknown.string ?? "?")` (expected `routes`)")
        }
        guard let entries = routeList.sequence, !entries.isEmpty else {
            throw failure(routeList, "`routes` must be a list of routes, at least one")
        }
        var routes: [Route] = []
        for entry in entries {
            guard let fields = entry.mapping else { throw failure(entry, "a route must be a mapping") }
            if let unknown = fields.keys.first(where: { !routeKeys.contains($0.string ?? "") }) {
                let known = routeKeys.map { "`\($0)`" }.joined(separator: ", ")
                throw failure(unknown, "unknown key `\(unknown.string ?? "?")` (a route has \(known))")
            }
            guard let pathNode = fields["path"], let path = pathNode.scalar?.string, path.hasPrefix("/") else {
                throw failure(entry, "a route needs a `path` starting with `/`")
            }
            if routes.contains(where: { $0.path == path }) { throw failure(pathNode, "a second route for `\(path)`") }
            guard let module = fields["module"]?.scalar?.string, !module.isEmpty else {
                throw failure(entry, "the route `\(path)` needs a `module`")
            }
            var route = Route(path: path, module: module.hasPrefix("/") ? module : moduleDirectory + module)
            if let stores = fields["kv_stores"] {
                guard let names = strings(stores) else { throw failure(stores, "`kv_stores` must be a list of names") }
                route.kvStores = names
            }
            if let arguments = fields["args"] {
                guard let values = strings(arguments) else { throw failure(arguments, "`args` must be a list") }
                route.arguments = values
            }
            if let environment = fields["env"] {
                guard let variables = environment.mapping else {
                    throw failure(environment, "`env` must be a mapping of NAME: value")
                }
                for (name, value) in variables {
                    guard let name = name.scalar?.string, !name.isEmpty, !name.contains("="),
                        let value = value.scalar?.string
                    else { throw failure(name, "`env` must map names (without `=`) to values") }
                    route.environment.append("\(name)=\(value)")
                }
            }
            if let timeout = fields["timeout"] {
                guard let seconds = timeout.float, seconds > 0, seconds < 1e9 else {
                    throw failure(timeout, "`timeout` must be a positive number of seconds")
                }
                route.timeout = .milliseconds(Int64((seconds * 1000).rounded(.up)))
            }
            routes.append(route)
        }
        return routes
    }

    private static func strings(_ node: Node) -> [String]? {
        guard let items = node.sequence else { return nil }
        let values = items.compactMap { $0.scalar?.string }
        return values.count == items.count ? values : nil
    }
}

/// Finds the route of a request path: exact routes by hashing, then prefixes longest first (few, in practice).
struct RouteMatcher {
    private let exact: [Substring: Int]
    /// Each prefix route's SCRIPT_NAME and index, longest first.
    private let prefixes: [(scriptName: Substring, index: Int)]

    init(_ routes: [Route]) {
        var exact: [Substring: Int] = [:]
        var prefixes: [(Substring, Int)] = []
        for (index, route) in routes.enumerated() {
            if route.isPrefix {
                prefixes.append((route.prefix, index))
            } else {
                exact[route.prefix] = index
            }
        }
        self.exact = exact
        self.prefixes = prefixes.sorted { $0.0.count > $1.0.count }
    }

    /// The route serving `path` (the request target up to `?`) and how CGI splits the path: SCRIPT_NAME, the route's
    /// part, and PATH_INFO, the rest.
    func match(_ path: Substring) -> (index: Int, scriptName: Substring, pathInfo: Substring)? {
        if let index = exact[path] { return (index, path, path[path.endIndex...]) }
        for (scriptName, index) in prefixes where path.hasPrefix(scriptName) {
            let rest = path.dropFirst(scriptName.count)
            // `/api/...` covers `/api` and `/api/x`, not `/apix`.
            if rest.isEmpty || rest.first == "/" { return (index, path[..<rest.startIndex], rest) }
        }
        return nil
    }
}
