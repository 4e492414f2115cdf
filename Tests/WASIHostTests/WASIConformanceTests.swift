import Foundation
import TestSupport
import Testing

/// Each program in tests/wasi runs under `swiftlet run` and under wasmtime with the same preopen, environment,
/// arguments and stdin; stdout, stderr, exit status and the sandbox's final contents must agree, and nothing
/// beside the sandbox may change.
@Suite(.serialized)
struct WASIConformanceTests {
    struct Program: CustomTestStringConvertible, Sendable {
        var name: String
        var arguments: [String] = []
        var environment: [String] = []
        var input = ""
        var testDescription: String { name }
    }

    static let programs: [Program] = [
        Program(
            name: "args_env", arguments: ["first arg", "3", "ünïcode"],
            environment: ["GREETING=hello world", "EMPTY=", "A=1=2"], input: "from stdin"),
        Program(name: "clocks", input: "some input"),
        Program(name: "files"),
        Program(name: "dirs"),
        Program(name: "escape"),
        Program(name: "libc_files"),
        Program(name: "edge_cases"),
        Program(name: "echo_server"),
        Program(name: "simd"),
    ]

    /// A fresh directory with `sandbox` (preopened) and `outside` (the guest must never reach it).
    struct Fixture {
        let root: URL
        var sandbox: URL { root.appendingPathComponent("sandbox") }
        var outside: URL { root.appendingPathComponent("outside") }

        init() throws {
            root = try WASITestSupport.temporaryDirectory()
            let files = FileManager.default
            try files.createDirectory(at: sandbox.appendingPathComponent("sub"), withIntermediateDirectories: true)
            try files.createDirectory(at: outside, withIntermediateDirectories: true)
            try Data("existing contents\n".utf8).write(to: sandbox.appendingPathComponent("existing.txt"))
            try Data("inner\n".utf8).write(to: sandbox.appendingPathComponent("sub/inner.txt"))
            try Data("top secret\n".utf8).write(to: outside.appendingPathComponent("secret.txt"))
            let links = [
                "rel_out": "../outside/secret.txt",
                "abs_link": outside.appendingPathComponent("secret.txt").path,
                "dir_out": "../outside",
                "abs_dir": outside.path,
                "dangling_out": "../outside/created.txt",
                "inside_up": "sub/..",
                "sub/up_out": "../../outside",
            ]
            for (link, target) in links {
                try files.createSymbolicLink(atPath: sandbox.appendingPathComponent(link).path, withDestinationPath: target)
            }
        }

        /// Everything in the fixture but the sandbox's contents, with modification times: what the guest
        /// must never create, change or remove.
        func surroundingsSnapshot() throws -> [String: String] {
            try WASITestSupport.snapshot(root, withTimes: true).filter { !$0.key.hasPrefix("sandbox/") && $0.key != "sandbox" }
        }

        /// The sandbox's entries, with this fixture's own path masked so two fixtures compare equal.
        func sandboxSnapshot() throws -> [String: String] {
            try WASITestSupport.snapshot(sandbox).mapValues { $0.replacingOccurrences(of: root.path, with: "<root>") }
        }
    }

    struct Runs {
        var ours: WASITestSupport.RunResult
        var wasmtime: WASITestSupport.RunResult
        var ourFixture: Fixture
        var theirFixture: Fixture
        var ourSurroundingsBefore: [String: String]
        var theirSurroundingsBefore: [String: String]
    }

    static func runBoth(_ program: Program, isolation: String = "vm") throws -> Runs {
        let module = try WASITestSupport.compile(program.name)
        let swiftlet = try BuiltExecutable.named("swiftlet")
        let python = try WASITestSupport.python()
        let ourFixture = try Fixture()
        let theirFixture = try Fixture()
        let ourSurroundingsBefore = try ourFixture.surroundingsSnapshot()
        let theirSurroundingsBefore = try theirFixture.surroundingsSnapshot()
        func options(_ fixture: Fixture) -> [String] {
            ["--dir", fixture.sandbox.path + "::/sandbox"] + program.environment.flatMap { ["--env", $0] }
        }
        // "vm-exits" is the VM without the mailbox; "-compiler" runs machine code.
        let mode = isolation.hasPrefix("vm") ? "vm" : "process"
        let tier = isolation.hasSuffix("-compiler") ? "compiler" : "interpreter"
        let ours = try WASITestSupport.run(
            swiftlet, ["run", "--isolation", mode, "--tier", tier] + options(ourFixture) + [module.path] + program.arguments,
            input: program.input,
            environment: isolation == "vm-exits" ? ["SWIFTLET_WASI_MAILBOX": "off"] : [:])
        let wasmtime = try WASITestSupport.run(
            python,
            [WASITestSupport.programsDirectory.appendingPathComponent("run_wasmtime.py").path] + options(theirFixture)
                + [module.path] + program.arguments,
            input: program.input)
        return Runs(
            ours: ours, wasmtime: wasmtime, ourFixture: ourFixture, theirFixture: theirFixture,
            ourSurroundingsBefore: ourSurroundingsBefore, theirSurroundingsBefore: theirSurroundingsBefore)
    }

