@testable import ContainerRuntime
import Foundation
import Testing
import TestSupport

@Suite("The runtime's command line, without containerd")
struct RuntimeCommandLineTests {
    @Test func globalFlagsCommandFlagsAndForwardedArguments() throws {
        let invocation = try RuntimeInvocation(parsing: [
            "--root", "/run/r", "--log=/b/log.json", "--log-format", "json", "--systemd-cgroup", "--runc", "/opt/runc",
            "create", "--bundle", "/b", "--pid-file", "/b/init.pid", "--no-pivot", "c1",
        ])
        #expect(invocation.root == "/run/r")
        #expect(invocation.logPath == "/b/log.json")
        #expect(invocation.logFormat == "json")
        #expect(invocation.runcPath == "/opt/runc")
        #expect(invocation.command == "create")
        #expect(invocation.flags == ["bundle": "/b", "pid-file": "/b/init.pid", "no-pivot": "true"])
        #expect(try invocation.containerID() == "c1")
        #expect(
            invocation.forwardedArguments == [
                "--root", "/run/r", "--log=/b/log.json", "--log-format", "json", "--systemd-cgroup", "create", "--bundle",
                "/b", "--pid-file", "/b/init.pid", "--no-pivot", "c1",
            ])
    }

    @Test func shortFlagsAreEachCommands() throws {
        #expect(try RuntimeInvocation(parsing: ["delete", "-f", "c1"]).flags == ["force": "true"])
        #expect(try RuntimeInvocation(parsing: ["ps", "-f", "json", "c1"]).flags == ["format": "json"])
        #expect(try RuntimeInvocation(parsing: ["create", "-b", "/b", "c1"]).flags == ["bundle": "/b"])
        #expect(try RuntimeInvocation(parsing: ["exec", "--process", "/p.json", "--detach", "c1"]).arguments == ["c1"])
    }

    @Test func killTakesSignalsByNameOrNumber() throws {
        let invocation = try RuntimeInvocation(parsing: ["kill", "--all", "c1", "9"])
        #expect(invocation.flags["all"] == "true")
        #expect(invocation.arguments == ["c1", "9"])
        #expect(try Signal.number("9") == SIGKILL)
        #expect(try Signal.number("SIGTERM") == SIGTERM)
        #expect(try Signal.number("int") == SIGINT)
        #expect(throws: RuntimeError.self) { try Signal.number("SIGNOPE") }
    }

    @Test func containerIDsAreRuncs() throws {
        #expect(throws: RuntimeError.self) { try RuntimeInvocation(parsing: ["state", "../etc"]).containerID() }
        #expect(throws: RuntimeError.self) { try RuntimeInvocation(parsing: ["state"]).containerID() }
        #expect(throws: RuntimeError.self) { try RuntimeInvocation(parsing: ["--root"]) }
    }

    /// runc's way: the message on stderr and as a JSON line in the log, which containerd's shim shows; exit status 1.
    @Test func malformedBundleIsReportedAsRuncReportsErrors() throws {
        let scratch = try Scratch()
        let bundle = scratch.path + "/bundle"
        try FileManager.default.createDirectory(atPath: bundle + "/rootfs", withIntermediateDirectories: true)
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: bundle + "/config.json"))
        let log = scratch.path + "/log.json"
        let result = try SwiftletBinary.runtime([
            "--root", scratch.path + "/root", "--log", log, "--log-format", "json", "create", "--bundle", bundle, "c1",
        ])
        #expect(result.status == 1)
        #expect(result.standardError.contains("config.json is not a valid runtime spec"))
        let line = try #require(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").last)
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(entry["level"] == "error")
        #expect(entry["msg"]?.contains("config.json is not a valid runtime spec") == true)
        #expect(entry["time"] != nil)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/root/swiftlet/c1"))
    }

    /// Ids it does not know and containers that are not modules go to runc with the same command line (less --runc).
    @Test func otherContainersAreHandedToRunc() throws {
        let scratch = try Scratch()
        let recorded = scratch.path + "/runc-arguments"
        let fakeRunc = scratch.path + "/fake-runc"
        try Data("#!/bin/sh\necho \"$@\" > \(recorded)\nexit 3\n".utf8).write(to: URL(fileURLWithPath: fakeRunc))
        chmod(fakeRunc, 0o755)
        let root = scratch.path + "/root"

        let state = try SwiftletBinary.runtime(["--root", root, "--runc", fakeRunc, "state", "unknown"])
        #expect(state.status == 3)
        #expect(try String(contentsOfFile: recorded, encoding: .utf8) == "--root \(root) state unknown\n")

        let bundle = try Bundle(in: scratch, arguments: ["/bin/native"], files: ["bin/native": Array("\u{7f}ELF".utf8)])
        let create = try SwiftletBinary.runtime(
            ["--root", root, "create", "--bundle", bundle.path, "c1"], environment: ["SWIFTLET_RUNC": fakeRunc])
        #expect(create.status == 3)
        #expect(try String(contentsOfFile: recorded, encoding: .utf8) == "--root \(root) create --bundle \(bundle.path) c1\n")
    }

    /// A module named but not there, or not a module: this runtime's error at create, as runc's exec error reads.
    @Test func missingModuleFailsCreate() throws {
        let scratch = try Scratch()
        let bundle = try Bundle(in: scratch, arguments: ["/app.wasm"], files: ["other.wasm": [0, 0x61, 0x73, 0x6d]])
        let missing = try SwiftletBinary.runtime(["--root", scratch.path + "/root", "create", "--bundle", bundle.path, "c1"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains(#"exec: "/app.wasm": stat /app.wasm: No such file or directory"#))

        let notModule = try Bundle(in: scratch, arguments: ["/app.wasm"], files: ["app.wasm": Array("text".utf8)])
        let result = try SwiftletBinary.runtime(["--root", scratch.path + "/root", "create", "--bundle", notModule.path, "c2"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("is not a WebAssembly module"))
    }

    /// A created container waits for `start` in its init, whose rlimits are the bundle's; `state` reports it as runc
    /// does; `delete` refuses it, `delete --force` kills the init and leaves nothing.
    @Test func createdContainerWaitsAndForceDeleteLeavesNothing() throws {
        let scratch = try Scratch()
        let root = scratch.path + "/root"
        let module: [UInt8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
        let process: [String: Any] = [
            "args": ["/app.wasm"], "cwd": "/", "rlimits": [["type": "RLIMIT_NOFILE", "hard": 200, "soft": 100]],
        ]
        let bundle = try Bundle(
            in: scratch, arguments: ["/app.wasm"], files: ["app.wasm": module],
            extra: ["process": process, "annotations": ["org.example/owner": "tests"]])
        let pidFile = scratch.path + "/init.pid"
        let created = try SwiftletBinary.runtime(["--root", root, "create", "--bundle", bundle.path, "--pid-file", pidFile, "c1"])
        try #require(created.status == 0, "\(created.standardError)")
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8)))
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        let openFiles = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }
        #expect(openFiles?.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).prefix(2) == ["100", "200"])

        let state = try SwiftletBinary.runtime(["--root", root, "state", "c1"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(state.standardOutput.utf8)) as? [String: Any])
        #expect(document["status"] as? String == "created")
        #expect(document["pid"] as? Int == Int(pid))
        #expect(document["bundle"] as? String == bundle.path)
        #expect(document["rootfs"] as? String == bundle.path + "/rootfs")
        #expect(document["annotations"] as? [String: String] == ["org.example/owner": "tests"])
        #expect(try SwiftletBinary.runtime(["--root", root, "ps", "--format", "json", "c1"]).standardOutput == "[\(pid)]\n")

        let refused = try SwiftletBinary.runtime(["--root", root, "delete", "c1"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("cannot delete container c1 that is not stopped: created"))
        #expect(try SwiftletBinary.runtime(["--root", root, "delete", "--force", "c1"]).status == 0)
        // The init was this test's grandchild, reparented to init(1) (or a subreaper): gone, or at most a zombie.
        #expect(kill(pid, 0) != 0 || ContainerProcess.isZombie(pid))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/swiftlet") == [])
    }

    @Test func featuresIsJSON() throws {
        let result = try SwiftletBinary.runtime(["features"])
        #expect(result.status == 0)
        let features = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(features["ociVersionMin"] as? String == "1.0.0")
    }
}
