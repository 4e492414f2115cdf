import Glibc
import WASIHost
import WasmEngineWASI

#if canImport(MemfdImages)
import MemfdImages
#endif

extension Sandbox {
    /// One execution in this process, on the calling thread: a new store with a new instance of the module, or one
    /// restored from the snapshot the configuration names.
    func executeInProcess(_ entry: Entry) throws(SandboxError) -> Ending {
        let module = try module()
        let world = try makeProcessWorld(for: entry, module: module)
        defer { world.hookOutput?.drain() }
        return try world.guarded(timeout: configuration.limits.timeout) { () throws(SandboxError) -> Ending in
            statistics.definedFunctionCount = module.functions.count
            if configuration.tier == .compiler { statistics.interpreterFallback = module.machineCodeLimitation }
            let instance: Instance
            if case .snapshot(let snapshot) = configuration.module {
                guard case .process(let captured) = snapshot.state else { preconditionFailure("checked at init") }
                do throws(SnapshotError) {
                    instance = try world.store.restore(captured, imports: world.imports)
                } catch {
                    // The engine's words, as an instantiation's: an import's refusal, or a limit the snapshot exceeds.
                    let reason = if case .unlinkable(let message) = error { message } else { "\(error)" }
                    throw .unlinkable(module: configuration.module.name, reason: reason)
                }
            } else {
                guard let instantiated = try instantiate(module, in: world) else {
                    return .exited(world.wasi.exitStatus ?? 0)
                }
                instance = instantiated
            }
            defer { statistics.translatedFunctionCount = world.store.translatedFunctionCount }
            return try call(entry, of: instance, in: world)
        }
    }

    /// Instantiates the module and runs its initializer in a new in-process world, and captures it (with every
    /// function translated first, if asked).
    func captureInProcess(translatingAllFunctions: Bool) throws(SandboxError) -> InstanceSnapshot {
        let module = try module()
        let world = try makeProcessWorld(for: .start, module: module)
        return try world.guarded(timeout: configuration.limits.timeout) { () throws(SandboxError) in
            guard let instance = try instantiate(module, in: world) else {
                throw .unsupported("cannot snapshot `\(configuration.module.name)`: it exited while instantiated")
            }
            if let initializer = instance.initializer {
                do throws(Trap) {
                    _ = try world.store.invoke(initializer, [])
                } catch {
                    if world.wasi.exitStatus != nil {
                        throw .unsupported("cannot snapshot `\(configuration.module.name)`: it exited while initializing")
                    }
                    throw world.failure(error)
                }
            }
            if translatingAllFunctions {
                do throws(Trap) {
                    try world.store.translateAllFunctions(of: instance)
                } catch {
                    throw world.failure(error)
                }
            }
            try checkDescriptorsAtCapture(world.wasi)
            do throws(SnapshotError) {
                return try world.store.snapshot(of: instance)
            } catch {
                throw .unsupported("cannot snapshot `\(configuration.module.name)`: \(error)")
            }
        }
    }

    /// The store, WASI host and imports of one in-process execution of `module`.
    private func makeProcessWorld(for entry: Entry, module: Module) throws(SandboxError) -> ProcessWorld {
        var storeConfiguration = Store.Configuration()
        storeConfiguration.fuel = configuration.limits.fuel
        // A restore's store is new, and machine code names one store's records, so none comes with a snapshot:
        // compiling again in every restore would cost more than a request-sized run gains, and the snapshot's internal
        // code is ready at once.
        storeConfiguration.tier = if case .snapshot = configuration.module { .interpreter } else { configuration.tier }
        if let pages = configuration.limits.maxMemoryPages { storeConfiguration.maxMemoryPages = pages }
        #if canImport(MemfdImages)
        // Snapshots taken in this store keep memory in sealed memfds, which restores map copy-on-write.
        storeConfiguration.memoryImageMapper = .memfd
        #endif
        let store = Store(configuration: storeConfiguration)
        let wasi: WASIHost
        var wasiConfiguration = wasiConfiguration(for: entry)
        // Only a time limit interrupts an in-process execution's blocking calls.
        wasiConfiguration.interruptible = configuration.limits.timeout != nil
        do throws(WASIHost.SetupError) {
            wasi = try WASIHost(configuration: wasiConfiguration)
        } catch {
            throw .invalidConfiguration(error.description)
        }
        ignoreBrokenPipes()
        var imports = Imports()
        let hooks = try makeProcessHooks()
        // Only the WASI functions the module imports: a restore binds them in every new store.
        wasi.define(
            in: &imports, store: store, importedBy: module,
            wrapping: hooks.map { hooks in { function, body in hooks.hooks.wrap(call: function.rawValue, body) } })
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
        return ProcessWorld(
            store: store, wasi: wasi, imports: imports, timeout: configuration.limits.timeout, hookOutput: hooks?.output)
    }

    /// The new instance, or nil if the module called `proc_exit` while it was instantiated (its start function).
    private func instantiate(_ module: Module, in world: ProcessWorld) throws(SandboxError) -> Instance? {
        do throws(InstantiationError) {
            return try world.store.instantiate(module, imports: world.imports)
        } catch {
            switch error {
            case .unlinkable(let reason): throw .unlinkable(module: configuration.module.name, reason: reason)
            case .trap(let trap):
                if world.wasi.exitStatus != nil { return nil }
                throw world.failure(trap)
            }
        }
    }

    private func call(_ entry: Entry, of instance: Instance, in world: ProcessWorld) throws(SandboxError) -> Ending {
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
            try checkArguments(values, of: name, parameters: world.store.type(of: exported).parameters)
            (function, arguments) = (exported, values)
        }
        statistics.entryTime = monotonicNanoseconds()
        do throws(Trap) {
            let results = try world.store.invoke(function, arguments)
            if case .start = entry { return .exited(0) }
            return .returned(results)
        } catch {
            if let status = world.wasi.exitStatus { return .exited(status) }
            throw world.failure(error)
        }
    }
}

/// What one in-process execution runs in.
struct ProcessWorld {
    let store: Store
    let wasi: WASIHost
    let imports: Imports
    let timeout: Duration?
    /// Where the execution's hooks emit, drained when it ends; nil without hooks.
    let hookOutput: ProcessHookOutput?

    /// Runs `body` under the time limit: when it passes, the engine is interrupted at its next call or loop
    /// back-edge, and a blocking WASI call is woken.
    func guarded<R>(timeout: Duration?, _ body: () throws(SandboxError) -> R) throws(SandboxError) -> R {
        let watchdog = timeout.map { limit in
            Watchdog(after: limit) { [engine = store.interruptHandle, wasi = wasi.interruptHandle] in
                engine.interrupt()
                wasi.interrupt()
            }
        }
        defer { watchdog?.cancel() }
        return try body()
    }

    /// The error for a trap: a time limit's interruption, or the trap itself.
    func failure(_ trap: Trap) -> SandboxError {
        if let timeout, trap.reason == .interrupted { return .timedOut(after: timeout, guestInstructionPointer: nil) }
        if trap.reason.isUncaughtException { return .uncaughtException(trap.reason.message) }
        return .trap(trap.reason.message)
    }
}

/// As wasmtime: writing to a closed pipe or socket is the guest's EPIPE, not the end of this process. Once per process
/// (the first execution), not a system call per execution.
func ignoreBrokenPipes() {
    _ = brokenPipesIgnored
}

private let brokenPipesIgnored: Void = {
    signal(SIGPIPE, SIG_IGN)
}()

/// CLOCK_MONOTONIC in nanoseconds.
package func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
