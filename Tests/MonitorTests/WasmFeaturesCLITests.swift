import Foundation
import Testing

/// `--wasm-features` on `run` and `wast`, and tail calls and typed function references in the micro-VM's engine.
@Suite("swiftlet run: tail calls, typed function references and --wasm-features in the micro-VM and in-process", .serialized,
    .enabled(if: kvmAvailable, kvmUnavailableReason), .enabled(if: kernelBytes != nil, kernelMissingReason),
    .enabled(if: FileManager.default.isExecutableFile(atPath: swiftletPath), swiftletMissingReason))
struct TailCallCLITests {
    /// (func $count (export "count") (param i64 i64) (result i64) (if (result i64) (i64.eqz (local.get 0))
    ///   (then (local.get 1)) (else (return_call $count (i64.sub (local.get 0) (i64.const 1)) (i64.add (local.get 1) (i64.const 1))))))
    static let countdown: [UInt8] = [
        0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7E, 0x7E, 0x01, 0x7E, 0x03,
        0x02, 0x01, 0x00, 0x07, 0x09, 0x01, 0x05, 0x63, 0x6F, 0x75, 0x6E, 0x74, 0x00, 0x00, 0x0A, 0x19, 0x01, 0x17,
        0x00, 0x20, 0x00, 0x50, 0x04, 0x7E, 0x20, 0x01, 0x05, 0x20, 0x00, 0x42, 0x01, 0x7D, 0x20, 0x01, 0x42, 0x01,
        0x7C, 0x12, 0x00, 0x0B, 0x0B,
    ]

    @Test("--invoke of a deep tail recursion runs in constant space", arguments: ["vm", "process"])
    func deepTailRecursion(isolation: String) throws {
        let path = try temporaryModule("countdown", Self.countdown)
        // Far past the call-depth limit, had each tail call kept a frame.
        #expect(try swiftlet(["run", "--isolation", isolation, "--invoke", "count", path, "3000000", "0"])
            == CommandResult(status: 0, standardOutput: "3000000\n", standardError: ""))
        let endless = try swiftlet(["run", "--isolation", isolation, "--fuel", "100000", "--invoke", "count", path, "-1", "0"])
        #expect(endless.status != 0 && endless.standardError.contains("all fuel consumed"), "\(endless)")
    }

    /// (import "wasi_snapshot_preview1" "fd_write" (func $fd_write ...)) (memory 1), an iovec of "hi\n" at 0;
    /// (func $write (param i32) (result i32) (if (result i32) (i32.eqz (local.get 0))
    ///   (then (return_call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    ///   (else (return_call $write (i32.sub (local.get 0) (i32.const 1))))))
    /// (func (export "write") (result i32) (return_call $write (i32.const 1000000)))
    static let wasiInTailPosition: [UInt8] = [
        0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x12, 0x03, 0x60, 0x04, 0x7F, 0x7F, 0x7F, 0x7F, 0x01,
        0x7F, 0x60, 0x01, 0x7F, 0x01, 0x7F, 0x60, 0x00, 0x01, 0x7F, 0x02, 0x23, 0x01, 0x16, 0x77, 0x61, 0x73, 0x69,
        0x5F, 0x73, 0x6E, 0x61, 0x70, 0x73, 0x68, 0x6F, 0x74, 0x5F, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31,
        0x08, 0x66, 0x64, 0x5F, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00, 0x00, 0x03, 0x03, 0x02, 0x01, 0x02, 0x05, 0x03,
        0x01, 0x00, 0x01, 0x07, 0x12, 0x02, 0x06, 0x6D, 0x65, 0x6D, 0x6F, 0x72, 0x79, 0x02, 0x00, 0x05, 0x77, 0x72,
        0x69, 0x74, 0x65, 0x00, 0x02, 0x0A, 0x25, 0x02, 0x1A, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7F, 0x41, 0x01, 0x41,
        0x00, 0x41, 0x01, 0x41, 0x08, 0x12, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6B, 0x12, 0x01, 0x0B, 0x0B, 0x08,
        0x00, 0x41, 0xC0, 0x84, 0x3D, 0x12, 0x01, 0x0B, 0x0B, 0x16, 0x02, 0x00, 0x41, 0x00, 0x0B, 0x08, 0x10, 0x00,
        0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x41, 0x10, 0x0B, 0x03, 0x68, 0x69, 0x0A,
    ]

    @Test("a WASI import in tail position, after a million tail calls", arguments: ["vm", "process"])
    func wasiCallInTailPosition(isolation: String) throws {
        let path = try temporaryModule("wasi-tail-call", Self.wasiInTailPosition)
        #expect(try swiftlet(["run", "--isolation", isolation, "--invoke", "write", path])
            == CommandResult(status: 0, standardOutput: "hi\n0\n", standardError: ""))
    }

    @Test("--wasm-features refuses a module that uses a feature it turns off, by name", arguments: ["vm", "process"])
    func refusedFeature(isolation: String) throws {
        let path = try temporaryModule("countdown", Self.countdown)
        let refused = try swiftlet(
            ["run", "--isolation", isolation, "--wasm-features", "tail-call=n", "--invoke", "count", path, "1", "0"])
        #expect(refused == CommandResult(
            status: 1, standardOutput: "", standardError: "Error: \(path): uses tail-call, which --wasm-features turns off\n"))
        #expect(try swiftlet(
            ["run", "--isolation", isolation, "--wasm-features", "extended-const=n", "--invoke", "count", path, "1", "0"])
            == CommandResult(status: 0, standardOutput: "1\n", standardError: ""))
        let unknown = try swiftlet(["run", "--isolation", isolation, "--wasm-features", "threads=n", path])
        #expect(unknown.status == 1 && unknown.standardError.contains("unknown WebAssembly feature `threads`"), "\(unknown)")
    }

    /// (type $unary (func (param i32) (result i32))) (func $double (type $unary) (i32.mul (local.get 0) (i32.const 2)))
    /// (elem declare func $double)
    /// (func (export "apply") (param $null i32) (param $x i32) (result i32) (local $f (ref null $unary))
    ///   (if (i32.eqz (local.get $null)) (then (local.set $f (ref.func $double))))
    ///   (call_ref $unary (local.get $x) (local.get $f)))
    static let applyReference: [UInt8] = [
        0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0C, 0x02, 0x60, 0x01, 0x7F, 0x01, 0x7F, 0x60, 0x02,
        0x7F, 0x7F, 0x01, 0x7F, 0x03, 0x03, 0x02, 0x00, 0x01, 0x07, 0x09, 0x01, 0x05, 0x61, 0x70, 0x70, 0x6C, 0x79,
        0x00, 0x01, 0x09, 0x05, 0x01, 0x03, 0x00, 0x01, 0x00, 0x0A, 0x1F, 0x02, 0x07, 0x00, 0x20, 0x00, 0x41, 0x02,
        0x6C, 0x0B, 0x15, 0x01, 0x01, 0x63, 0x00, 0x20, 0x00, 0x45, 0x04, 0x40, 0xD2, 0x00, 0x21, 0x02, 0x0B, 0x20,
        0x01, 0x20, 0x02, 0x14, 0x00, 0x0B,
    ]

    @Test("--invoke of call_ref, and its null reference's trap, alike in the VM and in-process", arguments: ["vm", "process"])
    func callRef(isolation: String) throws {
        let path = try temporaryModule("call-ref", Self.applyReference)
        #expect(try swiftlet(["run", "--isolation", isolation, "--invoke", "apply", path, "0", "21"])
            == CommandResult(status: 0, standardOutput: "42\n", standardError: ""))
        #expect(try swiftlet(["run", "--isolation", isolation, "--invoke", "apply", path, "1", "21"])
            == CommandResult(status: 134, standardOutput: "", standardError: "Error: wasm trap: null function reference\n"))
    }

    @Test("validate and run refuse the module by the feature's name when function-references=n")
    func refused() throws {
        let path = try temporaryModule("call-ref", Self.applyReference)
        let message = "\(path): uses function-references, which --wasm-features turns off"
        let validated = try swiftlet(["validate", "--wasm-features", "function-references=n", path])
        #expect(validated.status == 1 && validated.standardError.contains(message), "\(validated)")
        let run = try swiftlet(["run", "--wasm-features", "function-references=n", "--invoke", "apply", path, "0", "1"])
        #expect(run.status == 1 && run.standardError.contains(message), "\(run)")
        #expect(try swiftlet(["validate", "--wasm-features", "tail-call=n", path]).status == 0)
    }
}

