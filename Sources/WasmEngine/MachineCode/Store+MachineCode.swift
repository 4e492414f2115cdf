// The compiler tier's runtime: compiling an instance on its first run, running its machine code from `execute`,
// and the Swift functions machine code calls (`MachineCodeBridge`).

import X64Assembler

/// Which code runs a store's functions.
public enum ExecutionTier: Sendable {
    /// The interpreter: every instance, always.
    case interpreter
    /// Machine code where the platform allows it (Linux hosts), compiled per instance on its first run; the
    /// interpreter elsewhere, and for instructions the compiler leaves to the interpreter's handlers.
    case compiler
}

extension Module {
    /// Why the compiler tier leaves this module to the interpreter, or nil when it compiles it.
    public var machineCodeLimitation: String? {
        // Unwinding walks the interpreter's call frames, which machine code does not keep.
        if requiredFeatures.contains(.exceptions) { return "it uses exceptions, which machine code does not unwind yet" }
        if requiredFeatures.contains(.gc) { return "it uses GC, which has no machine code yet" }
        if requiredFeatures.contains(.functionReferences) {
            return "it uses typed function references, which have no machine code yet"
        }
        return nil
    }
}

/// An instance's machine code, or why it has none.
enum InstanceMachineCode {
    case notCompiled
    /// The interpreter runs the instance (the platform cannot map executable pages, a function was given already
    /// translated, without a body to compile, or the module uses exceptions, which machine code does not unwind yet).
    case unavailable
    /// Its pages; the entry is at their start.
    case compiled(UnsafeRawBufferPointer)
}

/// One function's machine code: its prologue, then each internal instruction with the bytes it became (the code after
/// a function's last instruction, and shared stubs, are not shown).
public struct MachineCodeListing: Sendable {
    /// In the module's function index space.
    public let functionIndex: Int
    public let prologue: [UInt8]
    public let instructions: [(instruction: Instruction, bytes: [UInt8])]
}

/// The entry's signature: `(context, frame, function) -> exit code` (see `MachineCodeGenerator.emitEntry`).
typealias MachineCodeEntry = @convention(c) (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>, UnsafeRawPointer) -> Int

extension Store {
    /// The machine code of `instance`'s entry, compiling the instance on its first run; nil when it runs in the
    /// interpreter.
    func machineCodeEntry(of instance: UnsafeMutablePointer<InstanceRecord>) -> UnsafeRawPointer? {
        let index = instance.pointee.index
        while instanceMachineCode.count <= index { instanceMachineCode.append(.notCompiled) }
        if case .notCompiled = instanceMachineCode[index] {
            instanceMachineCode[index] = compileMachineCode(of: instance)
        }
        guard case .compiled(let pages) = instanceMachineCode[index] else { return nil }
        return pages.baseAddress
    }

    private func compileMachineCode(of instance: UnsafeMutablePointer<InstanceRecord>) -> InstanceMachineCode {
        guard instanceModules[instance.pointee.index].machineCodeLimitation == nil else { return .unavailable }
        guard ExecutableMemory.isAvailable, var (generator, _) = generateMachineCode(of: instance),
            let pages = ExecutableMemory.seal(generator.assembler.finish())
        else { return .unavailable }
        let importedFunctionCount = instanceModules[instance.pointee.index].importedFunctionCount
        for (definedIndex, label) in generator.functionLabels.enumerated() {
            let record = instance.pointee.functions[importedFunctionCount + definedIndex]
            record.pointee.machineCode = pages.baseAddress! + generator.assembler.offset(of: label)!
        }
        return .compiled(pages)
    }

    /// The machine code of `instance`'s functions as the compiler tier generates it, instruction by instruction, for
    /// reading (`swiftlet explore --tier compiler`); nil when a function has no body to compile.
    public func machineCodeListing(of instance: Instance) -> [MachineCodeListing]? {
        precondition(instance.store == ObjectIdentifier(self), "an instance of another store")
        guard case (var generator, let functions)? = generateMachineCode(of: instances[instance.index]) else { return nil }
        let code = generator.assembler.finish()
        let importedFunctionCount = instanceModules[instance.index].importedFunctionCount
        return functions.enumerated().map { definedIndex, function in
            let offsets = generator.functionInstructionLabels[definedIndex].map { generator.assembler.offset(of: $0)! }
            let start = generator.assembler.offset(of: generator.functionLabels[definedIndex])!
            return MachineCodeListing(
                functionIndex: importedFunctionCount + definedIndex, prologue: Array(code[start..<offsets[0]]),
                instructions: function.code.indices.map { (function.code[$0], Array(code[offsets[$0]..<offsets[$0 + 1]])) })
        }
    }

