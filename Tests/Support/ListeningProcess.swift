import Glibc
import Swiftlet

/// A child process serving on a loopback port (or a socket file): started, waited for until it accepts connections,
/// and ended with SIGKILL (as a crash would, at once) when the test is done with it, so no test leaves one running. It
/// starts with no blocked signals and every signal's default action, as from a shell: a child of a Swift concurrency thread
/// would otherwise inherit that thread's mask, every signal blocked.
public final class ListeningProcess {
    /// Where the process's stdout and stderr go.
    public enum Output {
        case standardError, discarded
    }

    private let pid: pid_t
    /// The process's wait status, once it is reaped.
    private var status: Int32?

    public convenience init(
        _ executable: String, _ arguments: [String], port: UInt16, output: Output = .standardError
    ) throws {
        try self.init(executable, arguments, waitingFor: "listened on port \(port)", output: output) {
            Loopback.accepts(port: port)
        }
    }

    /// Starts the process and waits until `isReady` says it is (a socket file there, a port open).
    public init(
        _ executable: String, _ arguments: [String], waitingFor readiness: String, output: Output = .standardError,
        until isReady: () -> Bool
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        switch output {
        case .standardError:
            posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO)
        case .discarded:
            posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO)
        }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = withShellSignalSpawnAttributes { posix_spawn(&pid, executable, &actions, $0, argv, environ) }
        guard spawned == 0 else {
            throw ToolMissing(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        self.pid = pid

        let deadline = ContinuousClock.now + .seconds(60)
        while !isReady() {
            guard isRunning else {
                throw ToolMissing(description: "\(executable) \(arguments) \(Self.describe(status ?? 0))")
            }
            guard ContinuousClock.now < deadline else {
                kill()
                throw ToolMissing(description: "\(executable) \(arguments) never \(readiness)")
            }
            usleep(20_000)
        }
    }

    deinit { kill() }

    public var isRunning: Bool {
        if status == nil {
            var status: Int32 = 0
            switch waitpid(pid, &status, WNOHANG) {
            case pid: self.status = status
            case -1 where errno == ECHILD: self.status = 0  // reaped elsewhere: gone all the same
            default: break
            }
        }
        return status == nil
    }

    /// Waits up to `limit` for the process to end by itself; its wait status, or nil if it still runs.
    public func waitForExit(within limit: Duration) -> Int32? {
        let deadline = ContinuousClock.now + limit
        while isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        return status
    }

    /// kill -9, and waits for the process to be gone.
    public func kill() {
        guard isRunning else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        self.status = status
    }

    /// How a wait status says the process ended (WIFEXITED and WTERMSIG, which Swift does not import: the low 7 bits
    /// are the signal, 0 for an exit).
    private static func describe(_ status: Int32) -> String {
        status & 0x7f == 0 ? "exited with status \((status >> 8) & 0xff)" : "was killed by signal \(status & 0x7f)"
    }
}
