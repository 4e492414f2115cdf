import Testing
@testable import WasmEngine

/// Multiple memories and 64-bit memories beyond what the spec scripts pin down: memory 0's accesses around another
/// memory's growth and traps, the trap message of 64-bit addresses past 4 GiB, the proposals a module is noted to use,
/// and snapshots' refusal of several memories.
@Suite struct MultipleMemoryTests {
    static func instantiate(_ text: String, in store: Store) throws -> Instance {
        try SIMDExecutionTests.instantiate(text, in: store)
    }

    static func call(_ instance: Instance, _ name: String, in store: Store, _ arguments: [Value] = []) throws -> [Value] {
        try SIMDExecutionTests.call(instance, name, in: store, arguments)
    }

    static let twoMemories = """
        (module
          (memory $zero 1)
          (memory $one 1 4)
          (data (memory $one) (i32.const 8) "\\2a")
          (func (export "store0") (param i32 i32) (i32.store $zero (local.get 0) (local.get 1)))
          (func (export "load0") (param i32) (result i32) (i32.load $zero (local.get 0)))
          (func (export "store1") (param i32 i32) (i32.store $one (local.get 0) (local.get 1)))
          (func (export "load1") (param i32) (result i32) (i32.load $one (local.get 0)))
          (func (export "load8_1") (param i32) (result i32) (i32.load8_u $one (local.get 0)))
          (func (export "grow1") (param i32) (result i32) (memory.grow $one (local.get 0)))
          (func (export "size1") (result i32) (memory.size $one))
          (func (export "size0") (result i32) (memory.size $zero))
          (func (export "fill1") (param i32 i32 i32) (memory.fill $one (local.get 0) (local.get 1) (local.get 2)))
          (func (export "copy1to0") (param i32 i32 i32) (memory.copy $zero $one (local.get 0) (local.get 1) (local.get 2)))
          (func (export "mixed") (param i32) (result i32)
            (i32.store $zero (local.get 0) (i32.const 7))
            (i32.store $one (local.get 0) (i32.const 9))
            (i32.add (i32.load $zero (local.get 0)) (i32.mul (i32.load $one (local.get 0)) (i32.const 100)))))
        """

    @Test func memoryZeroStaysCorrectWhileMemoryOneGrows() throws {
        let store = Store()
        let instance = try Self.instantiate(Self.twoMemories, in: store)
        #expect(try Self.call(instance, "load8_1", in: store, [.i32(8)]) == [.i32(42)])
        _ = try Self.call(instance, "store0", in: store, [.i32(100), .i32(11)])
        _ = try Self.call(instance, "store1", in: store, [.i32(100), .i32(22)])
        for step in 1...3 {
            #expect(try Self.call(instance, "grow1", in: store, [.i32(1)]) == [.i32(UInt32(step))])
            // The grown memory moved; memory 0 did not, and each keeps its own bytes.
            #expect(try Self.call(instance, "load0", in: store, [.i32(100)]) == [.i32(11)])
            #expect(try Self.call(instance, "load1", in: store, [.i32(100)]) == [.i32(22)])
        }
        #expect(try Self.call(instance, "size1", in: store) == [.i32(4)])
        #expect(try Self.call(instance, "size0", in: store) == [.i32(1)])
        #expect(try Self.call(instance, "grow1", in: store, [.i32(1)]) == [.i32(UInt32.max)])
        // Memory 1 is 4 pages now: an address memory 0 cannot reach works there.
        _ = try Self.call(instance, "store1", in: store, [.i32(200_000), .i32(5)])
        #expect(try Self.call(instance, "load1", in: store, [.i32(200_000)]) == [.i32(5)])
        #expect(try Self.call(instance, "mixed", in: store, [.i32(64)]) == [.i32(907)])
        _ = try Self.call(instance, "fill1", in: store, [.i32(300), .i32(0xAB), .i32(4)])
        _ = try Self.call(instance, "copy1to0", in: store, [.i32(0), .i32(300), .i32(4)])
        #expect(try Self.call(instance, "load0", in: store, [.i32(0)]) == [.i32(0xABAB_ABAB)])
    }

