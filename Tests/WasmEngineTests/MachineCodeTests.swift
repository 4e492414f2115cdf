import Foundation
import Testing
@testable import WasmEngine

/// The compiler tier against the interpreter: the same module in two stores, one per tier, must give the same
/// results and the same traps; and what only the tier can get wrong (native stack depth, fuel and interruption in
/// machine code, calls between machine code and Swift).
@Suite struct MachineCodeTests {
    static func store(_ tier: ExecutionTier, fuel: UInt64? = nil, maxCallDepth: Int? = nil) -> Store {
        var configuration = Store.Configuration()
        configuration.tier = tier
        configuration.fuel = fuel
        if let maxCallDepth { configuration.maxCallDepth = maxCallDepth }
        return Store(configuration: configuration)
    }

    /// Results (or the trap) of `name(arguments)` in `text`'s module, under `tier`.
    static func outcome(_ text: String, _ name: String, _ arguments: [Value], tier: ExecutionTier) throws -> Result<[Value], Trap> {
        let store = store(tier)
        let instance = try SIMDExecutionTests.instantiate(text, in: store, imports: hostImports(in: store))
        do throws(Trap) {
            guard case .function(let function)? = instance.export(name) else { throw Trap(.host("no export \(name)")) }
            return .success(try store.invoke(function, arguments))
        } catch {
            return .failure(error)
        }
    }

    /// `host.add(i32, i32) -> i32`, for calls from machine code into Swift.
    static func hostImports(in store: Store) -> Imports {
        var imports = Imports()
        imports.define(module: "host", name: "add", .function(store.makeHostFunction(type: FuncType(parameters: [.i32, .i32], results: [.i32])) {
            _, arguments in
            guard case .i32(let left) = arguments[0], case .i32(let right) = arguments[1] else { return [] }
            return [.i32(left &+ right)]
        }))
        return imports
    }

    static func expectSameOutcome(_ text: String, _ calls: [(String, [Value])], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (name, arguments) in calls {
            let interpreted = try outcome(text, name, arguments, tier: .interpreter)
            let compiled = try outcome(text, name, arguments, tier: .compiler)
            #expect(compiled == interpreted, "\(name)(\(arguments))", sourceLocation: sourceLocation)
        }
    }

    static let arithmetic = """
        (module
          (import "host" "add" (func $add (param i32 i32) (result i32)))
          (memory 1)
          (global $counter (mut i64) (i64.const 5))
          (table 2 funcref)
          (elem (i32.const 0) $square $twice)
          (type $unary (func (param i32) (result i32)))
          (func $square (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
          (func $twice (param i32) (result i32) (i32.shl (local.get 0) (i32.const 1)))
          (func (export "divs") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
          (func (export "remu64") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))
          (func (export "rems") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
          (func (export "bits") (param i64) (result i64)
            (i64.add (i64.clz (local.get 0)) (i64.add (i64.ctz (local.get 0)) (i64.popcnt (local.get 0)))))
          (func (export "sum") (param i32) (result i64) (local $total i64)
            (block $done (loop $next
              (br_if $done (i32.eqz (local.get 0)))
              (local.set $total (i64.add (local.get $total) (i64.extend_i32_u (local.get 0))))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br $next)))
            (local.get $total))
          (func (export "memory") (param i32 i32) (result i32)
            (i32.store8 offset=3 (local.get 0) (local.get 1))
            (i32.add (i32.load8_s offset=3 (local.get 0)) (i32.load16_u offset=3 (local.get 0))))
          (func (export "grow") (param i32) (result i32) (drop (memory.grow (local.get 0))) (memory.size))
          (func (export "global") (result i64)
            (global.set $counter (i64.mul (global.get $counter) (i64.const 3))) (global.get $counter))
          (func (export "indirect") (param i32 i32) (result i32) (call_indirect (type $unary) (local.get 1) (local.get 0)))
          (func (export "host") (param i32) (result i32) (call $add (local.get 0) (i32.const 100)))
          (func (export "table") (param i32) (result i32)
            (block $c (block $b (block $a (br_table $a $b $c (local.get 0))) (return (i32.const 10))) (return (i32.const 20)))
            (i32.const 30))
          (func (export "floats") (param f64 f32) (result f64)
            (f64.add (f64.min (local.get 0) (f64.promote_f32 (local.get 1)))
              (f64.add (f64.sqrt (f64.abs (local.get 0))) (f64.nearest (local.get 0)))))
          (func (export "fcompare") (param f32 f32) (result i32)
            (i32.add (i32.add (f32.lt (local.get 0) (local.get 1)) (i32.shl (f32.ne (local.get 0) (local.get 1)) (i32.const 1)))
              (i32.shl (f32.ge (local.get 0) (local.get 1)) (i32.const 2))))
          (func (export "truncate") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
          (func (export "select") (param i32 i64 i64) (result i64) (select (local.get 1) (local.get 2) (local.get 0)))
          (func (export "unreachable") (unreachable)))
        """

