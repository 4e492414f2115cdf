import ArgumentParser
import ModuleCache
import Swiftlet

extension Isolation: ExpressibleByArgument {}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs a WebAssembly module: its `_start` function, or the export named by --invoke."
    )

    @Option(help: ArgumentHelp("Call this exported function with ARGS as its arguments and print its results.", valueName: "NAME"))
    var invoke: String?

    @Option(help: "Where the module runs: `process` (in this process) or `vm` (a KVM micro-VM).")
    var isolation: Isolation = .vm

    @Option(help: "Which code runs the module: `compiler` (machine code, compiled inside the micro-VM with --isolation vm) or `interpreter`.")
    var tier: ExecutionTier = .compiler

    @OptionGroup(title: "Micro-VM options") var vmOptions: VMOptions

    @OptionGroup(title: "Module cache options") var cacheOptions: CacheOptions

    @Flag(name: .shortAndLong, help: "Report on stderr how the module started: the cache, the time to `_start`.")
    var verbose = false

    @Option(help: "Instruction budget; running out traps with \"all fuel consumed\".")
    var fuel: UInt64?

    @Option(name: .customLong("max-memory-pages"), help: "Cap on any linear memory's size, in 64 KiB pages.")
    var maxMemoryPages: UInt64?

    @OptionGroup(title: "The module's world") var world: WorldOptions

    @OptionGroup(title: "Key-value stores") var keyValue: KeyValueOptions

    @OptionGroup(title: "Hooks") var hookArguments: HookArguments

    @OptionGroup(title: "WebAssembly features") var features: WasmFeatureOptions

    @Argument(help: "The WebAssembly binary module to run.")
    var module: String

    @Argument(parsing: .captureForPassthrough, help: "With --invoke, the function's arguments; otherwise the program's.")
    var arguments: [String] = []

    func run() throws {
        try options.run()
    }

    /// What was asked, as `RunOptions` (which `main` parses itself in the common case: see `RunOptions.parse`).
    var options: RunOptions {
        RunOptions(
            module: module, arguments: arguments, invoke: invoke, isolation: isolation, tier: tier, memory: vmOptions.memory,
            timeout: vmOptions.timeout, fuel: fuel, maxMemoryPages: maxMemoryPages, directories: world.directories,
            environment: world.environment, listenAddresses: world.listenAddresses, cacheDisabled: cacheOptions.disabled,
            cacheDirectory: cacheOptions.directory, verbose: verbose, keyValue: keyValue.stores.isEmpty ? nil : keyValue,
            hooks: hookArguments.hooks.isEmpty ? nil : hookArguments, wasmFeatures: features.list)
    }
}

/// Running what `run` was asked, through a `Sandbox`.
extension RunOptions {
    func run() throws {
        try reportingFailures {
            // Module files only: a snapshot runs what it captured.
            if let wasmFeatures, !SandboxSnapshot.isSnapshotFile(module) {
                try WasmFeatureOptions.checkModule(atPath: module, list: wasmFeatures)
            }
            let sandbox = try Sandbox(try sandboxConfiguration())
            let report = StartReport(isEnabled: verbose)
            defer { report.note(sandbox.statistics, entry: invoke ?? "_start") }
            guard let invoke else {
                let status = try sandbox.run()
                if status != 0 { throw ExitCode(Int32(bitPattern: status)) }
                return
            }
            let values = try invocationArguments(for: invoke, in: sandbox)
            do {
                for result in try sandbox.invoke(invoke, values) { print(InvokeValueText.format(result)) }
            } catch SandboxError.exited(let status) {
                throw ExitCode(Int32(bitPattern: status))
            }
        }
    }

    /// The invoked export's arguments, read from text as its parameter types say. A module that does not decode
    /// fails with that error instead, as the run would have.
    private func invocationArguments(for export: String, in sandbox: Sandbox) throws -> [Value] {
        let parameters = try sandbox.functionType(ofExport: export).parameters
        guard arguments.count == parameters.count else {
            throw sandbox.invalidModuleError()
                ?? SandboxError.wrongArgumentCount(export: export, expected: parameters.count, given: arguments.count)
        }
        var values: [Value] = []
        for (text, type) in zip(arguments, parameters) {
            do throws(InvokeValueText.ParseError) {
                values.append(try InvokeValueText.parse(text, as: type))
            } catch {
                throw sandbox.invalidModuleError() ?? CommandFailure(message: "argument for `\(export)`: \(error.message)")
            }
        }
        return values
    }

