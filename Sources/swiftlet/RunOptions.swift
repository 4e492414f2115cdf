import Swiftlet
import WasmEngine

/// What `run` was asked to do. ArgumentParser fills it from `RunCommand`, which declares the options and their help;
/// `main` first tries `parse`, which reads the common case itself: ArgumentParser's first parse costs ~2 ms of runtime
/// type lookups and reflection, half of an in-process run of an empty module.
struct RunOptions: Equatable {
    var module = ""
    var arguments: [String] = []
    var invoke: String?
    var isolation = Isolation.vm
    var tier = ExecutionTier.compiler
    var memory: UInt64 = 512
    var timeout: Double?
    var fuel: UInt64?
    var maxMemoryPages: UInt64?
    var directories: [String] = []
    var environment: [String] = []
    var listenAddresses: [String] = []
    var cacheDisabled = false
    var cacheDirectory: String?
    var verbose = false
    /// The key-value stores granted to the module, and where they are kept; nil for none (no `kv` imports).
    var keyValue: KeyValueOptions?
    /// The hooks loaded beside the module; nil for none.
    var hooks: HookArguments?
    /// `--wasm-features`: the proposals the module may not use (see `WasmFeatureOptions`).
    var wasmFeatures: String?

    /// The options of `run ARGUMENTS...` (the subcommand's name first), when every one is spelled as RunCommand
    /// declares it (`--name value`; the module, then its arguments); nil for anything else (help, `--name=value`,
    /// an unknown option, a value that does not parse), which ArgumentParser then handles, errors included.
    static func parse(_ commandLine: [String]) -> RunOptions? {
        guard commandLine.first == "run" else { return nil }
        var options = RunOptions()
        var remaining = commandLine.dropFirst()
        while let word = remaining.popFirst() {
            guard word.hasPrefix("-") else {
                // As `.captureForPassthrough`: everything after the module is the module's.
                options.module = word
                options.arguments = Array(remaining)
                return options
            }
            switch word {
            case "-v", "--verbose": options.verbose = true
            case "--no-cache": options.cacheDisabled = true
            default:
                // A value that looks like an option is left to ArgumentParser, which reads it as one.
                guard let value = remaining.popFirst(), !value.hasPrefix("-"), options.set(word, to: value) else {
                    return nil
                }
            }
        }
        return nil  // no module
    }

    /// Sets the option named `name` to `value`: false for an unknown name or a value that does not parse.
    private mutating func set(_ name: String, to value: String) -> Bool {
        switch name {
        case "--invoke": invoke = value
        case "--isolation":
            guard let isolation = Isolation(rawValue: value) else { return false }
            self.isolation = isolation
        case "--tier":
            guard let tier = ExecutionTier(argument: value) else { return false }
            self.tier = tier
        case "--memory":
            guard let memory = UInt64(value) else { return false }
            self.memory = memory
        case "--timeout":
            guard let timeout = Double(value) else { return false }
            self.timeout = timeout
        case "--fuel":
            guard let fuel = UInt64(value) else { return false }
            self.fuel = fuel
        case "--max-memory-pages":
            guard let pages = UInt64(value) else { return false }
            maxMemoryPages = pages
        case "--dir": directories.append(value)
        case "--env": environment.append(value)
        case "--tcplisten": listenAddresses.append(value)
        case "--cache-dir": cacheDirectory = value
        case "--wasm-features": wasmFeatures = value
        default: return false
        }
        return true
    }
}
