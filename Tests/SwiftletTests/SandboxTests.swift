import Glibc
import Swiftlet
import Testing

/// The package's root, where the test modules are.
private let packageRoot = String(#filePath.split(separator: "/Tests/SwiftletTests/", maxSplits: 1)[0])
private let modules = packageRoot + "/bench/vm/modules/"

/// Both, always: `make test` builds the guest kernel and needs KVM, so a machine without it fails here loudly.
private let isolations = Isolation.allCases

/// A file the module's stdout or stderr goes to, read back after the run.
private struct CapturedOutput: ~Copyable {
    let descriptor: Int32

    init() {
        var template = Array("/tmp/swiftlet-sandbox-test-XXXXXX".utf8CString)
        descriptor = mkstemp(&template)
        unlink(String(cString: template))
    }

    deinit { close(descriptor) }

    var text: String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        lseek(descriptor, 0, SEEK_SET)
        while case let count = read(descriptor, &chunk, chunk.count), count > 0 { bytes += chunk[0..<count] }
        return String(decoding: bytes, as: UTF8.self)
    }
}

private func sandbox(_ module: String, _ isolation: Isolation, _ adjust: (inout Sandbox.Configuration) -> Void = { _ in })
    throws(SandboxError) -> Sandbox
{
    var configuration = Sandbox.Configuration(module: .file(path: modules + module))
    configuration.isolation = isolation
    configuration.limits.vmMemoryMiB = 64
    adjust(&configuration)
    return try Sandbox(configuration)
}

/// `(module (global (mut i32) (i32.const 0)) (func (export "bump") (result i32) global.get 0 i32.const 1 i32.add
/// global.set 0 global.get 0))`
private let counterModule: [UInt8] = [
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7F,  // type: [] -> [i32]
    0x03, 0x02, 0x01, 0x00,  // one function of type 0
    0x06, 0x06, 0x01, 0x7F, 0x01, 0x41, 0x00, 0x0B,  // global mut i32 = 0
    0x07, 0x08, 0x01, 0x04, 0x62, 0x75, 0x6D, 0x70, 0x00, 0x00,  // export "bump"
    0x0A, 0x0D, 0x01, 0x0B, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6A, 0x24, 0x00, 0x23, 0x00, 0x0B,
]

/// `(module (import "host" "double" (func (param i32) (result i32))) (func (export "quadruple") (param i32)
/// (result i32) local.get 0 call 0 call 0))`
private let hostCallingModule: [UInt8] = [
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x06, 0x01, 0x60, 0x01, 0x7F, 0x01, 0x7F,  // type: [i32] -> [i32]
    0x02, 0x0F, 0x01, 0x04, 0x68, 0x6F, 0x73, 0x74, 0x06, 0x64, 0x6F, 0x75, 0x62, 0x6C, 0x65, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x00,
    0x07, 0x0D, 0x01, 0x09, 0x71, 0x75, 0x61, 0x64, 0x72, 0x75, 0x70, 0x6C, 0x65, 0x00, 0x01,
    0x0A, 0x0A, 0x01, 0x08, 0x00, 0x20, 0x00, 0x10, 0x00, 0x10, 0x00, 0x0B,
]

/// `(module (import "host" "sum_bytes" (func (param i32 i32) (result i32))) (memory 1) (data (i32.const 16)
/// "\01\02\03\04") (func (export "run") (result i32) i32.const 16 i32.const 4 call 0))`
private let memoryReadingModule: [UInt8] = [
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x0B, 0x02, 0x60, 0x02, 0x7F, 0x7F, 0x01, 0x7F, 0x60, 0x00, 0x01, 0x7F,
    0x02, 0x12, 0x01, 0x04, 0x68, 0x6F, 0x73, 0x74, 0x09, 0x73, 0x75, 0x6D, 0x5F, 0x62, 0x79, 0x74, 0x65, 0x73, 0x00,
    0x00,
    0x03, 0x02, 0x01, 0x01,
    0x05, 0x03, 0x01, 0x00, 0x01,
    0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6E, 0x00, 0x01,
    0x0A, 0x0A, 0x01, 0x08, 0x00, 0x41, 0x10, 0x41, 0x04, 0x10, 0x00, 0x0B,
    0x0B, 0x0A, 0x01, 0x00, 0x41, 0x10, 0x0B, 0x04, 0x01, 0x02, 0x03, 0x04,
]

