// The compiler tier's runtime: compiling each function on its first call, running machine code from `execute`, and
// the Swift functions machine code calls (`MachineCodeBridge`).

import X64Assembler

/// Which code runs a store's functions.
public enum ExecutionTier: Sendable {
    /// The interpreter: every instance, always.
    case interpreter
    /// Machine code where the platform allows it (Linux hosts and the guest kernel), each function compiled on its
    /// first call; the interpreter elsewhere, and for instructions the compiler leaves to the interpreter's handlers.
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
        // Each SIMD instruction would run its interpreter handler through the bridge: far slower than the interpreter.
        if requiredFeatures.contains(.simd) { return "it uses SIMD, which has no machine code yet" }
        return nil
    }
}

/// An instance's machine code, or why it has none.
enum InstanceMachineCode {
    case notCompiled
    /// The interpreter runs the instance (the platform cannot map executable pages, a function was given already
    /// translated, without a body to compile, or the module uses a feature machine code lacks).
    case unavailable
    case compiled(SharedMachineCode)
}

/// The code an instance's functions share, made on its first run, before any function is compiled (see
/// `MachineCodeGenerator.emitSharedCode`). Each defined function's record points at `compileStub` until its first
/// call compiles it, then at its code, or at `interpretStub` when it cannot be compiled.
struct SharedMachineCode {
    /// `(context, frame, function record) -> exit code`: calls the function from Swift.
    let entry: UnsafeRawPointer
    let compileStub: UnsafeRawPointer
    let interpretStub: UnsafeRawPointer
}

/// One function's machine code: its prologue, then each internal instruction with the bytes it became (the code after
/// a function's last instruction, and shared stubs, are not shown).
public struct MachineCodeListing: Sendable {
    /// In the module's function index space.
    public let functionIndex: Int
    public let prologue: [UInt8]
    public let instructions: [(instruction: Instruction, bytes: [UInt8])]
}

/// The entry's signature (see `SharedMachineCode.entry`); the record is a `FunctionRecord`, which C cannot name.
typealias MachineCodeEntry = @convention(c) (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>, UnsafeRawPointer) -> Int

extension Store {
    /// How many internal instructions one compilation takes at most, beyond the called function's own: its direct
    /// callees not compiled yet come along (and theirs), so a call graph reached together is compiled at once,
    /// with direct calls inside it, and a micro-VM seals it with one exit. The bound keeps a large module's first
    /// call from compiling most of it.
    static let machineCodeBatchInstructions = 1 << 14

    /// The code `instance`'s functions share, made on its first run; nil when it runs in the interpreter.
    func sharedMachineCode(of instance: UnsafeMutablePointer<InstanceRecord>) -> SharedMachineCode? {
        let index = instance.pointee.index
        while instanceMachineCode.count <= index { instanceMachineCode.append(.notCompiled) }
        if case .notCompiled = instanceMachineCode[index] {
            instanceMachineCode[index] = makeSharedMachineCode(of: instance)
        }
        guard case .compiled(let shared) = instanceMachineCode[index] else { return nil }
        return shared
    }

    private func makeSharedMachineCode(of instance: UnsafeMutablePointer<InstanceRecord>) -> InstanceMachineCode {
        let module = instanceModules[instance.pointee.index]
        guard module.machineCodeLimitation == nil, ExecutableMemory.isAvailable,
            module.functions.allSatisfy({ if case .body = $0 { true } else { false } })
        else { return .unavailable }
        var generator = MachineCodeGenerator(
            instance: instance, importedFunctionCount: module.importedFunctionCount, definedFunctions: [],
            handlerCode: allocateCode(count: 0), handlerCodeCapacity: 0, layout: RecordLayout())
        let stubs = generator.emitSharedCode()
        guard let pages = ExecutableMemory.seal(generator.assembler.finish()) else { return .unavailable }
        machineCodePages.append(pages)
        let shared = SharedMachineCode(
            entry: pages.baseAddress!, compileStub: pages.baseAddress! + generator.assembler.offset(of: stubs.compile)!,
            interpretStub: pages.baseAddress! + generator.assembler.offset(of: stubs.interpret)!)
        for index in module.importedFunctionCount..<module.functionTypeIndices.count {
            instance.pointee.functions[index].pointee.machineCode = shared.compileStub
        }
        return .compiled(shared)
    }

