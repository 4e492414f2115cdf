import Foundation
import Glibc
import Swiftlet
import TestSupport
import Testing

/// `swiftlet run --hook`: the example hooks (examples/hooks) on real programs, and hooks that misbehave, in both
/// isolations.
@Suite("hooks")
struct HookTests {
    @Test("the tracer lists every call of a program with its result", arguments: MicroVMProbe.isolations)
    func traceListsEveryCall(isolation: Isolation) throws {
        let fixture = try HookTestSupport.fixture()
        let (result, trace) = try HookTestSupport.runApp(
            in: fixture, isolation: isolation, hookArguments: ["--hook", HookTestSupport.example("trace")])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = HookTestSupport.lines(trace)
        let expected = [
            #"^fd_prestat_dir_name\(3, 0x[0-9a-f]+, 4\) = 0 -> "/out"$"#,
            #"^fd_prestat_dir_name\(4, 0x[0-9a-f]+, 5\) = 0 -> "/data"$"#,
            #"^fd_prestat_get\(5\) = 8 \(badf\)$"#,
            #"^path_open\(3, 0x1, "in.txt", .*\) = 0 -> fd 5$"#,
            #"^fd_read\(5, \[63 bytes\], 1\) = 0 -> 5$"#,
            #"^path_open\(3, 0x1, "missing.txt", .*\) = 44 \(noent\)$"#,
            #"^path_open\(3, 0x1, "out.txt", 0x9, .*\) = 0 -> fd 5$"#,
            #"^fd_write\(5, \[8 bytes\], 1\) = 0 -> 8$"#,
            #"^path_open\(4, 0x1, "outside.txt", 0x9, .*\) = 0 -> fd 5$"#,
        ]
        var remaining = lines[...]
        for pattern in expected {
            let regex = try Regex(pattern)
            guard let index = remaining.firstIndex(where: { $0.wholeMatch(of: regex) != nil }) else {
                Issue.record("no line matching \(pattern) in order in:\n\(trace)")
                return
            }
            remaining = remaining[(index + 1)...]
        }
        // Every line the program printed is one fd_write of stdout, and every call is one well-formed line.
        #expect(lines.filter { $0.hasPrefix("fd_write(1, ") }.count == HookTestSupport.lines(result.standardOutput).count)
        #expect(lines.filter { $0.hasPrefix("fd_close(5) = 0") }.count == 3)
        let wellFormed = try Regex(#"^[a-z_]+\(.*\) = (0|[0-9]+ \([a-z2]+\))( -> .*)?$"#)
        #expect(lines.allSatisfy { $0.wholeMatch(of: wellFormed) != nil }, "\(trace)")
    }

    @Test(
        "a micro-VM and in-process give the same trace", .needsKVM,
        arguments: ["app", "files", "dirs", "path_ops"])
    func traceIsTheSameInBothIsolations(program: String) throws {
        var traces: [String] = []
        var outputs: [String] = []
        for isolation in Isolation.allCases {
            let (result, trace) = try runTraced(program, isolation: isolation)
            #expect(!trace.isEmpty)
            outputs.append(result.standardOutput)
            // In-process, an fd_write of stdout or stderr writes its first iovec only (as wasmtime does); the VM's kernel
            // writes them all. Both are WASI: the lines differ, the output does not.
            traces.append(
                HookTestSupport.lines(trace).filter { !$0.hasPrefix("fd_write(1, ") && !$0.hasPrefix("fd_write(2, ") }
                    .joined(separator: "\n"))
        }
        #expect(traces[0] == traces[1])
        #expect(outputs[0] == outputs[1])
    }

    /// `program` (tests/hooks/app.c, or a WASI conformance program of tests/wasi) run under the tracer.
    private func runTraced(_ program: String, isolation: Isolation) throws -> (ChildProgram.Result, String) {
        let fixture = try HookTestSupport.fixture()
        if program == "app" {
            return try HookTestSupport.runApp(
                in: fixture, isolation: isolation, hookArguments: ["--hook", HookTestSupport.example("trace")])
        }
        let module = fixture.appendingPathComponent("\(program).wasm")
        try WASICompiler.compile(
            HookTestSupport.repositoryRoot.appendingPathComponent("tests/wasi/\(program).c"), to: module, flags: ["-O1"])
        let sandbox = fixture.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: sandbox.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("existing contents\n".utf8).write(to: sandbox.appendingPathComponent("existing.txt"))
        try Data("inner\n".utf8).write(to: sandbox.appendingPathComponent("sub/inner.txt"))
        let output = fixture.appendingPathComponent("trace")
        let result = try HookTestSupport.swiftlet([
            "run", "--isolation", isolation.rawValue, "--dir", sandbox.path + "::/sandbox", "--hook",
            HookTestSupport.example("trace"), "--hook-output", output.path, module.path,
        ])
        #expect(result.status == 0, "\(result.standardError)")
        return (result, try String(contentsOf: output, encoding: .utf8))
    }

    @Test("the policy denies writes outside its prefix with EPERM, and nothing else", arguments: MicroVMProbe.isolations)
    func policyDeniesWritesOutsidePrefix(isolation: Isolation) throws {
        let fixture = try HookTestSupport.fixture()
        let (result, log) = try HookTestSupport.runApp(
            in: fixture, isolation: isolation,
            hookArguments: ["--hook", HookTestSupport.example("trace"), "--hook", HookTestSupport.example("policy") + "::prefix=/out"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == """
            open in.txt: ok
            read in.txt: ok
            open missing.txt: No such file or directory
            create out.txt: ok
            write out.txt: ok
            create /data/outside.txt: Operation not permitted

            """)
        let lines = HookTestSupport.lines(log)
        #expect(lines.filter { $0.hasPrefix("policy: ") } == [#"policy: denied path_open "/data/outside.txt": outside /out"#])
        // The tracer, before the policy, still hears how the denied call ended.
        #expect(lines.contains { $0.hasPrefix(#"path_open(4, 0x1, "outside.txt", 0x9"#) && $0.hasSuffix("= 63 (perm)") })
        #expect(!FileManager.default.fileExists(atPath: fixture.appendingPathComponent("data/outside.txt").path))
        #expect(try String(contentsOf: fixture.appendingPathComponent("out/out.txt"), encoding: .utf8) == "written\n")
    }

    /// A misbehaving hook (tests/hooks/hostile.c, told how by its CONFIG) and what the application sees.
    struct Hostility: CustomTestStringConvertible, Sendable {
        var mode: String
        /// What the program prints for each of its path_open calls: denied (ENOTCAPABLE), or as without the hook.
        var deniesPathOpen: Bool
        /// What stderr reports.
        var report: String?
        var testDescription: String { mode }
    }

    static let hostilities = [
        Hostility(mode: "trap", deniesPathOpen: true, report: "failed in swiftlet_hook_call_enter at `path_open`: unreachable"),
        Hostility(mode: "loop", deniesPathOpen: true, report: "failed in swiftlet_hook_call_enter at `path_open`: all fuel consumed"),
        Hostility(mode: "verdict", deniesPathOpen: true, report: "it returned 12345, which is no verdict"),
        Hostility(mode: "grow", deniesPathOpen: false, report: nil),
        Hostility(mode: "reads", deniesPathOpen: false, report: nil),
        Hostility(mode: "exit-trap", deniesPathOpen: false, report: "failed in swiftlet_hook_call_exit at `fd_prestat_get`: unreachable"),
    ]

    @Test(
        "a hostile hook cannot crash the kernel, hang the run or change the application",
        arguments: hostilities, MicroVMProbe.isolations)
    func hostileHook(_ hostility: Hostility, isolation: Isolation) throws {
        let fixture = try HookTestSupport.fixture()
        let started = ContinuousClock.now
        let (result, output) = try HookTestSupport.runApp(
            in: fixture, isolation: isolation, hookArguments: ["--hook", try HookTestSupport.module("hostile") + "::" + hostility.mode])
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(result.status == 0, "\(result.standardError)")
        // app.c checks its memory after every call, and prints if it changed.
        #expect(!result.standardOutput.contains("memory changed"))
        let denied = "Capabilities insufficient"
        let lines = HookTestSupport.lines(result.standardOutput)
        #expect(lines.count == 6)
        #expect(lines.first == (hostility.deniesPathOpen ? "open in.txt: \(denied)" : "open in.txt: ok"))
        #expect(lines.last == (hostility.deniesPathOpen ? "create /data/outside.txt: \(denied)" : "create /data/outside.txt: ok"))
        if let report = hostility.report {
            #expect(result.standardError.hasPrefix("swiftlet: hook `"))
            #expect(result.standardError.contains(report), "\(result.standardError)")
        } else {
            #expect(result.standardError.isEmpty)
        }
        if hostility.mode == "reads" {
            // Every read outside either memory, too long, or outside a data event failed, and emitted nothing else.
            #expect(Set(HookTestSupport.lines(output).map { $0.split(separator: ":")[1] }) == [" -1"])
        }
    }

    @Test("a hook hears only the calls it selects", arguments: MicroVMProbe.isolations)
    func selectedCalls(isolation: Isolation) throws {
        let fixture = try HookTestSupport.fixture()
        let (result, output) = try HookTestSupport.runApp(
            in: fixture, isolation: isolation, hookArguments: ["--hook", try HookTestSupport.module("select")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(HookTestSupport.lines(output) == Array(repeating: "enter path_open", count: 4))
        // Every line: the four opens were denied, and the read and the write had no file.
        let lines = HookTestSupport.lines(result.standardOutput)
        #expect(lines.count == 6 && lines.allSatisfy { $0.hasSuffix(": Permission denied") }, "\(lines)")
    }

    @Test("--hook-failure end makes a hook's failure end the run, as a verdict of -1 does", arguments: MicroVMProbe.isolations)
    func failureEndsRun(isolation: Isolation) throws {
        let fixture = try HookTestSupport.fixture()
        let hostile = try HookTestSupport.module("hostile")
        let failed = try HookTestSupport.runApp(
            in: fixture, isolation: isolation, hookArguments: ["--hook", hostile + "::trap", "--hook-failure", "end"]).result
        #expect(failed.status == 134)
        #expect(failed.standardError.contains("hook `\(hostile)` failed in swiftlet_hook_call_enter at `path_open`: unreachable"))
        let ended = try HookTestSupport.runApp(in: fixture, isolation: isolation, hookArguments: ["--hook", hostile + "::end"])
            .result
        #expect(ended.status == 134)
        #expect(ended.standardError == "Error: wasm trap: hook `\(hostile)` ended the run at `path_open`\n")
        #expect(ended.standardOutput.isEmpty)
    }

    @Test("a hook that imports anything but swiftlet_hook is refused before the module runs", arguments: MicroVMProbe.isolations)
    func hookImportingWASIIsRefused(isolation: Isolation) throws {
        let fixture = try HookTestSupport.fixture()
        let hook = try HookTestSupport.module("wasi_import")
        let result = try HookTestSupport.runApp(in: fixture, isolation: isolation, hookArguments: ["--hook", hook]).result
        #expect(result.status != 0)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError == """
            Error: invalid hook `\(hook)`: it imports "wasi_snapshot_preview1" "sched_yield"; a hook may import only the \
            functions of "swiftlet_hook" (include/swiftlet/hook.h)

            """)
        let missing = try HookTestSupport.runApp(in: fixture, isolation: isolation, hookArguments: ["--hook", "/nonexistent.wasm"])
            .result
        #expect(missing.standardError.hasPrefix("Error: cannot read `/nonexistent.wasm`: No such file or directory"))
    }

    /// The kv-http demo serving on loopback under `hooks` for `seconds` (it then ends with its time limit, so the hooks'
    /// output is written whole), and what `exchange` did with it in the meantime.
    private func withDemoServer(
        isolation: Isolation, hooks: [String], output: URL, seconds: Int, _ exchange: (_ port: Int) throws -> Void
    ) throws {
        let port = try Loopback.freePort()
        let server = try ListeningProcess(
            try BuiltExecutable.named("swiftlet").path,
            ["run", "--isolation", isolation.rawValue, "--timeout", "\(seconds)", "--tcplisten", "127.0.0.1:\(port)",
             "--kv-store", "my-container", "--hook-output", output.path]
                + hooks.flatMap { ["--hook", $0] } + [HookTestSupport.demoServer],
            port: port)
        try exchange(Int(port))
        let status = server.waitForExit(within: .seconds(seconds + 60))
        #expect(status.map { $0 >> 8 } == 124, "the server ended with its time limit")
    }

    private func request(_ text: String, port: Int) throws -> String {
        let connection = try RawConnection(port: port)
        connection.send(text)
        return connection.receiveAll()
    }

    @Test("the pcap hook captures the HTTP demo's exchanges in a file tcpdump reads", arguments: MicroVMProbe.isolations)
    func pcapCapturesHTTP(isolation: Isolation) throws {
        let fixture = try HookTestSupport.fixture()
        let capture = fixture.appendingPathComponent("http.pcap")
        try withDemoServer(
            isolation: isolation, hooks: [HookTestSupport.example("pcap") + "::port=8080"], output: capture, seconds: 4
        ) { port in
            let hello = try request("GET /hello HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n", port: port)
            #expect(hello.hasSuffix("Hello from Swiftlet!\n"))
            _ = try request(
                "PUT /bar HTTP/1.1\r\nHost: demo\r\nContent-Length: 14\r\nConnection: close\r\n\r\ncaptured value", port: port)
            let foo = try request("GET /foo HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n", port: port)
            #expect(foo.hasSuffix("captured value"))
        }
        let tcpdump = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let reader = try #require(tcpdump, "tcpdump (Debian's package; scripts/install-deps.sh installs it)")
        // -v checks every IP header's checksum ("bad cksum" otherwise).
        let dump = try ChildProgram.run(URL(fileURLWithPath: reader), ["-nn", "-v", "-A", "-r", capture.path])
        #expect(dump.status == 0, "\(dump.standardError)")
        for text in ["GET /hello HTTP/1.1", "Hello from Swiftlet!", "PUT /bar HTTP/1.1", "captured value", "GET /foo HTTP/1.1"] {
            #expect(dump.standardOutput.contains(text), "\(text) is not in the capture:\n\(dump.standardOutput)")
        }
        #expect(dump.standardOutput.contains("10.0.0.1.") && dump.standardOutput.contains("10.0.0.2.8080"))
        #expect(!dump.standardError.contains("truncated"))
        #expect(!dump.standardOutput.contains("bad cksum"))
        // Three connections (and the test's probe that the server listens), each opened and closed.
        #expect(dump.standardOutput.components(separatedBy: "Flags [S]").count - 1 >= 3)
    }

    @Test("the policy denies a server's sends beyond its byte budget with EDQUOT", arguments: MicroVMProbe.isolations)
    func policyBudgetDeniesSends(isolation: Isolation) throws {
        let fixture = try HookTestSupport.fixture()
        let log = fixture.appendingPathComponent("policy.log")
        // /hello's response (with Connection: close) is 105 bytes: the first fits a budget of 150, the second does not.
        try withDemoServer(
            isolation: isolation, hooks: [HookTestSupport.example("policy") + "::budget=150"], output: log, seconds: 3
        ) { port in
            let hello = "GET /hello HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n"
            let first = try request(hello, port: port)
            let second = try request(hello, port: port)
            #expect(first.hasSuffix("Hello from Swiftlet!\n"))
            #expect(second == "")
        }
        #expect(HookTestSupport.lines(try String(contentsOf: log, encoding: .utf8))
            == ["policy: denied sock_send of 105 bytes: over the budget of 150 (105 sent)"])
    }

    @Test("the library runs hooks from Sandbox.Configuration, writing their output to the caller's descriptor",
        arguments: MicroVMProbe.isolations)
    func libraryHooks(isolation: Isolation) throws {
        let fixture = try HookTestSupport.fixture()
        let output = fixture.appendingPathComponent("trace")
        let descriptor = open(output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let devNull = open("/dev/null", O_WRONLY)
        defer { close(devNull) }
        var configuration = Sandbox.Configuration(module: .file(path: try HookTestSupport.module("app")))
        configuration.isolation = isolation
        configuration.preopens = [
            .init(hostPath: fixture.appendingPathComponent("out").path, guestPath: "/out"),
            .init(hostPath: fixture.appendingPathComponent("data").path, guestPath: "/data"),
        ]
        configuration.standardIO = .init(output: devNull)
        configuration.hooks = [try Sandbox.Hook(path: HookTestSupport.example("policy"), configuration: "prefix=/out")]
        configuration.hookOptions.output = descriptor
        #expect(try Sandbox(configuration).run() == 0)
        #expect(try String(contentsOf: output, encoding: .utf8)
            == "policy: denied path_open \"/data/outside.txt\": outside /out\n")
    }

    @Test("hooks see a run from its start: a sandbox with hooks is neither captured nor restored")
    func snapshotsRefuseHooks() throws {
        var configuration = Sandbox.Configuration(module: .file(path: try HookTestSupport.module("app")))
        configuration.isolation = .process
        let snapshot = try Sandbox(configuration).snapshot(at: .afterInitialization)
        configuration.hooks = [try Sandbox.Hook(path: HookTestSupport.example("trace"))]
        #expect {
            try Sandbox(configuration).snapshot(at: .afterInitialization)
        } throws: { error in
            "\(error)" == "hooks see a run from its start: a sandbox with hooks cannot be captured in a snapshot"
        }
        configuration.module = .snapshot(snapshot)
        #expect {
            try Sandbox(configuration).run()
        } throws: { error in
            "\(error)" == "hooks see a run from its start: a sandbox restored from a snapshot cannot have them"
        }
    }
}
