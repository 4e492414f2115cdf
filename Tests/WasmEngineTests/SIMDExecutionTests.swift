import Foundation
import Testing
@testable import WasmEngine

/// v128 values where the translator lays them out in two slots: locals among scalars, parameters and results of calls
/// (direct, indirect, host), globals, blocks and branches, `select` and `drop`, and the host's view of them.
@Suite struct SIMDExecutionTests {
    static func vector(_ lanes: UInt32...) -> Value { .v128(V128(u32x4: SIMD4(lanes[0], lanes[1], lanes[2], lanes[3]))) }

    /// The binary of the module `text` (WebAssembly text, assembled by wasm-tools).
    static func assemble(_ text: String) throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("simd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("module.wasm")
        let result = try #require(try DecoderSpecTests.runWasmTools(["parse", "-", "-o", output.path], input: Array(text.utf8)))
        #expect(result.status == 0, "wasm-tools: \(result.errorOutput)")
        return Array(try Data(contentsOf: output))
    }

    /// Instantiates the module `text` with `imports`.
    static func instantiate(_ text: String, in store: Store, imports: Imports = Imports()) throws -> Instance {
        try store.instantiate(try Module(bytes: try assemble(text)), imports: imports)
    }

    static func call(_ instance: Instance, _ name: String, in store: Store, _ arguments: [Value] = []) throws -> [Value] {
        guard case .function(let function)? = instance.export(name) else { throw TestFailure("no export \(name)") }
        return try store.invoke(function, arguments)
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test func localsOfBothWidthsKeepTheirValues() throws {
        let store = Store()
        let instance = try Self.instantiate(
            """
            (module
              (func (export "mix") (param i32 v128 i64) (result i64 v128 i32)
                (local v128 f64 v128)
                (local.set 3 (i32x4.add (local.get 1) (v128.const i32x4 1 1 1 1)))
                (local.set 4 (f64.const 2.5))
                (local.set 5 (local.get 3))
                (local.get 2)
                (i32x4.mul (local.get 5) (local.get 1))
                (i32.add (local.get 0) (i32.trunc_f64_s (local.get 4)))))
            """, in: store)
        let results = try Self.call(instance, "mix", in: store, [.i32(40), Self.vector(1, 2, 3, 4), .i64(7)])
        #expect(results == [.i64(7), Self.vector(2, 6, 12, 20), .i32(42)])
    }

    @Test func vectorsCrossDirectIndirectAndRecursiveCalls() throws {
        let store = Store()
        let instance = try Self.instantiate(
            """
            (module
              (type $binary (func (param v128 v128) (result v128)))
              (table 1 funcref)
              (elem (i32.const 0) $sub)
              (func $sub (type $binary) (i32x4.sub (local.get 0) (local.get 1)))
              (func $sum (param $n i32) (param $acc v128) (result v128)
                (if (result v128) (i32.eqz (local.get $n))
                  (then (local.get $acc))
                  (else (call $sum (i32.sub (local.get $n) (i32.const 1))
                                   (i32x4.add (local.get $acc) (i32x4.splat (local.get $n)))))))
              (func (export "run") (result v128 i32)
                (call_indirect (type $binary)
                  (call $sum (i32.const 10) (v128.const i32x4 0 1 2 3))
                  (v128.const i32x4 5 5 5 5)
                  (i32.const 0))
                (i32.const 9)))
            """, in: store)
        #expect(try Self.call(instance, "run", in: store) == [Self.vector(50, 51, 52, 53), .i32(9)])
    }

    @Test func blocksBranchesSelectAndDropMoveBothHalves() throws {
        let store = Store()
        let instance = try Self.instantiate(
            """
            (module
              (func (export "pick") (param i32) (result v128)
                (local v128)
                (local.set 1 (v128.const i32x4 1 2 3 4))
                (block $out (result v128)
                  (drop (v128.const i32x4 9 9 9 9))
                  (drop (br_if $out (local.get 1) (i32.eq (local.get 0) (i32.const 7))))
                  (select (local.get 1) (v128.const i32x4 5 6 7 8) (local.get 0))))
              (func (export "loop") (result v128)
                (local $i i32)
                (v128.const i64x2 0 0)
                (loop $again (param v128) (result v128)
                  (i64x2.add (v128.const i64x2 1 2))
                  (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $again (i32.lt_u (i32.const 100)))))
              (func (export "typed") (param i32) (result v128)
                (select (result v128) (v128.const i32x4 1 1 1 1) (v128.const i32x4 2 2 2 2) (local.get 0))))
            """, in: store)
        #expect(try Self.call(instance, "pick", in: store, [.i32(7)]) == [Self.vector(1, 2, 3, 4)])
        #expect(try Self.call(instance, "pick", in: store, [.i32(1)]) == [Self.vector(1, 2, 3, 4)])
        #expect(try Self.call(instance, "pick", in: store, [.i32(0)]) == [Self.vector(5, 6, 7, 8)])
        #expect(try Self.call(instance, "loop", in: store) == [.v128(V128(low: 100, high: 200))])
        #expect(try Self.call(instance, "typed", in: store, [.i32(0)]) == [Self.vector(2, 2, 2, 2)])
    }

    @Test func globalsHoldBothHalves() throws {
        let store = Store()
        var imports = Imports()
        let imported = store.makeGlobal(type: GlobalType(valueType: .v128, isMutable: false), value: Self.vector(1, 2, 3, 4))
        imports.define(module: "host", name: "base", .global(imported))
        let instance = try Self.instantiate(
            """
            (module
              (global $base (import "host" "base") v128)
              (global $copy v128 (global.get $base))
              (global $counter (export "counter") (mut v128) (v128.const i64x2 -1 0x7fffffffffffffff))
              (func (export "bump") (result v128)
                (global.set $counter (i64x2.add (global.get $counter) (i64x2.splat (i64.const 1))))
                (i32x4.add (global.get $copy) (global.get $counter))))
            """, in: store, imports: imports)
        #expect(try Self.call(instance, "bump", in: store) == [.v128(V128(low: 0x2_0000_0001, high: 0x8000_0004_0000_0003))])
        guard case .global(let counter)? = instance.export("counter") else { throw TestFailure("no counter") }
        #expect(store.value(of: counter) == .v128(V128(low: 0, high: 0x8000_0000_0000_0000)))
        store.setValue(Self.vector(7, 7, 7, 7), of: counter)
        // (7, 7, 7, 7) plus one in each 64-bit lane, plus (1, 2, 3, 4).
        #expect(try Self.call(instance, "bump", in: store) == [Self.vector(9, 9, 11, 11)])
    }

    @Test func hostFunctionsTakeAndGiveVectors() throws {
        let store = Store()
        var imports = Imports()
        let swap = store.makeHostFunction(type: FuncType(parameters: [.i32, .v128], results: [.v128, .i32])) { _, arguments in
            guard case .v128(let vector) = arguments[1], case .i32(let scalar) = arguments[0] else { return [] }
            return [.v128(V128(low: vector.high, high: vector.low)), .i32(scalar + 1)]
        }
        imports.define(module: "host", name: "swap", .function(swap))
        let instance = try Self.instantiate(
            """
            (module
              (import "host" "swap" (func $swap (param i32 v128) (result v128 i32)))
              (func (export "run") (param v128) (result i32 v128)
                (local i32 v128)
                (call $swap (i32.const 41) (local.get 0))
                (local.set 1)
                (local.set 2)
                (local.get 1)
                (i64x2.add (local.get 2) (v128.const i64x2 1 1))))
            """, in: store, imports: imports)
        let results = try Self.call(instance, "run", in: store, [.v128(V128(low: 10, high: 20))])
        #expect(results == [.i32(42), .v128(V128(low: 21, high: 11))])
    }

    @Test func snapshotsRefuseVectorGlobals() throws {
        let store = Store()
        let instance = try Self.instantiate(
            "(module (global (mut v128) (v128.const i64x2 1 2)) (func (export \"f\")))", in: store)
        #expect(throws: SnapshotError.self) { try store.snapshot(of: instance) }
    }

    @Test func laneIndicesAndAlignmentAreValidated() throws {
        let store = Store()
        for (text, message) in [
            ("(module (func (result i32) (i8x16.extract_lane_s 16 (v128.const i64x2 0 0))))", "invalid lane index"),
            ("(module (memory 1) (func (result v128) (v128.load align=32 (i32.const 0))))", "alignment"),
            ("(module (func (result i32) (i32x4.add (v128.const i64x2 0 0) (v128.const i64x2 0 0))))", "type mismatch"),
        ] {
            #expect {
                _ = try Self.instantiate(text, in: store)
            } throws: { error in
                String(describing: error).contains(message)
            }
        }
    }
}

