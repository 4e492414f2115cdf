import Testing
@testable import WasmEngine

/// fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2), recursive through `call`.
func fibonacciModule() -> ModuleBuilder {
    var builder = ModuleBuilder()
    builder.function(
        .of([.i32], [.i32]), locals: 0, frameSize: 4, export: "fib",
        [
            Instruction(.const32, 1, 2),
            Instruction(.brIfI32GeS, 3, 0, 1),
            Instruction(.return),
            Instruction(.i32AddImm, 2, 0, UInt32(bitPattern: -1)),
            Instruction(.call, 0, 2),
            Instruction(.i32AddImm, 3, 0, UInt32(bitPattern: -2)),
            Instruction(.call, 0, 3),
            Instruction(.i32Add, 0, 2, 3),
            Instruction(.return),
        ])
    return builder
}

/// sum(n) = n + (n - 1) + ... + 1, with a loop whose back-edge is `brIf`.
func sumModule() -> ModuleBuilder {
    var builder = ModuleBuilder()
    builder.function(
        .of([.i32], [.i32]), locals: 1, frameSize: 2, export: "sum",
        [
            Instruction(.const32, 1, 0),
            Instruction(.brIfNot, 5, 0),
            Instruction(.i32Add, 1, 1, 0),
            Instruction(.i32AddImm, 0, 0, UInt32(bitPattern: -1)),
            Instruction(.brIf, 2, 0),
            Instruction(.copy, 0, 1),
            Instruction(.return),
        ])
    return builder
}

/// sumOfSums(n) = sum(n) + sum(n - 1) + ... + sum(1): a loop that calls `sum`, whose own loop runs in
/// between, so the two back-edges take turns.
func sumOfSumsModule() -> ModuleBuilder {
    var builder = sumModule()
    builder.function(
        .of([.i32], [.i32]), locals: 1, frameSize: 3, export: "sumOfSums",
        [
            Instruction(.const32, 1, 0),
            Instruction(.brIfNot, 7, 0),
            Instruction(.copy, 2, 0),
            Instruction(.call, 0, 2),
            Instruction(.i32Add, 1, 1, 2),
            Instruction(.i32AddImm, 0, 0, UInt32(bitPattern: -1)),
            Instruction(.brIf, 2, 0),
            Instruction(.copy, 0, 1),
            Instruction(.return),
        ])
    return builder
}

func infiniteLoopModule() -> ModuleBuilder {
    var builder = ModuleBuilder()
    builder.function(.of([], []), export: "spin", [Instruction(.br, 0)])
    return builder
}

@Suite struct InterpreterControlTests {
    @Test func recursiveCalls() throws {
        #expect(try run(fibonacciModule(), "fib", [.i32(20)]) == [.i32(6765)])
    }

    @Test func loopBackEdges() throws {
        #expect(try run(sumModule(), "sum", [.i32(1000)]) == [.i32(500_500)])
        #expect(try run(sumModule(), "sum", [.i32(0)]) == [.i32(0)])
    }

    @Test func backEdgesOfNestedLoopsTakeTurns() throws {
        // sum(i) = i(i + 1)/2, so the sum of sums is n(n + 1)(n + 2)/6.
        #expect(try run(sumOfSumsModule(), "sumOfSums", [.i32(100)]) == [.i32(171_700)])
        #expect(try run(sumOfSumsModule(), "sumOfSums", [.i32(1)]) == [.i32(1)])
    }

    @Test func branchTableTakesTheDefaultBeyondItsLabels() throws {
        var builder = ModuleBuilder()
        builder.function(
            .of([.i32], [.i32]), export: "pick",
            [
                Instruction(.brTable, 0, 2),
                Instruction(.br, 4), Instruction(.br, 6), Instruction(.br, 8),
                Instruction(.const32, 0, 10), Instruction(.return),
                Instruction(.const32, 0, 20), Instruction(.return),
                Instruction(.const32, 0, 30), Instruction(.return),
            ])
        let store = Store()
        let pick = try store.instantiate(builder.module, imports: Imports()).function("pick")
        #expect(try store.invoke(pick, [.i32(0)]) == [.i32(10)])
        #expect(try store.invoke(pick, [.i32(1)]) == [.i32(20)])
        #expect(try store.invoke(pick, [.i32(2)]) == [.i32(30)])
        #expect(try store.invoke(pick, [.i32(0xFFFF_FFFF)]) == [.i32(30)])
    }

    @Test func selectKeepsTheFirstOperandUnlessTheConditionIsZero() throws {
        var builder = ModuleBuilder()
        builder.function(
            .of([.i64, .i64, .i32], [.i64]), export: "select",
            [Instruction(.select, 0, 1, 2), Instruction(.return)])
        #expect(try run(builder, "select", [.i64(1), .i64(2), .i32(7)]) == [.i64(1)])
        #expect(try run(builder, "select", [.i64(1), .i64(2), .i32(0)]) == [.i64(2)])
    }

