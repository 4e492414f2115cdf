// Translates an instance's internal code to x86-64, a few functions at a time: the instance's records (globals,
// tables, functions, types) are known, so their addresses go into the code as constants. Each piece of code is sealed
// on its own: the code the instance's functions share (`emitSharedCode`), made first, and then each batch of functions
// compiled together at a first call, followed by the stubs their traps leave through.

import X64Assembler

struct MachineCodeGenerator {
    var assembler = Assembler()
    let instance: UnsafeMutablePointer<InstanceRecord>
    let importedFunctionCount: Int
    /// The first instruction of each function in this code, by defined index. A call of any other function of the
    /// instance goes through its record's `machineCode` (its code, or its compile stub until its first call).
    let functionLabels: [Int: Assembler.Label]
    /// Where the instructions that an interpreter handler runs are copied, each followed by a `return`.
    let handlerCode: UnsafeMutablePointer<LinkedInstruction>
    var handlerCodeCount = 0
    let handlerCodeCapacity: Int
    let layout: RecordLayout

    private let trapLabels: [Assembler.Label]
    /// Leaves the run with the code in eax.
    private let exitLabel: Assembler.Label

    /// Each function's instruction labels, the last one its end (for listings), by defined index.
    private(set) var functionInstructionLabels: [Int: [Assembler.Label]] = [:]

    // Per function.
    private(set) var instructionLabels: [Assembler.Label] = []
    /// Back-edges whose fuel ran out: where each refuels, and where it continues.
    private var refuelPaths: [(path: Assembler.Label, resume: Assembler.Label)] = []
    /// Which instructions a branch may reach other than from the instruction before.
    private var isBranchTarget: [Bool] = []
    /// The slot whose value rax holds after the instruction just emitted, if it left one there: the next instruction
    /// reads it from rax instead of loading the slot it was just stored to (unless a branch may land in between).
    var cachedSlot: UInt32?
    /// `cachedSlot` as the instruction being emitted found it.
    private(set) var incomingCachedSlot: UInt32?
    /// The slots that live in a register for the whole function: the most read ones (loops weigh most). The
    /// register holds the value and the slot in the frame falls behind; the registers are written to their slots
    /// before anything that reads the frame or clobbers registers (a call: of Swift, of an interpreter handler,
    /// of machine code) and loaded again after it, and the result slots are written before a return.
    private(set) var slotHomes: [UInt32: SlotHome] = [:]
    /// The slots the current function's results take (at most).
    private var resultSlotCount: UInt32 = 0
    /// While a function is emitted the first time, only to learn how its slots are used: the uses so far.
    private var survey: SlotSurvey?

    init(
        instance: UnsafeMutablePointer<InstanceRecord>, importedFunctionCount: Int, definedFunctions: [Int],
        handlerCode: UnsafeMutablePointer<LinkedInstruction>, handlerCodeCapacity: Int, layout: RecordLayout
    ) {
        self.instance = instance
        self.importedFunctionCount = importedFunctionCount
        self.handlerCode = handlerCode
        self.handlerCodeCapacity = handlerCodeCapacity
        self.layout = layout
        var assembler = Assembler()
        var functionLabels: [Int: Assembler.Label] = [:]
        for definedIndex in definedFunctions { functionLabels[definedIndex] = assembler.makeLabel() }
        self.functionLabels = functionLabels
        trapLabels = InterpreterTrap.allCases.map { _ in assembler.makeLabel() }
        exitLabel = assembler.makeLabel()
        self.assembler = assembler
    }

    // MARK: Entry and exits

    /// The callee-saved registers (System V) that compiled code uses: the entry saves them for Swift.
    private static let savedRegisters: [Register] = [.rbx, .rbp, .r12, .r13, .r14, .r15]

