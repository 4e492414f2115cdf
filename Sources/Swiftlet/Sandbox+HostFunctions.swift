import WASIHost
import WasmEngineWASI

#if canImport(Monitor)
import Monitor
import SwiftletABI
#endif

/// One of a module's function imports that a micro-VM's host functions serve: every function import from a module
/// other than `wasi_snapshot_preview1` (whose functions the guest links to its own WASI). Host calls name it by its
/// index in the module's function index space. A snapshot keeps the module's, so that a restored micro-VM, whose guest
/// linked them at the capture, gets its own host functions checked against them as in-process restores are.
struct HostFunctionImport: Sendable {
    let functionIndex: UInt32
    let module: String
    let name: String
    let type: FuncType

    /// The function imports of `interface` that host functions serve, in import order.
    static func all(in interface: ModuleInterface) -> [HostFunctionImport] {
        var imports: [HostFunctionImport] = []
        var functionIndex: UInt32 = 0
        for item in interface.imports {
            guard case .function(let typeIndex) = item.descriptor else { continue }
            let index = functionIndex
            functionIndex += 1
            guard !item.module.utf8.elementsEqual(WASIHost.moduleName.utf8) else { continue }
            imports.append(
                HostFunctionImport(
                    functionIndex: index, module: item.module, name: item.name, type: interface.types[Int(typeIndex)]))
        }
        return imports
    }
}

#if canImport(Monitor)
extension Sandbox {
    /// The monitor's handler of host calls to the configuration's host functions serving `imports` (nil when it
    /// serves none), each found as the engine links an import in-process: the last host function with the import's
    /// module and name (byte for byte), which must have the import's type. An import none serves is refused in the
    /// engine's words, before any guest runs; so is a `funcref` in a host function's type, which cannot leave the VM.
    func hostCallHandler(
        serving imports: [HostFunctionImport]
    ) throws(SandboxError) -> HypercallDispatcher.HostCallHandler? {
        var functions: [UInt64: HostFunction] = [:]
        for item in imports {
            let function = configuration.hostFunctions.last {
                $0.module.utf8.elementsEqual(item.module.utf8) && $0.name.utf8.elementsEqual(item.name.utf8)
            }
            guard let function, function.type == item.type else {
                let refusal: InstantiationError = function == nil
                    ? .unknownImport(module: item.module, name: item.name)
                    : .incompatibleImportType(module: item.module, name: item.name)
                guard case .unlinkable(let reason) = refusal else { preconditionFailure("a refusal is unlinkable") }
                // As in-process, a module that does not decode is that first.
                throw invalidModuleError() ?? .unlinkable(module: configuration.module.name, reason: reason)
            }
            for type in [ValueType.funcref, .v128] where (item.type.parameters + item.type.results).contains(type) {
                throw .unsupported(
                    "host function `\(item.module)` `\(item.name)` passes a \(type), which cannot cross into the micro-VM; "
                        + "use --isolation process")
            }
            functions[UInt64(item.functionIndex)] = function
        }
        guard !functions.isEmpty else { return nil }
        let reference = HostFunctionsReference(functions)
        return { function, arguments, resultCount, linearMemory in
            guard let hostFunction = reference.functions[function] else {
                return .refused("no host function serves function \(function)")
            }
            let type = hostFunction.type
            guard arguments.count == type.parameters.count, resultCount == type.results.count else {
                return .refused(
                    "function \(function) takes \(type.parameters.count) arguments and returns \(type.results.count) "
                        + "results, not \(arguments.count) and \(resultCount)")
            }
            let values = zip(type.parameters, arguments).map { type, bits in
                Self.value(ABIValue(type: UInt64(type.rawValue), bits: bits))
            }
            do throws(Trap) {
                let results = try hostFunction.body(HostMemory(linearMemory), values)
                // As the engine checks a host function's results in-process.
                guard results.map(\.type) == type.results else { throw Trap.hostResultTypeMismatch }
                return .returned(results.map { Self.abiValue($0).bits })
            } catch {
                return .trapped(error.reason.message)
            }
        }
    }
}

/// The monitor calls host functions on the vCPU thread, which is the thread running the sandbox's execution (one at a
/// time), which the handler's `Sendable` type cannot know.
private final class HostFunctionsReference: @unchecked Sendable {
    let functions: [UInt64: Sandbox.HostFunction]

    init(_ functions: [UInt64: Sandbox.HostFunction]) { self.functions = functions }
}
#endif