/// Every SIMD instruction's handler must end in a tail call (see `Interpreter.swift`): one that kept a stack frame would
/// grow the host stack with each instruction run. A loop runs each instruction 200,000 times, far past what a host
/// stack holds if any of them grew it.
@Suite struct SIMDHandlerStackTests {
    /// One instruction of each SIMD sub-opcode with its operands pushed and its result dropped.
    static func everyInstruction() -> [UInt8] {
        let vector: [UInt8] = [0xFD, 0x0C] + [UInt8](repeating: 1, count: 16)
        var body: [UInt8] = []
        for subopcode in UInt32(0)...0x113 {
            guard let instruction = SIMDInstruction.decode(subopcode) else { continue }
            let opcode = [0xFD] + encodeU32(subopcode)
            let scalar: [UInt8]
            switch instruction.laneType {
            case .i64: scalar = [0x42, 0x07]
            case .f32: scalar = [0x43, 0, 0, 0x80, 0x3F]
            case .f64: scalar = [0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F]
            default: scalar = [0x41, 0x07]
            }
            let address: [UInt8] = [0x41, 0x10]
            let memarg: [UInt8] = [0x00, 0x00]
            switch instruction.shape {
            case .load: body += address + opcode + memarg + [0x1A]
            case .store: body += address + vector + opcode + memarg
            case .loadLane: body += address + vector + opcode + memarg + [0x01, 0x1A]
            case .storeLane: body += address + vector + opcode + memarg + [0x01]
            case .shuffle: body += vector + vector + opcode + (0..<16).map { UInt8($0 * 2) } + [0x1A]
            case .splatI32, .splatI64, .splatF32, .splatF64: body += scalar + opcode + [0x1A]
            case .extractI32, .extractI64, .extractF32, .extractF64: body += vector + opcode + [0x01, 0x1A]
            case .replaceI32, .replaceI64, .replaceF32, .replaceF64: body += vector + scalar + opcode + [0x01, 0x1A]
            case .unary, .test, .bitmask: body += vector + opcode + [0x1A]
            case .binary: body += vector + vector + opcode + [0x1A]
            case .ternary: body += vector + vector + vector + opcode + [0x1A]
            case .shift: body += vector + [0x41, 0x03] + opcode + [0x1A]
            }
        }
        return body
    }

