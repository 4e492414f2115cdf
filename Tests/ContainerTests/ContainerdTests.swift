import Foundation
import Glibc
import Testing
import TestSupport

/// The runtime under a real containerd: images from `swiftlet build`, imported with `ctr`, run by containerd's runc
/// v2 shim with this runtime as its runc binary.
@Suite(
    "Containers under containerd", .serialized, .enabled(if: containerdProblem == nil, Comment(rawValue: containerdProblem ?? "")),
    .containerd)
struct ContainerdTests {
    var containerd: Containerd { Containerd.current! }

    @Test func moduleRunsAndPrints() throws {
        let result = try containerd.run(["--rm"], id: "hello")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "hello from a Wasm container\n")
        try containerd.expectNothingLeft()
    }

    @Test func argumentsEnvironmentAndExitStatus() throws {
        let arguments = try containerd.run(["--rm"], id: "args", ["/probe.wasm", "args", "one", "two words"])
        #expect(arguments.standardOutput == "one\ntwo words\n")

        let environment = try containerd.run(["--rm", "--env", "GIVEN=by ctr"], id: "env", ["/probe.wasm", "env", "GIVEN"])
        #expect(environment.standardOutput == "GIVEN=by ctr\n")
        let fromImage = try containerd.run(["--rm"], id: "env", ["/probe.wasm", "env", "IMAGE_VARIABLE"])
        #expect(fromImage.standardOutput == "IMAGE_VARIABLE=from the image\n")

        let exit = try containerd.run(["--rm"], id: "exit", ["/probe.wasm", "exit", "7"])
        #expect(exit.status == 7)
        try containerd.expectNothingLeft()
    }

    /// The image's root filesystem is the module's `/`; a bind mount of a host directory is a preopen at its
    /// destination, read and written.
    @Test func rootFilesystemAndBindMountsArePreopens() throws {
        let image = try containerd.run(["--rm"], id: "image-file", ["/probe.wasm", "cat", "/etc/greeting.txt"])
        #expect(image.standardOutput == "a file in the image\n", "\(image.standardError)")

        let host = try Scratch("swiftlet-bind")
        try Data("from the host\n".utf8).write(to: URL(fileURLWithPath: host.path + "/in.txt"))
        let mount = ["--mount", "type=bind,src=\(host.path),dst=/data,options=rbind:rw"]
        let read = try containerd.run(["--rm"] + mount, id: "bind-read", ["/probe.wasm", "cat", "/data/in.txt"])
        #expect(read.standardOutput == "from the host\n", "\(read.standardError)")
        let write = try containerd.run(["--rm"] + mount, id: "bind-write", ["/probe.wasm", "write", "/data/out.txt", "guest"])
        #expect(write.status == 0, "\(write.standardError)")
        #expect(try String(contentsOfFile: host.path + "/out.txt", encoding: .utf8) == "guest")
        try containerd.expectNothingLeft()
    }

    /// `ctr task kill` (SIGTERM) ends a sleeping module's VM at once; the shim sees a death by SIGTERM (143); deleting
    /// the task and the container leaves nothing.
    @Test func killStopsALongRunningModulePromptly() throws {
        let log = containerd.scratch.path + "/sleeper.log"
        let memoryLimit = 256 << 20
        let started = try containerd.run(
            ["--detach", "--log-uri", "file://" + log, "--memory-limit", String(memoryLimit)], id: "sleeper",
            ["/probe.wasm", "sleep"])
        try #require(started.status == 0, "\(started.standardError)")
        let deadline = ContinuousClock.now + .seconds(30)
        while (try? String(contentsOfFile: log, encoding: .utf8))?.contains("sleeping") != true {
            try #require(ContinuousClock.now < deadline, "the module never printed")
            usleep(10_000)
        }
        let pid = try #require(Int32(try containerd.ctr(["tasks", "list"]).standardOutput.split(separator: "\n")
            .first { $0.hasPrefix("sleeper ") }?.split(separator: " ", omittingEmptySubsequences: true)[1] ?? ""))
        #expect(try containerd.runtimeState("sleeper")["status"] as? String == "running")
        // The init is in its control groups (linux.cgroupsPath, /NAMESPACE/ID), its memory limited as asked.
        let groups = try containerd.controlGroups(of: "sleeper")
        #expect(!groups.isEmpty)
        for group in groups {
            #expect(try String(contentsOfFile: group + "/cgroup.procs", encoding: .utf8).contains("\(pid)\n"), "\(group)")
        }
        let limits = groups.compactMap { group in
            ["/memory.limit_in_bytes", "/memory.max"].lazy.compactMap { try? String(contentsOfFile: group + $0, encoding: .utf8) }
                .first
        }
        #expect(limits.contains("\(memoryLimit)\n"), "\(limits)")

        // The init holds its stdio (a detached task's stdin is /dev/null), KVM's descriptors, the module and the root
        // filesystem, and nothing it inherited.
        for descriptor in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") {
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)")
            #expect(
                ["pipe:", "/dev/null", "/dev/kvm", "anon_inode:kvm", containerd.scratch.path + "/state/"].contains {
                    target.hasPrefix($0)
                },
                "fd \(descriptor) -> \(target)")
        }

        // A micro-VM runs one module: a second process is refused, in runc's way, and the first runs on.
        let exec = try containerd.ctr([
            "tasks", "exec", "--exec-id", "second", "--fifo-dir", containerd.scratch.path + "/fifo", "sleeper", "/probe.wasm",
        ])
        #expect(exec.status != 0)
        #expect(exec.standardError.contains("exec is not supported for Wasm containers"), "\(exec.standardError)")

        let killedAt = ContinuousClock.now
        #expect(try containerd.ctr(["tasks", "kill", "sleeper"]).status == 0)
        while try containerd.ctr(["tasks", "list"]).standardOutput.contains("RUNNING"), ContinuousClock.now - killedAt < .seconds(10) {
            usleep(5_000)
        }
        let stopTime = ContinuousClock.now - killedAt
        #expect(stopTime < .seconds(2), "stopped after \(stopTime)")
        #expect(kill(pid, 0) != 0 || ContainerProcess.isZombie(pid), "the init is still there")

        let deleted = try containerd.ctr(["tasks", "delete", "sleeper"])
        #expect(deleted.status == 0)
        #expect(deleted.standardError.contains("143"), "\(deleted.standardError)")
        #expect(try containerd.ctr(["containers", "delete", "sleeper"]).status == 0)
        for group in groups { #expect(!FileManager.default.fileExists(atPath: group), "\(group) is left") }
        try containerd.expectNothingLeft()
    }

    /// `ctr run -t`: the runtime sends the shim a pseudo-terminal's master over the console socket, as runc does, and
    /// the module's stdio is the terminal. ctr wants a terminal of its own: script(1) gives it one.
    @Test func terminalThroughTheConsoleSocket() throws {
        let command = (["/usr/bin/ctr", "--address", containerd.socket, "--namespace", Containerd.namespace, "run", "--rm",
            "-t", "--snapshotter", containerd.snapshotter, "--fifo-dir", containerd.scratch.path + "/fifo", "--runc-binary", SwiftletBinary.runtimePath, "--runc-root",
            containerd.runcRoot, Containerd.probeImage, "terminal", "/probe.wasm", "args", "on", "a", "terminal"])
            .joined(separator: " ")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            throw ToolMissing(description: "script not found (Debian package bsdutils)")
        }
        let result = try ChildProgram.run(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"])
        #expect(result.status == 0, "\(result.standardError)")
        // Each terminal on the way (the container's, script's) turns "\n" into "\r\n".
        let lines = result.standardOutput.split(whereSeparator: \.isNewline).joined(separator: "\n")
        #expect(lines.hasSuffix("on\na\nterminal"), "\(result.standardOutput)")
        try containerd.expectNothingLeft()
    }

    /// A container that is not a module (here a static native program) is runc's, start to end.
    @Test func nativeContainerGoesToRunc() throws {
        let result = try containerd.run(["--rm"], image: Containerd.nativeImage, id: "native")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "hello from a native container\n")
        try containerd.expectNothingLeft()
    }

    /// The runtime's error reaches `ctr` as containerd shows runc's: through the shim's JSON log.
    @Test func missingModuleIsAnErrorContainerdShows() throws {
        let result = try containerd.run(["--rm"], id: "missing", ["/missing.wasm"])
        #expect(result.status != 0)
        #expect(result.standardError.contains(#"OCI runtime create failed: unable to start container process: exec: "/missing.wasm""#),
            "\(result.standardError)")
        _ = try containerd.ctr(["containers", "delete", "missing"])
        try containerd.expectNothingLeft()
    }

    @Test func fiftyContainersInARowLeaveNothing() throws {
        for index in 0..<50 {
            let result = try containerd.run(["--rm"], id: "row-\(index)")
            try #require(result.standardOutput == "hello from a Wasm container\n", "container \(index): \(result.standardError)")
        }
        try containerd.expectNothingLeft()
    }
}

enum ContainerProcess {
    /// Whether `pid` is a zombie, dead and waiting for its reaper.
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].hasPrefix(" Z")
    }
}

extension Containerd {
    /// The control group directories the runtime recorded for a container.
    func controlGroups(of id: String) throws -> [String] {
        let state = try Data(contentsOf: URL(fileURLWithPath: stateDirectory + "/" + id + "/state.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: state) as? [String: Any])
        return try #require((document["controlGroups"] as? [String: Any])?["directories"] as? [String])
    }

    /// The runtime's `state` document of a container (what the shim reads).
    func runtimeState(_ id: String) throws -> [String: Any] {
        let result = try SwiftletBinary.runtime(["--root", runcRoot + "/" + Self.namespace, "state", id])
        try #require(result.status == 0, "\(result.standardError)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    }
}