@Suite("swiftlet wast --wasm-features",
    .enabled(if: FileManager.default.isExecutableFile(atPath: swiftletPath), swiftletMissingReason),
    .enabled(if: wasmToolsOnPath, "needs wasm-tools on PATH"))
struct WastFeaturesCLITests {
    @Test("a module using a refused feature is invalid: its assert_invalid passes, its module command fails")
    func refusedFeaturesMakeModulesInvalid() throws {
        let bytes = TailCallCLITests.countdown.map { String(format: "\\%02x", $0) }.joined()
        let script = NSTemporaryDirectory() + "swiftlet-\(getpid())-features.wast"
        try """
            (assert_invalid (module binary "\(bytes)") "tail calls are off")
            (module binary "\(bytes)")
            """.write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        let refused = try swiftlet(["wast", "--verbose", "--wasm-features", "tail-call=n", script])
        #expect(refused.status == 1)
        #expect(refused.standardOutput.contains("1 passed, 1 failed"), "\(refused)")
        #expect(refused.standardOutput.contains("module rejected: uses tail-call, which --wasm-features turns off"), "\(refused)")
        // The module command is no assertion: it counts only when it fails.
        let allowed = try swiftlet(["wast", "--verbose", script])
        #expect(allowed.standardOutput.contains("0 passed, 1 failed"), "\(allowed)")
        #expect(allowed.standardOutput.contains("expected invalid \"tail calls are off\", but the module decoded and validated"), "\(allowed)")
    }
}

/// Whether `wasm-tools`, which `swiftlet wast` runs, is on PATH.
let wasmToolsOnPath = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
    FileManager.default.isExecutableFile(atPath: "\($0)/wasm-tools")
}
