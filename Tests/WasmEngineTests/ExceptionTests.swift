import Testing
@testable import WasmEngine

/// Exception handling where the spec scripts leave it open: the uncaught exception's error, tags and exceptions
/// crossing instances and host functions, the interpreter's state after a catch, and snapshots of exnref state.
@Suite struct ExceptionTests {
    typealias Helpers = SIMDExecutionTests

    @Test func anUncaughtExceptionEndsTheCallWithItsOwnErrorNamingTheTag() throws {
        let store = Store()
        let instance = try Helpers.instantiate(
            """
            (module
              (tag $boom (export "boom") (param i32))
              (tag $quiet)
              (func (export "throw-named") (throw $boom (i32.const 7)))
              (func (export "throw-unnamed") (throw $quiet))
              (func (export "trap") (unreachable)))
            """, in: store)
        let named = #expect(throws: Trap.self) { try Helpers.call(instance, "throw-named", in: store, []) }
        #expect(named?.reason == .uncaughtException("uncaught wasm exception: tag \"boom\""))
        #expect(named?.reason.isUncaughtException == true)
        let unnamed = #expect(throws: Trap.self) { try Helpers.call(instance, "throw-unnamed", in: store, []) }
        #expect(unnamed?.reason == .uncaughtException("uncaught wasm exception: a tag its module does not export"))
        let trap = #expect(throws: Trap.self) { try Helpers.call(instance, "trap", in: store, []) }
        #expect(trap?.reason == .unreachable)
        #expect(trap?.reason.isUncaughtException == false)
    }

