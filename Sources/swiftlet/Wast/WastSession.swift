import FoundationEssentials
import WasmEngine

/// How one command of a script went.
enum WastOutcome: Equatable {
    case passed
    /// Passed, but the engine's error message is not the one the script names (a note, not a failure).
    case passedWithDifferentMessage(String)
    case failed(String)
    /// Not run: a text-format module this runner cannot read.
    case skipped(String)
    /// A set-up command (`module`, `register`, `action`) that worked.
    case completed
}

/// Runs one script's commands in order against one store, keeping the script's module state.
final class WastSession {
    private struct Failure: Error {
        var message: String
    }

    private enum ActionResult {
        case returned([Value])
        case trapped(Trap)
    }

    private let store: Store
    private let watchdog: CommandWatchdog
    private let moduleDirectory: URL
    /// The features turned off (`--wasm-features`): a module that uses one counts as invalid.
    private let refusedFeatures: WasmFeatures
    private var imports = Imports()
    private var currentInstance: Instance?
    private var namedInstances: [String: Instance] = [:]
    /// The `module definition`s by name, and the last one (what a `module instance` without a module names).
    private var namedDefinitions: [String: Module] = [:]
    private var lastDefinition: Module?

    /// `commandTimeLimit`: seconds one command's code may run before it is interrupted.
    init(
        moduleDirectory: URL, commandTimeLimit: TimeInterval, refusedFeatures: WasmFeatures = [],
        tier: ExecutionTier = .interpreter
    ) {
        self.moduleDirectory = moduleDirectory
        self.refusedFeatures = refusedFeatures
        var configuration = Store.Configuration()
        configuration.tier = tier
        store = Store(configuration: configuration)
        watchdog = CommandWatchdog(store: store, limit: commandTimeLimit)
        SpectestModule.define(in: store, into: &imports)
    }

    deinit {
        watchdog.stop()
    }

    func execute(_ command: WastScriptCommand) -> WastOutcome {
        let (result, timedOut) = watchdog.run { () -> WastOutcome in
            do throws(Failure) {
                return try outcome(of: command.kind)
            } catch {
                return .failed(error.message)
            }
        }
        if timedOut, case .failed = result {
            return .failed("ran longer than \(FloatText.plainDecimal(watchdog.limit)) s and was interrupted")
        }
        return result
    }

    private func outcome(of kind: WastScriptCommand.Kind) throws(Failure) -> WastOutcome {
        switch kind {
        case .module(let name, let file):
            currentInstance = nil
            let instance = try instantiate(try decode(file))
            currentInstance = instance
            if let name { namedInstances[name] = instance }
            return .completed

        case .moduleDefinition(let name, let file):
            let module = try decode(file)
            lastDefinition = module
            if let name { namedDefinitions[name] = module }
            return .completed

        case .moduleInstance(let name, let definition):
            guard let module = definition.map({ namedDefinitions[$0] }) ?? lastDefinition else {
                throw Failure(message: "no module definition named \(definition ?? "(none yet)")")
            }
            currentInstance = nil
            let instance = try instantiate(module)
            currentInstance = instance
            if let name { namedInstances[name] = instance }
            return .completed

        case .register(let name, let registeredName):
            let instance = try instance(named: name)
            for (field, value) in instance.exports {
                imports.define(module: registeredName, name: field, value)
            }
            return .completed

        case .action(let action):
            if case .trapped(let trap) = try perform(action) {
                throw Failure(message: "trapped: \(trap.reason.message)")
            }
            return .completed

        case .assertReturn(let action, let expectedValues):
            var expectations: [WastExpectation] = []
            for value in expectedValues {
                do throws(WastValueError) {
                    expectations.append(try WastValueText.expectation(value))
                } catch {
                    throw Failure(message: error.message)
                }
            }
            let expectedText = "[" + expectations.map(\.description).joined(separator: ", ") + "]"
            switch try perform(action) {
            case .trapped(let trap):
                throw Failure(message: "expected \(expectedText), trapped: \(trap.reason.message)")
            case .returned(let results):
                let matches = results.count == expectations.count
                    && zip(expectations, results).allSatisfy { $0.isMatched(by: $1) }
                guard matches else {
                    let resultText = "[" + results.map(WastValueText.describe).joined(separator: ", ") + "]"
                    throw Failure(message: "expected \(expectedText), got \(resultText)")
                }
                return .passed
            }

        case .assertTrap(let action, let message), .assertExhaustion(let action, let message):
            switch try perform(action) {
            case .returned(let results):
                let resultText = "[" + results.map(WastValueText.describe).joined(separator: ", ") + "]"
                throw Failure(message: "expected trap \"\(message)\", returned \(resultText)")
            case .trapped(let trap):
                return try checkTrap(trap, expected: message)
            }

        case .assertInvalid(let file, let message):
            return try checkRejected(file, as: .invalid, expected: message)

        case .assertMalformed(let file, let message):
            return try checkRejected(file, as: .malformed, expected: message)

        case .assertUnlinkable(let file, let message):
            let module = try decode(file)
            do throws(InstantiationError) {
                _ = try store.instantiate(module, imports: imports)
            } catch {
                switch error {
                case .unlinkable(let reason):
                    return outcome(reason: reason, expected: message)
                case .trap(let trap):
                    throw Failure(message: "expected unlinkable \"\(message)\", instantiation trapped: \(trap.reason.message)")
                }
            }
            throw Failure(message: "expected unlinkable \"\(message)\", but the module linked")

        case .assertUninstantiable(let file, let message):
            let module = try decode(file)
            do throws(InstantiationError) {
                _ = try store.instantiate(module, imports: imports)
            } catch {
                switch error {
                case .unlinkable(let reason):
                    throw Failure(message: "expected trap \"\(message)\" at instantiation, unlinkable: \(reason)")
                case .trap(let trap):
                    return try checkTrap(trap, expected: message)
                }
            }
            throw Failure(message: "expected trap \"\(message)\" at instantiation, but it succeeded")

        case .assertException(let action):
            switch try perform(action) {
            case .returned(let results):
                let resultText = "[" + results.map(WastValueText.describe).joined(separator: ", ") + "]"
                throw Failure(message: "expected an uncaught exception, returned \(resultText)")
            case .trapped(let trap):
                guard trap.reason.isUncaughtException else {
                    throw Failure(message: "expected an uncaught exception, trapped: \(trap.reason.message)")
                }
                return .passed
            }

        case .unsupported(let type):
            throw Failure(message: "unsupported command type `\(type)`")
        }
    }

