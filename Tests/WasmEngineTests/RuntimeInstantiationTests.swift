import Testing
@testable import WasmEngine

private func unlinkableMessage(_ body: () throws -> Instance) -> String? {
    do {
        _ = try body()
        return nil
    } catch InstantiationError.unlinkable(let message) {
        return message
    } catch {
        return nil
    }
}

@Suite struct RuntimeInstantiationTests {
    @Test func missingImportIsUnknown() {
        var builder = ModuleBuilder()
        builder.importFunction("env", "f", .of([], []))
        let message = unlinkableMessage { try Store().instantiate(builder.module, imports: Imports()) }
        #expect(message?.hasPrefix("unknown import") == true)
    }

    @Test func importsMustMatchTheirTypes() {
        let store = Store()
        var imports = Imports()
        imports.define(module: "env", name: "f", .function(store.makeHostFunction(type: .of([.i32], [])) { _, _ in [] }))
        imports.define(
            module: "env", name: "table",
            .table(store.makeTable(type: TableType(elementType: .funcref, limits: Limits(min: 2, max: 5)), initialValue: .funcref(nil))))
        imports.define(module: "env", name: "memory", .memory(store.makeMemory(type: MemoryType(limits: Limits(min: 1, max: 2)))))
        imports.define(
            module: "env", name: "global",
            .global(store.makeGlobal(type: GlobalType(valueType: .i32, isMutable: false), value: .i32(1))))

        func linkError(_ build: (inout ModuleBuilder) -> Void) -> String? {
            var builder = ModuleBuilder()
            build(&builder)
            return unlinkableMessage { try store.instantiate(builder.module, imports: imports) }
        }
        let incompatible = "incompatible import type"
        #expect(linkError { $0.importFunction("env", "f", .of([.i32], [])) } == nil)
        #expect(linkError { $0.importFunction("env", "f", .of([.i64], [])) }?.hasPrefix(incompatible) == true)
        #expect(linkError { $0.importFunction("env", "memory", .of([], [])) }?.hasPrefix(incompatible) == true)

        let funcTable = { (min: UInt64, max: UInt64?) in TableType(elementType: .funcref, limits: Limits(min: min, max: max)) }
        #expect(linkError { $0.importTable("env", "table", funcTable(1, nil)) } == nil)
        #expect(linkError { $0.importTable("env", "table", funcTable(2, 5)) } == nil)
        #expect(linkError { $0.importTable("env", "table", funcTable(3, nil)) }?.hasPrefix(incompatible) == true)
        #expect(linkError { $0.importTable("env", "table", funcTable(1, 4)) }?.hasPrefix(incompatible) == true)
        #expect(
            linkError {
                $0.importTable("env", "table", TableType(elementType: .externref, limits: Limits(min: 1)))
            }?.hasPrefix(incompatible) == true)

        #expect(linkError { $0.importMemory("env", "memory", MemoryType(limits: Limits(min: 1, max: 3))) } == nil)
        #expect(linkError { $0.importMemory("env", "memory", MemoryType(limits: Limits(min: 2))) }?.hasPrefix(incompatible) == true)
        #expect(linkError { $0.importMemory("env", "memory", MemoryType(limits: Limits(min: 0, max: 1))) }?.hasPrefix(incompatible) == true)

