import Glibc
import Swiftlet

/// `swiftlet serve --model long-running`: one sandbox of the module, given a listening socket on the server's address
/// as fd 3 (as `--tcplisten` gives it), serves every connection itself (accept, recv, send, poll_oneoff); this host
/// only keeps it running. A module that ends (exits, traps, crashes its VM) is restarted after a pause, with a new
/// socket on the same address; one that cannot start at all (it does not load or link) stops the server.
public enum LongRunningServer {
    /// How long a failing module rests before it is started again: enough to keep a module that fails at once from
    /// spinning, short next to a client's connection retries.
    static let restartPause = 1.0

    /// Serves until the module cannot be started; `log` hears of each restart.
    public static func run(_ configuration: ServeConfiguration, log: (String) -> Void) throws(ServeError) -> Never {
        guard configuration.routes.count == 1, let route = configuration.routes.first else {
            throw .invalidConfiguration("a long-running server runs one module, which serves every path itself")
        }
        guard configuration.limits.timeout == nil, route.timeout == nil else {
            throw .invalidConfiguration("a time limit is per request; a long-running module serves for as long as it runs")
        }
        _ = try PerRequestServer.parse(configuration.listenAddress)
        var sandboxConfiguration = Sandbox.Configuration(module: .file(path: route.module))
        sandboxConfiguration.isolation = configuration.isolation
        sandboxConfiguration.limits = configuration.limits
        sandboxConfiguration.virtualMachine = configuration.virtualMachine
        sandboxConfiguration.arguments = route.arguments
        sandboxConfiguration.environment = route.environment
        sandboxConfiguration.listenAddresses = [configuration.listenAddress]
        sandboxConfiguration.hostFunctions = configuration.keyValue?.hostFunctions(grantedStores: route.kvStores) ?? []
        let sandbox: Sandbox
        do throws(SandboxError) {
            sandbox = try Sandbox(sandboxConfiguration)
        } catch {
            throw .moduleNotReady(module: route.module, error)
        }
        while true {
            do throws(SandboxError) {
                log("`\(route.module)` exited with status \(try sandbox.run()); restarting it")
            } catch {
                switch error {
                case .trap, .guestOutOfMemory, .guestCrashed, .exited:
                    log("`\(route.module)` failed: \(error); restarting it")
                default:
                    throw .moduleNotReady(module: route.module, error)
                }
            }
            sleep(seconds: restartPause)
        }
    }
}