    private func checkTrap(_ trap: Trap, expected message: String) throws(Failure) -> WastOutcome {
        // As the reference interpreter, the engine's message must start with the script's; the script's may also
        // add a detail the engine's reasons do not carry ("uninitialized element 2").
        let actual = trap.reason.message
        guard actual.hasPrefix(message) || (!actual.isEmpty && message.hasPrefix(actual + " ")) else {
            throw Failure(message: "expected trap \"\(message)\", trapped: \(actual)")
        }
        return .passed
    }

    private func checkRejected(_ file: WastModuleFile, as kind: ModuleError.Kind, expected message: String)
        throws(Failure) -> WastOutcome
    {
        let kindName = kind == .invalid ? "invalid" : "malformed"
        guard case .binary(let filename) = file else { return .skipped("text-format module") }
        let bytes = try read(filename)
        do throws(ModuleError) {
            let module = try Module(bytes: bytes)
            // A construct of a proposal turned off is as malformed or invalid as the script expects it.
            if let refusal = WasmFeatureOptions.refusal(of: module, refused: refusedFeatures) {
                return outcome(reason: refusal, expected: message)
            }
        } catch {
            // A module rejected after it used a proposal turned off would be rejected for that anyway, as either kind.
            guard error.kind == kind || !error.usedFeatures.isDisjoint(with: refusedFeatures) else {
                throw Failure(message: "expected \(kindName) \"\(message)\", got \(error.description)")
            }
            return outcome(reason: error.reason, expected: message)
        }
        throw Failure(message: "expected \(kindName) \"\(message)\", but the module decoded and validated")
    }

    private func outcome(reason: String, expected message: String) -> WastOutcome {
        reason.contains(message) ? .passed : .passedWithDifferentMessage("expected \"\(message)\", got \"\(reason)\"")
    }

    private func read(_ filename: String) throws(Failure) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: moduleDirectory.appendingPathComponent(filename).path)
        else {
            throw Failure(message: "cannot read module file \(filename)")
        }
        return [UInt8](data)
    }

    private func decode(_ file: WastModuleFile) throws(Failure) -> Module {
        guard case .binary(let filename) = file else {
            throw Failure(message: "text-format module without a binary (\(file))")
        }
        let bytes = try read(filename)
        let module: Module
        do throws(ModuleError) {
            module = try Module(bytes: bytes)
        } catch {
            throw Failure(message: "module rejected: \(error.description)")
        }
        if let refusal = WasmFeatureOptions.refusal(of: module, refused: refusedFeatures) {
            throw Failure(message: "module rejected: \(refusal)")
        }
        return module
    }

    private func instantiate(_ module: Module) throws(Failure) -> Instance {
        do throws(InstantiationError) {
            return try store.instantiate(module, imports: imports)
        } catch {
            switch error {
            case .unlinkable(let reason): throw Failure(message: "instantiation failed: unlinkable: \(reason)")
            case .trap(let trap): throw Failure(message: "instantiation trapped: \(trap.reason.message)")
            }
        }
    }

    private func instance(named name: String?) throws(Failure) -> Instance {
        if let name {
            guard let instance = namedInstances[name] else { throw Failure(message: "no module named \(name)") }
            return instance
        }
        guard let currentInstance else { throw Failure(message: "no current module (none yet, or the last one failed)") }
        return currentInstance
    }

    private func perform(_ action: WastAction) throws(Failure) -> ActionResult {
        let instance = try instance(named: action.module)
        guard let export = instance.export(action.field) else {
            throw Failure(message: "no export named \"\(action.field)\"")
        }
        switch action.kind {
        case .get:
            guard case .global(let global) = export else {
                throw Failure(message: "export \"\(action.field)\" is not a global")
            }
            return .returned([store.value(of: global)])
        case .invoke(let arguments):
            guard case .function(let function) = export else {
                throw Failure(message: "export \"\(action.field)\" is not a function")
            }
            var values: [Value] = []
            for argument in arguments {
                do throws(WastValueError) {
                    values.append(try WastValueText.argument(argument))
                } catch {
                    throw Failure(message: error.message)
                }
            }
            do throws(Trap) {
                return .returned(try store.invoke(function, values))
            } catch {
                return .trapped(error)
            }
        }
    }
}
