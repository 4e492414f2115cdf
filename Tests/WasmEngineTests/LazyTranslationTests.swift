import Foundation
import Testing
@testable import WasmEngine

/// Functions are translated on their first call (`FunctionCode.body`): what runs there must behave as if it had
/// been translated up front, and what never runs is never translated.
@Suite struct LazyTranslationTests {
    /// Function 0 `main` (exported) calls function 1 `callee` (exported) and returns its result plus one;
    /// function 2 `unused` (exported) is never called by the others. `callee` is `calleeBody`, of type [] -> [i32],
    /// with `calleeLocals` declared i32 locals.
    static func module(calleeBody: [UInt8], calleeLocals: UInt32 = 0) -> [UInt8] {
        let calleeLocalDeclarations: [UInt8] = calleeLocals == 0 ? [0x00] : [0x01] + encodeU32(calleeLocals) + [0x7F]
        let bodies: [[UInt8]] = [
            [0x00, 0x10, 0x01, 0x41, 0x01, 0x6A, 0x0B],  // call 1; i32.const 1; i32.add
            calleeLocalDeclarations + calleeBody,
            [0x00, 0x41, 0x07, 0x0B],  // i32.const 7
        ]
        return wasmModule(
            (.type, vector(functionType([], [.i32]))),
            (.function, vector([0x00], [0x00], [0x00])),
            (.export, vector(name("main") + [0x00, 0x00], name("callee") + [0x00, 0x01], name("unused") + [0x00, 0x02])),
            (.code, vector(bodies[0].sized, bodies[1].sized, bodies[2].sized)))
    }

    static func instantiate(_ bytes: [UInt8], _ store: Store) throws -> Instance {
        try store.instantiate(try Module(bytes: bytes), imports: Imports())
    }

    @Test func decodingTranslatesNothingAndCallsTranslateOnlyWhatTheyReach() throws {
        let bytes = Self.module(calleeBody: [0x41, 0x29, 0x0B])  // i32.const 41
        let module = try Module(bytes: bytes)
        for code in module.functions {
            guard case .body = code else { Issue.record("a function was translated while decoding"); continue }
        }
        let store = Store()
        let instance = try store.instantiate(module, imports: Imports())
        let (main, callee, unused) = (instance.function("main"), instance.function("callee"), instance.function("unused"))
        #expect(!store.isTranslated(main) && !store.isTranslated(callee) && !store.isTranslated(unused))
        #expect(try store.invoke(main, []) == [.i32(42)])
        #expect(store.isTranslated(main) && store.isTranslated(callee))
        #expect(!store.isTranslated(unused))
        // Later calls run the translation the first one installed.
        #expect(try store.invoke(main, []) == [.i32(42)])
        #expect(try store.invoke(callee, []) == [.i32(41)])
        #expect(!store.isTranslated(unused))
    }

    @Test func aTrapInAFunctionTranslatedOnItsFirstCall() throws {
        let store = Store()
        let instance = try Self.instantiate(Self.module(calleeBody: [0x00, 0x0B]), store)  // unreachable
        #expect(trapReason { try store.invoke(instance.function("main"), []) } == .unreachable)
        #expect(trapReason { try store.invoke(instance.function("main"), []) } == .unreachable)
    }

    /// `loop br 0 end; i32.const 0`: spins until stopped.
    static let spinningBody: [UInt8] = [0x03, 0x40, 0x0C, 0x00, 0x0B, 0x41, 0x00, 0x0B]

    @Test func fuelRunsOutInAFunctionTranslatedOnItsFirstCall() throws {
        var configuration = Store.Configuration()
        configuration.fuel = 10_000
        let store = Store(configuration: configuration)
        let instance = try Self.instantiate(Self.module(calleeBody: Self.spinningBody), store)
        #expect(trapReason { try store.invoke(instance.function("main"), []) } == .outOfFuel)
        #expect(store.remainingFuel == 0)
    }

    @Test func interruptionStopsAFunctionTranslatedOnItsFirstCall() throws {
        // Fuel bounds the test if the interruption never arrives: it then fails instead of hanging.
        var configuration = Store.Configuration()
        configuration.fuel = 20_000_000_000
        let store = Store(configuration: configuration)
        let instance = try Self.instantiate(Self.module(calleeBody: Self.spinningBody), store)
        let handle = store.interruptHandle
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.05)
            handle.interrupt()
        }
        #expect(trapReason { try store.invoke(instance.function("main"), []) } == .interrupted)
    }

    @Test func aFirstCallWhoseTranslatedFrameDoesNotFitExhaustsTheStack() throws {
        // The call's check sees only the stand-in's frame (no locals); the translation declares 200 locals, which
        // a 64-slot value stack cannot hold.
        var configuration = Store.Configuration()
        configuration.valueStackSlots = 64
        let store = Store(configuration: configuration)
        let instance = try Self.instantiate(Self.module(calleeBody: [0x20, 0xC7, 0x01, 0x0B], calleeLocals: 200), store)
        #expect(trapReason { try store.invoke(instance.function("main"), []) } == .callStackExhausted)
        // Translated by then, the same call is refused by the call's own check.
        #expect(trapReason { try store.invoke(instance.function("main"), []) } == .callStackExhausted)
    }

    @Test func declaredLocalsStartZeroInFunctionsEnteredFromTheHost() throws {
        // local.get 5 of six declared locals, from an invoke that is also the first call.
        let store = Store()
        let instance = try Self.instantiate(Self.module(calleeBody: [0x20, 0x05, 0x0B], calleeLocals: 6), store)
        #expect(try store.invoke(instance.function("callee"), []) == [.i32(0)])
    }
}

extension Array where Element == UInt8 {
    /// A code section entry: the body prefixed by its size.
    var sized: [UInt8] { encodeU32(UInt32(count)) + self }
}
