import WasmEngine

/// The `spectest` module the spec scripts import from (as the reference interpreter defines it).
enum SpectestModule {
    static func define(in store: Store, into imports: inout Imports) {
        let printFunctions: [(String, [ValueType])] = [
            ("print", []),
            ("print_i32", [.i32]),
            ("print_i64", [.i64]),
            ("print_f32", [.f32]),
            ("print_f64", [.f64]),
            ("print_i32_f32", [.i32, .f32]),
            ("print_f64_f64", [.f64, .f64]),
        ]
        for (name, parameters) in printFunctions {
            // The scripts only check that calls link and run; the printed text is not part of any assertion.
            let function = store.makeHostFunction(type: FuncType(parameters: parameters, results: [])) { _, _ in [] }
            imports.define(module: "spectest", name: name, .function(function))
        }

        let globals: [(String, ValueType, Value)] = [
            ("global_i32", .i32, .i32(666)),
            ("global_i64", .i64, .i64(666)),
            ("global_f32", .f32, .f32(bits: Float(666.6).bitPattern)),
            ("global_f64", .f64, .f64(bits: Double(666.6).bitPattern)),
        ]
        for (name, type, value) in globals {
            let global = store.makeGlobal(type: GlobalType(valueType: type, isMutable: false), value: value)
            imports.define(module: "spectest", name: name, .global(global))
        }

        let table = store.makeTable(
            type: TableType(elementType: .funcref, limits: Limits(min: 10, max: 20)), initialValue: .funcref(nil))
        imports.define(module: "spectest", name: "table", .table(table))
        let table64 = store.makeTable(
            type: TableType(elementType: .funcref, limits: Limits(min: 10, max: 20), addressType: .i64),
            initialValue: .funcref(nil))
        imports.define(module: "spectest", name: "table64", .table(table64))

        let memory = store.makeMemory(type: MemoryType(limits: Limits(min: 1, max: 2)))
        imports.define(module: "spectest", name: "memory", .memory(memory))
    }
}
