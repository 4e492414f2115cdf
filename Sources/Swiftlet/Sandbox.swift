import ModuleCache
import WASIHost
import WasmEngineWASI

#if canImport(Monitor)
import Monitor
#endif

/// A WebAssembly module, the world it sees and the limits it runs under, ready to run in isolation.
///
/// Every ``run()`` and ``invoke(_:_:)`` is one fresh execution: a new instance (in a new micro-VM, with
/// ``Isolation/vm``) that shares nothing with earlier ones — memory, globals, descriptors and WASI state all start
/// anew. The sandbox keeps only what makes the next execution start faster: the decoded module in-process, the open
/// KVM device and the guest kernel image in a micro-VM.
///
/// ```swift
/// var configuration = Sandbox.Configuration(module: .file(path: "hello.wasm"))
/// configuration.isolation = .vm
/// configuration.arguments = ["world"]
/// configuration.limits.timeout = .seconds(5)
/// let status = try Sandbox(configuration).run()       // the module's `_start`; its `proc_exit` status
/// let sum = try Sandbox(configuration).invoke("add", [.i32(2), .i32(3)])
/// ```
///
/// One thread uses a sandbox at a time.
public final class Sandbox {
    /// What the next execution runs. It may change between executions (a pooled sandbox serves callers with their
    /// own stdio, arguments and limits); what the sandbox keeps for the module (its decoded form, a warm VM) is
    /// dropped when the module or isolation changes.
    public var configuration: Configuration {
        didSet {
            guard !configuration.module.isSame(as: oldValue.module) || configuration.isolation != oldValue.isolation
            else { return }
            decodedModule = nil
            #if canImport(Monitor)
            keptVirtualMachine = nil
            #endif
        }
    }
    /// What the last execution reported about itself.
    public internal(set) var statistics = RunStatistics()

    /// The decoded module, for in-process runs, kept between them.
    private var decodedModule: Module?
    #if canImport(Monitor)
    /// The micro-VM's host side, made on the first run in a VM.
    var virtualMachineHost: VirtualMachineHost?
    /// The VM of the last execution restored from a snapshot, which the next one resets rather than making its own.
    var keptVirtualMachine: MicroVMBox?
    #endif

    /// Checks the configuration. Nothing is read or created until the first execution.
    public init(_ configuration: Configuration) throws(SandboxError) {
        let limits = configuration.limits
        guard limits.vmMemoryMiB % 2 == 0, (8...4096).contains(limits.vmMemoryMiB) else {
            throw .invalidConfiguration(
                "--memory \(limits.vmMemoryMiB): give an even number of MiB from 8 to 4096")
        }
        try Self.checkWorld(of: configuration)
        self.configuration = configuration
    }

    /// Checks what an execution's world may not be, at init and again before each execution (a pooled sandbox's
    /// configuration changes between them): a snapshot's world, and host functions. A micro-VM's guest answers WASI
    /// itself, so no host function may stand in for one of its functions, in-process either.
    private static func checkWorld(of configuration: Configuration) throws(SandboxError) {
        if case .snapshot(let snapshot) = configuration.module {
            try snapshot.check(configuration)
            if !configuration.hooks.isEmpty {
                throw .unsupported("hooks see a run from its start: a sandbox restored from a snapshot cannot have them")
            }
        }
        let wasi = WASIHost.moduleName
        if let function = configuration.hostFunctions.first(where: { $0.module.utf8.elementsEqual(wasi.utf8) }) {
            throw .invalidConfiguration(
                "host function `\(function.module)` `\(function.name)`: \(wasi) is the sandbox's own WASI; give host "
                    + "functions another module name")
        }
    }

