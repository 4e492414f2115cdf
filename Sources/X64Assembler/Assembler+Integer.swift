// Integer instructions: moves, arithmetic, shifts, bit counts, flags, and control transfer. Where x86-64 has
// several encodings of one instruction, these pick the one LLVM's assembler picks (the tests compare with it).

/// The eight classic two-operand ALU operations, numbered as their opcode group and `/digit`.
public enum ArithmeticOperation: UInt8, Sendable, CaseIterable {
    case add, or, addWithCarry, subtractWithBorrow, and, subtract, xor, compare
}

/// Shifts and rotates, numbered as their `/digit`.
public enum ShiftOperation: UInt8, Sendable, CaseIterable {
    case rotateLeft = 0, rotateRight = 1, shiftLeft = 4, shiftRightLogical = 5, shiftRightArithmetic = 7
}

extension Assembler {
    // MARK: Moves

    public mutating func move(_ destination: Register, _ source: Register, _ size: OperandSize) {
        emit(wide: size == .bits64, opcode: 0x89, reg: source.rawValue, rm: .register(destination.rawValue))
    }

    public mutating func move(_ destination: Register, _ source: MemoryOperand, _ size: OperandSize) {
        emit(wide: size == .bits64, opcode: 0x8B, reg: destination.rawValue, rm: .memory(source))
    }

    public mutating func move(_ destination: MemoryOperand, _ source: Register, _ size: OperandSize) {
        emit(wide: size == .bits64, opcode: 0x89, reg: source.rawValue, rm: .memory(destination))
    }

    /// Loads `value` into all 64 bits of `destination` with the shortest encoding: a 32-bit move zero-extends, a
    /// sign-extended 32-bit immediate covers small negative values, anything else takes the 10-byte `movabs`.
    public mutating func move(_ destination: Register, immediate value: UInt64) {
        if value <= UInt64(UInt32.max) {
            emit(wide: false, opcodeBase: 0xB8, register: destination)
            emit32(UInt32(value))
        } else if let signed = Int32(exactly: Int64(bitPattern: value)) {
            emit(wide: true, opcode: 0xC7, reg: 0, rm: .register(destination.rawValue))
            emit32(UInt32(bitPattern: signed))
        } else {
            emit(wide: true, opcodeBase: 0xB8, register: destination)
            emit64(value)
        }
    }

    /// Stores `value`, sign-extended to 64 bits for a 64-bit store.
    public mutating func move(_ destination: MemoryOperand, immediate value: Int32, _ size: OperandSize) {
        emit(wide: size == .bits64, opcode: 0xC7, reg: 0, rm: .memory(destination))
        emit32(UInt32(bitPattern: value))
    }

    /// `lea`: the address `source` names, without touching memory.
    public mutating func loadAddress(_ destination: Register, _ source: MemoryOperand) {
        emit(wide: true, opcode: 0x8D, reg: destination.rawValue, rm: .memory(source))
    }

    /// `lea destination, [rip + label]`: the address of a label, wherever the code runs.
    public mutating func loadAddress(_ destination: Register, of label: Label) {
        emit(wide: true, opcode: 0x8D, reg: destination.rawValue, rm: .instructionRelative(label))
    }

    // MARK: Narrow loads, stores and extensions

    /// `movzx` of a byte into 32 bits (which clears the upper 32 as well).
    public mutating func zeroExtend8(_ destination: Register, _ source: MemoryOperand) {
        emit(wide: false, map: .escape0F, opcode: 0xB6, reg: destination.rawValue, rm: .memory(source))
    }

    public mutating func zeroExtend8(_ destination: Register, _ source: Register) {
        emit(wide: false, map: .escape0F, opcode: 0xB6, reg: destination.rawValue, rm: .register(source.rawValue),
             byteOperands: true)
    }

    /// `movzx` of 16 bits into 32.
    public mutating func zeroExtend16(_ destination: Register, _ source: MemoryOperand) {
        emit(wide: false, map: .escape0F, opcode: 0xB7, reg: destination.rawValue, rm: .memory(source))
    }

