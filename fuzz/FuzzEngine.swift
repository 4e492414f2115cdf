// libFuzzer entry point over the whole engine: decode and validate, translate every function (which the engine
// does only on a function's first call, and which must succeed for every body validation accepted), instantiate
// with every import stubbed, then call each exported function with zero arguments under a fuel budget. Any thrown
// error is an expected outcome; only a crash, a sanitizer report, a hang or a validated body the translator rejects
// is a finding.
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

    var configuration = Store.Configuration()
    configuration.maxMemoryPages = Budget.memoryPages
    configuration.maxCallDepth = Budget.callDepth
    configuration.valueStackSlots = Budget.valueStackSlots
    configuration.fuel = Budget.fuel
    let store = Store(configuration: configuration)

    guard let imports = stubImports(of: module, in: store),
          let instance = try? store.instantiate(module, imports: imports)
    else { return 0 }

    for export in instance.exports {
        guard case .function(let function) = export.value else { continue }
        let arguments = store.type(of: function).parameters.map(zeroValue)
        _ = try? store.invoke(function, arguments)
    }
    return 0
}

/// Satisfies every import with a fresh host object of the declared type, or returns nil when an import
/// asks for more than the budget allows.
private func stubImports(of module: Module, in store: Store) -> Imports? {
    var imports = Imports()
    for entry in module.imports {
        let value: ExternalValue
        switch entry.descriptor {
        case .function(let typeIndex):
            let type = module.types[Int(typeIndex)]
            value = .function(store.makeHostFunction(type: type) { _, _ in type.results.map(zeroValue) })
        case .table(let type):
            guard type.limits.min <= Budget.tableElements else { return nil }
            value = .table(store.makeTable(type: type, initialValue: zeroValue(type.elementType)))
        case .memory(let type):
            guard type.limits.min <= Budget.memoryPages else { return nil }
            value = .memory(store.makeMemory(type: type))
        case .global(let type):
            value = .global(store.makeGlobal(type: type, value: zeroValue(type.valueType)))
        }
        imports.define(module: entry.module, name: entry.name, value)
    }
    return imports
}

private func zeroValue(_ type: ValueType) -> Value {
    switch type {
    case .i32: return .i32(0)
    case .i64: return .i64(0)
    case .f32: return .f32(bits: 0)
    case .f64: return .f64(bits: 0)
    case .v128: return .v128(V128(low: 0, high: 0))
    case .funcref: return .funcref(nil)
    case .externref: return .externref(nil)
    }
}
