import Testing
@testable import WasmEngine

@Suite struct InterpreterMemoryTests {
    /// `load(address)` reads an i32 at `address + offset`; `store(address, value)` writes one there.
    private func accessModule(offset: UInt32, pages: UInt64 = 1) -> ModuleBuilder {
        var builder = ModuleBuilder()
        builder.memory(pages)
        builder.function(.of([.i32], [.i32]), export: "load", [Instruction(.i32Load, 0, 0, offset), Instruction(.return)])
        builder.function(
            .of([.i32, .i32], []), export: "store", [Instruction(.i32Store, 1, 0, offset), Instruction(.return)])
        builder.function(
            .of([.i32], [.i32]), export: "load8s", [Instruction(.i32Load8S, 0, 0, offset), Instruction(.return)])
        return builder
    }

    @Test func loadsAndStoresAreLittleEndianAndUnaligned() throws {
        let store = Store()
        let instance = try store.instantiate(accessModule(offset: 1).module, imports: Imports())
        _ = try store.invoke(instance.function("store"), [.i32(2), .i32(0x8899_AABB)])
        #expect(try store.invoke(instance.function("load"), [.i32(2)]) == [.i32(0x8899_AABB)])
        #expect(try store.invoke(instance.function("load8s"), [.i32(2)]) == [.i32(0xFFFF_FFBB)])
        #expect(try store.invoke(instance.function("load"), [.i32(3)]) == [.i32(0x0088_99AA)])
    }

    @Test func loadsWithAFoldedAdditionWrapAt32Bits() throws {
        var builder = ModuleBuilder()
        builder.memory(1)
        builder.function(
            .of([.i32], [.i32]), export: "load", [Instruction(.i32LoadAddImm, 0, 0, 8), Instruction(.return)])
        builder.function(
            .of([.i32], [.i64]), export: "load64", [Instruction(.i64LoadAddImm, 0, 0, 8), Instruction(.return)])
        builder.function(
            .of([.i32, .i32], []), export: "store", [Instruction(.i64Store, 1, 0, 0), Instruction(.return)])
        let store = Store()
        let instance = try store.instantiate(builder.module, imports: Imports())
        _ = try store.invoke(instance.function("store"), [.i32(4), .i32(0x1234_5678)])
        // 0xFFFF_FFFC + 8 wraps to 4, as i32.add then a load with no offset would.
        #expect(try store.invoke(instance.function("load"), [.i32(0xFFFF_FFFC)]) == [.i32(0x1234_5678)])
        #expect(try store.invoke(instance.function("load64"), [.i32(0xFFFF_FFFC)]) == [.i64(0x1234_5678)])
        #expect(try store.invoke(instance.function("load"), [.i32(65524)]) == [.i32(0)])
        #expect(trapReason { try store.invoke(instance.function("load"), [.i32(65525)]) } == .memoryOutOfBounds)
    }

    @Test func scaledIndexLoadsWrapAt32Bits() throws {
        var builder = ModuleBuilder()
        builder.memory(1)
        builder.function(
            .of([.i32, .i32], [.i32]), export: "load", [Instruction(.i32LoadScaled, 0, 0, 1), Instruction(.return)])
        builder.function(
            .of([.i32, .i32], [.i64]), export: "load64", [Instruction(.i64LoadScaled, 0, 0, 1), Instruction(.return)])
        builder.function(
            .of([.i32, .i32], []), export: "store", [Instruction(.i64Store, 1, 0, 0), Instruction(.return)])
        let store = Store()
        let instance = try store.instantiate(builder.module, imports: Imports())
        _ = try store.invoke(instance.function("store"), [.i32(8), .i32(0x1234_5678)])
        #expect(try store.invoke(instance.function("load"), [.i32(4), .i32(1)]) == [.i32(0x1234_5678)])
        #expect(try store.invoke(instance.function("load64"), [.i32(0), .i32(1)]) == [.i64(0x1234_5678)])
        // 0xFFFF_FFF0 + 6 * 4 wraps to 8; 0x4000_0002 * 4 wraps to 8.
        #expect(try store.invoke(instance.function("load"), [.i32(0xFFFF_FFF0), .i32(6)]) == [.i32(0x1234_5678)])
        #expect(try store.invoke(instance.function("load"), [.i32(0), .i32(0x4000_0002)]) == [.i32(0x1234_5678)])
        #expect(trapReason { try store.invoke(instance.function("load64"), [.i32(65536 - 8), .i32(1)]) } == .memoryOutOfBounds)
    }