    public mutating func zeroExtend16(_ destination: Register, _ source: Register) {
        emit(wide: false, map: .escape0F, opcode: 0xB7, reg: destination.rawValue, rm: .register(source.rawValue))
    }

    /// `movsx` of a byte into `size`.
    public mutating func signExtend8(_ destination: Register, _ source: MemoryOperand, _ size: OperandSize) {
        emit(wide: size == .bits64, map: .escape0F, opcode: 0xBE, reg: destination.rawValue, rm: .memory(source))
    }

    public mutating func signExtend8(_ destination: Register, _ source: Register, _ size: OperandSize) {
        emit(wide: size == .bits64, map: .escape0F, opcode: 0xBE, reg: destination.rawValue,
             rm: .register(source.rawValue), byteOperands: true)
    }

    /// `movsx` of 16 bits into `size`.
    public mutating func signExtend16(_ destination: Register, _ source: MemoryOperand, _ size: OperandSize) {
        emit(wide: size == .bits64, map: .escape0F, opcode: 0xBF, reg: destination.rawValue, rm: .memory(source))
    }

    public mutating func signExtend16(_ destination: Register, _ source: Register, _ size: OperandSize) {
        emit(wide: size == .bits64, map: .escape0F, opcode: 0xBF, reg: destination.rawValue, rm: .register(source.rawValue))
    }

    /// `movsxd` of 32 bits into 64.
    public mutating func signExtend32(_ destination: Register, _ source: MemoryOperand) {
        emit(wide: true, opcode: 0x63, reg: destination.rawValue, rm: .memory(source))
    }

    public mutating func signExtend32(_ destination: Register, _ source: Register) {
        emit(wide: true, opcode: 0x63, reg: destination.rawValue, rm: .register(source.rawValue))
    }

    /// Stores the low byte of `source`.
    public mutating func store8(_ destination: MemoryOperand, _ source: Register) {
        emit(wide: false, opcode: 0x88, reg: source.rawValue, rm: .memory(destination), byteOperands: true,
             regIsByteRegister: true)
    }

    /// Stores the low 16 bits of `source`.
    public mutating func store16(_ destination: MemoryOperand, _ source: Register) {
        emit(prefix: 0x66, wide: false, opcode: 0x89, reg: source.rawValue, rm: .memory(destination))
    }

    // MARK: Arithmetic

    public mutating func arithmetic(
        _ operation: ArithmeticOperation, _ destination: Register, _ source: Register, _ size: OperandSize
    ) {
        emit(wide: size == .bits64, opcode: operation.rawValue << 3 | 0x01, reg: source.rawValue,
             rm: .register(destination.rawValue))
    }

    public mutating func arithmetic(
        _ operation: ArithmeticOperation, _ destination: Register, _ source: MemoryOperand, _ size: OperandSize
    ) {
        emit(wide: size == .bits64, opcode: operation.rawValue << 3 | 0x03, reg: destination.rawValue, rm: .memory(source))
    }

    public mutating func arithmetic(
        _ operation: ArithmeticOperation, _ destination: MemoryOperand, _ source: Register, _ size: OperandSize
    ) {
        emit(wide: size == .bits64, opcode: operation.rawValue << 3 | 0x01, reg: source.rawValue, rm: .memory(destination))
    }

    /// With an immediate, sign-extended to 64 bits in a 64-bit operation.
    public mutating func arithmetic(
        _ operation: ArithmeticOperation, _ destination: Register, immediate: Int32, _ size: OperandSize
    ) {
        if Int8(exactly: immediate) == nil && destination == .rax {
            // The accumulator has a form without ModRM.
            if size == .bits64 { emit8(0x48) }
            emit8(operation.rawValue << 3 | 0x05)
            emit32(UInt32(bitPattern: immediate))
        } else {
            arithmetic(operation, .register(destination.rawValue), immediate: immediate, size)
        }
    }

