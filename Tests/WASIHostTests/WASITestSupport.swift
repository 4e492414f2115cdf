import Foundation
import Synchronization
import TestSupport
import Testing

enum WASITestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let programsDirectory = repositoryRoot.appendingPathComponent("tests/wasi")

    /// Why `swiftlet run` cannot start micro-VMs here, in the words of `swiftlet info`'s KVM line (it honours
    /// `SWIFTLET_KVM_DEVICE` as `run` does); nil where it can. Without a built `swiftlet` this is nil too, so the
    /// VM tests run and fail on the missing executable instead of being skipped.
    static let kvmProblem: String? = {
        guard let swiftlet = try? BuiltExecutable.named("swiftlet"), let info = try? run(swiftlet, ["info"]) else {
            return nil
        }
        guard let line = info.standardOutput.split(separator: "\n").first(where: { $0.hasPrefix("KVM: ") }),
            !line.hasPrefix("KVM: usable")
        else { return nil }
        // Without the line's closing hint (`use run --isolation process`), which is for users, not tests.
        return String(line.dropFirst("KVM: ".count).split(separator: "; use ").first ?? "")
    }()

    static func executable(named name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Compiles `tests/wasi/NAME.c` (scripts/wasi-cc.sh: the toolchain's clang, Debian's wasi-libc and
    /// libclang-rt-dev-wasm32), once per test process.
    static func compile(_ name: String) throws -> URL {
        try compiledPrograms.withLock { cache in
            if let module = cache[name] { return module }
            let module = try buildModule(name)
            cache[name] = module
            return module
        }
    }

    private static let compiledPrograms = Mutex<[String: URL]>([:])

    private static func buildModule(_ name: String) throws -> URL {
        let output = scratch.appendingPathComponent("wasm")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let module = output.appendingPathComponent("\(name).wasm")
        try WASICompiler.compile(
            programsDirectory.appendingPathComponent("\(name).c"), to: module,
            flags: ["-O1", "-Wall", "-Wno-unused-function"])
        return module
    }

    /// python3 with the `wasmtime` package, checked once.
    static func python() throws -> URL {
        guard let python = executable(named: "python3") else {
            throw ToolMissing(description: "python3 not found; the reference runs need python3 with PyPI `wasmtime`")
        }
        let probe = try run(python, ["-c", "import wasmtime"])
        guard probe.status == 0 else {
            throw ToolMissing(description: "python3 cannot import wasmtime (pip install wasmtime==51.0.0, the version .ci/run pins): \(probe.standardError)")
        }
        return python
    }

    static let scratch: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-wasi-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: WASITestSupport.scratch) }
        return directory
    }()

    static func temporaryDirectory() throws -> URL {
        let directory = scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    typealias RunResult = ChildProgram.Result

    /// Runs a program to completion (see `ChildProgram.run`).
    static func run(
        _ executable: URL, _ arguments: [String], input: String = "", environment: [String: String] = [:],
        timeout: TimeInterval = 60
    ) throws -> RunResult {
        try ChildProgram.run(executable, arguments, input: input, environment: environment, timeout: timeout)
    }

    /// Every entry beneath `directory`: its relative path, its kind, and its contents or link target; with
    /// `withTimes`, each file's and directory's modification time too.
    static func snapshot(_ directory: URL, withTimes: Bool = false) throws -> [String: String] {
        var entries: [String: String] = [:]
        func walk(_ url: URL, _ relative: String) throws {
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path) {
                let child = url.appendingPathComponent(name)
                let path = relative.isEmpty ? name : relative + "/" + name
                let attributes = try FileManager.default.attributesOfItem(atPath: child.path)
                let type = attributes[.type] as? FileAttributeType
                let time = withTimes ? " modified \((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)" : ""
                switch type {
                case .typeSymbolicLink?:
                    entries[path] = "link -> " + (try FileManager.default.destinationOfSymbolicLink(atPath: child.path))
                case .typeDirectory?:
                    entries[path] = "directory" + time
                    try walk(child, path)
                default:
                    let contents = try Data(contentsOf: child)
                    entries[path] = "file \(contents.count) bytes: " + String(decoding: contents.prefix(64), as: UTF8.self) + time
                }
            }
        }
        try walk(directory, "")
        return entries
    }
}

extension Trait where Self == ConditionTrait {
    /// For tests that run modules in micro-VMs: where KVM is unusable they are skipped, and the skip says why.
    static var needsKVM: Self {
        .enabled(if: WASITestSupport.kvmProblem == nil, Comment(rawValue: "needs a usable /dev/kvm: KVM \(WASITestSupport.kvmProblem ?? "")"))
    }
}