    /// The generator after emitting all of `instance`'s code, and the functions it translated; nil when a function
    /// has no body (it was given already translated) or cannot be translated.
    private func generateMachineCode(
        of instance: UnsafeMutablePointer<InstanceRecord>
    ) -> (MachineCodeGenerator, [CompiledFunction])? {
        let module = instanceModules[instance.pointee.index]
        var functions: [CompiledFunction] = []
        for (definedIndex, function) in module.functions.enumerated() {
            guard case .body(let start, let end) = function else { return nil }
            var body = BinaryReader(bytes: module.bytes, offset: start, end: end)
            // Validation accepted every body: only an engine limit can fail a translation, and the interpreter
            // then reports it when the function is called.
            guard let translated = try? FunctionCompiler.compile(
                module: module, functionIndex: UInt32(module.importedFunctionCount + definedIndex), body: &body,
                forInterpreter: false)
            else { return nil }
            functions.append(translated)
        }
        // Each instruction a handler runs takes its words and a `return`: at most two per word.
        let capacity = 2 * functions.reduce(0) { $0 + $1.code.count } + 1
        let handlerCode = allocateCode(count: capacity)
        var generator = MachineCodeGenerator(
            instance: instance, importedFunctionCount: module.importedFunctionCount,
            definedFunctionCount: functions.count, handlerCode: handlerCode, handlerCodeCapacity: capacity,
            layout: RecordLayout())
        generator.emitEntry()
        for (definedIndex, function) in functions.enumerated() {
            generator.emitFunction(function, definedIndex: definedIndex)
        }
        generator.emitTrapStubs()
        return (generator, functions)
    }

    /// Runs the machine code `function` of `entry` in `frame` (arguments in place, locals zeroed), as `execute` runs
    /// internal code: with the store's fuel, traps as `Trap`s, the results in `frame[0..<resultCount]`.
    func executeMachineCode(
        _ entry: UnsafeMutablePointer<FunctionRecord>, function: UnsafeRawPointer, entryCode: UnsafeRawPointer,
        frame: UnsafeMutablePointer<UInt64>
    ) throws(Trap) {
        let instance = entry.pointee.instance.unsafelyUnwrapped
        try withRunState(of: entry) { (state, _) throws(Trap) in
            try withUnsafeTemporaryAllocation(of: UInt64.self, capacity: ContextWord.allCases.count) {
                (contextBuffer) throws(Trap) in
                let context = contextBuffer.baseAddress!
                // Every compiled call takes 8 bytes of this thread's stack (its return address): the outermost run
                // allows the configured call depth below itself, and runs nested in it share that floor.
                let outermost = machineStackFloor == nil
                if outermost {
                    machineStackFloor = UInt(bitPattern: context) - UInt(Swift.max(configuration.maxCallDepth, 1) * 8)
                }
                defer { if outermost { machineStackFloor = nil } }
                func set(_ word: ContextWord, _ value: UInt) { context[Int(word.rawValue)] = UInt64(value) }
                set(.stackFloor, machineStackFloor!)
                // The slice starts empty: the entry's charge draws the first one.
                set(.fuel, 0)
                set(.valueStackEnd, UInt(bitPattern: valueStackEnd!))
                set(.memoryRecord, UInt(bitPattern: instance.pointee.memory))
                set(.store, UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque()))
                set(.state, UInt(bitPattern: state))
                set(.executeInstruction, unsafeBitCast(MachineCodeBridge.executeInstruction, to: UInt.self))
                set(.callFunction, unsafeBitCast(MachineCodeBridge.callFunction, to: UInt.self))
                set(.refuel, unsafeBitCast(MachineCodeBridge.refuel, to: UInt.self))
                let exit = unsafeBitCast(entryCode, to: MachineCodeEntry.self)(context, frame, function)
                state.pointee.fuel = Int(truncatingIfNeeded: context[Int(ContextWord.fuel.rawValue)])
                switch exit {
                case 0:
                    return
                case MachineCodeExit.pendingTrap:
                    let trap = pendingMachineCodeTrap!
                    pendingMachineCodeTrap = nil
                    throw trap
                default:
                    throw Trap(InterpreterTrap(rawValue: UInt8(exit - 1))!.reason)
                }
            }
        }
    }
}

