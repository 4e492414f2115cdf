import WasmEngine

/// A hook, decoded and checked against the hook ABI, with the configuration string it reads with `config`.
public struct HookModule: Sendable {
    /// How messages name it (its file name).
    public let name: String
    public let module: Module
    public let configuration: [UInt8]

    /// Decodes and validates `bytes` and checks the interface: every import is one of `swiftlet_hook`'s functions with
    /// its type, every handler it exports has the handler's type, and it exports at least one event handler.
    public init(name: String, bytes: ModuleBytes, configuration: [UInt8]) throws(HookError) {
        let module: Module
        do throws(ModuleError) {
            module = try Module(bytes: bytes)
        } catch {
            throw .invalid(hook: name, reason: error.description)
        }
        try Self.checkInterface(of: module, name: name)
        self.name = name
        self.module = module
        self.configuration = configuration
    }

    private static func checkInterface(of module: Module, name: String) throws(HookError) {
        for entry in module.imports {
            let what = "\"\(entry.module)\" \"\(entry.name)\""
            guard entry.module == HookABI.importModule,
                let function = HookABI.Function.allCases.first(where: { $0.name == entry.name })
            else {
                throw .invalid(hook: name, reason: "it imports \(what); a hook may import only the functions of "
                    + "\"\(HookABI.importModule)\" (include/swiftlet/hook.h)")
            }
            guard case .function(let typeIndex) = entry.descriptor, module.types[Int(typeIndex)] == function.type else {
                throw .invalid(hook: name, reason: "its import \(what) is not of the hook ABI's type")
            }
        }
        var handlers = 0
        for handler in HookABI.Handler.allCases {
            guard let export = module.exports.first(where: { $0.name == handler.exportName }) else { continue }
            guard case .function(let index) = export.descriptor, module.functionType(ofFunction: index) == handler.type
            else {
                throw .invalid(hook: name, reason: "its export \"\(handler.exportName)\" is not of the hook ABI's type")
            }
            if handler != .initialize { handlers += 1 }
        }
        for selection in HookABI.Selection.allCases {
            guard let export = module.exports.first(where: { $0.name == selection.exportName }) else { continue }
            guard case .function(let index) = export.descriptor,
                module.functionType(ofFunction: index) == HookABI.Selection.type
            else {
                throw .invalid(hook: name, reason: "its export \"\(selection.exportName)\" is not of the hook ABI's type")
            }
        }
        guard handlers > 0 else {
            throw .invalid(hook: name, reason: "it exports no event handler (swiftlet_hook_call_enter, "
                + "swiftlet_hook_call_exit or swiftlet_hook_data)")
        }
    }
}

/// How hooks run.
public struct HookSettings: Sendable {
    /// Fuel (the engine's instruction budget) for each handler call: a handler that runs out has failed.
    public var fuelPerEvent: UInt64 = 1_000_000
    /// Whether a hook's failure ends the run (with a trap naming the hook) instead of denying the call.
    public var endsRunOnFailure = false
    /// Cap on each hook's linear memory, in 64 KiB pages.
    public var maxMemoryPages: UInt64 = 256

    public init() {}
}
