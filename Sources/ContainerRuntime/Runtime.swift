import FoundationEssentials
import Glibc
import Swiftlet

/// The runtime's commands. Each returns the process's exit status, or does not return: `init` ends as the module
/// ends, and a container that is not ours is handed to runc by exec.
public enum Runtime {
    /// Runs the runtime command line `commandLine` (without the program's name).
    public static func main(_ commandLine: [String]) -> Int32 {
        var log = RuntimeLog(path: nil, format: "text")
        do {
            let invocation = try RuntimeInvocation(parsing: commandLine)
            log = RuntimeLog(path: invocation.logPath, format: invocation.logFormat)
            try run(invocation)
            return 0
        } catch {
            log.error(error.description)
            return 1
        }
    }

    private static func run(_ invocation: RuntimeInvocation) throws(RuntimeError) {
        switch invocation.command {
        case "create": try create(invocation)
        case "init": ContainerInit.run(invocation)
        case "features": print(features)
        case "start", "state", "kill", "delete", "ps":
            let id = try invocation.containerID()
            guard ContainerState.exists(root: invocation.root, id: id) else { try handToRunc(invocation) }
            let container = try ContainerState.load(root: invocation.root, id: id)
            switch invocation.command {
            case "start": try start(container, invocation)
            case "state": print(try stateDocument(container, invocation))
            case "kill": try kill(container, invocation)
            case "delete": try delete(container, invocation)
            default: try listProcesses(container, invocation)
            }
        default:
            if let id = invocation.arguments.first, ContainerState.exists(root: invocation.root, id: id) {
                throw .unsupported(invocation.command)
            }
            try handToRunc(invocation)
        }
    }

    // MARK: create and start

    /// Prepares the container's init, which waits for `start`, and writes its pid file; the init outlives this
    /// process and is reparented to the shim (its subreaper).
    private static func create(_ invocation: RuntimeInvocation) throws(RuntimeError) {
        let id = try invocation.containerID()
        let configuration = try BundleConfiguration.load(bundle: invocation.flags["bundle"] ?? ".")
        guard try configuration.runsModule() else { try handToRunc(invocation) }
        try checkModule(at: try configuration.modulePath(), named: try configuration.arguments()[0])

        let directory = ContainerState.directory(root: invocation.root, id: id)
        guard access(invocation.root + "/" + id, F_OK) != 0 else { throw .containerExists(id) }
        try makeDirectories(invocation.root + "/swiftlet")
        guard mkdir(directory, 0o711) == 0 else {
            throw errno == EEXIST ? .containerExists(id) : .system("cannot make \(directory)")
        }
        do throws(RuntimeError) {
            guard mkfifo(ContainerState.fifoPath(in: directory), 0o600) == 0 else {
                throw .system("cannot make the exec fifo")
            }
            var terminal: Terminal?
            if let socket = invocation.flags["console-socket"] {
                terminal = try Terminal.open(sendingMasterTo: absolutePath(socket))
            }
            let initProcess = try ContainerInit.spawn(invocation, id: id, bundle: configuration.bundle, terminal: terminal)
            var container = ContainerState(
                id: id, bundle: configuration.bundle, rootfs: try configuration.rootFilesystem(), pid: initProcess,
                processStartTime: ContainerState.startTime(of: initProcess) ?? "", created: timestamp(),
                annotations: configuration.annotations ?? [:], controlGroups: ControlGroups())
            do throws(RuntimeError) {
                try container.controlGroups.place(
                    initProcess, at: configuration.linux?.cgroupsPath ?? "",
                    memoryLimit: configuration.linux?.resources?.memory?.limit)
                try container.save(root: invocation.root)
                if let pidFile = invocation.flags["pid-file"] {
                    try writeFile(absolutePath(pidFile), Array("\(initProcess)".utf8))
                }
            } catch {
                Glibc.kill(initProcess, SIGKILL)
                waitpid(initProcess, nil, 0)
                container.controlGroups.remove()
                throw error
            }
        } catch {
            removeState(directory)
            throw error
        }
    }

