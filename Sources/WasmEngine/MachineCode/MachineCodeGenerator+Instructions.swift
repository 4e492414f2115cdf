// Machine code for each internal instruction (see `Instruction.swift` for their operands): control, calls,
// memory and integer arithmetic in machine code; floating point in `+Float`; the rest through an interpreter handler.

import X64Assembler

extension MachineCodeGenerator {
    /// The conditions of the ten comparisons, in the order every comparison family's opcodes follow:
    /// eq, ne, lt_s, lt_u, gt_s, gt_u, le_s, le_u, ge_s, ge_u.
    static let comparisonConditions: [Condition] = [
        .equal, .notEqual, .less, .below, .greater, .above, .lessOrEqual, .belowOrEqual, .greaterOrEqual, .aboveOrEqual,
    ]

    /// The condition of `opcode`, the member of the family that starts at `first`.
    static func condition(_ opcode: Opcode, family first: Opcode) -> Condition {
        comparisonConditions[Int(opcode.rawValue - first.rawValue)]
    }

    /// Emits the instruction at `position`; returns how many words it took.
    mutating func emit(_ code: [Instruction], at position: Int) -> Int {
        let i = code[position]
        let (a, b, c) = (i.a, i.b, i.c)
        switch i.opcode {
        // MARK: Control
        case .unreachable:
            assembler.jump(to: trapLabel(.unreachable))
        case .br:
            branch(to: Int(a), from: position)
        case .brIf, .brIfNot:
            compare(b, immediate: 0, .bits32)
            branch(to: Int(a), from: position, if: i.opcode == .brIf ? .notEqual : .equal)
        case .brIfI32Eq, .brIfI32Ne, .brIfI32LtS, .brIfI32LtU, .brIfI32GtS, .brIfI32GtU,
            .brIfI32LeS, .brIfI32LeU, .brIfI32GeS, .brIfI32GeU:
            binary(.compare, b, c, .bits32)
            branch(to: Int(a), from: position, if: Self.condition(i.opcode, family: .brIfI32Eq))
        case .brIfI32EqImm, .brIfI32NeImm, .brIfI32LtSImm, .brIfI32LtUImm, .brIfI32GtSImm, .brIfI32GtUImm,
            .brIfI32LeSImm, .brIfI32LeUImm, .brIfI32GeSImm, .brIfI32GeUImm:
            compare(b, immediate: Int32(bitPattern: c), .bits32)
            branch(to: Int(a), from: position, if: Self.condition(i.opcode, family: .brIfI32EqImm))
        case .brIfI64Eq, .brIfI64Ne, .brIfI64LtS, .brIfI64LtU, .brIfI64GtS, .brIfI64GtU,
            .brIfI64LeS, .brIfI64LeU, .brIfI64GeS, .brIfI64GeU:
            binary(.compare, b, c, .bits64)
            branch(to: Int(a), from: position, if: Self.condition(i.opcode, family: .brIfI64Eq))
        case .brTable:
            emitBranchTable(indexSlot: a, labelCount: b, at: position)
        case .return:
            emitReturn()
        case .call, .callDefined:
            emitCall(function: Int(a), frameStart: b)
        case .callIndirect:
            emitIndirectCall(typeIndex: Int(a), frameStart: b, table: Int(c))
        case .returnCall:
            emitTailCall(function: Int(a), frameStart: b)
        case .returnCallIndirect:
            emitIndirectCall(typeIndex: Int(a), frameStart: b, table: Int(c), isTailCall: true)
        case .zeroLocals:
            break  // The prologue zeroed every local.

        // MARK: Moves, constants, globals, references
        case .copy:
            load(.rax, b, .bits64)
            storeResult(a)
        case .const32:
            assembler.move(.rax, immediate: UInt64(b))
            storeResult(a)
        case .const64:
            assembler.move(.rax, immediate: UInt64(b) | UInt64(c) << 32)
            storeResult(a)
        case .select:
            load(.rdx, c, .bits32)
            load(.rcx, b, .bits64)
            load(.rax, a, .bits64)
            assembler.test(.rdx, .rdx, .bits32)
            assembler.conditionalMove(.rax, .rcx, if: .equal, .bits64)
            storeResult(a)
        case .globalGet:
            assembler.move(.rax, immediate: address(of: instance.pointee.globals[Int(b)]))
            assembler.move(.rax, .at(.rax, layout.globalValue), .bits64)
            storeResult(a)
        case .globalSet:
            load(.rcx, a, .bits64)
            assembler.move(.rax, immediate: address(of: instance.pointee.globals[Int(b)]))
            assembler.move(.at(.rax, layout.globalValue), .rcx, .bits64)
        case .refFunc:
            assembler.move(.rax, immediate: address(of: instance.pointee.functions[Int(b)]))
            storeResult(a)
        case .refIsNull:
            compare(b, immediate: 0, .bits64)
            setResult(a, if: .equal)

        // MARK: Memory
        case .useMemory:
            // The next instruction accesses memory `a`, through the base register and the bounds words below the base.
            assembler.move(.rax, immediate: address(of: instance.pointee.memories[Int(a)]))
            assembler.move(PinnedRegister.memoryBase, .at(.rax, layout.memoryBase), .bits64)
        case .requireLow32:
            let trap = trapLabel(InterpreterTrap(rawValue: UInt8(truncatingIfNeeded: c))!)
            if b != 0 {
                assembler.jump(to: trap)
            } else {
                load(.rcx, a, .bits64)
                assembler.shift(.shiftRightLogical, .rcx, by: 32, .bits64)
                assembler.jump(if: .notEqual, to: trap)
            }
        case .memorySize:
            // The word below the base is the byte count minus one.
            assembler.move(.rax, .at(PinnedRegister.memoryBase, Int32(MemoryRecord.lastFittingOffsetField(accessSize: 1))), .bits64)
            assembler.arithmetic(.add, .rax, immediate: 1, .bits64)
            assembler.shift(.shiftRightLogical, .rax, by: 16, .bits64)
            storeResult(a)
        case .i32Load, .i64Load, .i32Load8S, .i32Load8U, .i32Load16S, .i32Load16U,
            .i64Load8S, .i64Load8U, .i64Load16S, .i64Load16U, .i64Load32S, .i64Load32U:
            let size = Self.accessSize(i.opcode)
            emitAddress(slot: b, offset: c, size: size)
            emitLoad(i.opcode, into: a)
        case .i32LoadAddImm, .i64LoadAddImm:
            load(.rax, b, .bits32)
            assembler.arithmetic(.add, .rax, immediate: Int32(bitPattern: c), .bits32)
            emitBoundsCheck(size: i.opcode == .i32LoadAddImm ? 4 : 8)
            emitLoad(i.opcode == .i32LoadAddImm ? .i32Load : .i64Load, into: a)
        case .i32LoadScaled, .i64LoadScaled:
            let size = i.opcode == .i32LoadScaled ? 4 : 8
            load(.rcx, b, .bits32)
            load(.rax, c, .bits32)
            assembler.shift(.shiftLeft, .rax, by: UInt8(size.trailingZeroBitCount), .bits32)
            assembler.arithmetic(.add, .rax, .rcx, .bits32)
            emitBoundsCheck(size: size)
            emitLoad(i.opcode == .i32LoadScaled ? .i32Load : .i64Load, into: a)
        case .i32Store, .i64Store, .i32Store8, .i32Store16, .i64Store8, .i64Store16, .i64Store32:
            let size = Self.accessSize(i.opcode)
            load(.rcx, a, .bits64)
            emitAddress(slot: b, offset: c, size: size)
            let address = MemoryOperand(base: PinnedRegister.memoryBase, index: .rax)
            switch size {
            case 1: assembler.store8(address, .rcx)
            case 2: assembler.store16(address, .rcx)
            case 4: assembler.move(address, .rcx, .bits32)
            default: assembler.move(address, .rcx, .bits64)
            }

        // MARK: Integer arithmetic
        case .i32Eqz, .i64Eqz:
            compare(b, immediate: 0, i.opcode == .i32Eqz ? .bits32 : .bits64)
            setResult(a, if: .equal)
        case .i32Eq, .i32Ne, .i32LtS, .i32LtU, .i32GtS, .i32GtU, .i32LeS, .i32LeU, .i32GeS, .i32GeU:
            binary(.compare, b, c, .bits32)
            setResult(a, if: Self.condition(i.opcode, family: .i32Eq))
        case .i64Eq, .i64Ne, .i64LtS, .i64LtU, .i64GtS, .i64GtU, .i64LeS, .i64LeU, .i64GeS, .i64GeU:
            binary(.compare, b, c, .bits64)
            setResult(a, if: Self.condition(i.opcode, family: .i64Eq))
        case .i32EqImm, .i32NeImm, .i32LtSImm, .i32LtUImm, .i32GtSImm, .i32GtUImm, .i32LeSImm, .i32LeUImm,
            .i32GeSImm, .i32GeUImm:
            compare(b, immediate: Int32(bitPattern: c), .bits32)
            setResult(a, if: Self.condition(i.opcode, family: .i32EqImm))
        case .i32Add, .i32Sub, .i32And, .i32Or, .i32Xor, .i64Add, .i64Sub, .i64And, .i64Or, .i64Xor:
            let (operation, size) = Self.arithmetic(i.opcode)
            binary(operation, b, c, size)
            storeResult(a)
        case .i32AddImm, .i32AndImm, .i32OrImm, .i32XorImm, .i64AddImm:
            let (operation, size) = Self.arithmetic(i.opcode)
            load(.rax, b, size)
            assembler.arithmetic(operation, .rax, immediate: Int32(bitPattern: c), size)
            storeResult(a)
        case .i32Mul, .i64Mul:
            let size: OperandSize = i.opcode == .i32Mul ? .bits32 : .bits64
            load(.rcx, c, size)
            load(.rax, b, size)
            assembler.multiply(.rax, .rcx, size)
            storeResult(a)
        case .i32Shl, .i32ShrS, .i32ShrU, .i32Rotl, .i32Rotr, .i64Shl, .i64ShrS, .i64ShrU, .i64Rotl, .i64Rotr:
            let (operation, size) = Self.shift(i.opcode)
            load(.rcx, c, .bits32)
            load(.rax, b, size)
            assembler.shift(operation, .rax, size)
            storeResult(a)
        case .i32ShlImm, .i32ShrSImm, .i32ShrUImm:
            let operation: ShiftOperation =
                i.opcode == .i32ShlImm ? .shiftLeft : i.opcode == .i32ShrSImm ? .shiftRightArithmetic : .shiftRightLogical
            load(.rax, b, .bits32)
            assembler.shift(operation, .rax, by: UInt8(c & 31), .bits32)
            storeResult(a)
        case .i32XorShlImm, .i32XorShrUImm:
            load(.rax, b, .bits32)
            assembler.move(.rcx, .rax, .bits32)
            assembler.shift(i.opcode == .i32XorShlImm ? .shiftLeft : .shiftRightLogical, .rcx, by: UInt8(c & 31), .bits32)
            assembler.arithmetic(.xor, .rax, .rcx, .bits32)
            storeResult(a)
        case .i32DivS, .i32DivU, .i32RemS, .i32RemU, .i64DivS, .i64DivU, .i64RemS, .i64RemU:
            emitDivision(i.opcode, a, b, c)
        case .i32Clz, .i32Ctz, .i32Popcnt, .i64Clz, .i64Ctz, .i64Popcnt:
            let size: OperandSize = [.i32Clz, .i32Ctz, .i32Popcnt].contains(i.opcode) ? .bits32 : .bits64
            load(.rax, b, size)
            switch i.opcode {
            case .i32Clz, .i64Clz: assembler.countLeadingZeros(.rax, .rax, size)
            case .i32Ctz, .i64Ctz: assembler.countTrailingZeros(.rax, .rax, size)
            default: assembler.populationCount(.rax, .rax, size)
            }
            storeResult(a)
        case .i32MinS, .i32MinU, .i32MaxS, .i32MaxU, .i64MinS, .i64MinU, .i64MaxS, .i64MaxU:
            let size: OperandSize = i.opcode.rawValue <= Opcode.i32MaxU.rawValue ? .bits32 : .bits64
            // Keep the left operand unless the right one wins.
            let rightWins: Condition =
                switch i.opcode {
                case .i32MinS, .i64MinS: .greater
                case .i32MinU, .i64MinU: .above
                case .i32MaxS, .i64MaxS: .less
                default: .below
                }
            load(.rcx, c, size)
            load(.rax, b, size)
            assembler.arithmetic(.compare, .rax, .rcx, size)
            assembler.conditionalMove(.rax, .rcx, if: rightWins, size)
            storeResult(a)
        case .i32WrapI64, .i64ExtendI32U:
            load(.rax, b, .bits32)
            storeResult(a)
        case .i64ExtendI32S, .i64Extend32S:
            load(.rax, b, .bits64)
            assembler.signExtend32(.rax, .rax)
            storeResult(a)
        case .i32Extend8S, .i64Extend8S:
            load(.rax, b, .bits64)
            assembler.signExtend8(.rax, .rax, i.opcode == .i32Extend8S ? .bits32 : .bits64)
            storeResult(a)
        case .i32Extend16S, .i64Extend16S:
            load(.rax, b, .bits64)
            assembler.signExtend16(.rax, .rax, i.opcode == .i32Extend16S ? .bits32 : .bits64)
            storeResult(a)

        default:
            if let handled = emitFloat(i) ?? emitConversion(i) { return handled }
            return runInHandler(code, at: position)
        }
        return 1
    }

