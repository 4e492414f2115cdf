import Foundation
import Glibc
@testable import KeyValue
import Swiftlet
import Synchronization
import Testing

/// What a test needs from outside the package; a missing piece is a failure with a message, never a skip.
struct ToolMissing: Error, CustomStringConvertible {
    let description: String
}

enum KeyValueTestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// tests/kv/kv_guest.c, compiled once per test process with clang and Debian's wasi-libc (packages wasi-libc,
    /// libclang-rt-dev-wasm32), as Tests/WASIHostTests builds tests/wasi.
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
        let clang = ProcessInfo.processInfo.environment["WASI_CC"] ?? "/opt/swift/usr/bin/clang"
        let headers = "/usr/include/wasm32-wasi", libraries = "/usr/lib/wasm32-wasi"
        guard FileManager.default.fileExists(atPath: libraries + "/libc.a") else {
            throw ToolMissing(description: "wasi-libc not found under \(libraries) (Debian package wasi-libc)")
        }
        let builtins = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib")).flatMap { roots in
            roots.filter { $0.hasPrefix("llvm-") }.sorted().reversed().lazy.compactMap { root -> String? in
                let directory = "/usr/lib/\(root)/lib/clang"
                let versions = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                return versions.map { "\(directory)/\($0)/lib/wasi/libclang_rt.builtins-wasm32.a" }
                    .first { FileManager.default.fileExists(atPath: $0) }
            }.first
        }
        guard let builtins else {
            throw ToolMissing(description: "libclang_rt.builtins-wasm32.a not found (Debian package libclang-rt-dev-wasm32)")
        }
        // clang looks for the wasm32-wasi headers and libraries under its sysroot's include/ and lib/.
        let sysroot = scratch + "/sysroot"
        for (link, target) in [("include", headers), ("lib", libraries)] {
            try FileManager.default.createDirectory(atPath: "\(sysroot)/\(link)", withIntermediateDirectories: true)
            try? FileManager.default.createSymbolicLink(atPath: "\(sysroot)/\(link)/wasm32-wasi", withDestinationPath: target)
        }
        let module = scratch + "/kv_guest.wasm"
        let result = try run(
            clang,
            [
                "--target=wasm32-wasi", "--sysroot=\(sysroot)", "-O1", "-Wall", "-Werror",
                repositoryRoot.appendingPathComponent("tests/kv/kv_guest.c").path, "-o", module, "-nodefaultlibs", "-lc",
                builtins,
            ])
        guard result.status == 0 else { throw ToolMissing(description: "compiling kv_guest.c failed:\n\(result.error)") }
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

    /// The `swiftlet` executable SwiftPM built beside this test bundle.
    static func swiftlet() throws -> String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = directory.appendingPathComponent("swiftlet").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw ToolMissing(description: "swiftlet executable not found near the test bundle; run `swift build` first")
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

    /// The isolations the tests run modules in: both where this machine makes micro-VMs, else in-process only, and
    /// the trait `needsVirtualMachine` skips its tests saying why.
    static let isolations: [Isolation] = virtualMachineProblem == nil ? Isolation.allCases : [.process]

    /// Why an empty module cannot run in a micro-VM here, in the library's words; nil where it can (or fails
    /// otherwise, which the tests then report). `SWIFTLET_KVM_DEVICE` names another KVM device, as for `swiftlet run`
    /// (`SWIFTLET_KVM_DEVICE=/nonexistent` plays a machine without KVM).
    static let virtualMachineProblem: String? = {
        // (module (func (export "_start")))
        let module: [UInt8] = [
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
            0x07, 0x0A, 0x01, 0x06, 0x5F, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x0A, 0x04, 0x01, 0x02, 0x00, 0x0B,
        ]
        var configuration = Sandbox.Configuration(module: .bytes(module, name: "empty"))
        configuration.isolation = .vm
        configuration.limits.vmMemoryMiB = 16
        configuration.virtualMachine.kvmDevicePath = ProcessInfo.processInfo.environment["SWIFTLET_KVM_DEVICE"] ?? "/dev/kvm"
        do throws(SandboxError) {
            try Sandbox(configuration).run()
            return nil
        } catch .virtualMachineUnavailable(let reason) {
            return reason
        } catch {
            return nil
        }
    }()

    /// A free TCP port on the loopback interface (the kernel's pick for a socket bound to port 0).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(fd, address, length) == 0 && getsockname(fd, address, &length) == 0
            }
        }
        guard bound else { throw ToolMissing(description: "cannot bind a loopback socket: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Whether something accepts TCP connections on the loopback port.
    static func accepts(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                connect(fd, address, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

extension Trait where Self == ConditionTrait {
    /// For a test of micro-VMs: where this machine cannot make them, the test is skipped and the skip says why (the
    /// other tests then run their modules in-process only: `KeyValueTestSupport.isolations`).
    static var needsVirtualMachine: Self {
        .enabled(
            if: KeyValueTestSupport.virtualMachineProblem == nil,
            Comment(rawValue: "needs a micro-VM: \(KeyValueTestSupport.virtualMachineProblem ?? "")"))
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

/// A `redis-server` (Debian's) of its own on a free loopback port, with nothing saved (`--save ''`) in a scratch
/// directory; stopped when the value goes away, so no test leaves one running.
final class RedisServer {
    let port: UInt16
    private let directory: String
    private var process: Process?

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server") else {
            throw ToolMissing(description: "/usr/bin/redis-server not found (Debian package redis-server)")
        }
        port = try KeyValueTestSupport.freePort()
        directory = try KeyValueTestSupport.temporaryDirectory()
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var backend: KeyValueService.Configuration.Backend { .redis(host: "127.0.0.1", port: port) }

    /// What `redis-cli` prints for a command (raw).
    func command(_ arguments: String...) throws -> String {
        try KeyValueTestSupport.run("/usr/bin/redis-cli", ["-p", "\(port)", "--raw"] + arguments).output
    }

    /// Starts the server and waits until it accepts connections.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory,
            "--logfile", directory + "/redis.log",
        ]
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(10)
        while !KeyValueTestSupport.accepts(port: port) {
            guard process.isRunning, ContinuousClock.now < deadline else {
                let log = (try? String(contentsOfFile: directory + "/redis.log", encoding: .utf8)) ?? ""
                stop()
                throw ToolMissing(description: "redis-server did not start on port \(port):\n\(log)")
            }
            usleep(10_000)
        }
    }

    /// Stops the server (SIGKILL: as a crash, and at once) and waits for it.
    func stop() {
        guard let process else { return }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        self.process = nil
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