    /// The code an instance's functions share: the entry at offset 0, the compile stub and the interpret stub (their
    /// labels returned), and the exits.
    ///
    /// The entry, `(context, frame, function record) -> exit code`, is a System V function: it saves the callee-saved
    /// registers compiled code uses, loads the pinned ones, and calls the function through its record. A call through
    /// a record always leaves the record in rdx, so a function not compiled yet lands in the compile stub knowing
    /// which it is: the stub has Swift compile it, then jumps to its code as the call would have. The interpret stub
    /// has the interpreter run a function that could not be compiled (`MachineCodeBridge.callFunction`).
    mutating func emitSharedCode() -> (compile: Assembler.Label, interpret: Assembler.Label) {
        for register in Self.savedRegisters { assembler.push(register) }
        // Six pushes and the return address leave the stack 8 bytes off the 16-byte alignment calls need.
        assembler.arithmetic(.subtract, .rsp, immediate: 8, .bits64)
        assembler.move(PinnedRegister.context, .rdi, .bits64)
        assembler.move(PinnedRegister.frame, .rsi, .bits64)
        reloadMemoryBase()
        assembler.move(PinnedRegister.fuel, context(.fuel), .bits64)
        assembler.move(context(.entryStackPointer), .rsp, .bits64)
        assembler.call(.at(.rdx, layout.functionMachineCode))
        assembler.arithmetic(.xor, .rax, .rax, .bits32)
        emitEpilogue()
        let compile = assembler.makeLabel()
        assembler.bind(compile)
        // The record outlives the call on the stack; the callee's frame is the current one, the caller's homes are
        // written back, and the function's own prologue has not run.
        assembler.push(.rdx)
        callSwift(.compileFunction)
        assembler.pop(.rdx)
        assembler.jump(.at(.rdx, layout.functionMachineCode))
        let interpret = assembler.makeLabel()
        assembler.bind(interpret)
        callSwift(.callFunction)
        assembler.ret()
        emitExits()
        return (compile, interpret)
    }

    /// Returns to Swift from the entry's frame, the exit code in eax.
    private mutating func emitEpilogue() {
        assembler.move(context(.fuel), PinnedRegister.fuel, .bits64)
        assembler.arithmetic(.add, .rsp, immediate: 8, .bits64)
        for register in Self.savedRegisters.reversed() { assembler.pop(register) }
        assembler.ret()
    }

    /// Where this code's traps leave: one stub per trap puts its exit code in eax, then the exit goes back to the
    /// entry's stack, however deep the trap was, and returns to Swift. Each piece of code has its own: pieces are
    /// sealed apart, anywhere, and a conditional jump reaches only its own piece.
    mutating func emitExits() {
        for (raw, label) in trapLabels.enumerated() {
            assembler.bind(label)
            assembler.move(.rax, immediate: UInt64(MachineCodeExit.code(of: InterpreterTrap(rawValue: UInt8(raw))!)))
            assembler.jump(to: exitLabel)
        }
        assembler.bind(exitLabel)
        assembler.move(.rsp, context(.entryStackPointer), .bits64)
        emitEpilogue()
    }

    func trapLabel(_ trap: InterpreterTrap) -> Assembler.Label { trapLabels[Int(trap.rawValue)] }

    // MARK: Functions

    /// Emits `function` twice: first to survey how its slots are used, then, after forgetting that code, with the
    /// most used slots in registers.
    mutating func emitFunction(_ function: CompiledFunction, definedIndex: Int) {
        assembler.bind(functionLabels[definedIndex]!)
        isBranchTarget = Self.branchTargets(function.code)
        let checkpoint = (assembler.checkpoint(), handlerCodeCount)
        resultSlotCount = 2 * function.resultCount  // a v128 result takes two
        slotHomes = [:]
        survey = SlotSurvey(loopDepths: Self.loopDepths(function.code))
        emitBody(function)
        let uses = survey!.uses
        survey = nil
        assembler.rollback(to: checkpoint.0)
        handlerCodeCount = checkpoint.1
        slotHomes = SlotSurvey.homes(for: uses)
        emitBody(function)
        functionInstructionLabels[definedIndex] = instructionLabels
    }