    public mutating func arithmetic(
        _ operation: ArithmeticOperation, _ destination: MemoryOperand, immediate: Int32, _ size: OperandSize
    ) {
        arithmetic(operation, .memory(destination), immediate: immediate, size)
    }

    private mutating func arithmetic(
        _ operation: ArithmeticOperation, _ destination: RegisterOrMemory, immediate: Int32, _ size: OperandSize
    ) {
        if let small = Int8(exactly: immediate) {
            emit(wide: size == .bits64, opcode: 0x83, reg: operation.rawValue, rm: destination)
            emit8(UInt8(bitPattern: small))
        } else {
            emit(wide: size == .bits64, opcode: 0x81, reg: operation.rawValue, rm: destination)
            emit32(UInt32(bitPattern: immediate))
        }
    }

    /// `test`: the flags of `first & second`.
    public mutating func test(_ first: Register, _ second: Register, _ size: OperandSize) {
        emit(wide: size == .bits64, opcode: 0x85, reg: second.rawValue, rm: .register(first.rawValue))
    }

    public mutating func test(_ first: Register, immediate: Int32, _ size: OperandSize) {
        if first == .rax {
            if size == .bits64 { emit8(0x48) }
            emit8(0xA9)
        } else {
            emit(wide: size == .bits64, opcode: 0xF7, reg: 0, rm: .register(first.rawValue))
        }
        emit32(UInt32(bitPattern: immediate))
    }

    /// `imul`: `destination *= source`, the low half of the product.
    public mutating func multiply(_ destination: Register, _ source: Register, _ size: OperandSize) {
        emit(wide: size == .bits64, map: .escape0F, opcode: 0xAF, reg: destination.rawValue, rm: .register(source.rawValue))
    }

    /// `imul`: `destination = source * immediate`.
    public mutating func multiply(_ destination: Register, _ source: Register, immediate: Int32, _ size: OperandSize) {
        if let small = Int8(exactly: immediate) {
            emit(wide: size == .bits64, opcode: 0x6B, reg: destination.rawValue, rm: .register(source.rawValue))
            emit8(UInt8(bitPattern: small))
        } else {
            emit(wide: size == .bits64, opcode: 0x69, reg: destination.rawValue, rm: .register(source.rawValue))
            emit32(UInt32(bitPattern: immediate))
        }
    }

    public mutating func negate(_ register: Register, _ size: OperandSize) {
        emit(wide: size == .bits64, opcode: 0xF7, reg: 3, rm: .register(register.rawValue))
    }

    public mutating func not(_ register: Register, _ size: OperandSize) {
        emit(wide: size == .bits64, opcode: 0xF7, reg: 2, rm: .register(register.rawValue))
    }

    /// `div`: the unsigned quotient of rdx:rax (edx:eax) by `divisor` into rax, the remainder into rdx.
    public mutating func divideUnsigned(by divisor: Register, _ size: OperandSize) {
        emit(wide: size == .bits64, opcode: 0xF7, reg: 6, rm: .register(divisor.rawValue))
    }

    /// `idiv`: as `divideUnsigned`, signed.
    public mutating func divideSigned(by divisor: Register, _ size: OperandSize) {
        emit(wide: size == .bits64, opcode: 0xF7, reg: 7, rm: .register(divisor.rawValue))
    }

    /// `cdq` / `cqo`: rdx (edx) filled with the sign of rax (eax), the dividend's upper half for `divideSigned`.
    public mutating func signExtendAccumulator(_ size: OperandSize) {
        if size == .bits64 { emit8(0x48) }
        emit8(0x99)
    }

    // MARK: Shifts and bit counts

    /// Shifts or rotates by `cl`.
    public mutating func shift(_ operation: ShiftOperation, _ destination: Register, _ size: OperandSize) {
        emit(wide: size == .bits64, opcode: 0xD3, reg: operation.rawValue, rm: .register(destination.rawValue))
    }