    @Test func machineCodeAgreesWithTheInterpreter() throws {
        try Self.expectSameOutcome(Self.arithmetic, [
            ("divs", [.i32(7), .i32(UInt32(bitPattern: -2))]), ("divs", [.i32(1), .i32(0)]),
            ("divs", [.i32(UInt32(bitPattern: Int32.min)), .i32(UInt32(bitPattern: -1))]),
            ("rems", [.i32(UInt32(bitPattern: Int32.min)), .i32(UInt32(bitPattern: -1))]), ("rems", [.i32(UInt32(bitPattern: -7)), .i32(3)]),
            ("remu64", [.i64(UInt64.max), .i64(10)]), ("remu64", [.i64(3), .i64(0)]),
            ("bits", [.i64(0)]), ("bits", [.i64(0x0F00)]),
            ("sum", [.i32(100_000)]),
            ("memory", [.i32(10), .i32(0xFF)]), ("memory", [.i32(65533), .i32(1)]), ("memory", [.i32(UInt32.max), .i32(1)]),
            ("grow", [.i32(2)]), ("grow", [.i32(70_000)]),
            ("global", []),
            ("indirect", [.i32(0), .i32(9)]), ("indirect", [.i32(1), .i32(9)]), ("indirect", [.i32(2), .i32(9)]),
            ("host", [.i32(23)]),
            ("table", [.i32(0)]), ("table", [.i32(1)]), ("table", [.i32(2)]), ("table", [.i32(99)]),
            ("floats", [.f64(bits: (-2.5).bitPattern), .f32(bits: Float(1.5).bitPattern)]),
            ("floats", [.f64(bits: Double.nan.bitPattern), .f32(bits: Float(0).bitPattern)]),
            ("fcompare", [.f32(bits: Float(1).bitPattern), .f32(bits: Float(2).bitPattern)]),
            ("fcompare", [.f32(bits: Float.nan.bitPattern), .f32(bits: Float(2).bitPattern)]),
            ("truncate", [.f64(bits: (-3.9).bitPattern)]), ("truncate", [.f64(bits: 1e10.bitPattern)]),
            ("select", [.i32(0), .i64(1), .i64(2)]), ("select", [.i32(7), .i64(1), .i64(2)]),
            ("unreachable", []),
        ])
    }