    private mutating func emitBody(_ function: CompiledFunction) {
        let code = function.code
        instructionLabels = (0...code.count).map { _ in assembler.makeLabel() }
        refuelPaths = []
        emitPrologue(function)
        cachedSlot = nil
        var position = 0
        while position < code.count {
            assembler.bind(instructionLabels[position])
            survey?.position = position
            incomingCachedSlot = isBranchTarget[position] ? nil : cachedSlot
            cachedSlot = nil
            position += emit(code, at: position)
        }
        // A branch may target the end.
        assembler.bind(instructionLabels[code.count])
        emitReturn()
        for path in refuelPaths {
            assembler.bind(path.path)
            callSwift(.refuel)
            assembler.jump(to: path.resume)
        }
    }

    /// Checks the stacks, zeroes the declared locals (the interpreter's call zeroes the first few and a
    /// `zeroLocals` instruction the rest: here the prologue does all, and `zeroLocals` is nothing), loads the
    /// slots' homes, and charges the call's fuel (whose refuelling writes the homes back).
    private mutating func emitPrologue(_ function: CompiledFunction) {
        assembler.arithmetic(.compare, .rsp, context(.stackFloor), .bits64)
        assembler.jump(if: .below, to: trapLabel(.callStackExhausted))
        assembler.loadAddress(.rax, slot(function.frameSize))
        assembler.arithmetic(.compare, .rax, context(.valueStackEnd), .bits64)
        assembler.jump(if: .above, to: trapLabel(.callStackExhausted))
        if function.localCount > function.parameterCount {
            assembler.arithmetic(.xor, .rax, .rax, .bits32)
            for local in function.parameterCount..<function.localCount {
                assembler.move(slot(local), .rax, .bits64)
            }
        }
        reloadSlotHomes()
        let charged = assembler.makeLabel()
        chargeFuel(instructions: 1, whenOut: charged)
        assembler.bind(charged)
    }

    /// Loads every slot that has a home into it.
    mutating func reloadSlotHomes() {
        for (index, home) in slotHomes.sorted(by: { $0.key < $1.key }) {
            switch home {
            case .general(let register): assembler.move(register, slot(index), .bits64)
            case .vector(let register): assembler.loadFloat(register, slot(index), .double)
            }
        }
    }

    /// Writes the homes of the slots `below` selects (all by default) to their slots.
    mutating func flushSlotHomes(below limit: UInt32 = .max) {
        for (index, home) in slotHomes.sorted(by: { $0.key < $1.key }) where index < limit {
            switch home {
            case .general(let register): assembler.move(slot(index), register, .bits64)
            case .vector(let register): assembler.storeFloat(slot(index), register, .double)
            }
        }
    }

    /// Returns to the caller, the results in their slots.
    mutating func emitReturn() {
        flushSlotHomes(below: resultSlotCount)
        assembler.ret()
    }

    /// Notes a read of `slot[index]` as an integer (`general`) or a float (`vector`) while surveying.
    mutating func noteRead(_ index: UInt32, asVector: Bool = false) {
        survey?.note(index, asVector: asVector)
    }

    /// Subtracts `instructions` from the fuel slice; when it runs out, calls `refuel` and continues at `resume`
    /// (which the caller binds).
    private mutating func chargeFuel(instructions: Int, whenOut resume: Assembler.Label) {
        let path = assembler.makeLabel()
        assembler.arithmetic(
            .subtract, PinnedRegister.fuel, immediate: Int32(clamping: instructions * Registers.fuelUnit), .bits64)
        assembler.jump(if: .less, to: path)
        refuelPaths.append((path, resume))
    }