    @Test func everyHandlerTailCalls() throws {
        // (func (param $n i32) (loop (<every instruction>) (br_if 0 (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
        let countDown: [UInt8] = [0x20, 0x00, 0x41, 0x01, 0x6B, 0x22, 0x00, 0x0D, 0x00, 0x0B]
        let loop: [UInt8] = [0x03, 0x40] + Self.everyInstruction() + countDown
        let code: [UInt8] = [0x00] + loop + [0x0B]
        let module = wasmModule(
            (.type, vector([0x60, 0x01, 0x7F, 0x00])), (.function, vector([0x00])), (.memory, vector([0x00, 0x01])),
            (.export, vector(name("run") + [0x00, 0x00])), (.code, vector(encodeU32(UInt32(code.count)) + code)))
        let store = Store()
        let instance = try store.instantiate(try Module(bytes: module), imports: Imports())
        guard case .function(let run)? = instance.export("run") else { throw SIMDExecutionTests.TestFailure("no run") }
        #expect(try store.invoke(run, [.i32(200_000)]) == [])
    }
}

@Suite struct RequiredFeaturesTests {
    static func features(of text: String) throws -> WasmFeatures {
        try Module(bytes: try SIMDExecutionTests.assemble(text)).requiredFeatures
    }

    @Test func modulesNameTheProposalsTheyUse() throws {
        #expect(try Self.features(of: "(module (func (result i32) (i32.const 1)))") == [])
        #expect(try Self.features(of: "(module (func (param v128)))") == .simd)
        #expect(try Self.features(of: "(module (global v128 (v128.const i64x2 0 0)))") == .simd)
        #expect(try Self.features(of: "(module (func (local v128)))") == .simd)
        #expect(try Self.features(of: "(module (func (result i32) (v128.any_true (v128.const i64x2 0 0))))") == .simd)
        let relaxed = "(module (func (result v128) (f32x4.relaxed_min (v128.const i64x2 0 0) (v128.const i64x2 0 0))))"
        #expect(try Self.features(of: relaxed) == [.simd, .relaxedSIMD])
    }
}
