import Glibc
import WASIHost
import WasmEngineWASI

extension Sandbox {
    /// One execution in this process: a new store and instance on the calling thread.
    func executeInProcess(_ entry: Entry) throws(SandboxError) -> Ending {
        let module = try module()
        var storeConfiguration = Store.Configuration()
        storeConfiguration.fuel = configuration.limits.fuel
        if let pages = configuration.limits.maxMemoryPages { storeConfiguration.maxMemoryPages = pages }
        let store = Store(configuration: storeConfiguration)
        let wasi: WASIHost
        do throws(WASIHost.SetupError) {
            wasi = try WASIHost(configuration: wasiConfiguration(for: entry))
        } catch {
            throw .invalidConfiguration(error.description)
        }
        // As wasmtime: writing to a closed pipe is the guest's EPIPE, not the end of this process.
        signal(SIGPIPE, SIG_IGN)
        var imports = Imports()
        wasi.define(in: &imports, store: store)
        for function in configuration.hostFunctions {
            let hostFunction = store.makeHostFunction(type: function.type) { caller, arguments throws(Trap) in
                guard let memory = caller.memory else {
                    return try function.body(HostMemory(UnsafeMutableRawBufferPointer(start: nil, count: 0)), arguments)
                }
                // Carried out of the closure: Store.withBytes takes no throwing body.
                let outcome = caller.store.withBytes(of: memory) { bytes -> Result<[Value], Trap> in
                    do throws(Trap) {
                        return .success(try function.body(HostMemory(bytes), arguments))
                    } catch {
                        return .failure(error)
                    }
                }
                return try outcome.get()
            }
            imports.define(module: function.module, name: function.name, .function(hostFunction))
        }

        // The deadline interrupts the engine at its next call or loop back-edge, and wakes a blocking WASI call.
        let watchdog = configuration.limits.timeout.map { limit in
            Watchdog(after: limit) { [engine = store.interruptHandle, wasi = wasi.interruptHandle] in
                engine.interrupt()
                wasi.interrupt()
            }
        }
        defer {
            watchdog?.cancel()
            statistics.translatedFunctionCount = store.translatedFunctionCount
            statistics.definedFunctionCount = module.functions.count
        }
        let failure = { (trap: Trap) -> SandboxError in
            if let limit = self.configuration.limits.timeout, trap.reason == .interrupted {
                return .timedOut(after: limit, guestInstructionPointer: nil)
            }
            return .trap(trap.reason.message)
        }

        let instance: Instance
        do throws(InstantiationError) {
            instance = try store.instantiate(module, imports: imports)
        } catch {
            switch error {
            case .unlinkable(let reason): throw .unlinkable(module: configuration.module.name, reason: reason)
            case .trap(let trap):
                if let status = wasi.exitStatus { return .exited(status) }
                throw failure(trap)
            }
        }
        let function: Function
        let arguments: [Value]
        switch entry {
        case .start:
            guard case .function(let start)? = instance.export("_start") else {
                throw .noStartFunction(module: configuration.module.name)
            }
            (function, arguments) = (start, [])
        case .export(let name, let values):
            guard let export = instance.export(name) else {
                throw .noSuchExport(module: configuration.module.name, name: name)
            }
            guard case .function(let exported) = export else { throw .exportIsNotAFunction(name: name) }
            try checkArguments(values, of: name, parameters: store.type(of: exported).parameters)
            (function, arguments) = (exported, values)
        }
        statistics.entryTime = monotonicNanoseconds()
        do throws(Trap) {
            let results = try store.invoke(function, arguments)
            if case .start = entry { return .exited(0) }
            return .returned(results)
        } catch {
            if let status = wasi.exitStatus { return .exited(status) }
            throw failure(error)
        }
    }
}

/// CLOCK_MONOTONIC in nanoseconds.
package func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