    // MARK: Helpers

    func address<T>(of record: UnsafeMutablePointer<T>) -> UInt64 { UInt64(UInt(bitPattern: record)) }

    /// `slot[a] = condition ? 1 : 0`, from the flags.
    mutating func setResult(_ destination: UInt32, if condition: Condition) {
        assembler.set(.rax, if: condition)
        assembler.zeroExtend8(.rax, .rax)
        storeResult(destination)
    }

    /// Loads `slot[index]` into `register`: from rax when the instruction just before left it there (see
    /// `cachedSlot`), else from its home or the slot. A 32-bit load zero-extends, as a load from the slot would.
    /// When an instruction loads several operands, rax comes last, so the cached value is read before it is
    /// replaced.
    mutating func load(_ register: Register, _ index: UInt32, _ size: OperandSize) {
        if incomingCachedSlot == index {
            if register != .rax || size == .bits32 { assembler.move(register, .rax, size) }
            return
        }
        noteRead(index)
        switch slotHomes[index] {
        case .general(let home): assembler.move(register, home, size)
        case .vector(let home): assembler.moveBits(register, home, size)
        case nil: assembler.move(register, slot(index), size)
        }
    }

    /// Stores rax, an instruction's result, in `slot[destination]` (or its home), and keeps it there for the next
    /// instruction.
    mutating func storeResult(_ destination: UInt32) {
        switch slotHomes[destination] {
        case .general(let home): assembler.move(home, .rax, .bits64)
        case .vector(let home): assembler.moveBits(home, .rax, .bits64)
        case nil: assembler.move(slot(destination), .rax, .bits64)
        }
        cachedSlot = destination
    }