    /// Makes the VM the next execution restored from a snapshot resets, ahead of it (a warm pool's sandbox); nothing
    /// for other sandboxes.
    public func prepare() throws(SandboxError) {
        #if canImport(Monitor)
        guard case .snapshot(let snapshot) = configuration.module, case .vm(let captured) = snapshot.state,
            keptVirtualMachine == nil
        else { return }
        if virtualMachineHost == nil { virtualMachineHost = try VirtualMachineHost(configuration.virtualMachine) }
        do throws(MicroVMError) {
            keptVirtualMachine = MicroVMBox(try MicroVM(system: virtualMachineHost!.system, restoring: captured.snapshot))
        } catch {
            throw .virtualMachineUnavailable("cannot make the micro-VM: \(error)")
        }
        #endif
    }

    /// Runs the module's `_start` and returns its exit status: 0, or what it passed to `proc_exit`.
    @discardableResult
    public func run() throws(SandboxError) -> UInt32 {
        switch try execute(.start) {
        case .exited(let status): status
        case .returned: 0
        }
    }

    /// Calls the exported function `name` with `arguments` and returns its results.
    public func invoke(_ name: String, _ arguments: [Value] = []) throws(SandboxError) -> [Value] {
        switch try execute(.export(name, arguments)) {
        case .exited(let status): throw .exited(status: status)
        case .returned(let results): results
        }
    }

    /// The type of the exported function `name`, without running anything (to read arguments given as text).
    public func functionType(ofExport name: String) throws(SandboxError) -> FuncType {
        if case .snapshot(let snapshot) = configuration.module {
            guard let export = snapshot.exports.first(where: { $0.name.utf8.elementsEqual(name.utf8) }) else {
                throw .noSuchExport(module: configuration.module.name, name: name)
            }
            guard let type = export.type else { throw .exportIsNotAFunction(name: name) }
            return type
        }
        let exports: [Export]
        let typeOfFunction: (UInt32) -> FuncType
        if configuration.isolation == .process {
            let module = try module()
            (exports, typeOfFunction) = (module.exports, module.functionType(ofFunction:))
        } else {
            // A micro-VM decodes the whole module in the guest: the host reads only its interface.
            let interface = try moduleInterface()
            (exports, typeOfFunction) = (interface.exports, interface.functionType(ofFunction:))
        }
        guard let export = exports.first(where: { $0.name.utf8.elementsEqual(name.utf8) }) else {
            throw invalidModuleError() ?? .noSuchExport(module: configuration.module.name, name: name)
        }
        guard case .function(let index) = export.descriptor else {
            throw invalidModuleError() ?? .exportIsNotAFunction(name: name)
        }
        return typeOfFunction(index)
    }

    /// The error an execution would end with if the module does not decode, or nil if it does: what a caller
    /// reports instead of its own complaint about an invocation (an argument that does not parse for the export's
    /// type), so that both isolations fail alike — in-process the whole decoding comes first. Reads and decodes the
    /// whole module: for failure paths.
    public func invalidModuleError() -> SandboxError? {
        if case .snapshot = configuration.module { return nil }  // decoded when it was captured
        if configuration.isolation == .process {
            do throws(SandboxError) {
                _ = try module()
                return nil
            } catch {
                return error
            }
        }
        guard let bytes = try? moduleBytes() else { return nil }
        return Self.moduleErrorMessage(bytes, name: configuration.module.name).map(SandboxError.invalidModule)
    }

    /// What one execution runs.
    enum Entry {
        case start
        case export(String, [Value])

        var name: String {
            switch self {
            case .start: "_start"
            case .export(let name, _): name
            }
        }
    }

    /// How an execution ended, when the module did not fail.
    enum Ending {
        case returned([Value])
        case exited(UInt32)
    }

    private func execute(_ entry: Entry) throws(SandboxError) -> Ending {
        statistics = RunStatistics()
        try Self.checkWorld(of: configuration)
        switch configuration.isolation {
        case .process:
            return try executeInProcess(entry)
        case .vm:
            #if canImport(Monitor)
            if virtualMachineHost == nil { virtualMachineHost = try VirtualMachineHost(configuration.virtualMachine) }
            return try executeInVM(entry, host: virtualMachineHost!)
            #else
            throw .virtualMachineUnavailable("micro-VMs need Linux KVM; use --isolation process")
            #endif
        }
    }