    /// Compiles the function of `record` (at its compile stub), with the functions it calls directly that have no
    /// machine code yet (see `machineCodeBatchInstructions`), and points their records at their code. A function that
    /// cannot be compiled is pointed at the interpret stub: the interpreter then runs it, and reports what stopped its
    /// translation (an engine limit) as it would without machine code.
    func compileMachineCode(from record: UnsafeMutablePointer<FunctionRecord>) {
        let instance = record.pointee.instance.unsafelyUnwrapped
        guard case .compiled(let shared) = instanceMachineCode[instance.pointee.index] else { return }
        let module = instanceModules[instance.pointee.index]
        let imported = module.importedFunctionCount
        let called = (imported..<module.functionTypeIndices.count).first { instance.pointee.functions[$0] == record }!
        var batch: [(definedIndex: Int, function: CompiledFunction)] = []
        var queued: Set<Int> = [called - imported]
        var next = 0
        var instructionCount = 0
        var pending = [called - imported]
        while next < pending.count, batch.isEmpty || instructionCount < Self.machineCodeBatchInstructions {
            let definedIndex = pending[next]
            next += 1
            // A callee that cannot be translated keeps its compile stub: its own first call finds out again.
            guard let function = translateForMachineCode(module, definedIndex: definedIndex) else { continue }
            batch.append((definedIndex, function))
            instructionCount += function.code.count
            for instruction in function.code {
                guard let callee = MachineCodeGenerator.directCallee(of: instruction), callee >= imported,
                    !queued.contains(callee - imported),
                    instance.pointee.functions[callee].pointee.machineCode == shared.compileStub
                else { continue }
                queued.insert(callee - imported)
                pending.append(callee - imported)
            }
        }
        if !installMachineCode(batch, of: instance) { record.pointee.machineCode = shared.interpretStub }
    }

    /// Under the compiler tier, compiles every function of `instance` that has no machine code yet, at once: before a
    /// micro-VM's capture whose restores share the code (as `translateAllFunctions` does for internal code). A store's
    /// machine code names its records, so a snapshot restored into another store cannot take it along.
    /// - Precondition: `instance` was made by this store.
    public func compileAllFunctions(of publicInstance: Instance) {
        precondition(publicInstance.store == ObjectIdentifier(self), "an instance of another store")
        guard configuration.tier == .compiler else { return }
        let instance = instances[publicInstance.index]
        guard let shared = sharedMachineCode(of: instance) else { return }
        let module = instanceModules[instance.pointee.index]
        let imported = module.importedFunctionCount
        let batch = module.functions.indices.compactMap { definedIndex -> (definedIndex: Int, function: CompiledFunction)? in
            guard instance.pointee.functions[imported + definedIndex].pointee.machineCode == shared.compileStub else {
                return nil
            }
            return translateForMachineCode(module, definedIndex: definedIndex).map { (definedIndex, $0) }
        }
        // Without pages for them all, each keeps its compile stub and is compiled when it is called.
        _ = installMachineCode(batch, of: instance)
    }

    /// Compiles `batch` into fresh executable pages and points its functions' records at their code; false when it is
    /// empty or no pages could be had.
    private func installMachineCode(
        _ batch: [(definedIndex: Int, function: CompiledFunction)], of instance: UnsafeMutablePointer<InstanceRecord>
    ) -> Bool {
        guard !batch.isEmpty else { return false }
        var generator = generateMachineCode(of: instance, batch)
        guard let pages = ExecutableMemory.seal(generator.assembler.finish()) else { return false }
        machineCodePages.append(pages)
        let imported = instanceModules[instance.pointee.index].importedFunctionCount
        for (definedIndex, _) in batch {
            instance.pointee.functions[imported + definedIndex].pointee.machineCode =
                pages.baseAddress! + generator.assembler.offset(of: generator.functionLabels[definedIndex]!)!
        }
        return true
    }