    /// Both isolation modes serve WASI from the same host implementation; each must match wasmtime. In the VM a
    /// forwarded call travels through the WASI mailbox to a worker thread when it can, by VM exit otherwise;
    /// `vm-exits` turns the mailbox off, so both paths are compared. Both tiers make the same calls.
    @Test(.needsKVM, arguments: programs, ["vm", "vm-exits", "vm-compiler"])
    func matchesWasmtimeInVM(_ program: Program, isolation: String) throws {
        try Self.checkMatchesWasmtime(program, isolation: isolation)
    }

    @Test(arguments: programs, ["process", "process-compiler"])
    func matchesWasmtimeInProcess(_ program: Program, isolation: String) throws {
        try Self.checkMatchesWasmtime(program, isolation: isolation)
    }

    static func checkMatchesWasmtime(_ program: Program, isolation: String) throws {
        let runs = try Self.runBoth(program, isolation: isolation)
        #expect(runs.ours.standardOutput == runs.wasmtime.standardOutput)
        #expect(runs.ours.standardError == runs.wasmtime.standardError)
        #expect(runs.ours.status == runs.wasmtime.status)
        #expect(!runs.ours.standardOutput.isEmpty)
        #expect(try runs.ourFixture.sandboxSnapshot() == runs.theirFixture.sandboxSnapshot())
        #expect(try runs.ourFixture.surroundingsSnapshot() == runs.ourSurroundingsBefore)
        #expect(try runs.theirFixture.surroundingsSnapshot() == runs.theirSurroundingsBefore)
        if runs.ours.standardOutput != runs.wasmtime.standardOutput {
            let ours = runs.ours.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
            let theirs = runs.wasmtime.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
            for (index, (line, reference)) in zip(ours, theirs).enumerated() where line != reference {
                Issue.record("line \(index + 1): swiftlet `\(line)` but wasmtime `\(reference)`")
            }
        }
    }

    @Test(.needsKVM) func escapeAttemptsNeverReadTheSecret() throws {
        let runs = try Self.runBoth(Self.programs.first { $0.name == "escape" }!)
        #expect(!runs.ours.standardOutput.contains("top secret"))
        #expect(runs.ours.standardOutput.contains("open existing.txt (follow=0 oflags=0) -> 0 read [existing contents"))
        #expect(!FileManager.default.fileExists(atPath: runs.ourFixture.outside.appendingPathComponent("created.txt").path))
        #expect(!FileManager.default.fileExists(atPath: runs.ourFixture.root.appendingPathComponent("made").path))
        #expect(!FileManager.default.fileExists(atPath: runs.ourFixture.root.appendingPathComponent("moved.txt").path))
    }

    @Test(.needsKVM) func trapExitsNonZeroWithItsMessageAndKeepsEarlierOutput() throws {
        let module = try WASITestSupport.compile("trap")
        let result = try WASITestSupport.run(try BuiltExecutable.named("swiftlet"), ["run", module.path])
        #expect(result.status == 134)
        #expect(result.standardOutput == "before the trap\n")
        #expect(result.standardError.contains("wasm trap: unreachable"))
    }

    @Test(.needsKVM) func badGuestPointersAreEFAULT() throws {
        let module = try WASITestSupport.compile("bad_pointers")
        let fixture = try Fixture()
        let result = try WASITestSupport.run(
            try BuiltExecutable.named("swiftlet"), ["run", "--dir", fixture.sandbox.path + "::/sandbox", module.path])
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n").map { $0.split(separator: " -> ").last ?? "" }
        #expect(lines == ["21", "21", "21", "21", "21", "21", "21", "21", "21", "21", "0", "0", "0", "28"])
    }

    @Test(.needsKVM) func environmentVariableWithoutValueIsInheritedAndDirWithoutGuestNameKeepsTheHostPath() throws {
        let fixture = try Fixture()
        let result = try WASITestSupport.run(
            try BuiltExecutable.named("swiftlet"),
            ["run", "--env", "PATH", "--env", "GREETING=hi", "--dir", fixture.sandbox.path, try WASITestSupport.compile("args_env").path])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("PATH is set\n"))
        #expect(result.standardOutput.contains("GREETING=hi\n"))
        let listing = try WASITestSupport.run(
            try BuiltExecutable.named("swiftlet"), ["run", "--dir", fixture.sandbox.path, try WASITestSupport.compile("dirs").path])
        #expect(listing.standardOutput.contains("preopen name=\(fixture.sandbox.path)\n"))
    }

    @Test(.needsKVM) func writingToAClosedPipeIsEPIPEForTheGuestNotSIGPIPEForTheHost() throws {
        let module = try WASITestSupport.compile("closed_stdout")
        let process = Process()
        process.executableURL = try BuiltExecutable.named("swiftlet")
        process.arguments = ["run", module.path]
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try output.fileHandleForReading.close()
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 3)
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message == "stopped: Broken pipe\n")
    }

    @Test(.needsKVM) func missingPreopenIsAClearError() throws {
        let module = try WASITestSupport.compile("args_env")
        let result = try WASITestSupport.run(
            try BuiltExecutable.named("swiftlet"), ["run", "--dir", "/no/such/directory", module.path])
        #expect(result.status != 0)
        #expect(result.standardError.contains("cannot preopen directory `/no/such/directory`"))
    }
}
