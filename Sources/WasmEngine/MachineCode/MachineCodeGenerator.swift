// Translates an instance's internal code to x86-64, one instance at a time: the instance's records (globals, tables,
// functions, types) are known, so their addresses go into the code as constants. Layout of the buffer: the entry
// (a System V function Swift calls), the functions, then the shared trap stubs.

import X64Assembler

struct MachineCodeGenerator {
    var assembler = Assembler()
    let instance: UnsafeMutablePointer<InstanceRecord>
    let importedFunctionCount: Int
    /// Each defined function's first instruction.
    let functionLabels: [Assembler.Label]
    /// Where the instructions that an interpreter handler runs are copied, each followed by a `return`.
    let handlerCode: UnsafeMutablePointer<LinkedInstruction>
    var handlerCodeCount = 0
    let handlerCodeCapacity: Int
    let layout: RecordLayout

    private let trapLabels: [Assembler.Label]
    /// Leaves the run with the code in eax.
    private let exitLabel: Assembler.Label
    private let epilogueLabel: Assembler.Label

    /// Each function's instruction labels, the last one its end (for listings).
    private(set) var functionInstructionLabels: [[Assembler.Label]] = []

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

    init(
        instance: UnsafeMutablePointer<InstanceRecord>, importedFunctionCount: Int, definedFunctionCount: Int,
        handlerCode: UnsafeMutablePointer<LinkedInstruction>, handlerCodeCapacity: Int, layout: RecordLayout
    ) {
        self.instance = instance
        self.importedFunctionCount = importedFunctionCount
        self.handlerCode = handlerCode
        self.handlerCodeCapacity = handlerCodeCapacity
        self.layout = layout
        var assembler = Assembler()
        functionLabels = (0..<definedFunctionCount).map { _ in assembler.makeLabel() }
        trapLabels = InterpreterTrap.allCases.map { _ in assembler.makeLabel() }
        exitLabel = assembler.makeLabel()
        epilogueLabel = assembler.makeLabel()
        self.assembler = assembler
    }

    // MARK: Entry and exits

    /// The entry, at offset 0: `(context, frame, function) -> exit code`, a System V function. It saves the
    /// callee-saved registers compiled code uses, loads the pinned ones, and calls the function.
    mutating func emitEntry() {
        let saved: [Register] = [.rbx, .rbp, .r12, .r13, .r14, .r15]
        for register in saved { assembler.push(register) }
        // Six pushes and the return address leave the stack 8 bytes off the 16-byte alignment calls need.
        assembler.arithmetic(.subtract, .rsp, immediate: 8, .bits64)
        assembler.move(PinnedRegister.context, .rdi, .bits64)
        assembler.move(PinnedRegister.frame, .rsi, .bits64)
        reloadMemoryBase()
        assembler.move(context(.entryStackPointer), .rsp, .bits64)
        assembler.call(.rdx)
        assembler.arithmetic(.xor, .rax, .rax, .bits32)
        assembler.bind(epilogueLabel)
        assembler.arithmetic(.add, .rsp, immediate: 8, .bits64)
        for register in saved.reversed() { assembler.pop(register) }
        assembler.ret()
        // A trap anywhere, however deep: back to the entry's stack, eax holding the exit code.
        assembler.bind(exitLabel)
        assembler.move(.rsp, context(.entryStackPointer), .bits64)
        assembler.jump(to: epilogueLabel)
    }

    /// One stub per trap: the exit code into eax, then the exit.
    mutating func emitTrapStubs() {
        for (raw, label) in trapLabels.enumerated() {
            assembler.bind(label)
            assembler.move(.rax, immediate: UInt64(MachineCodeExit.code(of: InterpreterTrap(rawValue: UInt8(raw))!)))
            assembler.jump(to: exitLabel)
        }
    }

    func trapLabel(_ trap: InterpreterTrap) -> Assembler.Label { trapLabels[Int(trap.rawValue)] }

    // MARK: Functions

