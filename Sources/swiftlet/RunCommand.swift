import ArgumentParser
import Glibc
import ModuleCache
import WASIHost
import WasmEngine
import WasmEngineWASI

/// Where a module runs: in this process, or in its own KVM micro-VM.
enum Isolation: String, ExpressibleByArgument, CaseIterable {
    case process
    case vm
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs a WebAssembly module: its `_start` function, or the export named by --invoke."
    )

    @Option(help: ArgumentHelp("Call this exported function with ARGS as its arguments and print its results.", valueName: "NAME"))
    var invoke: String?

    @Option(help: "Where the module runs: `process` (in this process) or `vm` (a KVM micro-VM).")
    var isolation: Isolation = .vm

    @OptionGroup(title: "Micro-VM options") var vmOptions: VMOptions

    @OptionGroup(title: "Module cache options") var cacheOptions: CacheOptions

    @Flag(name: .shortAndLong, help: "Report on stderr how the module started: the cache, the time to `_start`.")
    var verbose = false

    @Option(help: "Instruction budget; running out traps with \"all fuel consumed\".")
    var fuel: UInt64?

    @Option(name: .customLong("max-memory-pages"), help: "Cap on any linear memory's size, in 64 KiB pages.")
    var maxMemoryPages: UInt64?

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
            module: module, arguments: arguments, invoke: invoke, isolation: isolation, memory: vmOptions.memory,
            timeout: vmOptions.timeout, fuel: fuel, maxMemoryPages: maxMemoryPages, directories: directories,
            environment: environment, listenAddresses: listenAddresses, cacheDisabled: cacheOptions.disabled,
            cacheDirectory: cacheOptions.directory, verbose: verbose)
    }
}

/// Running what `run` was asked: the module in a micro-VM, or in this process.
extension RunOptions {
    func run() throws {
        let report = StartReport(isEnabled: verbose)
        try reportingFailures {
            guard isolation == .process else {
                return try runInVM(module: module, arguments: arguments, invoke: invoke, fuel: fuel,
                    maxMemoryPages: maxMemoryPages, wasi: wasiConfiguration(), options: self, cache: cache, report: report)
            }
            armProcessTimeout()
            let decoded = try loadModule(module, cache: cache, report: report)

            var configuration = Store.Configuration()
            configuration.fuel = fuel
            if let maxMemoryPages { configuration.maxMemoryPages = maxMemoryPages }
            let store = Store(configuration: configuration)
            let wasi = try makeWASIHost()
            // As wasmtime: writing to a closed pipe is the guest's EPIPE, not the end of this process.
            signal(SIGPIPE, SIG_IGN)
            var imports = Imports()
            wasi.define(in: &imports, store: store)
            let instance: Instance
            do throws(InstantiationError) {
                instance = try store.instantiate(decoded, imports: imports)
            } catch {
                throw failure(instantiating: error, wasi: wasi)
            }

            defer {
                report.note("translated \(store.translatedFunctionCount) of the module's \(decoded.functions.count) functions")
            }
            if let invoke {
                report.noteModuleStart(at: StartReport.now(), entry: invoke)
                let results = try call(exportNamed: invoke, of: instance, in: store, wasi: wasi, arguments: arguments)
                for result in results {
                    print(InvokeValueText.format(result))
                }
            } else {
                guard case .function(let start)? = instance.export("_start") else {
                    throw CommandFailure(message: "nothing to run: `\(module)` exports no `_start` function (use --invoke NAME)")
                }
                report.noteModuleStart(at: StartReport.now(), entry: "_start")
                _ = try call(start, in: store, wasi: wasi, arguments: [])
            }
        }
    }

    private func makeWASIHost() throws -> WASIHost {
        do throws(WASIHost.SetupError) {
            return try WASIHost(configuration: wasiConfiguration())
        } catch {
            throw CommandFailure(message: error.description)
        }
    }

    /// The module's WASI world, in this process or in a micro-VM: `argv` is the module path and the arguments after it.
    func wasiConfiguration() -> WASIHost.Configuration {
        var wasi = WASIHost.Configuration()
        wasi.arguments = [module] + (invoke == nil ? arguments : [])
        wasi.environment = environment.map { variable in
            if variable.contains("=") { return variable }
            return "\(variable)=\(environmentValue(variable) ?? "")"
        }
        wasi.preopenedDirectories = directories.map { mapping in
            guard let separator = mapping.firstRange(of: "::") else { return (mapping, mapping) }
            return (String(mapping[..<separator.lowerBound]), String(mapping[separator.upperBound...]))
        }
        wasi.listenAddresses = listenAddresses
        return wasi
    }

    private func call(
        exportNamed name: String, of instance: Instance, in store: Store, wasi: WASIHost, arguments: [String]
    ) throws -> [Value] {
        guard let export = instance.export(name) else {
            throw CommandFailure(message: "`\(module)` has no export named `\(name)`")
        }
        guard case .function(let function) = export else {
            throw CommandFailure(message: "export `\(name)` is not a function")
        }
        let parameterTypes = store.type(of: function).parameters
        guard arguments.count == parameterTypes.count else {
            throw CommandFailure(
                message: "`\(name)` takes \(parameterTypes.count) argument(s) but \(arguments.count) were given"
            )
        }
        var values: [Value] = []
        for (text, type) in zip(arguments, parameterTypes) {
            do throws(InvokeValueText.ParseError) {
                values.append(try InvokeValueText.parse(text, as: type))
            } catch {
                throw CommandFailure(message: "argument for `\(name)`: \(error.message)")
            }
        }
        return try call(function, in: store, wasi: wasi, arguments: values)
    }

    private func call(_ function: Function, in store: Store, wasi: WASIHost, arguments: [Value]) throws -> [Value] {
        do throws(Trap) {
            return try store.invoke(function, arguments)
        } catch {
            throw failure(trapping: error, wasi: wasi)
        }
    }

    /// A trap, or the unwinding of `proc_exit`, whose status becomes the process's.
    private func failure(trapping trap: Trap, wasi: WASIHost) -> Error {
        if let status = wasi.exitStatus { return ExitCode(Int32(bitPattern: status)) }
        return CommandFailure(message: "wasm trap: \(trap.reason.message)", exitCode: trapExitCode)
    }

    private func failure(instantiating error: InstantiationError, wasi: WASIHost) -> Error {
        switch error {
        case .unlinkable(let reason):
            return CommandFailure(message: "cannot link `\(module)`: \(reason)")
        case .trap(let trap):
            return failure(trapping: trap, wasi: wasi)
        }
    }

    /// `--timeout` for an in-process run: the engine runs on this thread, so a watchdog thread ends the whole
    /// process when the time is up, with the micro-VM's message and status. Output the module wrote is already
    /// on its descriptors (WASI writes are unbuffered).
    func armProcessTimeout() {
        guard let timeout else { return }
        startDetachedThread {
            sleep(seconds: timeout)
            writeToStandardError("Error: timed out: the run was stopped after \(timeout) s")
            _exit(timeoutExitCode)
        }
    }

    /// The module cache to use, or nil when disabled or no directory can be named.
    var cache: ModuleCache? {
        guard !cacheDisabled, let directory = cacheDirectory ?? ModuleCache.defaultDirectory else { return nil }
        return ModuleCache(directory: directory)
    }
}
