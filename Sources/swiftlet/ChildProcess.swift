import FoundationEssentials
import Glibc
import Swiftlet

/// Runs a program to completion or until a deadline, collecting its output in files (no pipe to fill up).
struct ChildProcess {
    enum Termination: Equatable {
        case exited(Int32)
        case signaled(Int32)
        case timedOut
    }

    struct Result {
        var termination: Termination
        var standardOutput: String
        var standardError: String
    }

    struct LaunchFailure: Error, CustomStringConvertible {
        var executable: String
        var errno: Int32

        var description: String { "cannot start `\(executable)`: \(String(cString: strerror(errno)))" }
    }

    var executable: URL
    var arguments: [String]
    var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Where the output files go; the caller owns the directory.
    var scratchDirectory: URL

    func run(timeout: TimeInterval) throws -> Result {
        let outputPath = scratchDirectory.appendingPathComponent("child.stdout").path
        let errorPath = scratchDirectory.appendingPathComponent("child.stderr").path
        let pid = try spawn(standardOutput: outputPath, standardError: errorPath)

        var termination = Self.waitForExit(of: pid, seconds: timeout)
        if termination == nil {
            kill(pid, SIGTERM)
            // The child's signal mask is reset at spawn, but SIGTERM can still be caught and ignored.
            if Self.waitForExit(of: pid, seconds: 2) == nil {
                kill(pid, SIGKILL)
                _ = Self.waitForExit(of: pid, seconds: .infinity)
            }
            termination = .timedOut
        }
        return Result(
            termination: termination!,
            standardOutput: readWholeFile(outputPath).map { String(decoding: $0, as: UTF8.self) } ?? "",
            standardError: readWholeFile(errorPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
        )
    }

    /// Starts the program with stdin from /dev/null, stdout and stderr into the given files, no blocked signals
    /// and every signal's default action (a test harness may block or ignore some, and children inherit that).
    private func spawn(standardOutput: String, standardError: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, standardOutput, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, standardError, O_WRONLY | O_CREAT | O_TRUNC, 0o644)


        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = withShellSignalSpawnAttributes { attributes in
            var status = posix_spawn(&pid, executable.path, &actions, attributes, argv, envp)
            // ETXTBSY: a child another thread is spawning at the same moment briefly holds a copy of a descriptor open
            // for writing to this (just written) program, until its own exec. The copy goes soon: retry.
            for _ in 0..<100 where status == ETXTBSY {
                sleep(seconds: 0.002)
                status = posix_spawn(&pid, executable.path, &actions, attributes, argv, envp)
            }
            return status
        }
        guard status == 0 else { throw LaunchFailure(executable: executable.path, errno: status) }
        return pid
    }

    /// Reaps the child if it ends within `seconds`; nil if it is still running then. Polls, at most every 5 ms:
    /// children here run for seconds, and a poll keeps signal handling (SIGCHLD) out of the process.
    private static func waitForExit(of pid: pid_t, seconds: Double) -> Termination? {
        let deadline = seconds.isFinite ? ContinuousClock.now + .milliseconds(Int64(seconds * 1000)) : nil
        var pause = 0.0002
        while true {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                // WIFEXITED / WTERMSIG, which Swift does not import: the low 7 bits are the signal, 0 for an exit.
                let signal = status & 0x7f
                return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
            }
            if reaped < 0 && errno != EINTR { return .exited(-1) }
            if let deadline, ContinuousClock.now >= deadline { return nil }
            sleep(seconds: pause)
            pause = min(pause * 2, 0.005)
        }
    }

    /// The running program's own executable, to start it again as a worker.
    static func currentExecutable() -> URL {
        URL(fileURLWithPath: executablePath())
    }

    /// Finds a program on PATH.
    static func find(_ name: String) -> URL? {
        let path = environmentValue("PATH") ?? ""
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if access(candidate.path, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