    mutating func emitFunction(_ function: CompiledFunction, definedIndex: Int) {
        let code = function.code
        instructionLabels = (0...code.count).map { _ in assembler.makeLabel() }
        refuelPaths = []
        assembler.bind(functionLabels[definedIndex])
        emitPrologue(function)
        isBranchTarget = Self.branchTargets(code)
        cachedSlot = nil
        var position = 0
        while position < code.count {
            assembler.bind(instructionLabels[position])
            incomingCachedSlot = isBranchTarget[position] ? nil : cachedSlot
            cachedSlot = nil
            position += emit(code, at: position)
        }
        // A branch may target the end.
        assembler.bind(instructionLabels[code.count])
        assembler.ret()
        functionInstructionLabels.append(instructionLabels)
        for path in refuelPaths {
            assembler.bind(path.path)
            callSwift(.refuel)
            assembler.jump(to: path.resume)
        }
    }

    /// Checks the stacks, charges the call's fuel, and zeroes the declared locals (the interpreter's call zeroes
    /// the first few and a `zeroLocals` instruction the rest: here the prologue does all, and `zeroLocals` is
    /// nothing).
    private mutating func emitPrologue(_ function: CompiledFunction) {
        assembler.arithmetic(.compare, .rsp, context(.stackFloor), .bits64)
        assembler.jump(if: .below, to: trapLabel(.callStackExhausted))
        assembler.loadAddress(.rax, slot(function.frameSize))
        assembler.arithmetic(.compare, .rax, context(.valueStackEnd), .bits64)
        assembler.jump(if: .above, to: trapLabel(.callStackExhausted))
        let charged = assembler.makeLabel()
        chargeFuel(instructions: 1, whenOut: charged)
        assembler.bind(charged)
        if function.localCount > function.parameterCount {
            assembler.arithmetic(.xor, .rax, .rax, .bits32)
            for local in function.parameterCount..<function.localCount {
                assembler.move(slot(local), .rax, .bits64)
            }
        }
    }

    /// Subtracts `instructions` from the fuel slice; when it runs out, calls `refuel` and continues at `resume`
    /// (which the caller binds).
    private mutating func chargeFuel(instructions: Int, whenOut resume: Assembler.Label) {
        let path = assembler.makeLabel()
        assembler.arithmetic(
            .subtract, context(.fuel), immediate: Int32(clamping: instructions * Registers.fuelUnit), .bits64)
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

    // MARK: Shared pieces

    func slot(_ index: UInt32) -> MemoryOperand { .at(PinnedRegister.frame, Int32(index) * 8) }

    func context(_ word: ContextWord) -> MemoryOperand { .at(PinnedRegister.context, word.displacement) }

    mutating func reloadMemoryBase() {
        assembler.move(.rax, context(.memoryRecord), .bits64)
        assembler.move(PinnedRegister.memoryBase, .at(.rax, layout.memoryBase), .bits64)
    }

    /// Calls a `MachineCodeBridge` function with the context, the frame at `frameOffset` slots from the current one,
    /// `rdx` (which the caller set) and the memory base (memory 0's, or the one a `useMemory` chose), on a 16-byte
    /// aligned stack; leaves the run if it returns non-zero, and reloads memory 0's base, which it may have moved.
    mutating func callSwift(_ function: ContextWord, frameOffset: UInt32 = 0) {
        assembler.move(.rdi, PinnedRegister.context, .bits64)
        assembler.loadAddress(.rsi, slot(frameOffset))
        assembler.move(.rcx, PinnedRegister.memoryBase, .bits64)
        assembler.move(PinnedRegister.savedStackPointer, .rsp, .bits64)
        assembler.arithmetic(.and, .rsp, immediate: -16, .bits64)
        assembler.call(context(function))
        assembler.move(.rsp, PinnedRegister.savedStackPointer, .bits64)
        assembler.test(.rax, .rax, .bits32)
        assembler.jump(if: .notEqual, to: exitLabel)
        reloadMemoryBase()
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