    /// rax = `slot[left] <operation> slot[right]` (or just the flags, for a comparison).
    mutating func binary(_ operation: ArithmeticOperation, _ left: UInt32, _ right: UInt32, _ size: OperandSize) {
        if incomingCachedSlot == right && left != right {
            assembler.move(.rcx, .rax, .bits64)
            load(.rax, left, size)
            assembler.arithmetic(operation, .rax, .rcx, size)
            return
        }
        load(.rax, left, size)
        noteRead(right)
        switch slotHomes[right] {
        case .general(let home):
            assembler.arithmetic(operation, .rax, home, size)
        case .vector(let home):
            assembler.moveBits(.rcx, home, size)
            assembler.arithmetic(operation, .rax, .rcx, size)
        case nil:
            assembler.arithmetic(operation, .rax, slot(right), size)
        }
    }

    /// The flags of `slot[index]` compared with `immediate`.
    mutating func compare(_ index: UInt32, immediate: Int32, _ size: OperandSize) {
        if incomingCachedSlot == index {
            return assembler.arithmetic(.compare, .rax, immediate: immediate, size)
        }
        noteRead(index)
        if case .general(let home) = slotHomes[index] {
            assembler.arithmetic(.compare, home, immediate: immediate, size)
        } else if case .vector(let home) = slotHomes[index] {
            assembler.moveBits(.rax, home, size)
            assembler.arithmetic(.compare, .rax, immediate: immediate, size)
        } else {
            assembler.arithmetic(.compare, slot(index), immediate: immediate, size)
        }
    }

