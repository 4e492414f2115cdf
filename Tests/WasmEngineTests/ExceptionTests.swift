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
              (func (export "direct") (param i32) (result i64)
                (block $h (result i32 i64)
                  (try_table (catch $e $h) (call $throw (local.get 0)))
                  (unreachable))
                (i64.extend_i32_u (i32.load8_u (i32.const 8)))
                (i64.add)
                (i64.add (i64.extend_i32_u)))
              (func (export "indirect") (param i32) (result i32)
                (block $h (result i32 i64)
                  (try_table (catch $e $h) (call_indirect (type $t) (local.get 0) (i32.const 0)))
                  (unreachable))
                (drop)
                (i32.add (memory.size)))
              (func (export "other") (result i32)
                (block $h
                  (try_table (catch $e $h) (call $throwOther))
                  (return (i32.const 0)))
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
                store.makeHostFunction(type: FuncType(parameters: [.i32], results: [])) { caller, arguments in
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
}
