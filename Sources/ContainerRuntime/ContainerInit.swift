import Glibc
import Swiftlet

/// The container's init process: this executable again (`runtime init`), which prepares the module's sandbox, tells
/// `create` it is ready (or why it is not) over a pipe, blocks opening `exec.fifo` for writing until `start` opens it
/// for reading, then runs the module in its micro-VM and exits with the module's status. It keeps the stdio it was
/// given (the shim's pipes, or the terminal), and every signal has its default action: SIGTERM or SIGKILL ends the
/// process and its VM at once, and the shim sees a death by that signal, as with runc.
enum ContainerInit {
    /// The descriptor on which the init reports to `create`.
    private static let readinessDescriptor: Int32 = 3

    /// Starts the init for container `id` and waits until it is ready; returns its pid.
    static func spawn(
        _ invocation: RuntimeInvocation, id: String, bundle: String, terminal: Terminal?
    ) throws(RuntimeError) -> pid_t {
        var readiness: [Int32] = [0, 0]
        guard pipe(&readiness) == 0 else { throw .system("cannot make a pipe") }
        // Neither end may leak into another child; the init gets its copy of the write end by dup2 below.
        for end in readiness { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        defer { close(readiness[0]) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copy, so only the write end reaches the init.
        posix_spawn_file_actions_adddup2(&actions, readiness[1], readinessDescriptor)
        if let terminal {
            for standard in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] {
                posix_spawn_file_actions_adddup2(&actions, terminal.slave, standard)
            }
        }


        var arguments = ["swiftlet", "runtime", "--root", invocation.root, "init", "--bundle", bundle]
        if terminal != nil { arguments.append("--terminal") }
        arguments.append(id)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = withShellSignalSpawnAttributes { posix_spawn(&pid, executablePath(), &actions, $0, argv, environ) }
        close(readiness[1])
        if let terminal { close(terminal.slave) }
        guard status == 0 else { throw .system("cannot start the container's init", errno: status) }

        var report: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(readiness[0], &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            report += buffer[..<count]
        }
        guard report == Array(readyMessage.utf8) else {
            Glibc.kill(pid, SIGKILL)
            waitpid(pid, nil, 0)
            guard !report.isEmpty else { throw RuntimeError("the container's init ended before it was ready") }
            throw RuntimeError(String(decoding: report, as: UTF8.self))
        }
        return pid
    }

    private static let readyMessage = "ready"

    /// The init's life: prepare, report, wait for `start`, run the module. Never returns.
    static func run(_ invocation: RuntimeInvocation) -> Never {
        closeInheritedDescriptors()
        let sandbox: Sandbox
        do {
            sandbox = try prepare(invocation)
        } catch {
            report(error.description)
            exit(1)
        }
        do {
            exit(Int32(bitPattern: try sandbox.run()))
        } catch {
            writeAll("Error: \(error)\n", to: STDERR_FILENO)
            exit(error.exitStatus)
        }
    }

    /// Everything up to the module's run: the sandbox, the limits, the terminal, the wait for `start`.
    private static func prepare(_ invocation: RuntimeInvocation) throws(RuntimeError) -> Sandbox {
        let id = try invocation.containerID()
        let configuration = try BundleConfiguration.load(bundle: invocation.flags["bundle"] ?? ".")
        try applyResourceLimits(configuration.process?.rlimits ?? [])
        let sandboxConfiguration = try configuration.sandboxConfiguration()
        let sandbox: Sandbox
        do throws(SandboxError) {
            sandbox = try Sandbox(sandboxConfiguration)
        } catch {
            throw RuntimeError("unable to start container process: \(error)")
        }
        // Holding no directory of the bundle's (the shim removes it after `delete`).
        chdir("/")
        // A new session's leader can take the terminal as its controlling terminal.
        if invocation.flags["terminal"] == "true", setsid() < 0 || ioctl(STDIN_FILENO, UInt(TIOCSCTTY), 0) != 0 {
            throw .system("cannot take the terminal")
        }
        report(readyMessage)
        waitForStart(ContainerState.fifoPath(in: ContainerState.directory(root: invocation.root, id: id)))
        return sandbox
    }

    /// Closes every descriptor but stdio and the readiness pipe, as runc's init does: whatever the shim's ancestors left
    /// open without close-on-exec would otherwise stay open for the container's life.
    private static func closeInheritedDescriptors() {
        guard let directory = opendir("/proc/self/fd") else { return }
        var inherited: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let descriptor = Int32(name), descriptor > readinessDescriptor, descriptor != dirfd(directory) {
                inherited.append(descriptor)
            }
        }
        closedir(directory)
        for descriptor in inherited { close(descriptor) }
    }

    private static func report(_ message: String) {
        writeAll(message, to: readinessDescriptor)
        close(readinessDescriptor)
    }

    /// Blocks until `start` opens the fifo for reading, then tells it so with one byte.
    private static func waitForStart(_ fifoPath: String) {
        var fifo: Int32
        repeat { fifo = open(fifoPath, O_WRONLY | O_CLOEXEC) } while fifo < 0 && errno == EINTR
        guard fifo >= 0 else {
            writeAll("Error: cannot open \(fifoPath): \(String(cString: strerror(errno)))\n", to: STDERR_FILENO)
            exit(1)
        }
        writeAll("0", to: fifo)
        close(fifo)
    }

    /// `process.rlimits`, on the init itself (the monitor, and so the VM it runs).
    private static func applyResourceLimits(_ limits: [BundleConfiguration.ResourceLimit]) throws(RuntimeError) {
        let resources: [String: Int32] = [
            "CPU": 0, "FSIZE": 1, "DATA": 2, "STACK": 3, "CORE": 4, "RSS": 5, "NPROC": 6, "NOFILE": 7, "MEMLOCK": 8,
            "AS": 9, "LOCKS": 10, "SIGPENDING": 11, "MSGQUEUE": 12, "NICE": 13, "RTPRIO": 14, "RTTIME": 15,
        ]
        for limit in limits {
            guard let resource = resources[String(limit.type.dropFirst("RLIMIT_".count))], limit.type.hasPrefix("RLIMIT_")
            else { throw RuntimeError("unknown rlimit type \(limit.type)") }
            var value = rlimit(rlim_cur: rlim_t(limit.soft), rlim_max: rlim_t(limit.hard))
            guard setrlimit(__rlimit_resource_t(UInt32(resource)), &value) == 0 else {
                throw .system("error setting rlimit type \(limit.type)")
            }
        }
    }
}
