import Testing
@testable import WasmEngine

/// GC: what the spec scripts leave open. Snapshots refuse GC state, a GC module falls back to the interpreter under the
/// compiler tier and says why, the feature a module is recorded to use, the reference encoding a host sees, and
/// equivalent recursive types across modules sharing a store type id.
@Suite struct GCTests {
    typealias Helpers = SIMDExecutionTests

    static let points = """
        (module
          (type $point (struct (field $x (mut i32)) (field $y i8)))
          (type $bytes (array (mut i8)))
          (func (export "sum") (param i32 i32) (result i32)
            (local $p (ref $point))
            (local.set $p (struct.new $point (local.get 0) (local.get 1)))
            (struct.set $point $x (local.get $p) (i32.add (struct.get $point $x (local.get $p)) (i32.const 1)))
            (i32.add (struct.get $point $x (local.get $p)) (struct.get_s $point $y (local.get $p))))
          (func (export "bytes") (param i32) (result i32)
            (local $a (ref $bytes))
            (local.set $a (array.new $bytes (i32.const 0xFF) (local.get 0)))
            (array.set $bytes (local.get $a) (i32.const 0) (i32.const 7))
            (i32.add (array.get_u $bytes (local.get $a) (i32.const 0))
              (i32.add (array.get_s $bytes (local.get $a) (i32.const 1)) (array.len (local.get $a)))))
          (func (export "i31") (param i32) (result i32 i32)
            (i31.get_s (ref.i31 (local.get 0))) (i31.get_u (ref.i31 (local.get 0))))
          (func (export "round-trip") (param externref) (result externref)
            (extern.convert_any (any.convert_extern (local.get 0))))
        )
        """

    @Test func structsArraysAndI31sRun() throws {
        let store = Store()
        let instance = try Helpers.instantiate(Self.points, in: store)
        // The packed field keeps 8 bits: 0x1FF is -1 as i8.
        #expect(try Helpers.call(instance, "sum", in: store, [.i32(10), .i32(0x1FF)]) == [.i32(10)])
        #expect(try Helpers.call(instance, "bytes", in: store, [.i32(3)]) == [.i32(9)])
        #expect(throws: Trap(.arrayOutOfBounds)) { try Helpers.call(instance, "bytes", in: store, [.i32(1)]) }
        let minusOne = UInt32(bitPattern: -1)
        #expect(try Helpers.call(instance, "i31", in: store, [.i32(minusOne)]) == [.i32(minusOne), .i32(0x7FFF_FFFF)])
        #expect(try Helpers.call(instance, "round-trip", in: store, [.externref(41)]) == [.externref(41)])
    }

    @Test func nullStructuresAndFailedCastsTrapWithTheSpecsMessages() throws {
        let store = Store()
        let instance = try Helpers.instantiate(
            """
            (module
              (type $s (struct (field i32)))
              (func (export "get-null") (result i32) (struct.get $s 0 (ref.null $s)))
              (func (export "cast") (result i32) (i31.get_u (ref.cast (ref i31) (struct.new $s (i32.const 1))))))
            """, in: store)
        #expect(throws: Trap(.nullStructureReference)) { try Helpers.call(instance, "get-null", in: store) }
        #expect(Trap(.nullStructureReference).reason.message == "null structure reference")
        #expect(throws: Trap(.castFailure)) { try Helpers.call(instance, "cast", in: store) }
        #expect(Trap(.castFailure).reason.message == "cast failure")
    }

    @Test func snapshotsRefuseGCState() throws {
        let store = Store()
        let global = try Helpers.instantiate(#"(module (global (mut anyref) (ref.null any)))"#, in: store)
        #expect(
            throws: SnapshotError.unsupportedState(
                "global 0 holds GC references (structs, arrays, i31s), which snapshots do not record")
        ) { try store.snapshot(of: global) }
        let table = try Helpers.instantiate(#"(module (type $s (struct)) (table 1 (ref null $s)))"#, in: store)
        #expect(
            throws: SnapshotError.unsupportedState(
                "table 0 holds GC references (structs, arrays, i31s), which snapshots do not record")
        ) { try store.snapshot(of: table) }
    }

    @Test func aGCModuleRunsInTheInterpreterUnderTheCompilerTier() throws {
        let module = try Module(bytes: try Helpers.assemble(Self.points))
        #expect(module.requiredFeatures.contains(.gc))
        #expect(module.machineCodeLimitation == "it uses GC, which has no machine code yet")
        var configuration = Store.Configuration()
        configuration.tier = .compiler
        let store = Store(configuration: configuration)
        let instance = try store.instantiate(module, imports: Imports())
        #expect(try Helpers.call(instance, "sum", in: store, [.i32(1), .i32(2)]) == [.i32(4)])
    }

    @Test func modulesThatUseGCSayTheyDo() throws {
        let plain = try Module(bytes: try Helpers.assemble(#"(module (type (func)) (func (type 0)))"#))
        #expect(!plain.requiredFeatures.contains(.gc))
        for text in [
            #"(module (type (struct)))"#, #"(module (rec (type (func))))"#, #"(module (global anyref (ref.null any)))"#,
            #"(module (func (result i32) (ref.eq (ref.null eq) (ref.null eq))))"#,
        ] {
            let module = try Module(bytes: try Helpers.assemble(text))
            #expect(module.requiredFeatures.contains(.gc), "\(text)")
        }
    }

    @Test func equivalentRecursiveTypesShareAStoreTypeAcrossModules() throws {
        let text = """
            (module
              (rec (type $list (struct (field i32) (field (ref null $list)))) (type (func)))
              (func (export "make") (result anyref) (struct.new $list (i32.const 1) (ref.null $list)))
              (func (export "is-list") (param anyref) (result i32) (ref.test (ref $list) (local.get 0))))
            """
        let store = Store()
        let first = try Helpers.instantiate(text, in: store)
        let second = try Helpers.instantiate(text, in: store)
        let made = try Helpers.call(first, "make", in: store)
        guard case .anyref(let reference?)? = made.first else { throw Failure("\(made)") }
        #expect(reference.kind == .structure)
        #expect(try Helpers.call(second, "is-list", in: store, made) == [.i32(1)])
        #expect(try Helpers.call(second, "is-list", in: store, [.anyref(AnyReference(host: 3))]) == [.i32(0)])
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

extension GCTests {
    @Test func anArrayTooLargeInAConstantExpressionFailsInstantiation() throws {
        let store = Store()
        #expect(throws: InstantiationError.trap(Trap(.arrayTooLarge))) {
            try Helpers.instantiate(
                #"(module (type $a (array i8)) (global (ref $a) (array.new_default $a (i32.const -1))))"#, in: store)
        }
        #expect(Trap(.arrayTooLarge).reason.message == "allocation too large")
    }
}

extension GCTests {
    @Test func aV128OperandOfAGCConstantExpressionIsRefusedAsUnsupported() throws {
        let bytes = try Helpers.assemble(
            #"(module (type $s (struct (field v128))) (global (ref $s) (struct.new $s (v128.const i64x2 0 0))))"#)
        let error = #expect(throws: ModuleError.self) { try Module(bytes: bytes) }
        #expect(error?.kind == .unsupported)
    }
}
