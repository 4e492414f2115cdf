import Foundation
import Testing
@testable import WasmEngine

@Suite struct RuntimeHostTests {
    @Test func hostFunctionsSeeArgumentsAndTheCallersMemory() throws {
        let store = Store()
        var seen: [Value] = []
        let poke = store.makeHostFunction(type: .of([.i32, .i64], [.i32])) { (caller, arguments) throws(Trap) in
            seen = arguments
            guard let memory = caller.memory else { throw Trap(.host("no memory")) }
            caller.store.withBytes(of: memory) { $0[3] = 0xAB }
            return [.i32(77)]
        }
        var imports = Imports()
        imports.define(module: "env", name: "poke", .function(poke))
        var builder = ModuleBuilder()
        builder.importFunction("env", "poke", .of([.i32, .i64], [.i32]))
        builder.memory(1)
        builder.function(
            .of([], [.i32]), frameSize: 4, export: "f",
            [
                Instruction(.const32, 0, 0),  // temporaries start undefined: the load's base is set explicitly
                Instruction(.const32, 2, 5),
                Instruction(.const64, 3, 6, 1),
                Instruction(.call, 0, 2),
                Instruction(.i32Load8U, 1, 0, 3),  // reads byte 3
                Instruction(.i32Add, 0, 1, 2),
                Instruction(.return),
            ])
        let instance = try store.instantiate(builder.module, imports: imports)
        #expect(try store.invoke(instance.function("f"), []) == [.i32(0xAB + 77)])
        #expect(seen == [.i32(5), .i64(6 | 1 << 32)])
        // Called directly, a host function has no calling instance.
        #expect(trapReason { try store.invoke(poke, [.i32(0), .i64(0)]) } == .host("no memory"))
    }