    static func arithmetic(_ opcode: Opcode) -> (ArithmeticOperation, OperandSize) {
        switch opcode {
        case .i32Add, .i32AddImm: (.add, .bits32)
        case .i32Sub: (.subtract, .bits32)
        case .i32And, .i32AndImm: (.and, .bits32)
        case .i32Or, .i32OrImm: (.or, .bits32)
        case .i32Xor, .i32XorImm: (.xor, .bits32)
        case .i64Add, .i64AddImm: (.add, .bits64)
        case .i64Sub: (.subtract, .bits64)
        case .i64And: (.and, .bits64)
        case .i64Or: (.or, .bits64)
        default: (.xor, .bits64)
        }
    }

    static func shift(_ opcode: Opcode) -> (ShiftOperation, OperandSize) {
        switch opcode {
        case .i32Shl: (.shiftLeft, .bits32)
        case .i32ShrS: (.shiftRightArithmetic, .bits32)
        case .i32ShrU: (.shiftRightLogical, .bits32)
        case .i32Rotl: (.rotateLeft, .bits32)
        case .i32Rotr: (.rotateRight, .bits32)
        case .i64Shl: (.shiftLeft, .bits64)
        case .i64ShrS: (.shiftRightArithmetic, .bits64)
        case .i64ShrU: (.shiftRightLogical, .bits64)
        case .i64Rotl: (.rotateLeft, .bits64)
        default: (.rotateRight, .bits64)
        }
    }