    @Test func outOfBoundsOnMemoryOneTrapsAndMemoryZeroStillWorks() throws {
        let store = Store()
        let instance = try Self.instantiate(Self.twoMemories, in: store)
        _ = try Self.call(instance, "store0", in: store, [.i32(65532), .i32(3)])
        #expect(throws: Trap(.memoryOutOfBounds)) { try Self.call(instance, "load1", in: store, [.i32(65533)]) }
        #expect(throws: Trap(.memoryOutOfBounds)) { try Self.call(instance, "fill1", in: store, [.i32(65535), .i32(0), .i32(2)]) }
        // The trap left the base register on memory 1: the next run starts from memory 0's again.
        #expect(try Self.call(instance, "load0", in: store, [.i32(65532)]) == [.i32(3)])
    }

    @Test func memory64AddressesPast4GiBTrapAsOutOfBounds() throws {
        let store = Store()
        let instance = try Self.instantiate(
            """
            (module
              (memory i64 1)
              (func (export "load") (param i64) (result i32) (i32.load (local.get 0)))
              (func (export "store") (param i64 i32) (i32.store (local.get 0) (local.get 1)))
              (func (export "loadFar") (param i64) (result i32) (i32.load offset=0x1_0000_0000 (local.get 0)))
              (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
              (func (export "fill") (param i64 i64) (memory.fill (local.get 0) (i32.const 1) (local.get 1))))
            """, in: store)
        _ = try Self.call(instance, "store", in: store, [.i64(16), .i32(77)])
        #expect(try Self.call(instance, "load", in: store, [.i64(16)]) == [.i32(77)])
        for address: UInt64 in [1 << 32, (1 << 32) + 16, 1 << 40, UInt64.max] {
            let trap = #expect(throws: Trap.self) { try Self.call(instance, "load", in: store, [.i64(address)]) }
            #expect(trap?.reason.message == "out of bounds memory access")
        }
        #expect(throws: Trap(.memoryOutOfBounds)) { try Self.call(instance, "loadFar", in: store, [.i64(0)]) }
        #expect(throws: Trap(.memoryOutOfBounds)) { try Self.call(instance, "fill", in: store, [.i64(0), .i64(1 << 32)]) }
        // A grow no memory can take fails with an i64 -1, not a trap.
        #expect(try Self.call(instance, "grow", in: store, [.i64(1 << 40)]) == [.i64(UInt64.max)])
        #expect(try Self.call(instance, "grow", in: store, [.i64(1)]) == [.i64(1)])
    }

    @Test func modulesNoteTheProposalsTheyUse() throws {
        let two = try Module(bytes: try SIMDExecutionTests.assemble("(module (memory 1) (memory 1))"))
        #expect(two.requiredFeatures.contains(.multiMemory))
        let sixtyFour = try Module(bytes: try SIMDExecutionTests.assemble("(module (memory i64 1))"))
        #expect(sixtyFour.requiredFeatures == .memory64)
        let table64 = try Module(bytes: try SIMDExecutionTests.assemble("(module (table i64 1 funcref))"))
        #expect(table64.requiredFeatures == .memory64)
        let plain = try Module(bytes: try SIMDExecutionTests.assemble("(module (memory 1) (func (drop (memory.size))))"))
        #expect(plain.requiredFeatures.isEmpty)
    }

    @Test func snapshotsRefuseSeveralMemories() throws {
        let store = Store()
        let instance = try Self.instantiate("(module (memory 1) (memory 1))", in: store)
        #expect(throws: SnapshotError.unsupportedState("the instance has 2 memories; snapshots record at most one")) {
            try store.snapshot(of: instance)
        }
    }

    @Test func a64BitMemorySnapshotRestoresAs64Bit() throws {
        let store = Store()
        let instance = try Self.instantiate(
            """
            (module
              (memory (export "memory") i64 1)
              (data (i64.const 4) "\\05")
              (func (export "load") (param i64) (result i32) (i32.load8_u (local.get 0))))
            """, in: store)
        let restored = try store.restore(try store.snapshot(of: instance), imports: Imports())
        #expect(try Self.call(restored, "load", in: store, [.i64(4)]) == [.i32(5)])
        guard case .memory(let memory)? = restored.export("memory") else { throw SIMDExecutionTests.TestFailure("no memory") }
        #expect(store.type(of: memory).addressType == .i64)
    }
}
