import Glibc
@testable import Swiftlet
import Testing

private let packageRoot = String(#filePath.split(separator: "/Tests/SwiftletTests/", maxSplits: 1)[0])
private let modules = packageRoot + "/bench/vm/modules/"

/// `(module (global (mut i32) (i32.const 0)) (func (export "_initialize") i32.const 41 global.set 0)
/// (func (export "bump") (result i32) global.get 0 i32.const 1 i32.add global.set 0 global.get 0))`
private let initializedCounter: [UInt8] = [
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x00, 0x01, 0x7F,
    0x03, 0x03, 0x02, 0x00, 0x01,
    0x06, 0x06, 0x01, 0x7F, 0x01, 0x41, 0x00, 0x0B,
    0x07, 0x16, 0x02, 0x0B, 0x5F, 0x69, 0x6E, 0x69, 0x74, 0x69, 0x61, 0x6C, 0x69, 0x7A, 0x65, 0x00, 0x00,
    0x04, 0x62, 0x75, 0x6D, 0x70, 0x00, 0x01,
    0x0A, 0x14, 0x02, 0x06, 0x00, 0x41, 0x29, 0x24, 0x00, 0x0B, 0x0B, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6A, 0x24, 0x00,
    0x23, 0x00, 0x0B,
]

private func configuration(_ module: Sandbox.ModuleSource, _ isolation: Isolation) -> Sandbox.Configuration {
    var configuration = Sandbox.Configuration(module: module)
    configuration.isolation = isolation
    configuration.limits.vmMemoryMiB = 64
    return configuration
}

/// A sandbox restored from `snapshot` with `adjust` applied to its configuration.
private func restored(
    _ snapshot: SandboxSnapshot, _ adjust: (inout Sandbox.Configuration) -> Void = { _ in }
) throws(SandboxError) -> Sandbox {
    var restoredConfiguration = configuration(.snapshot(snapshot), snapshot.isolation)
    adjust(&restoredConfiguration)
    return try Sandbox(restoredConfiguration)
}

/// What the module writes to stdout in one run of `sandbox`.
private func output(of sandbox: Sandbox) throws -> (status: UInt32, text: String) {
    var template = Array("/tmp/swiftlet-snapshot-test-XXXXXX".utf8CString)
    let descriptor = mkstemp(&template)
    unlink(String(cString: template))
    defer { close(descriptor) }
    var configuration = sandbox.configuration
    configuration.standardIO.output = descriptor
    let status = try Sandbox(configuration).run()
    var bytes = [UInt8](repeating: 0, count: 4096)
    let count = pread(descriptor, &bytes, bytes.count, 0)
    return (status, String(decoding: bytes[0..<max(count, 0)], as: UTF8.self))
}

private func temporaryPath(_ name: String) -> String { "/tmp/swiftlet-\(getpid())-\(name)" }

@Suite("Sandbox snapshots: restored copy-on-write, in-process and in a micro-VM")
struct SandboxSnapshotTests {
    @Test("executions restored from one snapshot start from the initialized state and share nothing",
          arguments: Isolation.allCases)
    func restoresAreIsolated(isolation: Isolation) throws {
        let snapshot = try Sandbox(configuration(.bytes(initializedCounter, name: "counter"), isolation))
            .snapshot(at: .afterInitialization)
        let sandbox = try restored(snapshot)
        for _ in 0..<3 { #expect(try sandbox.invoke("bump") == [.i32(42)]) }
        #expect(try restored(snapshot).invoke("bump") == [.i32(42)])
        #expect(try sandbox.functionType(ofExport: "bump") == FuncType(parameters: [], results: [.i32]))
    }

    @Test("a command module restored runs its _start with this run's output and status", arguments: Isolation.allCases)
    func commandModuleFromSnapshot(isolation: Isolation) throws {
        let snapshot = try Sandbox(configuration(.file(path: modules + "hello.wasm"), isolation))
            .snapshot(at: .afterInitialization)
        for _ in 0..<2 {
            let (status, text) = try output(of: try restored(snapshot))
            #expect(status == 0)
            #expect(text == "hello from C in WebAssembly\n")
        }
        let exiting = try Sandbox(configuration(.file(path: modules + "exit7.wasm"), isolation))
            .snapshot(at: .afterInitialization)
        #expect(try restored(exiting).run() == 7)
    }

    @Test("a snapshot with every function translated runs the same, and its restores translate nothing",
          arguments: Isolation.allCases)
    func everyFunctionTranslated(isolation: Isolation) throws {
        let snapshot = try Sandbox(configuration(.file(path: modules + "hello.wasm"), isolation))
            .snapshot(at: .afterInitialization, translatingAllFunctions: true)
        for _ in 0..<2 {
            let (status, text) = try output(of: try restored(snapshot))
            #expect(status == 0 && text == "hello from C in WebAssembly\n")
        }
        if isolation == .process {
            let nullDevice = open("/dev/null", O_WRONLY)
            defer { close(nullDevice) }
            let sandbox = try restored(snapshot) { $0.standardIO.output = nullDevice }
            try sandbox.run()
            #expect(sandbox.statistics.translatedFunctionCount == 0)
        }
        #expect(throws: SandboxError.self) {
            try Sandbox(configuration(.file(path: modules + "hello.wasm"), .vm))
                .snapshot(at: .firstStandardInputRead, translatingAllFunctions: true)
        }
    }

    @Test("every restored execution draws different random bytes", arguments: Isolation.allCases)
    func freshRandomness(isolation: Isolation) throws {
        let snapshot = try Sandbox(configuration(.file(path: modules + "random.wasm"), isolation))
            .snapshot(at: .afterInitialization)
        let draws = try (0..<4).map { _ in try output(of: try restored(snapshot)).text }
        #expect(Set(draws).count == draws.count, "\(draws)")
    }

    @Test("limits hold in restored executions: time and fuel", arguments: Isolation.allCases)
    func limitsInRestoredExecutions(isolation: Isolation) throws {
        let spinning = try Sandbox(configuration(.file(path: modules + "spin.wasm"), isolation))
            .snapshot(at: .afterInitialization)
        do {
            try restored(spinning) { $0.limits.timeout = .milliseconds(200) }.run()
            Issue.record("the spinning module returned")
        } catch {
            guard case .timedOut = error else { Issue.record("\(error)"); return }
        }
        let compute = try Sandbox(configuration(.file(path: modules + "export-compute.wasm"), isolation))
            .snapshot(at: .afterInitialization)
        #expect(try restored(compute).invoke("fib", [.i32(20)]) == [.i64(6765)])
        do {
            _ = try restored(compute) { $0.limits.fuel = 1000 }.invoke("fib", [.i32(25)])
            Issue.record("fib(25) ran on 1000 fuel")
        } catch {
            guard case .trap(let message) = error else { Issue.record("\(error)"); return }
            #expect(message == "all fuel consumed")
        }
    }

    @Test("an in-process restore is refused a memory cap below the snapshot's memory")
    func memoryCapInProcess() throws {
        let snapshot = try Sandbox(configuration(.file(path: modules + "hello.wasm"), .process))
            .snapshot(at: .afterInitialization)
        #expect(throws: SandboxError.self) { try restored(snapshot) { $0.limits.maxMemoryPages = 1 }.run() }
    }

    @Test("a snapshot file round-trips; a damaged one, or one by another swiftlet, is refused", arguments: Isolation.allCases)
    func snapshotFiles(isolation: Isolation) throws {
        let path = temporaryPath("counter-\(isolation).snap")
        defer { unlink(path) }
        try Sandbox(configuration(.bytes(initializedCounter, name: "counter"), isolation))
            .snapshot(at: .afterInitialization).write(to: path)
        #expect(SandboxSnapshot.isSnapshotFile(path))
        let read = try SandboxSnapshot(contentsOf: path)
        #expect(read.isolation == isolation)
        #expect(try restored(read).invoke("bump") == [.i32(42)])

        // One byte changed anywhere is caught by the checksum before anything is believed.
        let original = try #require(readFile(path))
        for offset in [9, original.count / 2, original.count - 1] {
            var damaged = original
            damaged[offset] ^= 0x40
            try writeFile(path, damaged)
            #expect(throws: SandboxError.self) { try SandboxSnapshot(contentsOf: path) }
        }
        try writeFile(path, Array(original.prefix(original.count - 100)))
        #expect(throws: SandboxError.self) { try SandboxSnapshot(contentsOf: path) }

        // A well-formed file from another producer is refused by name.
        let writer = try SnapshotFile.Writer(path: path)
        try writer.appendSection(.producer, Array("swiftlet 0.0.1; engine other".utf8))
        try writer.commit()
        do {
            _ = try SandboxSnapshot(contentsOf: path)
            Issue.record("a snapshot of another producer was read")
        } catch {
            guard case .invalidSnapshot(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("swiftlet 0.0.1"))
        }
    }

    @Test("a restored execution must keep the snapshot's isolation and preopen names")
    func worldMustMatch() throws {
        let snapshot = try Sandbox(configuration(.file(path: modules + "hello.wasm"), .process))
            .snapshot(at: .afterInitialization)
        #expect(throws: SandboxError.self) { try restored(snapshot) { $0.isolation = .vm } }
        #expect(throws: SandboxError.self) {
            try restored(snapshot) { $0.preopens = [Sandbox.Preopen(hostPath: "/tmp", guestPath: "/data")] }
        }
        #expect(throws: SandboxError.self) {
            try Sandbox(configuration(.file(path: modules + "hello.wasm"), .process)).snapshot(at: .firstStandardInputRead)
        }
    }

    @Test("100,000 in-process restores keep resident memory and descriptors flat")
    func manyRestoresInProcess() throws {
        let sandbox = try restored(
            try Sandbox(configuration(.bytes(initializedCounter, name: "counter"), .process)).snapshot(at: .afterInitialization))
        try expectFlatResources(count: 100_000) {
            let results = try sandbox.invoke("bump")
            #expect(results == [.i32(42)])
        }
    }

    @Test("10,000 micro-VM restores, each resetting the VM the last one left, keep memory and descriptors flat")
    func manyRestoresInVM() throws {
        let sandbox = try restored(
            try Sandbox(configuration(.bytes(initializedCounter, name: "counter"), .vm)).snapshot(at: .afterInitialization))
        try expectFlatResources(count: 10_000) {
            let results = try sandbox.invoke("bump")
            #expect(results == [.i32(42)])
        }
    }
}