    @Test func localsAreZeroedOnEveryCall() throws {
        var builder = ModuleBuilder()
        // Returns its local, then dirties it: a second call must see zero again.
        builder.function(
            .of([], [.i64]), locals: 1, frameSize: 2, export: "f",
            [Instruction(.copy, 1, 0), Instruction(.const32, 0, 99), Instruction(.copy, 0, 1), Instruction(.return)])
        let store = Store()
        let f = try store.instantiate(builder.module, imports: Imports()).function("f")
        #expect(try store.invoke(f, []) == [.i64(0)])
        #expect(try store.invoke(f, []) == [.i64(0)])
    }

    @Test func unboundedRecursionExhaustsTheCallStack() throws {
        var builder = ModuleBuilder()
        builder.function(.of([], []), frameSize: 1, export: "f", [Instruction(.call, 0, 0), Instruction(.return)])
        let store = Store()
        let f = try store.instantiate(builder.module, imports: Imports()).function("f")
        #expect(trapReason { try store.invoke(f, []) } == .callStackExhausted)
        // The store stays usable after the trap.
        let fib = try store.instantiate(fibonacciModule().module, imports: Imports()).function("fib")
        #expect(try store.invoke(fib, [.i32(10)]) == [.i32(55)])
    }

    @Test func frameLargerThanTheValueStackExhaustsIt() throws {
        var configuration = Store.Configuration()
        configuration.valueStackSlots = 1000
        var builder = ModuleBuilder()
        builder.function(.of([], []), frameSize: 8, export: "f", [Instruction(.call, 0, 4), Instruction(.return)])
        let store = Store(configuration: configuration)
        #expect(trapReason { try run(builder, "f", [], store: store) } == .callStackExhausted)
    }

    @Test func callIndirectChecksBoundsNullAndType() throws {
        var builder = ModuleBuilder()
        builder.table(4)
        let one = builder.function(.of([], [.i32]), [Instruction(.const32, 0, 1), Instruction(.return)])
        let identity = builder.function(.of([.i32], [.i32]), [Instruction(.return)])
        builder.activeElements(offset: 0, functions: [one, identity])
        let expectedType = builder.typeIndex(.of([], [.i32]))
        builder.function(
            .of([.i32], [.i32]), frameSize: 2, export: "dispatch",
            [
                Instruction(.copy, 1, 0),
                Instruction(.callIndirect, expectedType, 1, 0),
                Instruction(.copy, 0, 1),
                Instruction(.return),
            ])
        let store = Store()
        let dispatch = try store.instantiate(builder.module, imports: Imports()).function("dispatch")
        #expect(try store.invoke(dispatch, [.i32(0)]) == [.i32(1)])
        #expect(trapReason { try store.invoke(dispatch, [.i32(1)]) } == .indirectCallTypeMismatch)
        #expect(trapReason { try store.invoke(dispatch, [.i32(2)]) } == .uninitializedElement)
        #expect(trapReason { try store.invoke(dispatch, [.i32(4)]) } == .undefinedElement)
        #expect(trapReason { try store.invoke(dispatch, [.i32(0xFFFF_FFFF)]) } == .undefinedElement)
    }

    @Test func callIndirectComparesTypesStructurallyAcrossModules() throws {
        let store = Store()
        var provider = ModuleBuilder()
        provider.typeIndex(.of([.f64], []))  // shifts the index of the function's type
        provider.table(1)
        let seven = provider.function(.of([.i32], [.i64]), [Instruction(.const32, 0, 7), Instruction(.return)])
        provider.activeElements(offset: 0, functions: [seven])
        provider.export("table", .table(0))
        let providerInstance = try store.instantiate(provider.module, imports: Imports())

        var user = ModuleBuilder()
        user.importTable("provider", "table", TableType(elementType: .funcref, limits: Limits(min: 1)))
        let type = user.typeIndex(.of([.i32], [.i64]))
        user.function(
            .of([], [.i64]), frameSize: 3, export: "f",
            [
                Instruction(.const32, 1, 5),
                Instruction(.const32, 2, 0),
                Instruction(.callIndirect, type, 1, 0),
                Instruction(.copy, 0, 1),
                Instruction(.return),
            ])
        var imports = Imports()
        imports.define(module: "provider", name: "table", providerInstance.export("table")!)
        let f = try store.instantiate(user.module, imports: imports).function("f")
        #expect(try store.invoke(f, []) == [.i64(7)])
    }

    @Test func unreachableTraps() throws {
        var builder = ModuleBuilder()
        builder.function(.of([], []), export: "f", [Instruction(.unreachable)])
        #expect(trapReason { try run(builder, "f", []) } == .unreachable)
    }

    @Test func invokeChecksArgumentTypes() throws {
        let store = Store()
        let fib = try store.instantiate(fibonacciModule().module, imports: Imports()).function("fib")
        #expect(throws: Trap.self) { try store.invoke(fib, [.i64(1)]) }
        #expect(throws: Trap.self) { try store.invoke(fib, []) }
    }
}