    /// The instructions a branch or a `br_table` may jump to.
    static func branchTargets(_ code: [Instruction]) -> [Bool] {
        var targets = [Bool](repeating: false, count: code.count + 1)
        for (position, instruction) in code.enumerated() {
            if instruction.opcode.isBranch { targets[Int(instruction.a)] = true }
            if instruction.opcode == .brTable {
                for entry in 0...Int(instruction.b) { targets[position + 1 + entry] = true }
            }
        }
        return targets
    }

    /// How many loops each instruction is in: a backward branch closes a loop from its target to itself.
    static func loopDepths(_ code: [Instruction]) -> [Int] {
        // Each loop adds one from its first instruction and takes it back after its last.
        var changes = [Int](repeating: 0, count: code.count + 1)
        for (position, instruction) in code.enumerated()
        where instruction.opcode.isBranch && Int(instruction.a) <= position {
            changes[Int(instruction.a)] += 1
            changes[position + 1] -= 1
        }
        var depth = 0
        return changes.dropLast().map { change in
            depth += change
            return depth
        }
    }

    // MARK: Shared pieces

    func slot(_ index: UInt32) -> MemoryOperand { .at(PinnedRegister.frame, Int32(index) * 8) }

    func context(_ word: ContextWord) -> MemoryOperand { .at(PinnedRegister.context, word.displacement) }

    mutating func reloadMemoryBase() {
        assembler.move(.rax, context(.memoryRecord), .bits64)
        assembler.move(PinnedRegister.memoryBase, .at(.rax, layout.memoryBase), .bits64)
    }

    /// Calls a `MachineCodeBridge` function with the context, the frame at `frameOffset` slots from the current one,
    /// `rdx` (which the caller set) and the memory base (memory 0's, or the one a `useMemory` chose), on a 16-byte
    /// aligned stack, the fuel slice in the context meanwhile; leaves the run if it returns non-zero, and reloads
    /// memory 0's base (which it may have moved) and the slots' homes (which it may have written or clobbered).
    mutating func callSwift(_ function: ContextWord, frameOffset: UInt32 = 0) {
        flushSlotHomes()
        assembler.move(.rdi, PinnedRegister.context, .bits64)
        assembler.loadAddress(.rsi, slot(frameOffset))
        assembler.move(.rcx, PinnedRegister.memoryBase, .bits64)
        assembler.move(context(.fuel), PinnedRegister.fuel, .bits64)
        assembler.move(PinnedRegister.savedStackPointer, .rsp, .bits64)
        assembler.arithmetic(.and, .rsp, immediate: -16, .bits64)
        assembler.call(context(function))
        assembler.move(.rsp, PinnedRegister.savedStackPointer, .bits64)
        assembler.move(PinnedRegister.fuel, context(.fuel), .bits64)
        assembler.test(.rax, .rax, .bits32)
        assembler.jump(if: .notEqual, to: exitLabel)
        reloadMemoryBase()
        reloadSlotHomes()
    }

    /// Jumps to instruction `target` of the function (when `condition` holds, if one is given). A loop back-edge
    /// charges the loop's length in fuel first, as the interpreter does.
    mutating func branch(to target: Int, from position: Int, if condition: Condition? = nil) {
        guard target <= position else {
            if let condition {
                assembler.jump(if: condition, to: instructionLabels[target])
            } else {
                assembler.jump(to: instructionLabels[target])
            }
            return
        }
        let notTaken = assembler.makeLabel()
        if let condition { assembler.jump(if: condition.negated, to: notTaken) }
        let charged = assembler.makeLabel()
        chargeFuel(instructions: position - target + 1, whenOut: charged)
        assembler.bind(charged)
        assembler.jump(to: instructionLabels[target])
        assembler.bind(notTaken)
    }