    /// The sandbox `run` describes: `argv` is the module path and the arguments after it. A snapshot file (see
    /// `swiftlet snapshot`) is run in the isolation it was made in.
    func sandboxConfiguration() throws -> Sandbox.Configuration {
        var configuration = Sandbox.Configuration(module: .file(path: module))
        configuration.isolation = isolation
        configuration.tier = tier
        configuration.programName = module
        configuration.arguments = invoke == nil ? arguments : []
        configuration.environment = environment.map { variable in
            if variable.contains("=") { return variable }
            return "\(variable)=\(environmentValue(variable) ?? "")"
        }
        configuration.preopens = directories.map { mapping in
            guard let separator = mapping.firstRange(of: "::") else {
                return Sandbox.Preopen(hostPath: mapping, guestPath: mapping)
            }
            return Sandbox.Preopen(
                hostPath: String(mapping[..<separator.lowerBound]), guestPath: String(mapping[separator.upperBound...]))
        }
        configuration.listenAddresses = listenAddresses
        if let keyValue {
            configuration.hostFunctions = try keyValue.makeService().hostFunctions(grantedStores: keyValue.stores)
        }
        try hooks?.apply(to: &configuration)
        configuration.limits.vmMemoryMiB = memory
        configuration.limits.fuel = fuel
        configuration.limits.maxMemoryPages = maxMemoryPages
        configuration.limits.timeout = timeout.map { .milliseconds(Int64(min(max($0, 0), 1e9) * 1000)) }
        if !cacheDisabled, let directory = cacheDirectory ?? ModuleCache.defaultDirectory {
            configuration.moduleCache = ModuleCache(directory: directory)
        }
        // For tests that play a machine without KVM, and those comparing the two ways a forwarded WASI call travels
        // (`off` sends every one by VM exit); for measurements (bench/parity), KVM's counters of the run's exits.
        configuration.virtualMachine.kvmDevicePath = kvmDevicePath
        configuration.virtualMachine.wasiMailbox = environmentValue("SWIFTLET_WASI_MAILBOX") != "off"
        configuration.virtualMachine.collectsVCPUCounters = environmentValue("SWIFTLET_VM_STATS") == "1"
        if SandboxSnapshot.isSnapshotFile(module) {
            let snapshot = try SandboxSnapshot(contentsOf: module, virtualMachine: configuration.virtualMachine)
            configuration.module = .snapshot(snapshot)
            configuration.isolation = snapshot.isolation
        }
        return configuration
    }
}

/// What the module sees of the host, for `run` and `snapshot`.
struct WorldOptions: ParsableArguments {
    @Option(
        name: .customLong("dir"),
        help: ArgumentHelp("Let the module use host directory HOST, under the name GUEST (default HOST).", valueName: "HOST[::GUEST]"))
    var directories: [String] = []

    @Option(
        name: .customLong("env"),
        help: ArgumentHelp("Set an environment variable for the module (NAME alone passes on the host's value).", valueName: "NAME=VALUE"))
    var environment: [String] = []

    @Option(
        name: .customLong("tcplisten"),
        help: ArgumentHelp("Listen on this TCP address; the module accepts connections on the socket (fd 3 on).", valueName: "HOST:PORT"))
    var listenAddresses: [String] = []
}

/// Options of `run` that shape the micro-VM (`--isolation vm`).
struct VMOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Guest memory of the micro-VM in MiB, even, 8 to 4096 (untouched memory costs nothing).", valueName: "MiB"))
    var memory: UInt64 = 512

    @Option(help: ArgumentHelp("Stop the run after this many seconds (in the micro-VM or in-process).", valueName: "SECONDS"))
    var timeout: Double?
}

/// The KVM device; the environment variable `SWIFTLET_KVM_DEVICE` overrides it (tests use it to play a machine
/// without KVM).
var kvmDevicePath: String {
    environmentValue("SWIFTLET_KVM_DEVICE") ?? "/dev/kvm"
}