        #expect(linkError { $0.importGlobal("env", "global", GlobalType(valueType: .i32, isMutable: false)) } == nil)
        #expect(linkError { $0.importGlobal("env", "global", GlobalType(valueType: .i32, isMutable: true)) }?.hasPrefix(incompatible) == true)
        #expect(linkError { $0.importGlobal("env", "global", GlobalType(valueType: .i64, isMutable: false)) }?.hasPrefix(incompatible) == true)
    }

    @Test func failingSegmentsLeaveEarlierWritesVisible() throws {
        let store = Store()
        let memory = store.makeMemory(type: MemoryType(limits: Limits(min: 1)))
        let table = store.makeTable(
            type: TableType(elementType: .funcref, limits: Limits(min: 2)), initialValue: .funcref(nil))
        var imports = Imports()
        imports.define(module: "env", name: "memory", .memory(memory))
        imports.define(module: "env", name: "table", .table(table))

        var builder = ModuleBuilder()
        builder.importTable("env", "table", TableType(elementType: .funcref, limits: Limits(min: 1)))
        builder.importMemory("env", "memory", MemoryType(limits: Limits(min: 1)))
        let f = builder.function(.of([], [.i32]), [Instruction(.const32, 0, 9), Instruction(.return)])
        builder.activeData(offset: 0, [7, 8])
        builder.activeData(offset: 65535, [1, 2])
        #expect(trapReason { try store.instantiate(builder.module, imports: imports) } == .memoryOutOfBounds)
        #expect(store.withBytes(of: memory) { Array($0[0..<2]) } == [7, 8])

        builder.module.dataSegments = []
        builder.activeElements(offset: 1, functions: [f])
        builder.activeElements(offset: 2, functions: [f])
        #expect(trapReason { try store.instantiate(builder.module, imports: imports) } == .tableOutOfBounds)
        // The function of the failed instance stays callable through the table.
        var caller = ModuleBuilder()
        caller.importTable("env", "table", TableType(elementType: .funcref, limits: Limits(min: 1)))
        let type = caller.typeIndex(.of([], [.i32]))
        caller.function(
            .of([], [.i32]), frameSize: 1, export: "call",
            [Instruction(.const32, 0, 1), Instruction(.callIndirect, type, 0, 0), Instruction(.return)])
        #expect(try store.invoke(store.instantiate(caller.module, imports: imports).function("call"), []) == [.i32(9)])
    }

    @Test func elementSegmentsAreAppliedBeforeDataSegments() throws {
        var builder = ModuleBuilder()
        builder.memory(1)
        builder.table(1)
        builder.activeData(offset: 70000, [1])
        builder.activeElements(offset: 5, functions: [])
        // Both are out of bounds; the element segment's trap comes first.
        #expect(trapReason { try Store().instantiate(builder.module, imports: Imports()) } == .tableOutOfBounds)
    }

    @Test func startFunctionRunsAndItsTrapFailsInstantiation() throws {
        var builder = ModuleBuilder()
        builder.global(GlobalType(valueType: .i32, isMutable: true), .i32(0))
        let start = builder.function(.of([], []), [Instruction(.const32, 0, 42), Instruction(.globalSet, 0, 0), Instruction(.return)])
        builder.module.start = start
        builder.export("g", .global(0))
        let store = Store()
        let instance = try store.instantiate(builder.module, imports: Imports())
        guard case .global(let global) = instance.export("g") else {
            Issue.record("no global")
            return
        }
        #expect(store.value(of: global) == .i32(42))

        var trapping = ModuleBuilder()
        trapping.module.start = trapping.function(.of([], []), [Instruction(.unreachable)])
        #expect(trapReason { try store.instantiate(trapping.module, imports: Imports()) } == .unreachable)
    }

    @Test func globalInitializersReadImportedGlobalsAndReferenceFunctions() throws {
        let store = Store()
        var imports = Imports()
        imports.define(
            module: "env", name: "base",
            .global(store.makeGlobal(type: GlobalType(valueType: .f64, isMutable: false), value: .f64(bits: 123))))
        var builder = ModuleBuilder()
        builder.importGlobal("env", "base", GlobalType(valueType: .f64, isMutable: false))
        let f = builder.function(.of([], []), export: "f", [Instruction(.return)])
        builder.global(GlobalType(valueType: .f64, isMutable: false), .globalGet(0))
        builder.global(GlobalType(valueType: .funcref, isMutable: false), .functionReference(f))
        builder.export("copy", .global(1))
        builder.export("ref", .global(2))
        let instance = try store.instantiate(builder.module, imports: imports)
        guard case .global(let copy) = instance.export("copy"), case .global(let ref) = instance.export("ref") else {
            Issue.record("no globals")
            return
        }
        #expect(store.value(of: copy) == .f64(bits: 123))
        #expect(store.value(of: ref) == .funcref(instance.function("f")))
    }

    @Test func exportedObjectsAreSharedBetweenInstances() throws {
        let store = Store()
        var provider = ModuleBuilder()
        provider.memory(1)
        provider.export("memory", .memory(0))
        provider.function(.of([.i32], [.i32]), export: "grow", [Instruction(.memoryGrow, 0, 0), Instruction(.return)])
        let providerInstance = try store.instantiate(provider.module, imports: Imports())

        var user = ModuleBuilder()
        user.importMemory("provider", "memory", MemoryType(limits: Limits(min: 1)))
        user.function(.of([], [.i32]), export: "size", [Instruction(.memorySize, 0), Instruction(.return)])
        var imports = Imports()
        imports.define(module: "provider", name: "memory", providerInstance.export("memory")!)
        let userInstance = try store.instantiate(user.module, imports: imports)
        _ = try store.invoke(providerInstance.function("grow"), [.i32(2)])
        #expect(try store.invoke(userInstance.function("size"), []) == [.i32(3)])
        guard case .memory(let memory) = providerInstance.export("memory") else { return }
        #expect(store.type(of: memory).limits.min == 3)
    }

    @Test func namesAreComparedByteForByte() throws {
        // Canonically equivalent to Swift's `String` equality, but distinct wasm names.
        let composed = "\u{C5}"
        let decomposed = "A\u{30A}"
        var builder = ModuleBuilder()
        builder.function(.of([], [.i32]), export: composed, [Instruction(.const32, 0, 1), Instruction(.return)])
        builder.function(.of([], [.i32]), export: decomposed, [Instruction(.const32, 0, 2), Instruction(.return)])
        let store = Store()
        let instance = try store.instantiate(builder.module, imports: Imports())
        #expect(try store.invoke(instance.function(composed), []) == [.i32(1)])
        #expect(try store.invoke(instance.function(decomposed), []) == [.i32(2)])
        #expect(instance.exports.map { $0.name } == [composed, decomposed])

        var imports = Imports()
        imports.define(module: "m", name: composed, .function(instance.function(composed)))
        #expect(imports.lookup(module: "m", name: decomposed) == nil)
    }

    @Test func initialSizesBeyondTheStoreLimitsAreRefused() {
        var configuration = Store.Configuration()
        configuration.maxMemoryPages = 4
        var builder = ModuleBuilder()
        builder.memory(5)
        let memoryMessage = unlinkableMessage { try Store(configuration: configuration).instantiate(builder.module, imports: Imports()) }
        #expect(memoryMessage?.hasPrefix("memory size exceeds the limit") == true)

        var tables = ModuleBuilder()
        tables.table(0xFFFF_FFFF)
        let tableMessage = unlinkableMessage { try Store().instantiate(tables.module, imports: Imports()) }
        #expect(tableMessage?.hasPrefix("table size exceeds the limit") == true)
    }
}
