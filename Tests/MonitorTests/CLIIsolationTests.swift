import Foundation
import Testing

/// The `swiftlet` executable of this checkout's debug build (built by `swift build`), and a runner for it.
let swiftletPath = packageRoot + "/.build/debug/swiftlet"
let swiftletMissingReason: Comment = "needs the swiftlet executable: run `swift build` first"

struct CommandResult: Equatable, CustomStringConvertible {
    var status: Int32
    var standardOutput: String
    var standardError: String

    var description: String { "status \(status), stdout \(standardOutput.debugDescription), stderr \(standardError.debugDescription)" }
}

func swiftlet(
    _ arguments: [String], environment: [String: String] = [:], standardInput: String? = nil
) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: swiftletPath)
    process.arguments = arguments
    // The runs' module cache is this test process's own, not the user's.
    let cache = ["SWIFTLET_CACHE_DIR": NSTemporaryDirectory() + "swiftlet-test-cache-\(getpid())"]
    process.environment = ProcessInfo.processInfo.environment.merging(cache) { $1 }.merging(environment) { $1 }
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    let input = Pipe()
    if standardInput != nil { process.standardInput = input }
    try process.run()
    if let standardInput {
        input.fileHandleForWriting.write(Data(standardInput.utf8))
        try input.fileHandleForWriting.close()
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
        standardError: String(decoding: errorData, as: UTF8.self))
}

let modules = packageRoot + "/bench/vm/modules/"