    /// Every float-to-integer truncation, trapping and saturating, and unsigned i64 to float, at and around the
    /// bounds where the result changes: machine code compares with the bounds itself.
    @Test func conversionsAgreeAtTheirBounds() throws {
        let truncations = [
            "i32.trunc_f32_s", "i32.trunc_f32_u", "i32.trunc_f64_s", "i32.trunc_f64_u", "i64.trunc_f32_s",
            "i64.trunc_f32_u", "i64.trunc_f64_s", "i64.trunc_f64_u",
        ]
        let saturating = truncations.map { $0.replacingOccurrences(of: "trunc_", with: "trunc_sat_") }
        let functions = (truncations + saturating).map { name in
            let source = name.hasSuffix("f32_s") || name.hasSuffix("f32_u") ? "f32" : "f64"
            return #"(func (export "\#(name)") (param \#(source)) (result \#(name.prefix(3))) (\#(name) (local.get 0)))"#
        }
        let text = "(module " + functions.joined(separator: "\n") + """
            (func (export "f32.convert_i64_u") (param i64) (result f32) (f32.convert_i64_u (local.get 0)))
            (func (export "f64.convert_i64_u") (param i64) (result f64) (f64.convert_i64_u (local.get 0))))
            """
        let doubles: [Double] = [
            0, -0.0, 0.5, -0.5, -0.99, -1, 1.9, 0x1p31 - 1, 0x1p31 - 0.5, 0x1p31, -0x1p31, -0x1p31 - 0.5, -0x1p31 - 1,
            0x1p32 - 1, 0x1p32, 0x1p63, -0x1p63, 0x1p63 - 1024, 0x1p64, 0x1p64 - 2048, -0x1p63 - 2048, 1e300,
            -.infinity, .infinity, .nan, -.nan,
        ]
        var calls: [(String, [Value])] = []
        for name in truncations + saturating {
            let fromSingle = name.hasSuffix("f32_s") || name.hasSuffix("f32_u")
            for value in doubles {
                calls.append((name, [fromSingle ? .f32(bits: Float(value).bitPattern) : .f64(bits: value.bitPattern)]))
            }
            if fromSingle {
                calls.append((name, [.f32(bits: Float(0x1p31).nextDown.bitPattern)]))
                calls.append((name, [.f32(bits: Float(-0x1p31).nextDown.bitPattern)]))
            }
        }
        let integers: [UInt64] = [0, 1, 1 << 53 + 1, UInt64(Int64.max), 1 << 63, 1 << 63 + 1, 1 << 63 + 1 << 40 + 1, .max]
        for value in integers {
            calls.append(("f32.convert_i64_u", [.i64(value)]))
            calls.append(("f64.convert_i64_u", [.i64(value)]))
        }
        try Self.expectSameOutcome(text, calls)
    }

    /// More live values than registers, integers and floats, across calls of wasm, of Swift and through a table,
    /// in a loop long enough to refuel: each value keeps what it had.
    @Test func valuesInRegistersSurviveCalls() throws {
        let text = """
            (module
              (import "host" "add" (func $add (param i32 i32) (result i32)))
              (type $unary (func (param i32) (result i32)))
              (table funcref (elem $twice))
              (func $twice (param i32) (result i32) (local f64 f64 i64) (i32.shl (local.get 0) (i32.const 1)))
              (func (export "mix") (param $n i32) (result i64)
                (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $f i32) (local $g i32)
                (local $h i32) (local $x f64) (local $y f64) (local $z f32) (local $i i32)
                (local.set $x (f64.const 0.5)) (local.set $z (f32.const 1.5))
                (loop $again
                  (local.set $a (i32.add (local.get $a) (local.get $i)))
                  (local.set $b (call $add (local.get $b) (local.get $a)))
                  (local.set $c (i32.xor (local.get $c) (call_indirect (type $unary) (local.get $i) (i32.const 0))))
                  (local.set $d (i32.add (local.get $d) (local.get $c)))
                  (local.set $e (i32.sub (local.get $e) (local.get $b)))
                  (local.set $f (i32.add (local.get $f) (i32.mul (local.get $a) (local.get $d))))
                  (local.set $g (i32.rotl (local.get $g) (local.get $e)))
                  (local.set $h (i32.add (local.get $h) (local.get $g)))
                  (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 1.0001)) (f64.convert_i32_s (local.get $h))))
                  (local.set $y (f64.sub (local.get $y) (local.get $x)))
                  (local.set $z (f32.mul (local.get $z) (f32.const 0.999)))
                  (br_if $again (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
                (i64.add
                  (i64.extend_i32_u (i32.add (i32.add (local.get $a) (local.get $b)) (i32.add (local.get $c) (local.get $d))))
                  (i64.add (i64.extend_i32_u (i32.add (i32.add (local.get $e) (local.get $f)) (i32.add (local.get $g) (local.get $h))))
                    (i64.add (i64.reinterpret_f64 (local.get $y)) (i64.extend_i32_u (i32.reinterpret_f32 (local.get $z))))))))
            """
        try Self.expectSameOutcome(text, [("mix", [.i32(0)]), ("mix", [.i32(1)]), ("mix", [.i32(100_000)])])
        // With fuel, the loop refuels many times on the way.
        let store = Self.store(.compiler, fuel: 10_000_000)
        let instance = try SIMDExecutionTests.instantiate(text, in: store, imports: Self.hostImports(in: store))
        let expected = try Self.outcome(text, "mix", [.i32(100_000)], tier: .interpreter).get()
        #expect(try SIMDExecutionTests.call(instance, "mix", in: store, [.i32(100_000)]) == expected)
    }

