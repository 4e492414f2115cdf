import Foundation
import Testing
@testable import WasmEngine

/// Tail calls (`return_call`, `return_call_indirect`): chains of any length run in constant space, whatever the callee
/// (in the module, through a table, in another instance, a host function), and stay interruptible; and extended
/// constant expressions. The spec scripts pin down the values; these pin down the limits.
@Suite struct TailCallTests {
    /// A store whose call depth is tiny: any tail call that pushed a frame would exhaust it at once.
    static func shallowStore(fuel: UInt64? = nil) -> Store {
        var configuration = Store.Configuration()
        configuration.maxCallDepth = 16
        configuration.fuel = fuel
        return Store(configuration: configuration)
    }

    static func instantiate(_ text: String, in store: Store, imports: Imports = Imports()) throws -> Instance {
        try SIMDExecutionTests.instantiate(text, in: store, imports: imports)
    }

    static func call(_ instance: Instance, _ name: String, in store: Store, _ arguments: [Value] = []) throws -> [Value] {
        try SIMDExecutionTests.call(instance, name, in: store, arguments)
    }

    static let countdown = """
        (module
          (type $step (func (param i64 i64) (result i64)))
          (table funcref (elem $even $odd))
          (func $count (export "count") (param $n i64) (param $total i64) (result i64)
            (if (result i64) (i64.eqz (local.get $n)) (then (local.get $total))
              (else (return_call $count (i64.sub (local.get $n) (i64.const 1)) (i64.add (local.get $total) (i64.const 2))))))
          (func $even (export "even") (param $n i64) (param $unused i64) (result i64)
            (if (result i64) (i64.eqz (local.get $n)) (then (i64.const 1))
              (else (return_call_indirect (type $step) (i64.sub (local.get $n) (i64.const 1)) (local.get $unused) (i32.const 1)))))
          (func $odd (param $n i64) (param $unused i64) (result i64)
            (if (result i64) (i64.eqz (local.get $n)) (then (i64.const 0))
              (else (return_call_indirect (type $step) (i64.sub (local.get $n) (i64.const 1)) (local.get $unused) (i32.const 0)))))
          (func $spin (export "spin") (param $n i64) (param $total i64) (result i64)
            (return_call $spin (local.get $n) (local.get $total)))
          (func (export "nested") (param $n i64) (result i64)
            (call $count (local.get $n) (i64.const 0)))
        )
        """

    @Test func directTailRecursionRunsInConstantSpace() throws {
        let store = Self.shallowStore()
        let instance = try Self.instantiate(Self.countdown, in: store)
        #expect(try Self.call(instance, "count", in: store, [.i64(3_000_000), .i64(0)]) == [.i64(6_000_000)])
        // Under a normal call, the chain returns to its caller.
        #expect(try Self.call(instance, "nested", in: store, [.i64(100_000)]) == [.i64(200_000)])
    }

    @Test func mutualTailRecursionThroughATable() throws {
        let store = Self.shallowStore()
        let instance = try Self.instantiate(Self.countdown, in: store)
        #expect(try Self.call(instance, "even", in: store, [.i64(2_000_000), .i64(0)]) == [.i64(1)])
        #expect(try Self.call(instance, "even", in: store, [.i64(2_000_001), .i64(0)]) == [.i64(0)])
    }

