// Stand-ins for a module's imports, for instantiating it without its real ones: to look at its code
// (`swiftlet explore --tier compiler`), or to run it with nothing behind its imports (the fuzzer).

extension Imports {
    /// Imports that satisfy every import of `module` with a new object of the declared type, made in `store`:
    /// functions that return zeros, memories and tables of their minimum size, globals holding zero, new tags.
    public static func placeholders(for module: Module, in store: Store) -> Imports {
        var imports = Imports()
        for entry in module.imports {
            let value: ExternalValue
            switch entry.descriptor {
            case .function(let typeIndex):
                let type = module.types[Int(typeIndex)]
                value = .function(store.makeHostFunction(type: type) { _, _ in type.results.map(Value.zero) })
            case .table(let type):
                value = .table(store.makeTable(type: type, initialValue: .zero(type.elementType)))
            case .memory(let type):
                value = .memory(store.makeMemory(type: type))
            case .global(let type):
                value = .global(store.makeGlobal(type: type, value: .zero(type.valueType)))
            case .tag(let typeIndex):
                value = .tag(store.makeTag(type: module.types[Int(typeIndex)]))
            }
            imports.define(module: entry.module, name: entry.name, value)
        }
        return imports
    }
}

extension Value {
    /// The zero of `type` (null for references).
    public static func zero(_ type: ValueType) -> Value {
        switch type {
        case .i32: .i32(0)
        case .i64: .i64(0)
        case .f32: .f32(bits: 0)
        case .f64: .f64(bits: 0)
        case .v128: .v128(V128(low: 0, high: 0))
        default: null(type.heapType!)
        }
    }

    /// The null reference of `heapType`'s hierarchy (every reference type of a hierarchy shares one null); a concrete
    /// heap type's is told by `kind`.
    public static func null(_ heapType: HeapType, kind: (UInt32) -> CompositeKind = { _ in .function }) -> Value {
        switch heapType.top(kind: kind) {
        case .extern: .externref(nil)
        case .exn: .exnref(nil)
        case .any: .anyref(nil)
        default: .funcref(nil)
        }
    }
}