    /// Runaway recursion traps "call stack exhausted" within the configured depth, without overflowing the thread's
    /// stack (each machine code call takes 8 bytes of it).
    @Test func deepRecursionTraps() throws {
        let text = """
            (module (func $down (export "down") (param i32) (result i32)
              (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
                (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1))))))))
            """
        let store = Self.store(.compiler, maxCallDepth: 1000)
        let instance = try SIMDExecutionTests.instantiate(text, in: store)
        #expect(try SIMDExecutionTests.call(instance, "down", in: store, [.i32(500)]) == [.i32(500)])
        #expect(trapReason { try SIMDExecutionTests.call(instance, "down", in: store, [.i32(5000)]) } == .callStackExhausted)
        // The store is usable after the trap.
        #expect(try SIMDExecutionTests.call(instance, "down", in: store, [.i32(10)]) == [.i32(10)])
    }

    /// Fuel runs out in a machine code loop, and the interruption flag stops one.
    @Test func fuelAndInterruptionStopLoops() throws {
        let text = #"(module (func (export "spin") (loop $again (br $again))))"#
        let fueled = Self.store(.compiler, fuel: 1_000_000)
        let instance = try SIMDExecutionTests.instantiate(text, in: fueled)
        #expect(trapReason { try SIMDExecutionTests.call(instance, "spin", in: fueled) } == .outOfFuel)

        let interrupted = Self.store(.compiler)
        let spinning = try SIMDExecutionTests.instantiate(text, in: interrupted)
        let handle = interrupted.interruptHandle
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { handle.flag.store(true, ordering: .relaxed) }
        #expect(trapReason { try SIMDExecutionTests.call(spinning, "spin", in: interrupted) } == .interrupted)
    }

    /// Whether function `index` of `instance` has machine code of its own (not a stub), and whether it has a stub.
    static func machineCodeState(_ index: Int, of instance: Instance, in store: Store) -> (compiled: Bool, stub: Bool) {
        let record = store.instances[instance.index]
        let code = record.pointee.functions[index].pointee.machineCode
        guard let shared = store.sharedMachineCode(of: record) else { return (false, false) }
        let isStub = code == shared.compileStub || code == shared.interpretStub
        return (code != nil && !isStub, isStub)
    }

    /// A function gets machine code at its first call, together with the functions it calls directly; one reached
    /// only through a table waits for its own first call, and one never called never gets any.
    @Test func functionsAreCompiledAtTheirFirstCall() throws {
        let text = """
            (module
              (type $unary (func (param i32) (result i32)))
              (table funcref (elem $viaTable))
              (func $square (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
              (func $viaTable (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
              (func $never (param i32) (result i32) (local.get 0))
              (func (export "direct") (param i32) (result i32) (call $square (local.get 0)))
              (func (export "indirect") (param i32) (result i32)
                (call_indirect (type $unary) (local.get 0) (i32.const 0))))
            """
        let store = Self.store(.compiler)
        let instance = try SIMDExecutionTests.instantiate(text, in: store)
        func compiled() -> [Bool] { (0..<5).map { Self.machineCodeState($0, of: instance, in: store).compiled } }
        #expect(try SIMDExecutionTests.call(instance, "direct", in: store, [.i32(7)]) == [.i32(49)])
        #expect(compiled() == [true, false, false, true, false])
        #expect(try SIMDExecutionTests.call(instance, "indirect", in: store, [.i32(7)]) == [.i32(8)])
        #expect(compiled() == [true, true, false, true, true])
        #expect(Self.machineCodeState(2, of: instance, in: store).stub)
    }