    public mutating func shift(_ operation: ShiftOperation, _ destination: Register, by count: UInt8, _ size: OperandSize) {
        if count == 1 {
            emit(wide: size == .bits64, opcode: 0xD1, reg: operation.rawValue, rm: .register(destination.rawValue))
        } else {
            emit(wide: size == .bits64, opcode: 0xC1, reg: operation.rawValue, rm: .register(destination.rawValue))
            emit8(count)
        }
    }

    /// `lzcnt` (ABM): the operand's width for a zero source, as WebAssembly's `clz` wants.
    public mutating func countLeadingZeros(_ destination: Register, _ source: Register, _ size: OperandSize) {
        emit(prefix: 0xF3, wide: size == .bits64, map: .escape0F, opcode: 0xBD, reg: destination.rawValue,
             rm: .register(source.rawValue))
    }

    /// `tzcnt` (BMI1): the operand's width for a zero source, as WebAssembly's `ctz` wants.
    public mutating func countTrailingZeros(_ destination: Register, _ source: Register, _ size: OperandSize) {
        emit(prefix: 0xF3, wide: size == .bits64, map: .escape0F, opcode: 0xBC, reg: destination.rawValue,
             rm: .register(source.rawValue))
    }

    /// `popcnt`.
    public mutating func populationCount(_ destination: Register, _ source: Register, _ size: OperandSize) {
        emit(prefix: 0xF3, wide: size == .bits64, map: .escape0F, opcode: 0xB8, reg: destination.rawValue,
             rm: .register(source.rawValue))
    }

    // MARK: Flags

    /// `setcc`: the low byte of `destination` to 1 if `condition` holds, else 0 (the other bits unchanged).
    public mutating func set(_ destination: Register, if condition: Condition) {
        emit(wide: false, map: .escape0F, opcode: 0x90 | condition.rawValue, reg: 0, rm: .register(destination.rawValue),
             byteOperands: true)
    }

    /// `cmovcc`.
    public mutating func conditionalMove(
        _ destination: Register, _ source: Register, if condition: Condition, _ size: OperandSize
    ) {
        emit(wide: size == .bits64, map: .escape0F, opcode: 0x40 | condition.rawValue, reg: destination.rawValue,
             rm: .register(source.rawValue))
    }

    // MARK: Stack and control transfer

    public mutating func push(_ register: Register) { emit(wide: false, opcodeBase: 0x50, register: register) }

    public mutating func pop(_ register: Register) { emit(wide: false, opcodeBase: 0x58, register: register) }

    public mutating func jump(to label: Label) {
        emit8(0xE9)
        emitRelative32(to: label)
    }

    public mutating func jump(if condition: Condition, to label: Label) {
        emit8(0x0F)
        emit8(0x80 | condition.rawValue)
        emitRelative32(to: label)
    }

    /// An indirect jump to the address in `target`.
    public mutating func jump(_ target: Register) {
        emit(wide: false, opcode: 0xFF, reg: 4, rm: .register(target.rawValue))
    }

    /// An indirect jump to the address stored at `target`.
    public mutating func jump(_ target: MemoryOperand) {
        emit(wide: false, opcode: 0xFF, reg: 4, rm: .memory(target))
    }

    public mutating func call(_ label: Label) {
        emit8(0xE8)
        emitRelative32(to: label)
    }

    /// An indirect call to the address in `target`.
    public mutating func call(_ target: Register) {
        emit(wide: false, opcode: 0xFF, reg: 2, rm: .register(target.rawValue))
    }

    /// An indirect call to the address stored at `target`.
    public mutating func call(_ target: MemoryOperand) {
        emit(wide: false, opcode: 0xFF, reg: 2, rm: .memory(target))
    }

    public mutating func ret() { emit8(0xC3) }

    /// `ud2`: an invalid-opcode fault.
    public mutating func undefinedInstruction() {
        emit8(0x0F)
        emit8(0x0B)
    }
}
