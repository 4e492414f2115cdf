import Glibc
import Swiftlet
import Testing

private let packageRoot = String(#filePath.split(separator: "/Tests/SwiftletTests/", maxSplits: 1)[0])
/// bench/vm/modules/host-functions.wat
private let hostFunctionsModule = packageRoot + "/bench/vm/modules/host-functions.wasm"

/// What the host functions' `next` hands out: its own state, which outlives every execution.
private final class Counter {
    var value: UInt32

    init(from start: UInt32) { value = start }
}

/// The host functions `host-functions.wasm` imports; `next` takes the counter's value and advances it.
private func hostFunctions(counter: Counter = Counter(from: 1)) -> [Sandbox.HostFunction] {
    func function(
        _ name: String, _ parameters: [ValueType], _ results: [ValueType], _ body: @escaping Sandbox.HostFunction.Body
    ) -> Sandbox.HostFunction {
        Sandbox.HostFunction(module: "host", name: name, type: FuncType(parameters: parameters, results: results), body: body)
    }
    return [
        function("mix", [.i32, .i64, .f32, .f64], [.i64, .f64, .i32, .f32]) { _, arguments throws(Trap) in
            guard case .i32(let a) = arguments[0], case .i64(let b) = arguments[1], case .f32(let c) = arguments[2],
                case .f64(let d) = arguments[3]
            else { throw Trap(.host("mix: arguments of the wrong types")) }
            // Integers added and complemented (an i32 must arrive zero-extended), floats negated as bits.
            return [.i64(UInt64(a) &+ b), .f64(bits: d ^ (1 << 63)), .i32(~a), .f32(bits: c ^ 0x8000_0000)]
        },
        function("checksum", [.i32, .i32], [.i32]) { memory, arguments throws(Trap) in
            guard case .i32(let address) = arguments[0], case .i32(let count) = arguments[1], memory.count == 65536
            else { throw Trap(.host("checksum: not the module's memory")) }
            let bytes = try memory.read(at: address, count: count)
            try memory.store(UInt32(0xAABB_CCDD), at: 0)
            return [.i32(bytes.reduce(0) { $0 + UInt32($1) })]
        },
        function("fail", [], []) { _, _ throws(Trap) in throw Trap(.host("the host says no")) },
        function("peek", [.i32], [.i32]) { memory, arguments throws(Trap) in
            guard case .i32(let address) = arguments[0] else { return [.i32(0)] }
            return [.i32(try memory.load(UInt32.self, at: address))]
        },
        function("next", [], [.i32]) { _, _ throws(Trap) in
            defer { counter.value += 1 }
            return [.i32(counter.value)]
        },
    ]
}

private func configuration(
    _ isolation: Isolation, _ adjust: (inout Sandbox.Configuration) -> Void = { _ in }
) -> Sandbox.Configuration {
    var configuration = Sandbox.Configuration(module: .file(path: hostFunctionsModule))
    configuration.isolation = isolation
    configuration.limits.vmMemoryMiB = 64
    configuration.hostFunctions = hostFunctions()
    adjust(&configuration)
    return configuration
}

/// The error `body` fails with; a recorded issue if it does not fail.
private func failure(_ body: () throws(SandboxError) -> Void) -> SandboxError? {
    do {
        try body()
        Issue.record("no error")
        return nil
    } catch {
        return error
    }
}

/// Every isolation: `make test` builds the guest kernel and needs KVM, so a machine without it fails here loudly.
@Suite("Host functions: Swift functions a module imports, alike in a micro-VM and in-process")
struct HostFunctionTests {
    @Test("numbers of every type cross to the host and back bit for bit", arguments: Isolation.allCases)
    func numbers(isolation: Isolation) throws {
        let sandbox = try Sandbox(configuration(isolation))
        #expect(try sandbox.invoke("mix", [
            .i32(0xFFFF_FFFE), .i64(0x1_0000_0000_0002), .f32(bits: Float(1.5).bitPattern), .f64(bits: 2.5.bitPattern),
        ]) == [
            .i64(0x1_0000_0000_0002 + 0xFFFF_FFFE), .f64(bits: (-2.5).bitPattern), .i32(1),
            .f32(bits: Float(-1.5).bitPattern),
        ])
        // NaNs keep their payloads, signalling ones included: values cross as bits, never as numbers.
        #expect(try sandbox.invoke("mix", [
            .i32(0), .i64(UInt64.max), .f32(bits: 0x7FA0_1234), .f64(bits: 0x7FF0_0000_0000_0001),
        ]) == [.i64(UInt64.max), .f64(bits: 0xFFF0_0000_0000_0001), .i32(0xFFFF_FFFF), .f32(bits: 0xFFA0_1234)])
    }

    @Test("a host function reads and writes the caller's memory", arguments: Isolation.allCases)
    func memory(isolation: Isolation) throws {
        let sandbox = try Sandbox(configuration(isolation))
        #expect(try sandbox.invoke("checksum") == [.i32(10), .i32(0xAABB_CCDD)])
        #expect(try sandbox.invoke("peek", [.i32(16)]) == [.i32(0x0403_0201)])
        #expect(try sandbox.invoke("peek", [.i32(65532)]) == [.i32(0)])
        if isolation == .vm {
            // One exit per call: the same execution with one host call more.
            _ = try sandbox.invoke("initial")
            let withoutCall = try #require(sandbox.statistics.vmExitCount)
            _ = try sandbox.invoke("peek", [.i32(0)])
            #expect(sandbox.statistics.vmExitCount == withoutCall + 1)
        }
    }

    @Test("a host function's trap ends the run with its message", arguments: Isolation.allCases)
    func traps(isolation: Isolation) throws {
        let sandbox = try Sandbox(configuration(isolation))
        let cases: [(() throws(SandboxError) -> Void, String)] = [
            ({ () throws(SandboxError) in try sandbox.invoke("fail") }, "the host says no"),
            // HostMemory's own check: the word at 65533 ends past the memory.
            ({ () throws(SandboxError) in _ = try sandbox.invoke("peek", [.i32(65533)]) }, "out of bounds memory access"),
            ({ () throws(SandboxError) in _ = try sandbox.invoke("peek", [.i32(0xFFFF_FFFF)]) }, "out of bounds memory access"),
        ]
        for (body, message) in cases {
            guard case .trap(let trapMessage)? = failure(body) else { Issue.record("not a trap"); continue }
            #expect(trapMessage == message)
        }
        let wrongResults = try Sandbox(configuration(isolation) { configuration in
            configuration.hostFunctions.append(
                Sandbox.HostFunction(module: "host", name: "peek", type: FuncType(parameters: [.i32], results: [.i32])) {
                    _, _ throws(Trap) in [.i64(1)]
                })
        })
        guard case .trap(let message)? = failure({ () throws(SandboxError) in _ = try wrongResults.invoke("peek", [.i32(0)]) })
        else { Issue.record("not a trap"); return }
        #expect(message == "host function returned results of the wrong type")
        // The sandbox goes on: each execution is a new one.
        #expect(try sandbox.invoke("peek", [.i32(16)]) == [.i32(0x0403_0201)])
    }

    @Test("an import no host function serves, or of another type, is unlinkable as in-process",
          arguments: Isolation.allCases)
    func unlinkable(isolation: Isolation) throws {
        let missing = configuration(isolation) { $0.hostFunctions.removeAll { $0.name == "peek" } }
        guard case .unlinkable(_, let reason)? = failure({ () throws(SandboxError) in try Sandbox(missing).invoke("mix") })
        else { Issue.record("not unlinkable"); return }
        #expect(reason == #"unknown import "host" "peek""#)

        let retyped = configuration(isolation) { configuration in
            configuration.hostFunctions.append(
                Sandbox.HostFunction(module: "host", name: "peek", type: FuncType(parameters: [.i64], results: [.i32])) {
                    _, _ throws(Trap) in [.i32(0)]
                })
        }
        guard case .unlinkable(_, let reason)? = failure({ () throws(SandboxError) in try Sandbox(retyped).invoke("mix") })
        else { Issue.record("not unlinkable"); return }
        #expect(reason == #"incompatible import type "host" "peek""#)

        // The last host function of a name is the one linked, as with the engine's imports.
        let redefined = configuration(isolation) { configuration in
            configuration.hostFunctions.append(
                Sandbox.HostFunction(module: "host", name: "peek", type: FuncType(parameters: [.i32], results: [.i32])) {
                    _, _ throws(Trap) in [.i32(99)]
                })
        }
        #expect(try Sandbox(redefined).invoke("peek", [.i32(16)]) == [.i32(99)])

        let wasi = configuration(isolation) { configuration in
            configuration.hostFunctions.append(
                Sandbox.HostFunction(
                    module: "wasi_snapshot_preview1", name: "proc_exit", type: FuncType(parameters: [.i32], results: [])
                ) { _, _ throws(Trap) in [] })
        }
        guard case .invalidConfiguration? = failure({ () throws(SandboxError) in _ = try Sandbox(wasi) })
        else { Issue.record("a host function in wasi_snapshot_preview1 was accepted"); return }
    }

    @Test("a sandbox restored from a snapshot calls its own host functions; a snapshot file keeps what they serve",
          arguments: Isolation.allCases)
    func restored(isolation: Isolation) throws {
        // `_initialize` took 7 from the capture's host; restored executions call their own.
        let snapshot = try Sandbox(configuration(isolation) { $0.hostFunctions = hostFunctions(counter: Counter(from: 7)) })
            .snapshot(at: .afterInitialization)
        let path = "/tmp/swiftlet-\(getpid())-host-functions-\(isolation).snap"
        defer { unlink(path) }
        try snapshot.write(to: path)
        for restoredSnapshot in [snapshot, try SandboxSnapshot(contentsOf: path)] {
            let counter = Counter(from: 40)
            let sandbox = try Sandbox(configuration(isolation) { configuration in
                configuration.module = .snapshot(restoredSnapshot)
                configuration.hostFunctions = hostFunctions(counter: counter)
            })
            #expect(try sandbox.invoke("initial") == [.i32(7)])
            #expect(try sandbox.invoke("next") == [.i32(40)])
            #expect(try sandbox.invoke("next") == [.i32(41)])
            #expect(try sandbox.invoke("checksum") == [.i32(10), .i32(0xAABB_CCDD)])
            guard case .trap(let message)? = failure({ () throws(SandboxError) in try sandbox.invoke("fail") })
            else { Issue.record("not a trap"); continue }
            #expect(message == "the host says no")

            let missing = configuration(isolation) { configuration in
                configuration.module = .snapshot(restoredSnapshot)
                configuration.hostFunctions.removeAll { $0.name == "peek" }
            }
            guard case .unlinkable(_, let reason)? = failure({ () throws(SandboxError) in try Sandbox(missing).invoke("mix") })
            else { Issue.record("not unlinkable"); continue }
            #expect(reason == #"unknown import "host" "peek""#)
        }
    }

    @Test("a warm pool's tenants call host functions, each from the snapshot's memory", arguments: Isolation.allCases)
    func pooled(isolation: Isolation) throws {
        let snapshot = try Sandbox(configuration(isolation)).snapshot(at: .afterInitialization)
        let counter = Counter(from: 100)
        let pool = try SandboxPool(
            snapshot: snapshot, configuration: configuration(isolation) { $0.hostFunctions = hostFunctions(counter: counter) },
            size: 1)
        for tenant in 0..<3 {
            try pool.withSandbox { (sandbox) throws(SandboxError) in
                #expect(try sandbox.invoke("peek", [.i32(0)]) == [.i32(0)])
                #expect(try sandbox.invoke("checksum") == [.i32(10), .i32(0xAABB_CCDD)])
                #expect(try sandbox.invoke("next") == [.i32(100 + UInt32(tenant))])
                #expect(throws: SandboxError.self) { try sandbox.invoke("fail") }
            }
        }
    }
}