    static func accessSize(_ opcode: Opcode) -> Int {
        switch opcode {
        case .i32Load8S, .i32Load8U, .i64Load8S, .i64Load8U, .i32Store8, .i64Store8: 1
        case .i32Load16S, .i32Load16U, .i64Load16S, .i64Load16U, .i32Store16, .i64Store16: 2
        case .i32Load, .i64Load32S, .i64Load32U, .i32Store, .i64Store32: 4
        default: 8
        }
    }

    /// rax = the checked offset of an access of `size` bytes at the i32 in `slot` plus `offset`.
    mutating func emitAddress(slot addressSlot: UInt32, offset: UInt32, size: Int) {
        load(.rax, addressSlot, .bits32)
        if offset > UInt32(Int32.max) {
            assembler.move(.rdx, immediate: UInt64(offset))
            assembler.arithmetic(.add, .rax, .rdx, .bits64)
        } else if offset != 0 {
            assembler.arithmetic(.add, .rax, immediate: Int32(offset), .bits64)
        }
        emitBoundsCheck(size: size)
    }

    /// Traps unless an access of `size` bytes at offset rax fits: one signed comparison with the memory's word for
    /// that size (the last offset where it fits, negative when none does).
    mutating func emitBoundsCheck(size: Int) {
        assembler.arithmetic(
            .compare, .rax, .at(PinnedRegister.memoryBase, Int32(MemoryRecord.lastFittingOffsetField(accessSize: size))), .bits64)
        assembler.jump(if: .greater, to: trapLabel(.memoryOutOfBounds))
    }

    /// `slot[destination]` = the access at offset rax, extended as `opcode` says.
    mutating func emitLoad(_ opcode: Opcode, into destination: UInt32) {
        let address = MemoryOperand(base: PinnedRegister.memoryBase, index: .rax)
        switch opcode {
        case .i32Load, .i64Load32U: assembler.move(.rax, address, .bits32)
        case .i64Load: assembler.move(.rax, address, .bits64)
        case .i32Load8S: assembler.signExtend8(.rax, address, .bits32)
        case .i64Load8S: assembler.signExtend8(.rax, address, .bits64)
        case .i32Load8U, .i64Load8U: assembler.zeroExtend8(.rax, address)
        case .i32Load16S: assembler.signExtend16(.rax, address, .bits32)
        case .i64Load16S: assembler.signExtend16(.rax, address, .bits64)
        case .i32Load16U, .i64Load16U: assembler.zeroExtend16(.rax, address)
        default: assembler.signExtend32(.rax, address)
        }
        storeResult(destination)
    }