    @Test func accessesAreBoundsCheckedIn64Bits() throws {
        let store = Store()
        let instance = try store.instantiate(accessModule(offset: 0).module, imports: Imports())
        let load = instance.function("load")
        #expect(try store.invoke(load, [.i32(65532)]) == [.i32(0)])
        #expect(trapReason { try store.invoke(load, [.i32(65533)]) } == .memoryOutOfBounds)
        #expect(trapReason { try store.invoke(load, [.i32(0xFFFF_FFFF)]) } == .memoryOutOfBounds)

        let offsetInstance = try store.instantiate(accessModule(offset: 0xFFFF_FFFF).module, imports: Imports())
        #expect(trapReason { try store.invoke(offsetInstance.function("load"), [.i32(1)]) } == .memoryOutOfBounds)

        let empty = try store.instantiate(accessModule(offset: 0, pages: 0).module, imports: Imports())
        #expect(trapReason { try store.invoke(empty.function("load"), [.i32(0)]) } == .memoryOutOfBounds)
    }

    @Test func memoryGrowRespectsTheMaximumAndTheConfiguredCap() throws {
        var builder = ModuleBuilder()
        builder.memory(1, 10)
        builder.function(.of([.i32], [.i32]), export: "grow", [Instruction(.memoryGrow, 0, 0), Instruction(.return)])
        builder.function(.of([], [.i32]), export: "size", [Instruction(.memorySize, 0), Instruction(.return)])
        builder.function(
            .of([.i32], [.i32]), export: "load", [Instruction(.i32Load, 0, 0, 0), Instruction(.return)])
        var configuration = Store.Configuration()
        configuration.maxMemoryPages = 3
        let store = Store(configuration: configuration)
        let instance = try store.instantiate(builder.module, imports: Imports())
        let grow = instance.function("grow")
        let load = instance.function("load")
        #expect(trapReason { try store.invoke(load, [.i32(65536)]) } == .memoryOutOfBounds)
        #expect(try store.invoke(grow, [.i32(1)]) == [.i32(1)])
        // The cached memory size is refreshed: the new page is readable and zero.
        #expect(try store.invoke(load, [.i32(65536)]) == [.i32(0)])
        #expect(try store.invoke(grow, [.i32(2)]) == [.i32(0xFFFF_FFFF)])
        #expect(try store.invoke(grow, [.i32(0xFFFF_FFFF)]) == [.i32(0xFFFF_FFFF)])
        #expect(try store.invoke(grow, [.i32(1)]) == [.i32(2)])
        #expect(try store.invoke(instance.function("size"), []) == [.i32(3)])
    }

    @Test func bulkMemoryOperations() throws {
        var builder = ModuleBuilder()
        builder.memory(1)
        builder.module.dataSegments.append(DataSegment(bytes: [1, 2, 3, 4], mode: .passive))
        builder.module.dataCount = 1
        // fill(d, v, n), copy(d, s, n), initialize(d, s, n), drop()
        builder.function(.of([.i32, .i32, .i32], []), export: "fill", [Instruction(.memoryFill, 0, 1, 2), Instruction(.return)])
        builder.function(.of([.i32, .i32, .i32], []), export: "copy", [Instruction(.memoryCopy, 0, 1, 2), Instruction(.return)])
        builder.function(.of([.i32, .i32, .i32], []), export: "initialize", [Instruction(.memoryInit, 0, 0), Instruction(.return)])
        builder.function(.of([], []), export: "drop", [Instruction(.dataDrop, 0), Instruction(.return)])
        builder.export("memory", .memory(0))
        let store = Store()
        let instance = try store.instantiate(builder.module, imports: Imports())
        guard case .memory(let memory) = instance.export("memory") else {
            Issue.record("no memory export")
            return
        }
        func bytes(_ range: Range<Int>) -> [UInt8] { store.withBytes(of: memory) { Array($0[range]) } }

        _ = try store.invoke(instance.function("initialize"), [.i32(10), .i32(1), .i32(3)])
        #expect(bytes(10..<14) == [2, 3, 4, 0])
        _ = try store.invoke(instance.function("copy"), [.i32(11), .i32(10), .i32(3)])
        #expect(bytes(10..<14) == [2, 2, 3, 4])
        _ = try store.invoke(instance.function("fill"), [.i32(12), .i32(0x1FF), .i32(2)])
        #expect(bytes(10..<15) == [2, 2, 0xFF, 0xFF, 0])

        #expect(trapReason { try store.invoke(instance.function("fill"), [.i32(65535), .i32(0), .i32(2)]) } == .memoryOutOfBounds)
        #expect(trapReason { try store.invoke(instance.function("copy"), [.i32(0), .i32(65535), .i32(2)]) } == .memoryOutOfBounds)
        #expect(trapReason { try store.invoke(instance.function("initialize"), [.i32(0), .i32(2), .i32(3)]) } == .memoryOutOfBounds)
        // Zero-length accesses at the very end are in bounds; beyond it they are not.
        _ = try store.invoke(instance.function("fill"), [.i32(65536), .i32(0), .i32(0)])
        #expect(trapReason { try store.invoke(instance.function("fill"), [.i32(65537), .i32(0), .i32(0)]) } == .memoryOutOfBounds)

        _ = try store.invoke(instance.function("drop"), [])
        _ = try store.invoke(instance.function("initialize"), [.i32(0), .i32(0), .i32(0)])
        #expect(trapReason { try store.invoke(instance.function("initialize"), [.i32(0), .i32(0), .i32(1)]) } == .memoryOutOfBounds)
    }