/// Writes `bytes` to a temporary file and returns its path.
func temporaryModule(_ name: String, _ bytes: [UInt8]) throws -> String {
    let path = NSTemporaryDirectory() + "swiftlet-\(getpid())-\(name).wasm"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

@Suite("swiftlet run: micro-VM and in-process alike", .serialized, .enabled(if: kvmAvailable, kvmUnavailableReason),
    .enabled(if: kernelBytes != nil, kernelMissingReason),
    .enabled(if: FileManager.default.isExecutableFile(atPath: swiftletPath), swiftletMissingReason))
struct CLIIsolationTests {
    static let cases: [[String]] = [
        ["--invoke", "fib", modules + "export-compute.wasm", "20"],
        ["--invoke", "mix", modules + "export-compute.wasm", "3", "-9", "1.5", "-0.25"],
        ["--invoke", "divide", modules + "export-compute.wasm", "1", "0"],
        ["--invoke", "nothing", modules + "export-compute.wasm"],
        ["--invoke", "missing", modules + "export-compute.wasm"],
        ["--invoke", "memory", modules + "export-compute.wasm"],
        ["--invoke", "fib", modules + "export-compute.wasm"],
        ["--invoke", "fib", modules + "export-compute.wasm", "abc"],
        [modules + "export-compute.wasm"],
        ["--fuel", "1000", "--invoke", "fib", modules + "export-compute.wasm", "30"],
        ["--fuel", "1000", modules + "loop.wasm"],
        [modules + "no-such-file.wasm"],
        [modules + "loop.wat"],  // text format: the hint in the message must survive the VM
        [modules + "hello.wasm"],
        [modules + "exit7.wasm"],
        [modules + "trap.wasm"],
        ["--env", "A=1", "--env", "B=two words", modules + "args.wasm", "x", "y z"],
        ["--max-memory-pages", "1000", modules + "allocate.wasm"],
        // The guest heap gives old copies of a growing memory back to the host: new pages must still read zero.
        [modules + "grow-zero.wasm"],
    ]

    @Test("same stdout, stderr and status in the VM as in-process", arguments: cases)
    func sameResults(arguments: [String]) throws {
        let inVM = try swiftlet(["run", "--isolation", "vm"] + arguments)
        let inProcess = try swiftlet(["run", "--isolation", "process"] + arguments)
        #expect(inVM == inProcess)
    }

    @Test("--invoke '' calls the export named the empty string, in the VM as in-process", arguments: ["vm", "process"])
    func invokeEmptyName(isolation: String) throws {
        let path = try temporaryModule("empty-name", ModuleRunTests.emptyNamedExport)
        #expect(try swiftlet(["run", "--isolation", isolation, "--invoke", "", path])
            == CommandResult(status: 0, standardOutput: "42\n", standardError: ""))
        // Without --invoke, `_start` runs (and traps).
        #expect(try swiftlet(["run", "--isolation", isolation, path]).status == 134)
    }

    @Test("--invoke passes v128 arguments and results across the micro-VM boundary as in-process")
    func invokeVectors() throws {
        // (func (export "vec") (param v128 i32) (result i32 v128)
        //   (local.get 1) (i32x4.add (local.get 0) (v128.const i32x4 1 2 3 4)))
        let path = try temporaryModule("vectors", [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60,
            0x02, 0x7B, 0x7F, 0x02, 0x7F, 0x7B, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x76, 0x65, 0x63, 0x00,
            0x00, 0x0A, 0x1D, 0x01, 0x1B, 0x00, 0x20, 0x01, 0x20, 0x00, 0xFD, 0x0C, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00,
            0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xFD, 0xAE, 0x01, 0x0B])
        let expected = CommandResult(status: 0, standardOutput: "9\n0x000000040000000d0000000200000006\n", standardError: "")
        for isolation in ["vm", "process"] {
            #expect(try swiftlet(
                ["run", "--isolation", isolation, "--invoke", "vec", path, "0x000000000000000a0000000000000005", "9"])
                == expected)
        }
    }

    @Test("--invoke of a module with a second, 64-bit memory runs in the micro-VM as in-process, traps included")
    func invokeMultipleAnd64BitMemories() throws {
        // (memory 1) (memory $wide i64 1 2)
        // (func (export "both") (param i64 i32) (result i32 i64)
        //   (i64.store $wide (local.get 0) (i64.const 0x1122334455667788))
        //   (i32.store (i32.const 0) (local.get 1))
        //   (i32.add (i32.load (i32.const 0)) (i32.wrap_i64 (i64.load $wide (local.get 0))))
        //   (memory.grow $wide (i64.const 1)))
        let path = try temporaryModule("memories", [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01,
            0x60, 0x02, 0x7E, 0x7F, 0x02, 0x7F, 0x7E, 0x03, 0x02, 0x01, 0x00, 0x05, 0x06, 0x02, 0x00, 0x01, 0x05, 0x01,
            0x02, 0x07, 0x08, 0x01, 0x04, 0x62, 0x6F, 0x74, 0x68, 0x00, 0x00, 0x0A, 0x2C, 0x01, 0x2A, 0x00, 0x20, 0x00,
            0x42, 0x88, 0xEF, 0x99, 0xAB, 0xC5, 0xE8, 0x8C, 0x91, 0x11, 0x37, 0x43, 0x01, 0x00, 0x41, 0x00, 0x20, 0x01,
            0x36, 0x02, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x20, 0x00, 0x29, 0x43, 0x01, 0x00, 0xA7, 0x6A, 0x42, 0x01,
            0x40, 0x01, 0x0B])
        let expected = CommandResult(status: 0, standardOutput: "1432778637\n1\n", standardError: "")
        for isolation in ["vm", "process"] {
            #expect(try swiftlet(["run", "--isolation", isolation, "--invoke", "both", path, "65528", "5"]) == expected)
        }
        // An address past 4 GiB traps in both.
        let inVM = try swiftlet(["run", "--isolation", "vm", "--invoke", "both", path, "4294967296", "5"])
        #expect(inVM == (try swiftlet(["run", "--isolation", "process", "--invoke", "both", path, "4294967296", "5"])))
        #expect(inVM.standardError.contains("out of bounds memory access"))
    }

    @Test("a module throws and catches, and an exception escaping --invoke is reported alike, in the VM as in-process")
    func exceptions() throws {
        // (tag $boom (export "boom") (param i32))  (func $thrower (param i32) (throw $boom (local.get 0)))
        // (func (export "catch") (param i32) (result i32)
        //   (block $h (result i32) (try_table (catch $boom $h) (call $thrower (local.get 0))) (i32.const -1))
        //   (i32.add (i32.const 1)))
        // (func (export "escape") (param i32) (call $thrower (local.get 0)))
        let path = try temporaryModule("exceptions", [
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0A, 0x02, 0x60, 0x01, 0x7F, 0x00, 0x60, 0x01, 0x7F, 0x01, 0x7F, 0x03, 0x04, 0x03, 0x00,
            0x01, 0x00, 0x0D, 0x03, 0x01, 0x00, 0x00, 0x07, 0x19, 0x03, 0x04, 0x62, 0x6F, 0x6F, 0x6D, 0x04, 0x00, 0x05, 0x63, 0x61, 0x74, 0x63, 0x68, 0x00,
            0x01, 0x06, 0x65, 0x73, 0x63, 0x61, 0x70, 0x65, 0x00, 0x02, 0x0A, 0x25, 0x03, 0x06, 0x00, 0x20, 0x00, 0x08, 0x00, 0x0B, 0x15, 0x00, 0x02, 0x7F,
            0x1F, 0x40, 0x01, 0x00, 0x00, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0B, 0x41, 0x7F, 0x0B, 0x41, 0x01, 0x6A, 0x0B, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00,
            0x0B,
        ])
        let escaped = CommandResult(status: 134, standardOutput: "", standardError: "Error: uncaught wasm exception: tag \"boom\"\n")
        for isolation in ["vm", "process"] {
            #expect(try swiftlet(["run", "--isolation", isolation, "--invoke", "catch", path, "41"])
                == CommandResult(status: 0, standardOutput: "42\n", standardError: ""))
            #expect(try swiftlet(["run", "--isolation", isolation, "--invoke", "escape", path, "41"]) == escaped)
        }
        // The compiler tier leaves such a module to the interpreter, and says so with -v.
        let compiled = try swiftlet(
            ["run", "--isolation", "process", "--tier", "compiler", "-v", "--invoke", "catch", path, "41"])
        #expect(compiled.status == 0 && compiled.standardOutput == "42\n", "\(compiled)")
        #expect(compiled.standardError.contains(
            "swiftlet: the interpreter runs this module, not machine code: it uses exceptions"), "\(compiled)")
    }

    @Test("invalid and unlinkable modules fail alike")
    func invalidModules() throws {
        let garbage = try temporaryModule("garbage", [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 0x0C, 0xFF])
        // (module (import "env" "f" (func)))
        let unlinkable = try temporaryModule("unlinkable", [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 2, 9,
            1, 3, 0x65, 0x6E, 0x76, 1, 0x66, 0, 0])
        for path in [garbage, unlinkable] {
            let inVM = try swiftlet(["run", path])
            #expect(inVM == (try swiftlet(["run", "--isolation", "process", path])))
            #expect(inVM.status == 1)
        }
    }

    @Test("--invoke of a module whose declarations read but whose body is malformed fails alike, whatever the arguments")
    func invokeMalformedBody() throws {
        // (module (func (export "f") (param i32) unreachable)) with the body's `end` missing.
        let brokenBody = try temporaryModule("broken-body", [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 1, 5, 1, 0x60, 1, 0x7F, 0,
            3, 2, 1, 0, 7, 5, 1, 1, 0x66, 0, 0, 10, 4, 1, 2, 0, 0])
        let garbage = try temporaryModule("garbage", [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 0x0C, 0xFF])
        for arguments in [["f", brokenBody, "1"], ["f", brokenBody], ["g", brokenBody], ["f", brokenBody, "x"],
                          ["f", garbage, "1"]] {
            let inVM = try swiftlet(["run", "--isolation", "vm", "--invoke"] + arguments)
            #expect(inVM == (try swiftlet(["run", "--isolation", "process", "--invoke"] + arguments)))
            #expect(inVM.status == 1)
            #expect(inVM.standardError.contains("malformed module"), "\(inVM)")
        }
    }

    @Test("WASI programs in the VM: hello world, exit status, trap")
    func wasiPrograms() throws {
        #expect(try swiftlet(["run", modules + "hello.wasm"])
            == CommandResult(status: 0, standardOutput: "hello from C in WebAssembly\n", standardError: ""))
        #expect(try swiftlet(["run", modules + "exit7.wasm"]).status == 7)
        #expect(try swiftlet(["run", modules + "trap.wasm"])
            == CommandResult(status: 134, standardOutput: "before the trap\n", standardError: "Error: wasm trap: unreachable\n"))
    }

    @Test("--timeout stops a spinning or a sleeping module promptly and says so, in the VM and in-process",
        arguments: ["vm", "process"], ["spin.wasm", "sleep.wasm"])
    func timeout(isolation: String, module: String) throws {
        let start = ContinuousClock.now
        let result = try swiftlet(["run", "--isolation", isolation, "--timeout", "0.3", modules + module])
        #expect(result.status == 124)
        #expect(result.standardError.hasPrefix("Error: timed out"))
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test("--tier compiler: machine code compiled in the VM gives the same stdout, stderr and status as in-process",
        arguments: cases)
    func sameResultsCompiled(arguments: [String]) throws {
        let inVM = try swiftlet(["run", "--isolation", "vm", "--tier", "compiler"] + arguments)
        #expect(inVM == (try swiftlet(["run", "--isolation", "process", "--tier", "compiler"] + arguments)))
    }

    @Test("--tier compiler: runaway recursion in machine code traps on the call depth in the VM as in-process")
    func compiledStackExhaustion() throws {
        // (func $f (export "f") (call $f))
        let path = try temporaryModule("recursion", [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01,
            0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0A, 0x06, 0x01, 0x04,
            0x00, 0x10, 0x00, 0x0B])
        let expected = CommandResult(status: 134, standardOutput: "", standardError: "Error: wasm trap: call stack exhausted\n")
        for tier in ["compiler", "interpreter"] {
            for isolation in ["vm", "process"] {
                #expect(try swiftlet(["run", "--isolation", isolation, "--tier", tier, "--invoke", "f", path]) == expected)
            }
        }
    }

    @Test("--tier compiler: --timeout stops machine code spinning in the VM", arguments: ["vm", "process"])
    func compiledTimeout(isolation: String) throws {
        let start = ContinuousClock.now
        let result = try swiftlet(["run", "--isolation", isolation, "--tier", "compiler", "--timeout", "0.3", modules + "spin.wasm"])
        #expect(result.status == 124)
        #expect(result.standardError.hasPrefix("Error: timed out"))
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test("without usable KVM, run says so and names --isolation process; no silent fallback")
    func noKVM() throws {
        let result = try swiftlet(["run", modules + "hello.wasm"], environment: ["SWIFTLET_KVM_DEVICE": "/nonexistent/kvm"])
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(result.standardError.contains("KVM is not usable"))
        #expect(result.standardError.contains("--isolation process"))
    }

    @Test("a corrupted kernel image is refused with a message naming it")
    func corruptedKernel() throws {
        let path = try temporaryModule("kernel", Array(kernelBytes!.prefix(100)))
        let result = try swiftlet(["run", modules + "hello.wasm"], environment: ["SWIFTLET_KERNEL": path])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("Error: invalid guest kernel image `\(path)`"))
    }

    @Test("a guest kernel that faults is reported with its RIP, never a hang")
    func guestFault() throws {
        var bytes = kernelBytes!
        func word(_ offset: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) } }
        let (entry, programHeaders) = (word(24), word(32))
        let entryOffset = word(programHeaders + 8) + entry - word(programHeaders + 16)
        for index in entryOffset..<entryOffset + 16 { bytes[index] = 0xFF }
        let path = try temporaryModule("faulting-kernel", bytes)
        let result = try swiftlet(["run", "--timeout", "10", modules + "hello.wasm"], environment: ["SWIFTLET_KERNEL": path])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("Error: the micro-VM's guest kernel crashed: an exception"))
        #expect(result.standardError.contains("at guest RIP 0x\(String(entry, radix: 16))"))
    }

    @Test("info names the kernel image and its size, KVM's state and the engine's features")
    func info() throws {
        let result = try swiftlet(["info"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("kernel image: \(packageRoot)/.build-kernel/swiftlet-kernel.elf ("))
        #expect(result.standardOutput.contains("KVM: usable"))
        #expect(result.standardOutput.contains("WebAssembly 2.0"))
        #expect(result.standardOutput.contains("multiple memories"))
        #expect(result.standardOutput.contains("64-bit memories and tables"))
    }
}