    /// The internal code the compiler tier translates the defined function `definedIndex` from; nil when an engine
    /// limit stops its translation (validation accepted every body), or when it uses an instruction only the
    /// interpreter runs. `Module.machineCodeLimitation` says so of a whole module, but only of what validation saw:
    /// a module whose bodies a module cache vouched for shows its instructions only here. The interpreter then runs
    /// such a function and everything it calls, so an exception never unwinds through machine code.
    private func translateForMachineCode(_ module: Module, definedIndex: Int) -> CompiledFunction? {
        guard case .body(let start, let end) = module.functions[definedIndex] else { return nil }
        var body = BinaryReader(bytes: module.bytes, offset: start, end: end)
        guard let function = try? FunctionCompiler.compile(
            module: module, functionIndex: UInt32(module.importedFunctionCount + definedIndex), body: &body,
            forInterpreter: false)
        else { return nil }
        return function.code.contains { $0.opcode.rawValue >= Opcode.firstInterpreterOnly.rawValue } ? nil : function
    }

    /// The machine code of `instance`'s functions as the compiler tier generates it, instruction by instruction, for
    /// reading (`swiftlet explore --tier compiler`); nil when a function has no body to compile.
    public func machineCodeListing(of instance: Instance) -> [MachineCodeListing]? {
        precondition(instance.store == ObjectIdentifier(self), "an instance of another store")
        let record = instances[instance.index]
        let module = instanceModules[instance.index]
        var functions: [(definedIndex: Int, function: CompiledFunction)] = []
        for definedIndex in module.functions.indices {
            guard let function = translateForMachineCode(module, definedIndex: definedIndex) else { return nil }
            functions.append((definedIndex, function))
        }
        var generator = generateMachineCode(of: record, functions)
        let code = generator.assembler.finish()
        return functions.map { definedIndex, function in
            let offsets = generator.functionInstructionLabels[definedIndex]!.map { generator.assembler.offset(of: $0)! }
            let start = generator.assembler.offset(of: generator.functionLabels[definedIndex]!)!
            return MachineCodeListing(
                functionIndex: module.importedFunctionCount + definedIndex, prologue: Array(code[start..<offsets[0]]),
                instructions: function.code.indices.map { (function.code[$0], Array(code[offsets[$0]..<offsets[$0 + 1]])) })
        }
    }

    /// The generator after emitting `batch` (defined functions and their internal code), calling one another
    /// directly, then the stubs their traps leave through.
    private func generateMachineCode(
        of instance: UnsafeMutablePointer<InstanceRecord>, _ batch: [(definedIndex: Int, function: CompiledFunction)]
    ) -> MachineCodeGenerator {
        // Each instruction a handler runs takes its words and a `return`: at most two per word.
        let capacity = 2 * batch.reduce(0) { $0 + $1.function.code.count } + 1
        var generator = MachineCodeGenerator(
            instance: instance, importedFunctionCount: instanceModules[instance.pointee.index].importedFunctionCount,
            definedFunctions: batch.map { $0.definedIndex }, handlerCode: allocateCode(count: capacity),
            handlerCodeCapacity: capacity, layout: RecordLayout())
        for (definedIndex, function) in batch {
            generator.emitFunction(function, definedIndex: definedIndex)
        }
        generator.emitExits()
        return generator
    }

    /// Runs the machine code of `entry` (or its compile stub) in `frame` (arguments in place, locals zeroed), as
    /// `execute` runs internal code: with the store's fuel, traps as `Trap`s, the results in `frame[0..<resultCount]`.
    func executeMachineCode(
        _ entry: UnsafeMutablePointer<FunctionRecord>, entryCode: UnsafeRawPointer, frame: UnsafeMutablePointer<UInt64>
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
                set(.compileFunction, unsafeBitCast(MachineCodeBridge.compileFunction, to: UInt.self))
                let exit = unsafeBitCast(entryCode, to: MachineCodeEntry.self)(context, frame, UnsafeRawPointer(entry))
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

    /// The first call of the function whose record is at `argument`: compiles it (see `Store.compileMachineCode`).
    static let compileFunction: Function = { context, _, argument, _ in
        store(context).compileMachineCode(from: UnsafeMutablePointer<FunctionRecord>(bitPattern: argument)!)
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