    /// Division and remainder, with WebAssembly's traps: by zero, and the signed quotient that overflows
    /// (`INT_MIN / -1`, whose remainder is 0).
    mutating func emitDivision(_ opcode: Opcode, _ destination: UInt32, _ left: UInt32, _ right: UInt32) {
        let size: OperandSize = [.i32DivS, .i32DivU, .i32RemS, .i32RemU].contains(opcode) ? .bits32 : .bits64
        let signed = [.i32DivS, .i32RemS, .i64DivS, .i64RemS].contains(opcode)
        let remainder = [.i32RemS, .i32RemU, .i64RemS, .i64RemU].contains(opcode)
        load(.rcx, right, size)
        load(.rax, left, size)
        assembler.test(.rcx, .rcx, size)
        assembler.jump(if: .equal, to: trapLabel(.integerDivideByZero))
        let done = assembler.makeLabel()
        if signed {
            let divide = assembler.makeLabel()
            assembler.arithmetic(.compare, .rcx, immediate: -1, size)
            assembler.jump(if: .notEqual, to: divide)
            if remainder {
                assembler.arithmetic(.xor, .rdx, .rdx, .bits32)
                assembler.jump(to: done)
            } else {
                // x / -1 is -x, which overflows only for the minimum.
                assembler.move(.rdx, immediate: size == .bits32 ? UInt64(UInt32(bitPattern: Int32.min)) : UInt64(bitPattern: Int64.min))
                assembler.arithmetic(.compare, .rax, .rdx, size)
                assembler.jump(if: .equal, to: trapLabel(.integerOverflow))
            }
            assembler.bind(divide)
            assembler.signExtendAccumulator(size)
            assembler.divideSigned(by: .rcx, size)
        } else {
            assembler.arithmetic(.xor, .rdx, .rdx, .bits32)
            assembler.divideUnsigned(by: .rcx, size)
        }
        assembler.bind(done)
        if remainder { assembler.move(.rax, .rdx, .bits64) }
        storeResult(destination)
    }

    /// `br_table`: the index, capped at the default's, picks a 32-bit entry of a table of distances from the table
    /// to each entry's `br` (the instructions that follow, compiled as any other `br`).
    mutating func emitBranchTable(indexSlot: UInt32, labelCount: UInt32, at position: Int) {
        let table = assembler.makeLabel()
        load(.rax, indexSlot, .bits32)
        assembler.move(.rcx, immediate: UInt64(labelCount))
        assembler.arithmetic(.compare, .rax, .rcx, .bits32)
        assembler.conditionalMove(.rax, .rcx, if: .above, .bits32)
        assembler.loadAddress(.rcx, of: table)
        assembler.signExtend32(.rax, MemoryOperand(base: .rcx, index: .rax, scale: .four))
        assembler.arithmetic(.add, .rax, .rcx, .bits64)
        assembler.jump(.rax)
        assembler.bind(table)
        for entry in 0...Int(labelCount) {
            assembler.emitDistance(to: instructionLabels[position + 1 + entry], from: table)
        }
    }

    /// A call of function `function` (module index space) whose frame starts at slot `frameStart`: a machine call
    /// for a function of this instance, otherwise (an import) through `callFunction`.
    mutating func emitCall(function: Int, frameStart: UInt32) {
        guard function >= importedFunctionCount else {
            assembler.move(.rdx, immediate: address(of: instance.pointee.functions[function]))
            callSwift(.callFunction, frameOffset: frameStart)
            return
        }
        callMachineCode(frameStart: frameStart) { $0.transfer(toDefined: function, asTailCall: false) }
    }

    /// Calls (or, as a tail call, jumps to) `function` of this instance: directly when it is in this code, otherwise
    /// through its record, which is left in rdx for the compile stub.
    private mutating func transfer(toDefined function: Int, asTailCall: Bool) {
        if let label = functionLabels[function - importedFunctionCount] {
            asTailCall ? assembler.jump(to: label) : assembler.call(label)
            return
        }
        assembler.move(.rdx, immediate: address(of: instance.pointee.functions[function]))
        let code = MemoryOperand.at(.rdx, layout.functionMachineCode)
        asTailCall ? assembler.jump(code) : assembler.call(code)
    }

