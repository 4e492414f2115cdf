#if hasFeature(Embedded)
import SwiftletABI
import WasmEngine

/// The module's imports that the host's own functions serve (a sandbox's `hostFunctions`), when boot info says the
/// host has some (``BootInfo/linksHostFunctions``): every function import from a module other than
/// `wasi_snapshot_preview1` becomes a stub of the import's own type that hands the call to the host in one
/// ``Hypercall/hostCall`` exit. The host checked before booting that each has a host function of that type, so the
/// engine links them all; what a host function returns or traps with is the host's, and a trap ends the run there.
enum HostCallStubs {
    static func define(in imports: inout Imports, for module: Module, store: Store) {
        var functionIndex: UInt64 = 0
        for entry in module.imports {
            guard case .function(let typeIndex) = entry.descriptor else { continue }
            let index = functionIndex
            functionIndex += 1
            guard !WASIFunction.equal(WASIFunction.moduleName, entry.module), Int(typeIndex) < module.types.count
            else { continue }
            let type = module.types[Int(typeIndex)]
            let stub = store.makeHostFunction(type: type) { caller, arguments in
                let results = Hypercalls.hostCall(
                    function: index, memory: GuestWASI.memoryRange(caller), arguments: arguments.map(GuestWASI.slot(of:)),
                    resultCount: type.results.count)
                return zip(type.results, results).map { type, bits in
                    ModuleRun.value(of: ABIValue(type: UInt64(type.rawValue), bits: bits))
                }
            }
            imports.define(module: entry.module, name: entry.name, .function(stub))
        }
    }
}
#endif