    @Test func aNullThrowRefTraps() throws {
        let store = Store()
        let instance = try Helpers.instantiate(
            #"(module (func (export "f") (throw_ref (ref.null exn))))"#, in: store)
        let trap = #expect(throws: Trap.self) { try Helpers.call(instance, "f", in: store, []) }
        #expect(trap?.reason.message == "null exception reference")
    }

    /// Module `thrower` defines the tag and throws it (directly, and from a function reached through a table);
    /// `catcher` imports both and catches across the instance boundary, by tag identity.
    @Test func exceptionsCrossInstancesByTagIdentity() throws {
        let store = Store()
        let thrower = try Helpers.instantiate(
            """
            (module
              (tag $e (export "e") (param i32 i64))
              (tag $other (export "other") (param i32 i64))
              (memory (export "memory") 1)
              (table (export "table") 1 funcref)
              (elem (i32.const 0) $throw)
              (func $throw (export "throw") (param i32)
                (drop (memory.grow (i32.const 3)))
                (throw $e (local.get 0) (i64.const 100)))
              (func (export "throw-other") (throw $other (i32.const 1) (i64.const 2))))
            """, in: store)
        var imports = Imports()
        for (name, value) in thrower.exports { imports.define(module: "thrower", name: name, value) }
        let catcher = try Helpers.instantiate(
            """
            (module
              (import "thrower" "e" (tag $e (param i32 i64)))
              (import "thrower" "throw" (func $throw (param i32)))
              (import "thrower" "throw-other" (func $throwOther))
              (import "thrower" "table" (table 1 funcref))
              (type $t (func (param i32)))
              (memory 1)
              (data (i32.const 8) "\\2a")
              (func (export "direct") (param i32) (result i64) (local $x i32) (local $y i64)
                (block $h (result i32 i64)
                  (try_table (catch $e $h) (call $throw (local.get 0)))
                  (unreachable))
                (local.set $y)
                (local.set $x)
                (i64.add (i64.add (i64.extend_i32_u (local.get $x)) (local.get $y))
                  (i64.extend_i32_u (i32.load8_u (i32.const 8)))))
              (func (export "indirect") (param i32) (result i32)
                (block $h (result i32 i64)
                  (try_table (catch $e $h) (call_indirect (type $t) (local.get 0) (i32.const 0)))
                  (unreachable))
                (drop)
                (i32.add (memory.size)))
              (func (export "other") (result i32)
                (block $h (result i32 i64)
                  (try_table (catch $e $h) (call $throwOther))
                  (return (i32.const 0)))
                (drop)
                (drop)
                (i32.const 1)))
            """, in: store, imports: imports)
        // 5 + 100 + the catcher's own byte 42: its memory, not the thrower's (grown, so moved), after the catch.
        #expect(try Helpers.call(catcher, "direct", in: store, [.i32(5)]) == [.i64(147)])
        #expect(try Helpers.call(catcher, "indirect", in: store, [.i32(9)]) == [.i32(10)])
        let other = #expect(throws: Trap.self) { try Helpers.call(catcher, "other", in: store, []) }
        #expect(other?.reason == .uncaughtException("uncaught wasm exception: tag \"other\""))
    }

    /// An exception thrown `depth` calls deep and caught at the top, a thousand times: each catch must leave the call
    /// depth where the catching function had it (else the call stack would be exhausted), and fuel keeps counting.
    @Test func catchesRestoreTheCallDepthAndFuelKeepsCounting() throws {
        var configuration = Store.Configuration()
        configuration.maxCallDepth = 200
        configuration.fuel = 10_000_000
        let store = Store(configuration: configuration)
        let instance = try Helpers.instantiate(
            """
            (module
              (tag $e (param i32))
              (func $dive (param i32)
                (if (i32.eqz (local.get 0)) (then (throw $e (i32.const 1))))
                (call $dive (i32.sub (local.get 0) (i32.const 1))))
              (func (export "run") (param i32) (result i32) (local $sum i32)
                (loop $again
                  (block $h (result i32)
                    (try_table (catch $e $h) (call $dive (i32.const 150)))
                    (unreachable))
                  (local.set $sum (i32.add (local.get $sum)))
                  (br_if $again (i32.ne (local.get $sum) (local.get 0))))
                (local.get $sum)))
            """, in: store)
        #expect(try Helpers.call(instance, "run", in: store, [.i32(1000)]) == [.i32(1000)])
        let spent = 10_000_000 - (store.remainingFuel ?? 0)
        #expect(spent > 150_000, "fuel spent: \(spent)")
    }

    /// wasm → host function → wasm that throws: the exception unwinds on through the outer run, where it is caught.
    @Test func anExceptionUnwindsThroughAHostFunction() throws {
        let store = Store()
        let inner = try Helpers.instantiate(
            """
            (module
              (tag $e (export "e") (param i32))
              (func (export "throw") (param i32) (throw $e (local.get 0))))
            """, in: store)
        guard case .function(let throwFunction)? = inner.export("throw"), case .tag(let tag)? = inner.export("e") else {
            throw Helpers.TestFailure("missing exports")
        }
        var imports = Imports()
        imports.define(module: "inner", name: "e", .tag(tag))
        imports.define(
            module: "host", name: "relay",
            .function(
                store.makeHostFunction(type: FuncType(parameters: [.i32], results: [])) { (caller, arguments) throws(Trap) in
                    try caller.store.invoke(throwFunction, arguments)
                }))
        let outer = try Helpers.instantiate(
            """
            (module
              (import "inner" "e" (tag $e (param i32)))
              (import "host" "relay" (func $relay (param i32)))
              (func (export "f") (result i32)
                (block $h (result i32)
                  (try_table (catch $e $h) (call $relay (i32.const 31)))
                  (unreachable))
                (i32.add (i32.const 11))))
            """, in: store, imports: imports)
        #expect(try Helpers.call(outer, "f", in: store, []) == [.i32(42)])
    }

    @Test func anExnrefCaughtWithItsReferenceIsRethrownAndSeenByTheHost() throws {
        let store = Store()
        let instance = try Helpers.instantiate(
            """
            (module
              (tag $e (param i32 f64))
              (func (export "catch") (result exnref)
                (block $h (result i32 f64 exnref)
                  (try_table (catch_ref $e $h) (throw $e (i32.const 3) (f64.const 0.5)))
                  (unreachable))
                (return))
              (func (export "rethrow") (param exnref) (result i32)
                (block $h (result i32 f64)
                  (try_table (catch $e $h) (throw_ref (local.get 0)))
                  (unreachable))
                (i32.add (i32.trunc_f64_s (f64.mul (f64.const 4))))))
            """, in: store)
        let caught = try Helpers.call(instance, "catch", in: store, [])
        guard case .exnref(let exception?)? = caught.first else { throw Helpers.TestFailure("\(caught)") }
        #expect(store.payload(of: exception) == [.i32(3), .f64(bits: (0.5 as Double).bitPattern)])
        #expect(try Helpers.call(instance, "rethrow", in: store, caught) == [.i32(5)])
    }

    @Test func snapshotsRefuseExnrefState() throws {
        let store = Store()
        let global = try Helpers.instantiate(#"(module (global (mut exnref) (ref.null exn)))"#, in: store)
        #expect(throws: SnapshotError.unsupportedState("global 0 holds exnrefs, which snapshots do not record")) {
            try store.snapshot(of: global)
        }
        let table = try Helpers.instantiate(#"(module (table 1 exnref))"#, in: store)
        #expect(throws: SnapshotError.unsupportedState("table 0 holds exnrefs, which snapshots do not record")) {
            try store.snapshot(of: table)
        }
    }

    @Test func modulesThatUseExceptionsSayTheyDo() throws {
        let plain = try Module(bytes: try Helpers.assemble(#"(module (func (drop (i32.const 1))))"#))
        #expect(!plain.requiredFeatures.contains(.exceptions))
        for text in [
            #"(module (tag))"#, #"(module (func (local exnref)))"#,
            #"(module (func (block $h (try_table (catch_all $h)))))"#,
        ] {
            let module = try Module(bytes: try Helpers.assemble(text))
            #expect(module.requiredFeatures.contains(.exceptions), "\(text)")
        }
    }

    /// The legacy instructions (which current C++ toolchains still emit), in hand-assembled bodies: wasm-tools no
    /// longer reads their text.
    @Test func legacyTryCatchRethrowAndDelegate() throws {
        let i32 = UInt8(ValueType.i32.rawValue)
        // Types: 0 [] -> [], 1 [i32] -> [], 2 [i32] -> [i32], 3 [i32 i32] -> [i32].
        let types = vector(
            functionType([], []), functionType([.i32], []), functionType([.i32], [.i32]),
            functionType([.i32, .i32], [.i32]))
        let bodies: [(name: String, type: UInt8, code: [UInt8])] = [
            // 100 + (try (result i32) (throw $e (local.get 0)) (catch $e (i32.add (i32.const 1))))
            ("catch", 2, [0x41, 0xE4, 0x00, 0x06, i32, 0x20, 0x00, 0x08, 0x00, 0x07, 0x00, 0x41, 0x01, 0x6A, 0x0B, 0x6A]),
            // (try (result i32) (try (result i32) (throw $e (local.get 0)) (catch_all (rethrow 0)))
            //   (catch $e (i32.add (i32.const 2))))
            ("rethrow", 2, [0x06, i32, 0x06, i32, 0x20, 0x00, 0x08, 0x00, 0x19, 0x09, 0x00, 0x0B, 0x07, 0x00, 0x41, 0x02,
                0x6A, 0x0B]),
            // (try (result i32) (try (result i32) (throw $e (local.get 0)) (delegate 0)) (catch $e (i32.add (i32.const 3))))
            ("delegate", 2, [0x06, i32, 0x06, i32, 0x20, 0x00, 0x08, 0x00, 0x18, 0x00, 0x07, 0x00, 0x41, 0x03, 0x6A, 0x0B]),
            // (block (try (throw $e (local.get 0)) (delegate 1))): to the caller.
            ("delegate-to-caller", 1, [0x02, 0x40, 0x06, 0x40, 0x20, 0x00, 0x08, 0x00, 0x18, 0x01, 0x0B]),
            // (try (result i32) (call 3 (local.get 0)) (i32.const 0) (catch $e (i32.add (i32.const 4))))
            ("caller-catches", 2, [0x06, i32, 0x20, 0x00, 0x10, 0x03, 0x41, 0x00, 0x07, 0x00, 0x41, 0x04, 0x6A, 0x0B]),
            // (try (try (try (throw $e (local.get 0)) (delegate 1)) (catch $e (unreachable))) (catch $e (drop))):
            // the delegate skips the middle try.
            ("delegate-skips", 1, [0x06, 0x40, 0x06, 0x40, 0x06, 0x40, 0x20, 0x00, 0x08, 0x00, 0x18, 0x01, 0x07, 0x00,
                0x1A, 0x00, 0x0B, 0x07, 0x00, 0x1A, 0x0B]),
            // (local.get 0) (i32.const 5) (try (param i32 i32) (result i32) (throw $e (i32.add)) (catch $e))
            ("parameters", 2, [0x20, 0x00, 0x41, 0x05, 0x06, 0x03, 0x6A, 0x08, 0x00, 0x07, 0x00, 0x0B]),
            // (try (throw $other) (catch $e (drop)) (catch_all)) then 7: a catch_all after a catch that does not match.
            ("catch-all", 2, [0x06, 0x40, 0x08, 0x01, 0x07, 0x00, 0x1A, 0x19, 0x0B, 0x41, 0x07]),
        ]
        let count = encodeU32(UInt32(bodies.count))
        let module = wasmModule(
            (.type, types), (.function, count + bodies.map { $0.type }),
            (.tag, vector([0x00, 0x01], [0x00, 0x00])),
            (.export, count + bodies.enumerated().flatMap { name($1.name) + [0x00] + encodeU32(UInt32($0)) }),
            (.code, count + bodies.flatMap { encodeU32(UInt32($0.code.count + 2)) + [0x00] + $0.code + [0x0B] }))
        // The validator and the translator agree on these bodies and on mutated copies of them.
        var random = SplitMix64(seed: 0xE4)
        var tally = ValidatorAgreementTests.Tally()
        ValidatorAgreementTests.compare(
            try #require(ModuleBodies(module)), location: "legacy", mutants: 200, random: &random, tally: &tally)
        let store = Store()
        let instance = try store.instantiate(try Module(bytes: module), imports: Imports())
        #expect(try Helpers.call(instance, "catch", in: store, [.i32(41)]) == [.i32(142)])
        #expect(try Helpers.call(instance, "rethrow", in: store, [.i32(41)]) == [.i32(43)])
        #expect(try Helpers.call(instance, "delegate", in: store, [.i32(41)]) == [.i32(44)])
        #expect(throws: Trap.self) { try Helpers.call(instance, "delegate-to-caller", in: store, [.i32(41)]) }
        #expect(try Helpers.call(instance, "caller-catches", in: store, [.i32(41)]) == [.i32(45)])
        #expect(try Helpers.call(instance, "delegate-skips", in: store, [.i32(41)]) == [])
        #expect(try Helpers.call(instance, "parameters", in: store, [.i32(41)]) == [.i32(46)])
        #expect(try Helpers.call(instance, "catch-all", in: store, [.i32(41)]) == [.i32(7)])
    }
}