@Suite("Sandbox: the embedding API, in-process and in a micro-VM")
struct SandboxTests {
    @Test("run() gives the module's output to the sandbox's stdout and returns its exit status", arguments: isolations)
    func runWritesToTheGivenStandardOutput(isolation: Isolation) throws {
        let output = CapturedOutput()
        let status = try sandbox("hello.wasm", isolation) { $0.standardIO.output = output.descriptor }.run()
        #expect(status == 0)
        #expect(output.text == "hello from C in WebAssembly\n")
        #expect(try sandbox("exit7.wasm", isolation).run() == 7)
    }

    @Test("invoke() takes and returns typed values", arguments: isolations)
    func invokeReturnsTypedResults(isolation: Isolation) throws {
        let compute = try sandbox("export-compute.wasm", isolation)
        #expect(try compute.invoke("fib", [.i32(20)]) == [.i64(6765)])
        #expect(try compute.invoke("mix", [.i32(1), .i64(2), .f32(bits: Float(1.5).bitPattern), .f64(bits: 2.0.bitPattern)])
            == [.f64(bits: 6.0.bitPattern)])
        #expect(try compute.invoke("nothing") == [])
        #expect(try compute.functionType(ofExport: "divide") == FuncType(parameters: [.i32, .i32], results: [.i32]))
    }

    @Test("each execution starts from a fresh instance", arguments: isolations)
    func executionsShareNothing(isolation: Isolation) throws {
        var configuration = Sandbox.Configuration(module: .bytes(counterModule, name: "counter"))
        configuration.isolation = isolation
        configuration.limits.vmMemoryMiB = 64
        let counter = try Sandbox(configuration)
        #expect(try counter.invoke("bump") == [.i32(1)])
        #expect(try counter.invoke("bump") == [.i32(1)])
    }

    @Test("failures are typed errors naming what went wrong", arguments: isolations)
    func failuresAreTyped(isolation: Isolation) throws {
        let compute = try sandbox("export-compute.wasm", isolation)
        #expect(throws: SandboxError.self) { try compute.invoke("divide", [.i32(1), .i32(0)]) }
        do {
            _ = try compute.invoke("divide", [.i32(1), .i32(0)])
        } catch {
            guard case .trap(let message) = error else { Issue.record("\(error)"); return }
            #expect(message == "integer divide by zero")
        }
        let cases: [(() throws(SandboxError) -> Void, (SandboxError) -> Bool)] = [
            ({ () throws(SandboxError) in _ = try compute.invoke("fib", [.i64(1)]) },
             { if case .wrongArgumentType("fib", 0, .i32) = $0 { true } else { false } }),
            ({ () throws(SandboxError) in _ = try compute.invoke("fib", []) },
             { if case .wrongArgumentCount("fib", 1, 0) = $0 { true } else { false } }),
            ({ () throws(SandboxError) in _ = try compute.invoke("absent") },
             { if case .noSuchExport(_, "absent") = $0 { true } else { false } }),
            ({ () throws(SandboxError) in try compute.run() },
             { if case .noStartFunction = $0 { true } else { false } }),
            ({ () throws(SandboxError) in try sandbox("missing.wasm", isolation).run() },
             { if case .unreadableModule(_, "no such file") = $0 { true } else { false } }),
            ({ () throws(SandboxError) in
                var configuration = Sandbox.Configuration(module: .bytes([0, 0x61, 0x73, 0x6D, 2, 0, 0, 0], name: "bad"))
                configuration.isolation = isolation
                try Sandbox(configuration).run()
            }, { if case .invalidModule(let message) = $0 { message.contains("version") } else { false } }),
        ]
        for (body, matches) in cases {
            do {
                try body()
                Issue.record("no error")
            } catch {
                #expect(matches(error), "\(error)")
            }
        }
    }

    @Test("a time limit stops a module that never returns, and the host carries on", arguments: isolations)
    func timeoutStopsTheRun(isolation: Isolation) throws {
        let spinning = try sandbox("spin.wasm", isolation) { $0.limits.timeout = .milliseconds(300) }
        for _ in 0..<2 {
            do {
                try spinning.run()
                Issue.record("the run returned")
            } catch {
                guard case .timedOut(let limit, _) = error else { Issue.record("\(error)"); continue }
                #expect(limit == .milliseconds(300))
            }
        }
    }

    @Test("fuel bounds the instructions a run may execute", arguments: isolations)
    func fuelIsEnforced(isolation: Isolation) throws {
        let limited = try sandbox("export-compute.wasm", isolation) { $0.limits.fuel = 1000 }
        #expect(throws: SandboxError.self) { try limited.invoke("fib", [.i32(25)]) }
        do {
            _ = try limited.invoke("fib", [.i32(25)])
        } catch {
            guard case .trap(let message) = error else { Issue.record("\(error)"); return }
            #expect(message == "all fuel consumed")
        }
    }

    @Test("host functions written in Swift, for a module without memory", arguments: isolations)
    func hostFunctions(isolation: Isolation) throws {
        var configuration = Sandbox.Configuration(module: .bytes(hostCallingModule, name: "host-calling"))
        configuration.isolation = isolation
        configuration.limits.vmMemoryMiB = 64
        configuration.hostFunctions = [
            Sandbox.HostFunction(module: "host", name: "double", type: FuncType(parameters: [.i32], results: [.i32])) {
                _, arguments throws(Trap) in
                guard case .i32(let value) = arguments[0] else { throw Trap(.host("not an i32")) }
                return [.i32(value &* 2)]
            }
        ]
        #expect(try Sandbox(configuration).invoke("quadruple", [.i32(5)]) == [.i32(20)])
        configuration.hostFunctions = []
        #expect(throws: SandboxError.self) { try Sandbox(configuration).invoke("quadruple", [.i32(5)]) }
    }

    @Test("a host function reads and writes the caller's memory through checked accesses", arguments: isolations)
    func hostFunctionMemory(isolation: Isolation) throws {
        var configuration = Sandbox.Configuration(module: .bytes(memoryReadingModule, name: "memory-reading"))
        configuration.isolation = isolation
        configuration.limits.vmMemoryMiB = 64
        let type = FuncType(parameters: [.i32, .i32], results: [.i32])
        configuration.hostFunctions = [
            Sandbox.HostFunction(module: "host", name: "sum_bytes", type: type) { memory, arguments throws(Trap) in
                guard case .i32(let address) = arguments[0], case .i32(let count) = arguments[1] else { return [.i32(0)] }
                let bytes = try memory.read(at: address, count: count)
                #expect(throws: Trap.self) { try memory.read(at: UInt32(memory.count - 2), count: 4) }
                try memory.store(UInt32(0xAABB_CCDD), at: 0)
                #expect(try memory.load(UInt16.self, at: 1) == 0xBBCC)
                return [.i32(bytes.reduce(0) { $0 + UInt32($1) })]
            }
        ]
        #expect(try Sandbox(configuration).invoke("run") == [.i32(10)])
    }

    @Test("a configuration the sandbox cannot honour is refused before anything runs")
    func invalidConfiguration() throws {
        var configuration = Sandbox.Configuration(module: .file(path: modules + "hello.wasm"))
        configuration.limits.vmMemoryMiB = 7
        #expect(throws: SandboxError.self) { try Sandbox(configuration) }
        configuration.limits.vmMemoryMiB = 64
        configuration.isolation = .process
        configuration.preopens = [Sandbox.Preopen(hostPath: "/nonexistent-directory", guestPath: "/data")]
        #expect(throws: SandboxError.self) { try Sandbox(configuration).run() }
    }
}