/// Runs `body` `count` times and checks that neither resident memory nor open descriptors grow with the runs. Tests
/// of other suites run alongside in this process and allocate and open descriptors too, so the runs are split in five
/// windows: a leak grows in every window, while another test's burst shows in some.
private func expectFlatResources(count: Int, _ body: () throws -> Void) throws {
    let window = count / 5
    for _ in 0..<window { try body() }
    var (growth, descriptorGrowth): ([Int], [Int]) = ([], [])
    var (rss, descriptors) = (residentKilobytes(), openDescriptorCount())
    for _ in 1..<5 {
        for _ in 0..<window { try body() }
        let (nowRSS, nowDescriptors) = (residentKilobytes(), openDescriptorCount())
        growth.append(nowRSS - rss)
        descriptorGrowth.append(nowDescriptors - descriptors)
        (rss, descriptors) = (nowRSS, nowDescriptors)
    }
    // A leaked descriptor per run would add one per run to every window; other tests' open files come and go.
    #expect(descriptorGrowth.min()! < 16, "descriptors grew in every window: \(descriptorGrowth)")
    // A quarter KiB per run in every window would be a leak; one window that grew less says there is none.
    #expect(growth.min()! < max(window / 4, 2048), "resident memory grew in every window: \(growth) KiB")
}

private func residentKilobytes() -> Int {
    guard let status = readFile("/proc/self/status") else { return 0 }
    let text = String(decoding: status, as: UTF8.self)
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
    return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
}

private func openDescriptorCount() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(directory) }
    var count = 0
    while readdir(directory) != nil { count += 1 }
    return count
}

private func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while case let count = fread(&chunk, 1, chunk.count, file), count > 0 { bytes += chunk[0..<count] }
    return bytes
}

private func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    guard let file = fopen(path, "wb") else { throw SandboxError.invalidConfiguration("cannot write \(path)") }
    defer { fclose(file) }
    _ = fwrite(bytes, 1, bytes.count, file)
}