    @Test func tailRecursionAcrossInstances() throws {
        let store = Self.shallowStore()
        let table = store.makeTable(type: TableType(elementType: .funcref, limits: Limits(min: 1, max: nil)), initialValue: .funcref(nil))
        var imports = Imports()
        imports.define(module: "host", name: "table", .table(table))
        // `pong` reaches `ping` through the table, `ping` reaches `pong` as an import: each call leaves its instance.
        let pongs = try Self.instantiate(
            """
            (module
              (import "host" "table" (table 1 funcref))
              (func (export "pong") (param i32) (result i32)
                (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 7))
                  (else (return_call_indirect (param i32) (result i32) (i32.sub (local.get 0) (i32.const 1)) (i32.const 0))))))
            """, in: store, imports: imports)
        imports.define(module: "pongs", name: "pong", try #require(pongs.export("pong")))
        let pings = try Self.instantiate(
            """
            (module
              (import "host" "table" (table 1 funcref))
              (import "pongs" "pong" (func $pong (param i32) (result i32)))
              (memory 1)
              (elem (i32.const 0) $ping)
              (func $ping (export "ping") (param i32) (result i32)
                (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 9))
                  (else (return_call $pong (i32.sub (local.get 0) (i32.const 1)))))))
            """, in: store, imports: imports)
        #expect(try Self.call(pings, "ping", in: store, [.i32(1_000_000)]) == [.i32(9)])
        #expect(try Self.call(pings, "ping", in: store, [.i32(1_000_001)]) == [.i32(7)])
    }

    @Test func tailCallsOfHostFunctionsReturnTheirResults() throws {
        let store = Self.shallowStore()
        var calls = 0
        let host = store.makeHostFunction(type: .of([.i32], [.i32])) { _, arguments in
            calls += 1
            guard case .i32(let value) = arguments[0] else { return [] }
            return [.i32(value + 100)]
        }
        var imports = Imports()
        imports.define(module: "env", name: "add100", .function(host))
        let instance = try Self.instantiate(
            """
            (module
              (import "env" "add100" (func $add100 (param i32) (result i32)))
              (type $unary (func (param i32) (result i32)))
              (table funcref (elem $add100))
              (func $down (export "down") (param i32) (result i32)
                (if (result i32) (i32.eqz (local.get 0))
                  (then (return_call $add100 (i32.const 5)))
                  (else (return_call $down (i32.sub (local.get 0) (i32.const 1))))))
              (func (export "indirect") (param i32) (result i32)
                (return_call_indirect (type $unary) (local.get 0) (i32.const 0)))
              (func (export "nested") (param i32) (result i32)
                (i32.add (call $down (local.get 0)) (i32.const 1))))
            """, in: store, imports: imports)
        #expect(try Self.call(instance, "down", in: store, [.i32(500_000)]) == [.i32(105)])
        #expect(try Self.call(instance, "indirect", in: store, [.i32(1)]) == [.i32(101)])
        #expect(try Self.call(instance, "nested", in: store, [.i32(10)]) == [.i32(106)])
        #expect(calls == 3)
    }

    @Test func argumentsMoveIntoALargerFrame() throws {
        let store = Store()
        // The callee has more parameters than the caller's frame has slots, and locals past the four every call zeroes.
        let instance = try Self.instantiate(
            """
            (module
              (func $wide (param i32 i32 i32 i32 i32 i32 v128) (result i32)
                (local i32 i32 i32 i32 i32 i32)
                (i32.add (i32.add (i32.add (local.get 0) (local.get 5)) (i32x4.extract_lane 3 (local.get 6)))
                  (i32.add (local.get 7) (local.get 12))))
              (func (export "swap") (param i32 i32) (result i32)
                (return_call $wide (local.get 1) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (local.get 0)
                  (v128.const i32x4 0 0 0 1000))))
            """, in: store)
        #expect(try Self.call(instance, "swap", in: store, [.i32(1), .i32(20)]) == [.i32(1021)])
    }

    @Test func fuelAndInterruptionStopATailCallLoop() throws {
        let store = Self.shallowStore(fuel: 1_000_000)
        let instance = try Self.instantiate(Self.countdown, in: store)
        #expect(trapReason { try Self.call(instance, "spin", in: store, [.i64(0), .i64(0)]) } == .outOfFuel)

        // Fuel bounds the test if the interruption never arrives: it then fails instead of hanging.
        store.remainingFuel = 20_000_000_000
        let handle = store.interruptHandle
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.05)
            handle.interrupt()
        }
        #expect(trapReason { try Self.call(instance, "spin", in: store, [.i64(0), .i64(0)]) } == .interrupted)
    }

    @Test func aTailCallMustReturnWhatItsCallerReturns() throws {
        for body in [
            "(func $f (result i64) (i64.const 1)) (func (result i32) (return_call $f))",
            "(type $t (func (result i64))) (table 1 funcref) (func (result i32) (return_call_indirect (type $t) (i32.const 0)))",
        ] {
            #expect(throws: ModuleError.self) { try Module(bytes: try SIMDExecutionTests.assemble("(module \(body))")) }
        }
        // The code after a tail call is unreachable, as after `return`.
        #expect(try RequiredFeaturesTests.features(of: "(module (func $f (result i32) (return_call $f) (i64.const 0) (drop)))") == .tailCall)
    }

    @Test func extendedConstantExpressions() throws {
        let store = Store()
        let global = store.makeGlobal(type: GlobalType(valueType: .i32, isMutable: false), value: .i32(6))
        var imports = Imports()
        imports.define(module: "env", name: "six", .global(global))
        let instance = try Self.instantiate(
            """
            (module
              (import "env" "six" (global $six i32))
              (global $seven i32 (i32.add (global.get $six) (i32.const 1)))
              (global (export "product") i32 (i32.mul (global.get $seven) (i32.sub (global.get $six) (i32.const 8))))
              (global (export "wrapped") i64 (i64.mul (i64.const 0x4000000000000000) (i64.const 4)))
              (global (export "wrapped32") i32 (i32.add (i32.const 0x7fffffff) (i32.const 2)))
              (memory 1)
              (data (i32.mul (global.get $seven) (i32.const 2)) "\\2a")
              (func (export "byte") (result i32) (i32.load8_u (i32.const 14))))
            """, in: store, imports: imports)
        func value(_ name: String) throws -> Value {
            guard case .global(let global)? = instance.export(name) else { throw SIMDExecutionTests.TestFailure("no \(name)") }
            return store.value(of: global)
        }
        #expect(try value("product") == .i32(UInt32(bitPattern: -14)))
        #expect(try value("wrapped") == .i64(0))
        #expect(try value("wrapped32") == .i32(0x8000_0001))
        #expect(try Self.call(instance, "byte", in: store) == [.i32(42)])
        #expect(try RequiredFeaturesTests.features(of: "(module (global i32 (i32.const 1)) (global i32 (global.get 0)))") == .extendedConstant)
        #expect(try RequiredFeaturesTests.features(of: "(module (global i64 (i64.sub (i64.const 1) (i64.const 2))))") == .extendedConstant)
        #expect(try RequiredFeaturesTests.features(of: "(module (import \"a\" \"b\" (global i32)) (global i32 (global.get 0)))") == [])
        // Operands must have the operation's type; a mutable global is not constant.
        for text in [
            "(module (global i32 (i32.add (i64.const 1) (i32.const 2))))",
            "(module (global i64 (i32.add (i32.const 1) (i32.const 2))))",
            "(module (global $g (mut i32) (i32.const 1)) (global i32 (global.get $g)))",
            "(module (global i32 (global.get 1)) (global i32 (i32.const 1)))",
        ] {
            #expect(throws: ModuleError.self) { try Module(bytes: try SIMDExecutionTests.assemble(text)) }
        }
    }
}
