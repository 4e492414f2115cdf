import ArgumentParser
import WasmEngine

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

    @Option(help: "Instruction budget; running out traps with \"all fuel consumed\".")
    var fuel: UInt64?

    @Option(name: .customLong("max-memory-pages"), help: "Cap on any linear memory's size, in 64 KiB pages.")
    var maxMemoryPages: UInt64?

    @Argument(help: "The WebAssembly binary module to run.")
    var module: String

    @Argument(parsing: .captureForPassthrough, help: "With --invoke, the function's arguments; otherwise the program's.")
    var arguments: [String] = []

    func run() throws {
        try reportingFailures {
            guard isolation == .process else {
                return try runInVM(module: module, arguments: arguments, invoke: invoke, fuel: fuel,
                    maxMemoryPages: maxMemoryPages, options: vmOptions)
            }
            let bytes = try readModuleFile(module)
            let decoded: Module
            do throws(ModuleError) {
                decoded = try decodeModule(bytes)
            } catch {
                throw CommandFailure(message: error.description)
            }

            var configuration = Store.Configuration()
            configuration.fuel = fuel
            if let maxMemoryPages { configuration.maxMemoryPages = maxMemoryPages }
            let store = Store(configuration: configuration)
            let instance: Instance
            do throws(InstantiationError) {
                instance = try store.instantiate(decoded, imports: Imports())
            } catch {
                throw failure(instantiating: error)
            }

            if let invoke {
                let results = try call(exportNamed: invoke, of: instance, in: store, arguments: arguments)
                for result in results {
                    print(InvokeValueText.format(result))
                }
            } else {
                guard case .function(let start)? = instance.export("_start") else {
                    throw CommandFailure(message: "nothing to run: `\(module)` exports no `_start` function (use --invoke NAME)")
                }
                _ = try call(start, in: store, arguments: [])
            }
        }
    }

    private func call(exportNamed name: String, of instance: Instance, in store: Store, arguments: [String]) throws -> [Value] {
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
        return try call(function, in: store, arguments: values)
    }

    private func call(_ function: Function, in store: Store, arguments: [Value]) throws -> [Value] {
        do throws(Trap) {
            return try store.invoke(function, arguments)
        } catch {
            throw CommandFailure(message: "wasm trap: \(error.reason.message)", exitCode: trapExitCode)
        }
    }

    private func failure(instantiating error: InstantiationError) -> CommandFailure {
        switch error {
        case .unlinkable(let reason):
            return CommandFailure(message: "cannot link `\(module)`: \(reason)")
        case .trap(let trap):
            return CommandFailure(message: "wasm trap: \(trap.reason.message)", exitCode: trapExitCode)
        }
    }
}