    @Test func tableInstructions() throws {
        var builder = ModuleBuilder()
        builder.table(2, 4, .externref)
        // get(i), set(i, r), grow(r, n), size(), fill(d, r, n)
        builder.function(.of([.i32], [.externref]), export: "get", [Instruction(.tableGet, 0, 0, 0), Instruction(.return)])
        builder.function(.of([.i32, .externref], []), export: "set", [Instruction(.tableSet, 0, 1, 0), Instruction(.return)])
        builder.function(.of([.externref, .i32], [.i32]), export: "grow", [Instruction(.tableGrow, 0, 0, 0), Instruction(.return)])
        builder.function(.of([], [.i32]), export: "size", [Instruction(.tableSize, 0, 0), Instruction(.return)])
        builder.function(.of([.i32, .externref, .i32], []), export: "fill", [Instruction(.tableFill, 0, 0), Instruction(.return)])
        let store = Store()
        let instance = try store.instantiate(builder.module, imports: Imports())
        func call(_ name: String, _ arguments: [Value]) throws -> [Value] {
            try store.invoke(instance.function(name), arguments)
        }
        #expect(try call("get", [.i32(1)]) == [.externref(nil)])
        _ = try call("set", [.i32(1), .externref(42)])
        #expect(try call("get", [.i32(1)]) == [.externref(42)])
        #expect(trapReason { try call("get", [.i32(2)]) } == .tableOutOfBounds)
        #expect(trapReason { try call("set", [.i32(2), .externref(nil)]) } == .tableOutOfBounds)
        #expect(try call("grow", [.externref(7), .i32(1)]) == [.i32(2)])
        #expect(try call("get", [.i32(2)]) == [.externref(7)])
        #expect(try call("grow", [.externref(nil), .i32(2)]) == [.i32(0xFFFF_FFFF)])
        #expect(try call("size", []) == [.i32(3)])
        _ = try call("fill", [.i32(0), .externref(0), .i32(3)])
        #expect(try call("get", [.i32(2)]) == [.externref(0)])
        #expect(trapReason { try call("fill", [.i32(2), .externref(nil), .i32(2)]) } == .tableOutOfBounds)
    }

    @Test func globalsAndFunctionReferences() throws {
        var builder = ModuleBuilder()
        builder.global(GlobalType(valueType: .i64, isMutable: true), .i64(5))
        let f = builder.function(
            .of([], [.i64]), export: "bump",
            [
                Instruction(.globalGet, 0, 0),
                Instruction(.i64AddImm, 0, 0, 1),
                Instruction(.globalSet, 0, 0),
                Instruction(.return),
            ])
        builder.module.declaredFunctionReferences = [true, false]
        builder.function(
            .of([], [.funcref, .i32]), frameSize: 2, export: "ref",
            [Instruction(.refFunc, 0, f), Instruction(.refIsNull, 1, 0), Instruction(.return)])
        builder.export("counter", .global(0))
        let store = Store()
        let instance = try store.instantiate(builder.module, imports: Imports())
        #expect(try store.invoke(instance.function("bump"), []) == [.i64(6)])
        #expect(try store.invoke(instance.function("bump"), []) == [.i64(7)])
        guard case .global(let counter) = instance.export("counter") else {
            Issue.record("no global export")
            return
        }
        #expect(store.value(of: counter) == .i64(7))
        #expect(try store.invoke(instance.function("ref"), []) == [.funcref(instance.function("bump")), .i32(0)])
    }
}