    @Test func slotHostFunctionsWorkInPlaceAndFunctionsRunOnSlots() throws {
        let store = Store()
        // (i32, i64) -> i32: the sum of the low halves, read from and written to the call's slots.
        let add = store.makeSlotHostFunction(type: .of([.i32, .i64], [.i32])) { caller, slots throws(Trap) in
            guard caller.memory != nil || slots.count >= 2 else { throw Trap(.host("no slots")) }
            slots[0] = UInt64(UInt32(truncatingIfNeeded: slots[0] &+ slots[1]))
        }
        var imports = Imports()
        imports.define(module: "env", name: "add", .function(add))
        var builder = ModuleBuilder()
        builder.importFunction("env", "add", .of([.i32, .i64], [.i32]))
        builder.function(
            .of([.i32], [.i32]), frameSize: 3, export: "f",
            [
                Instruction(.const64, 2, 40),
                Instruction(.copy, 1, 0),
                Instruction(.call, 0, 1),
                Instruction(.copy, 0, 1),
                Instruction(.return),
            ])
        let instance = try store.instantiate(builder.module, imports: imports)
        #expect(try store.invoke(instance.function("f"), [.i32(2)]) == [.i32(42)])
        // Called directly, through values, as any host function.
        #expect(try store.invoke(add, [.i32(UInt32.max), .i64(3)]) == [.i32(2)])
        // A module's function on slots: arguments in, results out, no arrays.
        let slots = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 1)
        defer { slots.deallocate() }
        slots[0] = 5
        try store.invoke(instance.function("f"), slots: slots)
        #expect(slots[0] == 45)
    }

    @Test func hostTrapsUnwindWasmFrames() throws {
        let store = Store()
        let fail = store.makeHostFunction(type: .of([], [])) { (_, _) throws(Trap) in throw Trap(.host("boom")) }
        var imports = Imports()
        imports.define(module: "env", name: "fail", .function(fail))
        var builder = ModuleBuilder()
        builder.importFunction("env", "fail", .of([], []))
        let inner = builder.function(.of([], []), [Instruction(.call, 0, 0), Instruction(.return)])
        builder.function(.of([], []), export: "outer", [Instruction(.call, inner, 0), Instruction(.return)])
        let instance = try store.instantiate(builder.module, imports: imports)
        #expect(trapReason { try store.invoke(instance.function("outer"), []) } == .host("boom"))
        // The value and call stacks are back at their base: a deep computation still fits.
        let fib = try store.instantiate(fibonacciModule().module, imports: Imports()).function("fib")
        #expect(try store.invoke(fib, [.i32(15)]) == [.i32(610)])
    }

    @Test func hostFunctionsMayReenterTheStore() throws {
        let store = Store()
        let fib = try store.instantiate(fibonacciModule().module, imports: Imports()).function("fib")
        let viaHost = store.makeHostFunction(type: .of([.i32], [.i32])) { (caller, arguments) throws(Trap) in
            try caller.store.invoke(fib, arguments)
        }
        var imports = Imports()
        imports.define(module: "env", name: "fib", .function(viaHost))
        var builder = ModuleBuilder()
        builder.importFunction("env", "fib", .of([.i32], [.i32]))
        builder.function(
            .of([.i32], [.i32]), frameSize: 3, export: "twice",
            [
                Instruction(.copy, 1, 0),
                Instruction(.call, 0, 1),
                Instruction(.copy, 2, 0),
                Instruction(.call, 0, 2),
                Instruction(.i32Add, 0, 1, 2),
                Instruction(.return),
            ])
        let instance = try store.instantiate(builder.module, imports: imports)
        #expect(try store.invoke(instance.function("twice"), [.i32(10)]) == [.i32(110)])
    }

    @Test func unboundedRecursionThroughTheHostExhaustsTheCallStack() throws {
        let store = Store()
        var reenter: Function?
        let host = store.makeHostFunction(type: .of([], [])) { (caller, _) throws(Trap) in
            try caller.store.invoke(reenter!, [])
        }
        var imports = Imports()
        imports.define(module: "env", name: "host", .function(host))
        var builder = ModuleBuilder()
        builder.importFunction("env", "host", .of([], []))
        builder.function(.of([], []), export: "f", [Instruction(.call, 0, 0), Instruction(.return)])
        reenter = try store.instantiate(builder.module, imports: imports).function("f")
        #expect(trapReason { try store.invoke(reenter!, []) } == .callStackExhausted)
    }

    @Test func hostResultsAreTypeChecked() throws {
        let store = Store()
        let wrong = store.makeHostFunction(type: .of([], [.i32])) { _, _ in [.i64(1)] }
        #expect(throws: Trap.self) { try store.invoke(wrong, []) }
    }

    @Test func interruptionStopsARunawayLoop() throws {
        let store = Store()
        let raise = store.makeHostFunction(type: .of([], [])) { caller, _ in
            caller.store.interrupt()
            return []
        }
        var imports = Imports()
        imports.define(module: "env", name: "raise", .function(raise))
        var builder = ModuleBuilder()
        builder.importFunction("env", "raise", .of([], []))
        builder.function(.of([], []), export: "f", [Instruction(.call, 0, 0), Instruction(.br, 1)])
        let instance = try store.instantiate(builder.module, imports: imports)
        #expect(trapReason { try store.invoke(instance.function("f"), []) } == .interrupted)
        // The flag was consumed by the trap.
        #expect(try store.invoke(store.instantiate(sumModule().module, imports: Imports()).function("sum"), [.i32(3)]) == [.i32(6)])
    }

    @Test func interruptionFromAnotherThread() throws {
        // Fuel bounds the test if the interruption never arrives: it then fails instead of hanging.
        var configuration = Store.Configuration()
        configuration.fuel = 20_000_000_000
        let store = Store(configuration: configuration)
        let spin = try store.instantiate(infiniteLoopModule().module, imports: Imports()).function("spin")
        let handle = store.interruptHandle
        // A dedicated thread, not the shared task pool: on two cores, spinning tests can starve the pool.
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.05)
            handle.interrupt()
        }
        #expect(trapReason { try store.invoke(spin, []) } == .interrupted)
    }

    @Test func fuelCountsInstructions() throws {
        var configuration = Store.Configuration()
        configuration.fuel = 1_000
        let store = Store(configuration: configuration)
        let instance = try store.instantiate(sumOfSumsModule().module, imports: Imports())
        // One on entry; then each taken back-edge pays for the instructions of its loop, branch included:
        // three in `sum`, taken n - 1 times.
        #expect(try store.invoke(instance.function("sum"), [.i32(10)]) == [.i32(55)])
        let sumCost: UInt64 = 1 + 9 * 3
        #expect(store.remainingFuel == 1_000 - sumCost)
        // One on entry; one per call, plus what the callee's loop pays (sum(3), sum(2), sum(1)); five per
        // outer back-edge, taken twice.
        store.remainingFuel = 1_000
        #expect(try store.invoke(instance.function("sumOfSums"), [.i32(3)]) == [.i32(10)])
        let calls: UInt64 = 3 + (2 + 1 + 0) * 3
        let sumOfSumsCost: UInt64 = 1 + calls + 2 * 5
        #expect(store.remainingFuel == 1_000 - sumOfSumsCost)
    }

    @Test func fuelRunsOut() throws {
        var configuration = Store.Configuration()
        configuration.fuel = 10_000
        let store = Store(configuration: configuration)
        let spin = try store.instantiate(infiniteLoopModule().module, imports: Imports()).function("spin")
        #expect(trapReason { try store.invoke(spin, []) } == .outOfFuel)
        #expect(store.remainingFuel == 0)

        store.remainingFuel = 1_000
        let sum = try store.instantiate(sumModule().module, imports: Imports()).function("sum")
        #expect(try store.invoke(sum, [.i32(10)]) == [.i32(55)])
        let left = try #require(store.remainingFuel)
        #expect(left < 1_000 && left > 900)
        #expect(trapReason { try store.invoke(sum, [.i32(1_000)]) } == .outOfFuel)

        let unlimited = Store()
        _ = try unlimited.invoke(unlimited.instantiate(sumModule().module, imports: Imports()).function("sum"), [.i32(10)])
        #expect(unlimited.remainingFuel == nil)
    }
}
