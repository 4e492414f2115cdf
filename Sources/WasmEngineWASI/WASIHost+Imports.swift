import WASIHost
import WasmEngine

extension WASIHost {
    /// The import module name of WASI preview1.
    public static let moduleName = "wasi_snapshot_preview1"

    /// Defines all 46 preview1 functions in `imports` as host functions of `store`, each one a `call` of this
    /// host on a bounds-checked view of the calling instance's memory, built for that call.
    ///
    /// `proc_exit` records the status in `exitStatus` and unwinds the guest with a trap; the embedder checks
    /// `exitStatus` when a call traps. A blocking call cut short by `interruptHandle` traps with "interrupted",
    /// as the engine's own interruption does.
    public func define(in imports: inout Imports, store: Store) {
        for function in WASIFunction.allCases {
            define(function, in: &imports, store: store)
        }
    }

    /// Defines in `imports` only the preview1 functions `module` imports, as `define(in:store:)` does all 46: a
    /// sandbox restored from a snapshot binds its imports in each new store, where defining every function cost
    /// ~40 µs. An import of a name preview1 lacks is left undefined, for instantiation or restore to refuse.
    /// - Parameter wrapping: makes each function's body from the plain one and the function's number (hooks run
    ///   around every call this way).
    public func define(
        in imports: inout Imports, store: Store, importedBy module: Module,
        wrapping: ((WASIFunction, @escaping HostFunctionBody) -> HostFunctionBody)? = nil
    ) {
        for item in module.imports where item.module == Self.moduleName {
            guard let function = Self.functionsByName[item.name] else { continue }
            define(function, in: &imports, store: store, wrapping: wrapping)
        }
    }

    private static let functionsByName: [String: WASIFunction] = {
        var functions: [String: WASIFunction] = [:]
        for function in WASIFunction.allCases { functions[function.name] = function }
        return functions
    }()

    private func define(
        _ function: WASIFunction, in imports: inout Imports, store: Store,
        wrapping: ((WASIFunction, @escaping HostFunctionBody) -> HostFunctionBody)? = nil
    ) {
        let type = FuncType(
            parameters: function.parameterIsI64.map { $0 ? .i64 : .i32 },
            results: function.returnsErrno ? [.i32] : [])
        let body: HostFunctionBody = { [self] caller, values throws(Trap) in
            let arguments = values.map(Self.rawArgument)
            let outcome: WASICallOutcome
            if let memory = caller.memory {
                outcome = caller.store.withBytes(of: memory) { call(function, LinearMemoryView($0), arguments) }
            } else {
                outcome = call(function, LinearMemoryView(UnsafeMutableRawBufferPointer(start: nil, count: 0)), arguments)
            }
            switch outcome {
            case .returned(.interrupted) where interruptHandle.isInterrupted:
                throw Trap(.interrupted)
            case .returned(let errno): return [.i32(UInt32(errno.rawValue))]
            case .exited(let status): throw Trap(.host("exit with status \(status)"))
            }
        }
        let hostFunction = store.makeHostFunction(type: type, wrapping.map { $0(function, body) } ?? body)
        imports.define(module: Self.moduleName, name: function.name, .function(hostFunction))
    }

    private static func rawArgument(_ value: Value) -> UInt64 {
        switch value {
        case .i32(let value): return UInt64(value)
        case .i64(let value): return value
        default: return 0
        }
    }
}
