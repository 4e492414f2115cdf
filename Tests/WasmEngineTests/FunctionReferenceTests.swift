import Foundation
import Testing
@testable import WasmEngine

/// Typed function references: what the spec scripts leave open. Traps' messages, tail calls through references in
/// constant space, the feature a module is recorded to use, equivalent types across modules (a store type id, not a
/// module's type index), and the host's arguments checked against concrete reference types.
@Suite struct FunctionReferenceTests {
    static let calls = """
        (module
          (type $unary (func (param i32) (result i32)))
          (type $step (func (param i64 i64) (result i64)))
          (func $double (type $unary) (i32.mul (local.get 0) (i32.const 2)))
          (elem declare func $double $count)
          (func (export "call") (param i32) (result i32)
            (call_ref $unary (local.get 0) (ref.func $double)))
          (func (export "call-null") (param i32) (result i32)
            (call_ref $unary (local.get 0) (ref.null $unary)))
          (func (export "as-non-null") (result i32)
            (drop (ref.as_non_null (ref.null func))) (i32.const 1))
          (func (export "null-or-double") (param $null i32) (param $x i32) (result i32)
            (local $f (ref null $unary))
            (if (i32.eqz (local.get $null)) (then (local.set $f (ref.func $double))))
            (block $isNull
              (return (call_ref $unary (local.get $x) (br_on_null $isNull (local.get $f)))))
            (i32.const -1))
          (func $count (export "count") (type $step)
            (if (result i64) (i64.eqz (local.get 0)) (then (local.get 1))
              (else (return_call_ref $step (i64.sub (local.get 0) (i64.const 1)) (i64.add (local.get 1) (i64.const 2))
                (ref.func $count)))))
        )
        """

    @Test func callRefCallsThroughATypedReference() throws {
        let store = Store()
        let instance = try TailCallTests.instantiate(Self.calls, in: store)
        #expect(try TailCallTests.call(instance, "call", in: store, [.i32(21)]) == [.i32(42)])
        #expect(try TailCallTests.call(instance, "null-or-double", in: store, [.i32(0), .i32(5)]) == [.i32(10)])
        #expect(try TailCallTests.call(instance, "null-or-double", in: store, [.i32(1), .i32(5)]) == [.i32(UInt32(bitPattern: -1))])
    }

    @Test func nullReferencesTrapWithTheSpecsMessages() throws {
        let store = Store()
        let instance = try TailCallTests.instantiate(Self.calls, in: store)
        #expect(throws: Trap(.nullFunctionReference)) { try TailCallTests.call(instance, "call-null", in: store, [.i32(1)]) }
        #expect(Trap(.nullFunctionReference).reason.message == "null function reference")
        #expect(throws: Trap(.nullReference)) { try TailCallTests.call(instance, "as-non-null", in: store) }
        #expect(Trap(.nullReference).reason.message == "null reference")
        // The store still runs after the traps.
        #expect(try TailCallTests.call(instance, "call", in: store, [.i32(2)]) == [.i32(4)])
    }

    @Test func returnCallRefRunsInConstantSpace() throws {
        let store = TailCallTests.shallowStore()
        let instance = try TailCallTests.instantiate(Self.calls, in: store)
        #expect(try TailCallTests.call(instance, "count", in: store, [.i64(1_000_000), .i64(0)]) == [.i64(2_000_000)])
    }

    @Test func aModuleUsingThemRecordsTheFeature() throws {
        let module = try Module(bytes: try SIMDExecutionTests.assemble(Self.calls))
        #expect(module.requiredFeatures.contains(.functionReferences))
        let plain = try Module(bytes: try SIMDExecutionTests.assemble(
            "(module (table 1 funcref) (func (export \"f\") (result funcref) (ref.null func)))"))
        #expect(!plain.requiredFeatures.contains(.functionReferences))
        // A non-nullable type alone (here a global's) uses the feature.
        let global = try Module(bytes: try SIMDExecutionTests.assemble(
            "(module (func $f) (global (ref func) (ref.func $f)))"))
        #expect(global.requiredFeatures.contains(.functionReferences))
    }

    @Test func aNonNullableLocalMustBeSetBeforeItIsRead() throws {
        func verdict(_ body: String) throws -> ModuleError? {
            let bytes = try SIMDExecutionTests.assemble(
                "(module (type $t (func)) (func $f) (elem declare func $f) (func (local $r (ref $t)) \(body)))")
            do {
                _ = try Module(bytes: bytes)
                return nil
            } catch {
                return error
            }
        }
        #expect(try verdict("(drop (local.get $r))")?.reason == "uninitialized local 0")
        #expect(try verdict("(local.set $r (ref.func $f)) (drop (local.get $r))") == nil)
        // A set inside a block counts until the block's end only.
        #expect(try verdict("(block (local.set $r (ref.func $f))) (drop (local.get $r))")?.reason == "uninitialized local 0")
        #expect(try verdict("(block (local.set $r (ref.func $f)) (drop (local.get $r)))") == nil)
    }

    @Test func equivalentTypesOfTwoModulesMatchAcrossImports() throws {
        let store = Store()
        // The exporter's $unary is its type 1; the importer's, its type 0: they are the same type.
        let exporter = try TailCallTests.instantiate("""
            (module
              (type $other (func))
              (type $unary (func (param i32) (result i32)))
              (func $inc (type $unary) (i32.add (local.get 0) (i32.const 1)))
              (elem declare func $inc)
              (global (export "inc") (ref $unary) (ref.func $inc))
              (func (export "apply") (param (ref $unary)) (param i32) (result i32)
                (call_ref $unary (local.get 1) (local.get 0))))
            """, in: store)
        var imports = Imports()
        for (name, value) in exporter.exports { imports.define(module: "m", name: name, value) }
        let importer = try TailCallTests.instantiate("""
            (module
              (type $unary (func (param i32) (result i32)))
              (import "m" "inc" (global $inc (ref null $unary)))
              (import "m" "apply" (func $apply (param (ref $unary)) (param i32) (result i32)))
              (func (export "twice") (param i32) (result i32)
                (call $apply (ref.as_non_null (global.get $inc)) (call_ref $unary (local.get 0) (global.get $inc)))))
            """, in: store, imports: imports)
        #expect(try TailCallTests.call(importer, "twice", in: store, [.i32(40)]) == [.i32(42)])
        // A global of a different concrete type does not match.
        #expect(throws: InstantiationError.self) {
            try TailCallTests.instantiate(
                "(module (type $t (func)) (import \"m\" \"inc\" (global (ref null $t))))", in: store, imports: imports)
        }
    }

    @Test func theHostsArgumentsAreCheckedAgainstConcreteReferenceTypes() throws {
        let store = Store()
        let instance = try TailCallTests.instantiate("""
            (module
              (type $unary (func (param i32) (result i32)))
              (func $inc (export "inc") (type $unary) (i32.add (local.get 0) (i32.const 1)))
              (func (export "nothing"))
              (func (export "apply") (param (ref $unary)) (param i32) (result i32)
                (call_ref $unary (local.get 1) (local.get 0))))
            """, in: store)
        guard case .function(let inc)? = instance.export("inc"), case .function(let nothing)? = instance.export("nothing")
        else { throw SIMDExecutionTests.TestFailure("no exports") }
        #expect(try TailCallTests.call(instance, "apply", in: store, [.funcref(inc), .i32(1)]) == [.i32(2)])
        for wrong: Value in [.funcref(nothing), .funcref(nil), .externref(nil)] {
            #expect(throws: Trap.self) { try TailCallTests.call(instance, "apply", in: store, [wrong, .i32(1)]) }
        }
    }
}