    /// The function a direct call or tail call names, in the module's index space; nil for any other instruction.
    static func directCallee(of instruction: Instruction) -> Int? {
        switch instruction.opcode {
        case .call, .callDefined, .returnCall: Int(instruction.a)
        default: nil
        }
    }

    /// `return_call` of `function`: a function of this instance takes over the frame (its arguments moved down to the
    /// frame's start) and is jumped to, so it returns to this function's caller and tail recursion takes no stack;
    /// an import is called as `call` calls it, and the code the translator put after the instruction returns its
    /// results.
    mutating func emitTailCall(function: Int, frameStart: UInt32) {
        guard function >= importedFunctionCount else { return emitCall(function: function, frameStart: frameStart) }
        moveArgumentsToFrameStart(from: frameStart, count: instance.pointee.functions[function].pointee.parameterCount)
        transfer(toDefined: function, asTailCall: true)
    }

    /// Slots `source..<source + count` to `0..<count` (the source lies above, so a forward copy is safe), for a
    /// callee whose prologue reads them from the frame.
    mutating func moveArgumentsToFrameStart(from source: UInt32, count: Int) {
        flushSlotHomes()
        for index in 0..<UInt32(count) {
            assembler.move(.rcx, slot(source + index), .bits64)
            assembler.move(slot(index), .rcx, .bits64)
        }
    }

    /// Moves the frame to the callee's, calls, and moves it back; the callee may have grown the memory.
    mutating func callMachineCode(frameStart: UInt32, _ call: (inout MachineCodeGenerator) -> Void) {
        flushSlotHomes()
        assembler.loadAddress(PinnedRegister.frame, slot(frameStart))
        call(&self)
        assembler.loadAddress(PinnedRegister.frame, .at(PinnedRegister.frame, -Int32(frameStart) * 8))
        reloadMemoryBase()
        reloadSlotHomes()
    }

    /// `call_indirect`, with the interpreter's checks and traps; a callee of this instance is called as machine code,
    /// any other (a host function, another instance's) through `callFunction`. As a tail call
    /// (`return_call_indirect`), a callee of this instance takes over the frame as in `emitTailCall`.
    mutating func emitIndirectCall(typeIndex: Int, frameStart: UInt32, table: Int, isTailCall: Bool = false) {
        let type = instance.pointee.types[typeIndex]
        let tableRecord = instance.pointee.tables[table]
        let viaSwift = assembler.makeLabel()
        let done = assembler.makeLabel()
        load(.rax, frameStart + UInt32(type.parameterCount), .bits32)
        assembler.move(.rcx, immediate: address(of: tableRecord))
        assembler.arithmetic(.compare, .rax, .at(.rcx, layout.tableCount), .bits64)
        assembler.jump(if: .aboveOrEqual, to: trapLabel(.undefinedElement))
        assembler.move(.rcx, .at(.rcx, layout.tableElements), .bits64)
        assembler.move(.rdx, MemoryOperand(base: .rcx, index: .rax, scale: .eight), .bits64)
        assembler.test(.rdx, .rdx, .bits64)
        assembler.jump(if: .equal, to: trapLabel(.uninitializedElement))
        assembler.move(.rax, immediate: UInt64(type.id))
        assembler.arithmetic(.compare, .rax, .at(.rdx, layout.functionTypeID), .bits64)
        assembler.jump(if: .notEqual, to: trapLabel(.indirectCallTypeMismatch))
        assembler.move(.rax, immediate: address(of: instance))
        assembler.arithmetic(.compare, .rax, .at(.rdx, layout.functionInstance), .bits64)
        assembler.jump(if: .notEqual, to: viaSwift)
        // Its code, or its compile stub: every function of a running instance has one or the other.
        assembler.move(.rax, .at(.rdx, layout.functionMachineCode), .bits64)
        if isTailCall {
            moveArgumentsToFrameStart(from: frameStart, count: type.parameterCount)
            assembler.jump(.rax)
        } else {
            callMachineCode(frameStart: frameStart) { $0.assembler.call(.rax) }
            assembler.jump(to: done)
        }
        assembler.bind(viaSwift)
        callSwift(.callFunction, frameOffset: frameStart)
        assembler.bind(done)
    }
}