    /// Has an interpreter handler run the instruction at `position` (and the data words after it): a copy of it,
    /// followed by a `return` that leaves the interpreter. The number of words it took.
    mutating func runInHandler(_ code: [Instruction], at position: Int) -> Int {
        let words = code[position].opcode == .i8x16Shuffle ? 3 : 1
        precondition(handlerCodeCount + words + 1 <= handlerCodeCapacity, "handler code sized too small")
        let start = handlerCode + handlerCodeCount
        for word in 0..<words {
            let instruction = code[position + word]
            // SAFETY: within the capacity (checked above); the buffer lives as long as the machine code.
            (start + word).initialize(to: LinkedInstruction(handler: instruction.opcode.handler, instruction: instruction))
        }
        (start + words).initialize(to: LinkedInstruction(handler: Opcode.return.handler, instruction: Instruction(.return)))
        handlerCodeCount += words + 1
        assembler.move(.rdx, immediate: UInt64(UInt(bitPattern: start)))
        callSwift(.executeInstruction)
        return words
    }
}

/// Where compiled code finds the fields of the records it reads, measured on real records.
struct RecordLayout {
    let memoryBase: Int32
    let globalValue: Int32
    let functionMachineCode: Int32
    let functionTypeID: Int32
    let functionInstance: Int32
    let tableElements: Int32
    let tableCount: Int32

    init() {
        let memory = UnsafeMutablePointer<MemoryRecord>.allocate(capacity: 1)
        let global = UnsafeMutablePointer<GlobalRecord>.allocate(capacity: 1)
        let function = UnsafeMutablePointer<FunctionRecord>.allocate(capacity: 1)
        let table = UnsafeMutablePointer<TableRecord>.allocate(capacity: 1)
        defer {
            memory.deallocate()
            global.deallocate()
            function.deallocate()
            table.deallocate()
        }
        // Only addresses are taken: nothing is read from these uninitialized records.
        memoryBase = fieldOffset(&memory.pointee.base, in: memory)
        globalValue = fieldOffset(&global.pointee.value, in: global)
        functionMachineCode = fieldOffset(&function.pointee.machineCode, in: function)
        functionTypeID = fieldOffset(&function.pointee.typeID, in: function)
        functionInstance = fieldOffset(&function.pointee.instance, in: function)
        tableElements = fieldOffset(&table.pointee.elements, in: table)
        tableCount = fieldOffset(&table.pointee.count, in: table)
    }
}

/// How a function uses its slots, learnt by emitting it once: each slot's reads as an integer and as a float (other
/// than from rax, see `MachineCodeGenerator.cachedSlot`), each weighted by the loops it is in.
struct SlotSurvey {
    let loopDepths: [Int]
    /// The instruction being emitted.
    var position = 0
    private(set) var uses: [UInt32: (general: Int, vector: Int)] = [:]

    /// A read in `depth` loops counts as 8^depth reads (up to 4 loops deep).
    init(loopDepths: [Int]) { self.loopDepths = loopDepths }

    mutating func note(_ index: UInt32, asVector: Bool) {
        let weight = 1 << (3 * Swift.min(loopDepths[position], 4))
        var counts = uses[index] ?? (0, 0)
        if asVector { counts.vector += weight } else { counts.general += weight }
        uses[index] = counts
    }

    /// Homes for the most read slots: each in the kind of register it is mostly read as, while that kind has one
    /// free. A slot read fewer than twice is not worth moving around every call.
    static func homes(for uses: [UInt32: (general: Int, vector: Int)]) -> [UInt32: SlotHome] {
        var general = SlotHome.generalRegisters[...]
        var vector = SlotHome.vectorRegisters[...]
        var homes: [UInt32: SlotHome] = [:]
        let ranked = uses.filter { $0.value.general + $0.value.vector >= 2 }
            .sorted { ($0.value.general + $0.value.vector, $1.key) > ($1.value.general + $1.value.vector, $0.key) }
        for (index, counts) in ranked {
            if counts.vector > counts.general, let register = vector.popFirst() {
                homes[index] = .vector(register)
            } else if let register = general.popFirst() {
                homes[index] = .general(register)
            }
        }
        return homes
    }
}