/// The Swift functions machine code calls, with `(context, frame, argument, memory base)`; each returns 0 to continue or
/// an exit code (see `MachineCodeExit`) to end the run.
enum MachineCodeBridge {
    typealias Function = @convention(c) (
        UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>, UInt, UnsafeMutableRawPointer
    ) -> Int

    static func word(_ word: ContextWord, of context: UnsafeMutablePointer<UInt64>) -> UInt {
        UInt(context[Int(word.rawValue)])
    }

    static func store(_ context: UnsafeMutablePointer<UInt64>) -> Store {
        // SAFETY: the run put its store there, which outlives the run.
        Unmanaged<Store>.fromOpaque(UnsafeRawPointer(bitPattern: word(.store, of: context))!).takeUnretainedValue()
    }

    static func state(_ context: UnsafeMutablePointer<UInt64>) -> UnsafeMutablePointer<MachineState> {
        UnsafeMutablePointer(bitPattern: word(.state, of: context))!
    }

    /// Ends the run with `trap` (a Swift error, which cannot cross machine code): the store keeps it for the entry.
    static func exit(_ store: Store, _ trap: Trap) -> Int {
        store.pendingMachineCodeTrap = trap
        return MachineCodeExit.pendingTrap
    }

    /// Runs the instruction copied at `argument` (followed by a `return`) with its interpreter handler, in `frame`, with
    /// the memory base machine code has.
    static let executeInstruction: Function = { context, frame, argument, memoryBase in
        let store = store(context)
        let state = state(context)
        state.pointee.callFrame = state.pointee.entryCallFrame
        let pc = UnsafePointer<LinkedInstruction>(bitPattern: argument)!
        var r = Registers(pc, frame, memoryBase, state, 0, pc, 0)
        let loopExit = LoopExit(rawValue: r.dispatch())!
        r = state.pointee.saved!
        switch loopExit {
        case .returned:
            return 0
        case .trapped:
            return MachineCodeExit.code(of: state.pointee.trapCode)
        case .outOfLine:
            do throws(Trap) {
                try store.executeOutOfLine(&r)
            } catch {
                return exit(store, error)
            }
            return 0
        case .callHost:
            preconditionFailure("calls are machine code")
        }
    }

    /// Calls the function whose record is at `argument` with its frame at `frame`: a host function, or wasm code of
    /// another instance or not compiled. The run's fuel goes back to the store meanwhile, as for the interpreter's
    /// host calls.
    static let callFunction: Function = { context, frame, argument, _ in
        let store = store(context)
        let state = state(context)
        let callee = UnsafeMutablePointer<FunctionRecord>(bitPattern: argument)!
        let fuelIsLimited = state.pointee.fuelBank != Store.unlimitedFuel
        if fuelIsLimited {
            state.pointee.fuel = Int(truncatingIfNeeded: context[Int(ContextWord.fuel.rawValue)])
            store.fuelRemaining = state.pointee.fuelLeft
            state.pointee.fuelBank = 0
        }
        // An emptied slice makes the next charge refuel, and so read what the callee left (and the interruption flag).
        context[Int(ContextWord.fuel.rawValue)] = 0
        defer {
            if fuelIsLimited {
                state.pointee.fuelBank = store.fuelRemaining
                store.fuelRemaining = 0
            }
        }
        do throws(Trap) {
            if callee.pointee.code == nil {
                try store.callHostFunction(
                    callee, frame: frame, callerInstance: state.pointee.instance, callFrameTop: state.pointee.entryCallFrame)
            } else {
                try store.translateIfNeeded(callee)
                guard frame + callee.pointee.frameSize <= store.valueStackEnd! else {
                    return MachineCodeExit.code(of: .callStackExhausted)
                }
                let parameterCount = callee.pointee.parameterCount
                (frame + parameterCount).update(repeating: 0, count: callee.pointee.localCount - parameterCount)
                try store.execute(callee, frame: frame)
            }
        } catch {
            return exit(store, error)
        }
        return 0
    }

    /// The fuel slice ran out: draws the next one and polls the interruption flag (`MachineState.refuel`).
    static let refuel: Function = { context, _, _, _ in
        let state = state(context)
        state.pointee.fuel = Int(truncatingIfNeeded: context[Int(ContextWord.fuel.rawValue)])
        if let trap = state.pointee.refuel() { return MachineCodeExit.code(of: trap) }
        context[Int(ContextWord.fuel.rawValue)] = UInt64(truncatingIfNeeded: state.pointee.fuel)
        return 0
    }
}
