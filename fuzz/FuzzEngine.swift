// libFuzzer entry point over the whole engine: decode and validate, translate every function (which the engine
// does only on a function's first call, and which must succeed for every body validation accepted), instantiate
// with every import stubbed, then call each exported function with zero arguments under a fuel budget, in the
// interpreter and again as machine code (the compiler tier), in two stores. Any thrown error is an expected outcome;
// a finding is a crash, a sanitizer report, a hang, a validated body the translator rejects, or the two tiers
// disagreeing on an export's results or trap (until fuel, depth or a NaN's payload, which may differ, intervene).
//
// Built by `make fuzz-build` (see the Makefile); given files instead of directories, the binary runs each
// once, which is how `make fuzz-regressions` replays fuzz/regressions/.

import WasmEngine

/// Caps that keep one input cheap: a stubbed import or an instance may not ask for more than this.
private enum Budget {
    static let memoryPages: UInt64 = 256
    static let tableElements: UInt64 = 100_000
    static let fuel: UInt64 = 100_000
    static let callDepth = 1_000
    static let valueStackSlots = 1 << 16
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEngine(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    // SAFETY: libFuzzer guarantees `count` readable bytes at `data` for the duration of this call.
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    guard let module = try? Module(bytes: bytes) else { return 0 }
    for index in module.functions.indices {
        do throws(ModuleError) {
            _ = try module.compiledFunction(definedIndex: index)
        } catch {
            fatalError("the validator accepted a body the translator rejects: function \(index): \(error)")
        }
    }

    guard let interpreted = Run(module, tier: .interpreter), let compiled = Run(module, tier: .compiler) else { return 0 }
    for (name, function) in interpreted.exportedFunctions {
        let expected = interpreted.call(function)
        guard case .function(let twin)? = compiled.instance.export(name) else { fatalError("export \(name) missing") }
        let outcome = compiled.call(twin)
        // Past a limit the two stores' states may part: compare nothing after it.
        if expected.reachedLimit || outcome.reachedLimit { break }
        guard expected.matches(outcome) else {
            fatalError("export \(name): the interpreter gives \(expected.result), machine code \(outcome.result)")
        }
    }
    return 0
}

/// The module instantiated in a store of its own, running in one tier.
private struct Run {
    let store: Store
    let instance: Instance

    init?(_ module: Module, tier: ExecutionTier) {
        var configuration = Store.Configuration()
        configuration.maxMemoryPages = Budget.memoryPages
        configuration.maxCallDepth = Budget.callDepth
        configuration.valueStackSlots = Budget.valueStackSlots
        configuration.fuel = Budget.fuel
        configuration.tier = tier
        store = Store(configuration: configuration)
        guard let imports = stubImports(of: module, in: store),
              let instance = try? store.instantiate(module, imports: imports)
        else { return nil }
        self.instance = instance
    }

    var exportedFunctions: [(String, Function)] {
        instance.exports.compactMap { export in
            guard case .function(let function) = export.value else { return nil }
            return (export.name, function)
        }
    }

    func call(_ function: Function) -> Outcome {
        let arguments = store.type(of: function).parameters.map(Value.zero)
        do throws(Trap) {
            return Outcome(result: .success(try store.invoke(function, arguments)))
        } catch {
            return Outcome(result: .failure(error))
        }
    }
}

/// An export's results or trap.
private struct Outcome {
    let result: Result<[Value], Trap>

    /// Fuel and depth are counted differently by the tiers (machine code runs the interpreter's code before fusion,
    /// and its calls take the thread's stack).
    var reachedLimit: Bool {
        guard case .failure(let trap) = result else { return false }
        return trap.reason == .outOfFuel || trap.reason == .callStackExhausted || trap.reason == .interrupted
    }

    /// Equal results, a NaN matching any NaN of its type (WebAssembly leaves a NaN's payload open).
    func matches(_ other: Outcome) -> Bool {
        switch (result, other.result) {
        case (.failure(let left), .failure(let right)): return left == right
        case (.success(let left), .success(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { pair in
                switch pair {
                case (.f32(bits: let x), .f32(bits: let y)): return x == y || (Float(bitPattern: x).isNaN && Float(bitPattern: y).isNaN)
                case (.f64(bits: let x), .f64(bits: let y)): return x == y || (Double(bitPattern: x).isNaN && Double(bitPattern: y).isNaN)
                // Structs and arrays of two stores lie at different addresses: their kinds must agree, i31s their values.
                case (.anyref(let x?), .anyref(let y?)): return x.kind == y.kind && x.i31 == y.i31
                default: return pair.0 == pair.1
                }
            }
        default: return false
        }
    }
}

/// Satisfies every import with a fresh host object of the declared type, or returns nil when an import
/// asks for more than the budget allows.
private func stubImports(of module: Module, in store: Store) -> Imports? {
    for entry in module.imports {
        switch entry.descriptor {
        case .table(let type) where type.limits.min > Budget.tableElements: return nil
        case .memory(let type) where type.limits.min > Budget.memoryPages: return nil
        default: continue
        }
    }
    return Imports.placeholders(for: module, in: store)
}
