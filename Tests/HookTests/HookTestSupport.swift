import Foundation
import Swiftlet
import Synchronization
import TestSupport
import Testing

enum HookTestSupport {
    static let repositoryRoot = WASICompiler.repositoryRoot

    /// A committed example hook (examples/hooks, built by `make hooks`).
    static func example(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("examples/hooks/\(name).wasm").path
    }

    static let demoServer = repositoryRoot.appendingPathComponent("examples/kv-http/server.wasm").path

    /// tests/hooks/NAME.c compiled once per test process: a hook (imports nothing but swiftlet_hook) or, for `app`, a
    /// WASI program.
    static func module(_ name: String) throws -> String {
        try compiled.withLock { modules in
            if let path = modules[name] { return path }
            let output = scratch.appendingPathComponent("\(name).wasm")
            let hookFlags = ["-I", repositoryRoot.appendingPathComponent("include").path, "-nostartfiles", "-Wl,--no-entry"]
            try WASICompiler.compile(
                repositoryRoot.appendingPathComponent("tests/hooks/\(name).c"), to: output,
                flags: ["-O2", "-Wall", "-Wextra", "-Werror"] + (name == "app" ? [] : hookFlags))
            modules[name] = output.path
            return output.path
        }
    }

    private static let compiled = Mutex<[String: String]>([:])

    /// This test process's scratch directory, removed when it exits.
    static let scratch: URL = {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("swiftlet-hook-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: HookTestSupport.scratch) }
        return directory
    }()

    /// A fresh directory holding `out` (with `in.txt`, "hello") and `data`, which tests/hooks/app.c sees as `/out` and
    /// `/data`.
    static func fixture() throws -> URL {
        let root = scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("out"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("data"), withIntermediateDirectories: true)
        try Data("hello".utf8).write(to: root.appendingPathComponent("out/in.txt"))
        return root
    }

    /// `swiftlet run` of tests/hooks/app.c in `fixture` with `hookArguments`; the result and the hook output.
    static func runApp(
        in fixture: URL, isolation: Isolation, hookArguments: [String]
    ) throws -> (result: ChildProgram.Result, hookOutput: String) {
        let output = fixture.appendingPathComponent("hooks-\(isolation.rawValue).out")
        let result = try swiftlet(
            ["run", "--isolation", isolation.rawValue,
             "--dir", fixture.appendingPathComponent("out").path + "::/out",
             "--dir", fixture.appendingPathComponent("data").path + "::/data",
             "--hook-output", output.path] + hookArguments + [try module("app")])
        return (result, try String(contentsOf: output, encoding: .utf8))
    }

    static func swiftlet(_ arguments: [String], timeout: TimeInterval = 120) throws -> ChildProgram.Result {
        try ChildProgram.run(try BuiltExecutable.named("swiftlet"), arguments, timeout: timeout)
    }

    /// The lines of `text`.
    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init)
    }
}

extension Trait where Self == ConditionTrait {
    /// For tests that compare a micro-VM with in-process runs: skipped, saying why, where micro-VMs cannot run.
    static var needsKVM: Self {
        .enabled(if: MicroVMProbe.problem == nil, Comment(rawValue: "needs a usable /dev/kvm: \(MicroVMProbe.problem ?? "")"))
    }
}
