import Glibc
@testable import Monitor
import SwiftletABI
import Testing
import WasmEngine

/// The package's directory, for the committed test modules (bench/vm/modules, built by its build.sh).
let packageRoot = String(#filePath.split(separator: "/Tests/MonitorTests/", maxSplits: 1)[0])

func testModule(_ name: String) throws -> [UInt8] {
    try #require(readFile(packageRoot + "/bench/vm/modules/\(name).wasm"), "missing bench/vm/modules/\(name).wasm")
}

/// Runs `module` in a fresh micro-VM with the real kernel, output captured.
func runInVM(
    _ module: [UInt8], arguments: [String] = ["module.wasm"], environment: [String] = [],
    invocation: GuestRun.Invocation? = nil, memorySize: UInt64 = 256 << 20, timeLimit: Duration = .seconds(20),
    wasiHandler: HypercallDispatcher.WASIHandler? = nil
) throws -> MicroVMResult {
    let system = try KVMSystem()
    var run = GuestRun(module: module)
    run.arguments = arguments
    run.environment = environment
    run.invocation = invocation
    var configuration = MicroVMConfiguration()
    configuration.memorySize = memorySize
    configuration.run = run
    configuration.wasiHandler = wasiHandler
    var vm = try MicroVM(system: system, kernel: KernelImage(elf: kernelBytes!), configuration: configuration)
    return try vm.run(timeLimit: timeLimit)
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite("Modules in the micro-VM", .serialized, .enabled(if: kvmAvailable, kvmUnavailableReason),
    .enabled(if: kernelBytes != nil, kernelMissingReason))
struct ModuleRunTests {
    @Test("a C hello world (wasi-libc) prints in the VM and exits 0")
    func helloWorld() throws {
        let result = try runInVM(try testModule("hello"))
        #expect(result.outcome == .exited(status: 0))
        #expect(text(result.console) == "hello from C in WebAssembly\n")
        #expect(result.errorOutput.isEmpty)
    }

    @Test("exit(7) ends the VM with status 7")
    func exitStatus() throws {
        #expect(try runInVM(try testModule("exit7")).outcome == .exited(status: 7))
    }

    @Test("__builtin_trap() is a wasm trap with its reason, after the output written before it")
    func trap() throws {
        let result = try runInVM(try testModule("trap"))
        #expect(result.outcome == .failed(GuestFailure(kind: .trap, message: "unreachable")))
        #expect(text(result.console) == "before the trap\n")
    }

    @Test("arguments and environment reach the module; stderr is kept apart; no file system is visible")
    func argumentsAndEnvironment() throws {
        let result = try runInVM(
            try testModule("args"), arguments: ["prog", "one", "two words", "ünï"], environment: ["A=1", "B=two"])
        #expect(result.outcome == .exited(status: 0))
        #expect(text(result.console) == """
            arg 0: prog
            arg 1: one
            arg 2: two words
            arg 3: ünï
            env: A=1
            env: B=two
            fopen: failed

            """)
        #expect(text(result.errorOutput) == "4 arguments\n")
    }

    @Test("other WASI calls reach the host's handler, one hypercall each, with the module's linear memory")
    func forwardedWASICall() throws {
        let fdClose = try #require(WASIFunction.number(of: "fd_close"))
        let result = try runInVM(Self.closeAndExit) { function, arguments, linearMemory in
            guard function == fdClose, arguments.first == 99, linearMemory.count == 65536 else {
                return WASIErrno.notImplemented
            }
            return WASIErrno.badFileDescriptor
        }
        #expect(result.outcome == .exited(status: UInt32(WASIErrno.badFileDescriptor)))
        #expect(result.exitCount == 2)  // fd_close and proc_exit
    }

    /// (module (import "wasi_snapshot_preview1" "clock_time_get" (func $time (param i32 i64 i32) (result i32)))
    ///   (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32))) (memory (export "memory") 1)
    ///   (func (export "_start") (call $exit (call $time (i32.const 1) (i64.const 1) (i32.const 8)))))
    static let readClockAndExit: [UInt8] = [
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0F, 0x03, 0x60, 0x03, 0x7F, 0x7E, 0x7F, 0x01, 0x7F, 0x60, 0x01,
            0x7F, 0x00, 0x60, 0x00, 0x00, 0x02, 0x4C, 0x02, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5F, 0x73, 0x6E, 0x61, 0x70, 0x73, 0x68,
            0x6F, 0x74, 0x5F, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x0E, 0x63, 0x6C, 0x6F, 0x63, 0x6B, 0x5F, 0x74, 0x69,
            0x6D, 0x65, 0x5F, 0x67, 0x65, 0x74, 0x00, 0x00, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5F, 0x73, 0x6E, 0x61, 0x70, 0x73, 0x68,
            0x6F, 0x74, 0x5F, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x09, 0x70, 0x72, 0x6F, 0x63, 0x5F, 0x65, 0x78, 0x69,
            0x74, 0x00, 0x01, 0x03, 0x02, 0x01, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06, 0x6D, 0x65, 0x6D, 0x6F,
            0x72, 0x79, 0x02, 0x00, 0x06, 0x5F, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x02, 0x0A, 0x0E, 0x01, 0x0C, 0x00, 0x41, 0x01,
            0x42, 0x01, 0x41, 0x08, 0x10, 0x00, 0x10, 0x01, 0x0B, 0x00, 0x14, 0x04, 0x6E, 0x61, 0x6D, 0x65, 0x01, 0x0D, 0x02, 0x00,
            0x04, 0x74, 0x69, 0x6D, 0x65, 0x01, 0x04, 0x65, 0x78, 0x69, 0x74,
    ]

    @Test("clocks are answered in the guest without an exit, or forwarded when the monitor gives no TSC frequency",
        arguments: [true, false])
    func clocksInTheGuest(guestClocks: Bool) throws {
        let clockTimeGet = try #require(WASIFunction.number(of: "clock_time_get"))
        var configuration = MicroVMConfiguration()
        configuration.run = GuestRun(module: Self.readClockAndExit)
        configuration.guestClocks = guestClocks
        configuration.wasiHandler = { function, _, _ in function == clockTimeGet ? WASIErrno.overflow : WASIErrno.io }
        var vm = try MicroVM(system: try KVMSystem(), kernel: KernelImage(elf: kernelBytes!), configuration: configuration)
        #expect((vm.bootInfo.tscFrequency != 0) == guestClocks)
        let result = try vm.run(timeLimit: .seconds(20))
        #expect(result.outcome == .exited(status: guestClocks ? 0 : UInt32(WASIErrno.overflow)))
        #expect(result.exitCount == (guestClocks ? 1 : 2))
    }

    /// (module (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
    ///   (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32))) (memory (export "memory") 1)
    ///   (func (export "_start") (call $exit (call $close (i32.const 99)))))
    static let closeAndExit: [UInt8] = [
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0D, 0x03, 0x60, 0x01, 0x7F, 0x01, 0x7F, 0x60, 0x01, 0x7F, 0x00,
            0x60, 0x00, 0x00, 0x02, 0x46, 0x02, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5F, 0x73, 0x6E, 0x61, 0x70, 0x73, 0x68, 0x6F, 0x74,
            0x5F, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x08, 0x66, 0x64, 0x5F, 0x63, 0x6C, 0x6F, 0x73, 0x65, 0x00, 0x00,
            0x16, 0x77, 0x61, 0x73, 0x69, 0x5F, 0x73, 0x6E, 0x61, 0x70, 0x73, 0x68, 0x6F, 0x74, 0x5F, 0x70, 0x72, 0x65, 0x76, 0x69,
            0x65, 0x77, 0x31, 0x09, 0x70, 0x72, 0x6F, 0x63, 0x5F, 0x65, 0x78, 0x69, 0x74, 0x00, 0x01, 0x03, 0x02, 0x01, 0x02, 0x05,
            0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06, 0x6D, 0x65, 0x6D, 0x6F, 0x72, 0x79, 0x02, 0x00, 0x06, 0x5F, 0x73, 0x74,
            0x61, 0x72, 0x74, 0x00, 0x02, 0x0A, 0x0B, 0x01, 0x09, 0x00, 0x41, 0xE3, 0x00, 0x10, 0x00, 0x10, 0x01, 0x0B,
    ]

    @Test("without a WASI host, a forwarded call gets the monitor's own answer and the module sees the failure")
    func forwardedWASICallWithoutHost() throws {
        // No descriptors beyond 0–2 without a host: EBADF (HypercallDispatcher.unimplementedWASIAnswer).
        let result = try runInVM(Self.closeAndExit)
        #expect(result.outcome == .exited(status: UInt32(WASIErrno.badFileDescriptor)))
    }

    @Test("random_get is answered inside the guest: no host needed, and no exit beyond the output's")
    func randomInsideTheGuest() throws {
        let result = try runInVM(try testModule("random"))
        #expect(result.outcome == .exited(status: 0))
        let output = text(result.console)
        #expect(output.count == 9 && output.hasSuffix("\n") && output.dropLast().allSatisfy(\.isHexDigit))
        // The first entry, one fd_write of the line, and proc_exit.
        #expect(result.exitCount == 3)
    }

    @Test("a runaway loop is stopped by the time limit, promptly")
    func runawayLoop() throws {
        let start = ContinuousClock.now
        let result = try runInVM(try testModule("spin"), timeLimit: .milliseconds(300))
        guard case .timedOut = result.outcome else {
            Issue.record("expected a time-out, got \(result.outcome)")
            return
        }
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test("malloc in a small VM fails inside the module (NULL), not in the kernel")
    func mallocFailsGracefully() throws {
        let result = try runInVM(try testModule("allocate"), memorySize: 64 << 20)
        #expect(result.outcome == .exited(status: 0))
        #expect(text(result.console).hasPrefix("allocated "))
        #expect(text(result.console).hasSuffix(" MiB before malloc failed\n"))
    }

    @Test("a linear memory larger than the VM is a clear out-of-memory outcome")
    func outOfMemory() throws {
        // (module (memory 4000) (func (export "_start"))): 250 MiB of initial memory.
        let module: [UInt8] = [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 5, 4, 1, 0, 0xA0,
            0x1F, 7, 0xA, 1, 6, 0x5F, 0x73, 0x74, 0x61, 0x72, 0x74, 0, 0, 0xA, 4, 1, 2, 0, 0xB]
        let result = try runInVM(module, memorySize: 64 << 20)
        #expect(result.outcome == .outOfMemory(requested: 4000 * 65536))
    }

    @Test("invalid and unlinkable modules are reported by kind")
    func invalidAndUnlinkable() throws {
        let invalid = try runInVM([0, 0x61, 0x73, 0x6D, 2, 0, 0, 0])
        guard case .failed(let failure) = invalid.outcome else {
            Issue.record("expected a failure, got \(invalid.outcome)")
            return
        }
        #expect(failure.kind == .invalidModule)
        // (module (import "env" "f" (func)))
        let unlinkable: [UInt8] = [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 2, 9, 1, 3, 0x65, 0x6E, 0x76,
            1, 0x66, 0, 0]
        guard case .failed(let linkFailure) = try runInVM(unlinkable).outcome else {
            Issue.record("expected a link failure")
            return
        }
        #expect(linkFailure.kind == .unlinkable)
        #expect(linkFailure.message.contains("env"))
    }

    @Test("--invoke results equal the in-process engine's, bit for bit", arguments: [
        ("fib", [ABIValue(type: ABIValue.i32Type, bits: 20)]),
        ("mix", [ABIValue(type: ABIValue.i32Type, bits: 3), ABIValue(type: ABIValue.i64Type, bits: UInt64(bitPattern: -9)),
            ABIValue(type: ABIValue.f32Type, bits: UInt64(Float(1.5).bitPattern)),
            ABIValue(type: ABIValue.f64Type, bits: Double(-0.25).bitPattern)]),
        ("nothing", []),
        // memory.copy and memory.fill through the guest kernel's memmove and memset (Support/support.c) and glibc's.
        ("copies", [ABIValue(type: ABIValue.i32Type, bits: 1)]),
        ("copies", [ABIValue(type: ABIValue.i32Type, bits: 0xDEAD_BEEF)]),
    ])
    func invokeMatchesInProcess(name: String, arguments: [ABIValue]) throws {
        let bytes = try testModule("export-compute")
        let result = try runInVM(bytes, invocation: GuestRun.Invocation(name: name, arguments: arguments))
        #expect(result.outcome == .exited(status: 0))

        let store = Store()
        let instance = try store.instantiate(try Module(bytes: bytes), imports: Imports())
        guard case .function(let function)? = instance.export(name) else {
            Issue.record("no export \(name)")
            return
        }
        let expected = try store.invoke(function, arguments.map(Self.value(of:)))
        #expect(result.invokeResults == expected.map(Self.abiValue(of:)))
    }

    @Test("a trap in an invoked export matches the in-process trap")
    func invokeTrapMatchesInProcess() throws {
        let bytes = try testModule("export-compute")
        let zero = ABIValue(type: ABIValue.i32Type, bits: 0)
        let result = try runInVM(bytes, invocation: GuestRun.Invocation(name: "divide", arguments: [zero, zero]))
        let store = Store()
        let instance = try store.instantiate(try Module(bytes: bytes), imports: Imports())
        guard case .function(let divide)? = instance.export("divide") else { return }
        #expect(throws: Trap(.integerDivideByZero)) { try store.invoke(divide, [.i32(0), .i32(0)]) }
        #expect(result.outcome == .failed(GuestFailure(kind: .trap, message: TrapReason.integerDivideByZero.message)))
    }

    /// `(module (func (export "") (result i32) i32.const 42) (func (export "_start") unreachable))`: an export whose
    /// name is the empty string (valid Wasm), and a `_start` that traps if it is run instead.
    static let emptyNamedExport: [UInt8] = [
        0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x00, 0x01, 0x7F, 0x60, 0x00, 0x00,
        0x03, 0x03, 0x02, 0x00, 0x01, 0x07, 0x0D, 0x02, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x73, 0x74, 0x61, 0x72, 0x74,
        0x00, 0x01, 0x0A, 0x0A, 0x02, 0x04, 0x00, 0x41, 0x2A, 0x0B, 0x03, 0x00, 0x00, 0x0B,
    ]

    @Test("an export named the empty string is invoked, not `_start`: the boot info flags an invocation, whatever the name's length")
    func invokeEmptyName() throws {
        let result = try runInVM(Self.emptyNamedExport, invocation: GuestRun.Invocation(name: "", arguments: []))
        #expect(result.outcome == .exited(status: 0))
        #expect(result.invokeResults == [ABIValue(type: ABIValue.i32Type, bits: 42)])
        // Without an invocation the same module runs `_start`.
        #expect(try runInVM(Self.emptyNamedExport).outcome == .failed(GuestFailure(kind: .trap, message: "unreachable")))
    }

    @Test("a corrupted kernel image ends in a clear outcome with the guest RIP, never a hang")
    func corruptedKernelCode() throws {
        var bytes = kernelBytes!
        let image = try KernelImage(elf: bytes)
        // Overwrite the first instructions at the entry point with 0xFF bytes (an invalid opcode sequence).
        let entryOffset = try #require(image.segments.first { $0.isExecutable }.map { segment in
            segment.contents.startIndex + Int(image.entry.rawValue - segment.range.start.rawValue)
        })
        for index in entryOffset..<entryOffset + 16 { bytes[index] = 0xFF }
        let system = try KVMSystem()
        var configuration = MicroVMConfiguration()
        configuration.run = GuestRun(module: try testModule("hello"))
        var vm = try MicroVM(system: system, kernel: KernelImage(elf: bytes), configuration: configuration)
        let result = try vm.run(timeLimit: .seconds(5))
        guard case .fault(_, let rip) = result.outcome else {
            Issue.record("expected a fault, got \(result.outcome)")
            return
        }
        #expect(rip >= image.entry.rawValue && rip < image.entry.rawValue + 16)
    }

    @Test("1,000 module runs one after another keep descriptors and resident memory flat")
    func thousandVMs() throws {
        let module = try testModule("hello")
        let system = try KVMSystem()
        let kernel = try KernelImage(elf: kernelBytes!)
        func runOnce() throws {
            var configuration = MicroVMConfiguration()
            configuration.run = GuestRun(module: module)
            var vm = try MicroVM(system: system, kernel: kernel, configuration: configuration)
            let result = try vm.run(timeLimit: .seconds(10))
            #expect(result.outcome == .exited(status: 0))
        }
        for _ in 0..<20 { try runOnce() }
        let descriptorsBefore = openDescriptorCount()
        let residentBefore = residentBytes()
        for _ in 0..<1000 { try runOnce() }
        // Other suites open and close descriptors concurrently; a leak would add three per VM, thousands in all.
        #expect(openDescriptorCount() <= descriptorsBefore + 8)
        // Flat within 8 MiB: allocator noise, never a VM's memory (each touches several MiB) left behind.
        #expect(residentBytes() < residentBefore + (8 << 20), "RSS grew from \(residentBefore) to \(residentBytes())")
    }

    static func value(of record: ABIValue) -> Value {
        switch record.type {
        case ABIValue.i64Type: .i64(record.bits)
        case ABIValue.f32Type: .f32(bits: UInt32(truncatingIfNeeded: record.bits))
        case ABIValue.f64Type: .f64(bits: record.bits)
        default: .i32(UInt32(truncatingIfNeeded: record.bits))
        }
    }

    static func abiValue(of value: Value) -> ABIValue {
        switch value {
        case .i32(let bits): ABIValue(type: ABIValue.i32Type, bits: UInt64(bits))
        case .i64(let bits): ABIValue(type: ABIValue.i64Type, bits: bits)
        case .f32(let bits): ABIValue(type: ABIValue.f32Type, bits: UInt64(bits))
        case .f64(let bits): ABIValue(type: ABIValue.f64Type, bits: bits)
        case .funcref(let function): ABIValue(type: ABIValue.funcrefType, bits: function == nil ? 0 : 1)
        case .externref(let reference): ABIValue(type: ABIValue.externrefType, bits: reference.map { UInt64($0) + 1 } ?? 0)
        case .exnref(let exception): ABIValue(type: ABIValue.exnrefType, bits: exception == nil ? 0 : 1)
        case .anyref(let reference): ABIValue(type: ABIValue.anyrefType, bits: reference == nil ? 0 : 1)
        case .v128: preconditionFailure("no v128 crosses into the micro-VM")
        }
    }
}

/// This process's resident set size, from /proc/self/statm.
func residentBytes() -> Int {
    guard let bytes = readFile("/proc/self/statm") else { return -1 }
    let fields = text(bytes).split(separator: " ")
    return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}