    /// A call graph larger than one compilation's share is compiled in several, each calling into the next through
    /// records that start as compile stubs, and computes what the interpreter computes.
    @Test func aLargeCallGraphIsCompiledInSeveralBatches() throws {
        // Each function takes at least two internal instructions (its call or constant and its return).
        let count = Store.machineCodeBatchInstructions / 2 + 100
        var text = "(module\n"
        for index in 0..<count - 1 {
            text += "(func $f\(index) (param i32) (result i32) (i32.add (call $f\(index + 1) (local.get 0)) (i32.const 1)))\n"
        }
        text += "(func $f\(count - 1) (param i32) (result i32) (local.get 0))\n"
        text += #"(export "chain" (func $f0)))"#
        var configuration = Store.Configuration()
        configuration.tier = .compiler
        configuration.maxCallDepth = 2 * count
        let store = Store(configuration: configuration)
        let instance = try SIMDExecutionTests.instantiate(text, in: store)
        #expect(try SIMDExecutionTests.call(instance, "chain", in: store, [.i32(5)]) == [.i32(UInt32(count - 1 + 5))])
        #expect((0..<count).allSatisfy { Self.machineCodeState($0, of: instance, in: store).compiled })
        // The shared code and at least two batches.
        #expect(store.machineCodePages.count >= 3)
    }

    /// A function whose translation fails at its first call (its body was claimed valid by a module cache, and is
    /// not) runs in the interpreter, which reports the failure as it would without machine code; the others are
    /// compiled.
    @Test func aFunctionThatCannotBeCompiledFailsAsInTheInterpreter() throws {
        // "ok" returns i32 42; "bad" returns an i64 where its type says i32.
        let bytes: [UInt8] = [
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
            0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7F,
            0x03, 0x03, 0x02, 0x00, 0x00,
            0x07, 0x0C, 0x02, 0x02, 0x6F, 0x6B, 0x00, 0x00, 0x03, 0x62, 0x61, 0x64, 0x00, 0x01,
            0x0A, 0x0B, 0x02, 0x04, 0x00, 0x41, 0x2A, 0x0B, 0x04, 0x00, 0x42, 0x01, 0x0B,
        ]
        var reasons: [String] = []
        for tier in [ExecutionTier.interpreter, .compiler] {
            let store = Self.store(tier)
            let instance = try store.instantiate(
                try Module(bytes: ModuleBytes(copying: bytes), bodies: .alreadyValidated), imports: Imports())
            #expect(try SIMDExecutionTests.call(instance, "ok", in: store) == [.i32(42)])
            #expect(Self.machineCodeState(0, of: instance, in: store).compiled == (tier == .compiler))
            #expect(throws: Trap.self) { try SIMDExecutionTests.call(instance, "bad", in: store) }
            do { _ = try SIMDExecutionTests.call(instance, "bad", in: store) } catch { reasons.append("\(error)") }
        }
        #expect(reasons.count == 2 && reasons[0] == reasons[1] && reasons[0].contains("cannot be translated"), "\(reasons)")
    }

    /// Every defined function gets machine code when the tier is on, none when it is off.
    @Test func theTierDecidesWhetherFunctionsGetMachineCode() throws {
        let text = #"(module (func (export "f") (result i32) (i32.const 1)))"#
        for tier in [ExecutionTier.interpreter, .compiler] {
            let store = Self.store(tier)
            let instance = try SIMDExecutionTests.instantiate(text, in: store)
            #expect(try SIMDExecutionTests.call(instance, "f", in: store) == [.i32(1)])
            #expect(Self.machineCodeState(0, of: instance, in: store).compiled == (tier == .compiler))
        }
    }
}