    /// The module's decoded form, decoded on first use.
    func module() throws(SandboxError) -> Module {
        if let decodedModule { return decodedModule }
        let loaded: (module: Module, cacheUse: ModuleCacheUse)
        switch configuration.module {
        case .file(let path):
            loaded = try Self.loadModule(path: path, cache: configuration.moduleCache)
        case .bytes(let bytes, let name):
            loaded = try Self.decodeModule(bytes, name: name, cache: configuration.moduleCache)
        case .snapshot(let snapshot):
            return try snapshot.module()
        }
        statistics.moduleCache = loaded.cacheUse
        decodedModule = loaded.module
        return loaded.module
    }

    /// What the module declares (its types, imports and exports), read without compiling its bodies: all a micro-VM's
    /// host needs to know of a module its guest decodes.
    func moduleInterface() throws(SandboxError) -> ModuleInterface {
        let bytes = try moduleBytes()
        do throws(ModuleError) {
            return try ModuleInterface(bytes: bytes)
        } catch {
            throw .invalidModule(Self.moduleErrorMessage(bytes, name: configuration.module.name) ?? error.description)
        }
    }

    /// The module's bytes, read again from its file if need be (only on paths that are not hot: interfaces, errors).
    func moduleBytes() throws(SandboxError) -> ModuleBytes {
        switch configuration.module {
        case .file(let path): try ModuleFile(path: path).read(path: path)
        case .bytes(let bytes, _): ModuleBytes(copying: bytes)
        case .snapshot(let snapshot): try snapshot.module().bytes
        }
    }

    /// The module's WASI world: `argv` is the program name and the arguments (none when an export is invoked).
    func wasiConfiguration(for entry: Entry) -> WASIHost.Configuration {
        var wasi = WASIHost.Configuration()
        let programName = configuration.programName ?? configuration.module.name
        if case .start = entry {
            wasi.arguments = [programName] + configuration.arguments
        } else {
            wasi.arguments = [programName]
        }
        wasi.environment = configuration.environment
        wasi.preopenedDirectories = configuration.preopens.map { ($0.hostPath, $0.guestPath) }
        wasi.listenAddresses = configuration.listenAddresses
        let standard = configuration.standardIO
        wasi.standardDescriptors = (standard.input, standard.output, standard.error)
        return wasi
    }

    /// Checks invocation arguments against the export's parameters, as both isolations must.
    func checkArguments(_ arguments: [Value], of name: String, parameters: [ValueType]) throws(SandboxError) {
        guard arguments.count == parameters.count else {
            throw .wrongArgumentCount(export: name, expected: parameters.count, given: arguments.count)
        }
        for (position, (argument, type)) in zip(arguments, parameters).enumerated() where argument.type != type {
            throw .wrongArgumentType(export: name, position: position, expected: type)
        }
    }
}

/// What an execution reported about itself (`swiftlet run -v` prints it).
public struct RunStatistics: Sendable {
    /// Whether the module cache knew the module.
    public var moduleCache = ModuleCacheUse.disabled
    /// When the module's entry (`_start` or the invoked export) was called, in CLOCK_MONOTONIC nanoseconds; nil if
    /// it never was.
    public var entryTime: UInt64?
    /// How many of the module's functions were translated (on their first call) and how many it defines; in-process
    /// runs only.
    public var translatedFunctionCount: Int?
    public var definedFunctionCount: Int?
    /// Why the interpreter ran a module the compiler tier was asked for (in-process runs only).
    public var interpreterFallback: String?
    /// Returns from `KVM_RUN` to the monitor (micro-VM runs only).
    public var vmExitCount: Int?
    /// KVM's own counters for the vCPU, by name (with ``Sandbox/VirtualMachineSettings/collectsVCPUCounters``).
    public var vcpuCounters: [(name: String, value: UInt64)] = []

    public init() {}
}