    /// The module is there and is a module: what runc would find out at exec, found out at create.
    private static func checkModule(at path: String, named name: String) throws(RuntimeError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .moduleMissing(name, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        guard read(fd, &magic, 4) == 4, magic == [0x00, 0x61, 0x73, 0x6d] else { throw .notAModule(name) }
    }

    /// Lets the init run the module: opening the fifo for reading releases its blocked open for writing.
    private static func start(_ container: ContainerState, _ invocation: RuntimeInvocation) throws(RuntimeError) {
        switch container.status(root: invocation.root) {
        case .created: break
        case .running: throw RuntimeError("cannot start an already running container")
        case .stopped: throw RuntimeError("cannot start a container that has stopped")
        }
        let fifoPath = ContainerState.fifoPath(in: ContainerState.directory(root: invocation.root, id: container.id))
        let fifo = open(fifoPath, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fifo >= 0 else { throw .system("cannot open the exec fifo") }
        defer { close(fifo) }
        // Until a writer has opened it, a fifo opened for reading polls as not ready (no hang-up either): wait for
        // the init's byte, checking now and then that the init is still there to send it.
        var ready = pollfd(fd: fifo, events: Int16(POLLIN), revents: 0)
        while true {
            if poll(&ready, 1, 100) > 0 {
                var byte: UInt8 = 0
                if read(fifo, &byte, 1) == 1 { break }
            }
            guard container.status(root: invocation.root) != .stopped else {
                throw RuntimeError("cannot start a container that has stopped")
            }
        }
        unlink(fifoPath)
    }

    // MARK: state, kill, delete, ps

    /// runc's `state` document.
    private struct StateDocument: Encodable {
        var ociVersion = "1.0.2"
        var id: String
        var pid: Int32
        var status: String
        var bundle: String
        var rootfs: String
        var created: String
        var owner = ""
        var annotations: [String: String]
    }

    private static func stateDocument(
        _ container: ContainerState, _ invocation: RuntimeInvocation
    ) throws(RuntimeError) -> String {
        let status = container.status(root: invocation.root)
        let document = StateDocument(
            id: container.id, pid: status == .stopped ? 0 : container.pid, status: status.rawValue,
            bundle: container.bundle, rootfs: container.rootfs, created: container.created,
            annotations: container.annotations)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { return String(decoding: try encoder.encode(document), as: UTF8.self) } catch {
            throw RuntimeError("cannot encode the state: \(error)")
        }
    }

    /// The init is the container's only process, so `--all` changes nothing.
    private static func kill(_ container: ContainerState, _ invocation: RuntimeInvocation) throws(RuntimeError) {
        let signal = try Signal.number(invocation.arguments.dropFirst().first ?? "SIGTERM")
        guard container.status(root: invocation.root) != .stopped, Glibc.kill(container.pid, signal) == 0 else {
            throw .notRunning()
        }
    }

    /// Removes the control groups and the state; `--force` kills an init still there first and waits until it is gone
    /// (or a zombie, which its reaper, the shim, collects).
    private static func delete(_ container: ContainerState, _ invocation: RuntimeInvocation) throws(RuntimeError) {
        let status = container.status(root: invocation.root)
        if status != .stopped {
            guard invocation.flags["force"] == "true" else {
                throw RuntimeError("cannot delete container \(container.id) that is not stopped: \(status.rawValue)")
            }
            Glibc.kill(container.pid, SIGKILL)
            for _ in 0..<1000 where container.status(root: invocation.root) != .stopped { sleep(seconds: 0.005) }
        }
        container.controlGroups.remove()
        removeState(ContainerState.directory(root: invocation.root, id: container.id))
    }

    private static func listProcesses(_ container: ContainerState, _ invocation: RuntimeInvocation) throws(RuntimeError) {
        let pids = container.status(root: invocation.root) == .stopped ? [] : [container.pid]
        if invocation.flags["format"] == "json" {
            print("[" + pids.map(String.init).joined(separator: ",") + "]")
        } else {
            print("PID")
            for pid in pids { print(pid) }
        }
    }

    /// `path` and every directory above it that is missing, as `mkdir -p`.
    private static func makeDirectories(_ path: String) throws(RuntimeError) {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        for depth in 2...components.count {
            let directory = components[..<depth].joined(separator: "/")
            if !directory.isEmpty, mkdir(directory, 0o711) != 0, errno != EEXIST {
                throw .system("cannot make \(directory)")
            }
        }
    }

    private static func removeState(_ directory: String) {
        for name in ["state.json", "state.json.new", "exec.fifo"] { unlink(directory + "/" + name) }
        rmdir(directory)
    }

    // MARK: features and runc

    /// runc's `features` document, for what a micro-VM container honours.
    static let features = """
        {
          "ociVersionMin": "1.0.0",
          "ociVersionMax": "1.1.0",
          "hooks": [],
          "mountOptions": ["bind", "rbind", "ro", "rw"],
          "linux": {
            "namespaces": [],
            "capabilities": [],
            "cgroup": {"v1": true, "v2": true, "systemd": false, "systemdUser": false},
            "seccomp": {"enabled": false},
            "apparmor": {"enabled": false},
            "selinux": {"enabled": false}
          },
          "annotations": {
            "io.swiftlet.runtime": "Wasm modules run in KVM micro-VMs; other containers are handed to runc"
          }
        }
        """

    /// Replaces this process with runc, given the same command line (less `--runc`).
    private static func handToRunc(_ invocation: RuntimeInvocation) throws(RuntimeError) -> Never {
        guard let runc = invocation.runcPath ?? environmentValue("SWIFTLET_RUNC") ?? findOnPath("runc") else {
            throw .runcMissing()
        }
        let argv = ([runc] + invocation.forwardedArguments).map { strdup($0) } + [nil]
        execv(runc, argv)
        // ETXTBSY: a process forked at the moment runc was written still holds a descriptor open for writing to it,
        // until its own exec; the copy goes soon.
        for _ in 0..<100 where errno == ETXTBSY {
            sleep(seconds: 0.002)
            execv(runc, argv)
        }
        throw .system("cannot run \(runc)")
    }

    /// A program on PATH or, after it, in the system's sbin directories: a shim's PATH is its containerd's, which a
    /// service manager may have kept short, and Debian installs runc in /usr/sbin.
    private static func findOnPath(_ name: String) -> String? {
        let path = (environmentValue("PATH") ?? "") + ":/usr/local/sbin:/usr/sbin:/sbin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}
