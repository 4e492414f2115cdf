import Foundation
import Glibc
@testable import KeyValue
import Swiftlet
import Synchronization
import TestSupport
import Testing

enum KeyValueTestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// tests/kv/kv_guest.c, compiled once per test process (scripts/wasi-cc.sh: the toolchain's clang, Debian's
    /// wasi-libc and libclang-rt-dev-wasm32).
    static func guest() throws -> String {
        try compiledGuest.withLock { path in
            if let path { return path }
            let built = try compileGuest()
            path = built
            return built
        }
    }

    private static let compiledGuest = Mutex<String?>(nil)

    private static func compileGuest() throws -> String {
        let module = scratch + "/kv_guest.wasm"
        try WASICompiler.compile(
            repositoryRoot.appendingPathComponent("tests/kv/kv_guest.c"), to: URL(fileURLWithPath: module),
            flags: ["-O1", "-Wall", "-Werror"])
        return module
    }

    /// This test process's scratch directory, removed when it exits.
    static let scratch: String = {
        let directory = NSTemporaryDirectory() + "swiftlet-kv-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: KeyValueTestSupport.scratch) }
        return directory
    }()

    static func temporaryDirectory() throws -> String {
        let directory = scratch + "/" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    struct ProgramResult {
        var status: Int32
        var output: String
        var error: String
    }

    /// Runs a program to completion, its output collected in files.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> ProgramResult
    {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let (output, error) = (directory + "/out", directory + "/err")
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        _ = FileManager.default.createFile(atPath: error, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: error))
        try process.run()
        process.waitUntilExit()
        return ProgramResult(
            status: process.terminationStatus, output: try String(contentsOfFile: output, encoding: .utf8),
            error: try String(contentsOfFile: error, encoding: .utf8))
    }

    static let isolations = MicroVMProbe.isolations
}

extension Trait where Self == ConditionTrait {
    /// For a test of micro-VMs: where this machine cannot make them, the test is skipped and the skip says why (the
    /// other tests then run their modules in-process only: `KeyValueTestSupport.isolations`).
    static var needsVirtualMachine: Self {
        .enabled(
            if: MicroVMProbe.problem == nil, Comment(rawValue: "needs a micro-VM: \(MicroVMProbe.problem ?? "")"))
    }
}

/// A module run through the Swiftlet library with a service's `kv` functions, in-process: its exit status and what it
/// wrote on stdout.
struct GuestRun {
    var status: UInt32
    var output: String

    /// The lines of the output.
    var lines: [String] { output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }

    init(
        _ arguments: [String], service: KeyValueService, grantedStores: [String], isolation: Isolation = .process
    ) throws {
        var template = Array("\(KeyValueTestSupport.scratch)/output-XXXXXX".utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { throw ToolMissing(description: "mkstemp: \(String(cString: strerror(errno)))") }
        unlink(String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
        defer { close(descriptor) }
        var configuration = Sandbox.Configuration(module: .file(path: try KeyValueTestSupport.guest()))
        configuration.isolation = isolation
        configuration.limits.vmMemoryMiB = 64
        configuration.programName = "kv_guest"
        configuration.arguments = arguments
        configuration.standardIO.output = descriptor
        configuration.hostFunctions = service.hostFunctions(grantedStores: grantedStores)
        status = try Sandbox(configuration).run()
        let size = Int(lseek(descriptor, 0, SEEK_END))
        var bytes = [UInt8](repeating: 0, count: size)
        guard pread(descriptor, &bytes, size, 0) == size else { throw ToolMissing(description: "cannot read the output") }
        output = String(decoding: bytes, as: UTF8.self)
    }
}

extension RedisServer {
    var backend: KeyValueService.Configuration.Backend { .redis(host: "127.0.0.1", port: port) }

    /// What `redis-cli` prints for a command (raw).
    func command(_ arguments: String...) throws -> String {
        try KeyValueTestSupport.run("/usr/bin/redis-cli", ["-p", "\(port)", "--raw"] + arguments).output
    }
}

/// Where the tests keep stores: each backend, the same tests.
enum BackendKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, redis

    var testDescription: String { rawValue }

    /// Runs `body` with a service on a fresh backend of this kind (a scratch SQLite database, a new Redis server).
    func withService<R>(
        _ adjust: (inout KeyValueService.Configuration) -> Void = { _ in },
        _ body: (KeyValueService) throws -> R
    ) throws -> R {
        let server = self == .redis ? try RedisServer() : nil
        var configuration = KeyValueService.Configuration(backend: server?.backend ?? .sqlite(directory: nil))
        adjust(&configuration)
        return try withExtendedLifetime(server) { try body(KeyValueService(configuration)) }
    }
}
