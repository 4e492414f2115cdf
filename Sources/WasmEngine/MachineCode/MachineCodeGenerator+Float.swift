// Machine code for f32 and f64 instructions on SSE registers. Slots hold bit patterns (f32 zero-extended); sign
// operations work on those bits in integer registers. Conversions to integers, and from unsigned i64, are in
// `+Conversions`.

import X64Assembler

extension MachineCodeGenerator {
    /// Emits `instruction` if it is one of the floating-point instructions compiled here: the words it took, or nil.
    mutating func emitFloat(_ instruction: Instruction) -> Int? {
        let (a, b, c) = (instruction.a, instruction.b, instruction.c)
        let opcode = instruction.opcode
        switch opcode {
        case .f32Add, .f32Sub, .f32Mul, .f32Div, .f64Add, .f64Sub, .f64Mul, .f64Div:
            let precision = Self.precision(opcode, singleFrom: .f32Add, through: .f32Div)
            let operation: FloatOperation =
                switch opcode {
                case .f32Add, .f64Add: .add
                case .f32Sub, .f64Sub: .subtract
                case .f32Mul, .f64Mul: .multiply
                default: .divide
                }
            loadFloat(.xmm0, slot: b, precision)
            floatArithmetic(operation, .xmm0, slot: c, precision)
            storeFloat(a, precision)
        case .f32Min, .f32Max, .f64Min, .f64Max:
            emitMinimumOrMaximum(
                isMinimum: opcode == .f32Min || opcode == .f64Min,
                Self.precision(opcode, singleFrom: .f32Min, through: .f32Max), a, b, c)
        case .f32Sqrt, .f64Sqrt:
            let precision: FloatPrecision = opcode == .f32Sqrt ? .single : .double
            loadFloat(.xmm0, slot: b, precision)
            assembler.floatArithmetic(.squareRoot, .xmm0, .xmm0, precision)
            storeFloat(a, precision)
        case .f32Ceil, .f32Floor, .f32Trunc, .f32Nearest, .f64Ceil, .f64Floor, .f64Trunc, .f64Nearest:
            let precision = Self.precision(opcode, singleFrom: .f32Ceil, through: .f32Nearest)
            let mode: RoundingMode =
                switch opcode {
                case .f32Ceil, .f64Ceil: .up
                case .f32Floor, .f64Floor: .down
                case .f32Trunc, .f64Trunc: .towardZero
                default: .toNearestEven
                }
            loadFloat(.xmm0, slot: b, precision)
            assembler.round(.xmm0, .xmm0, mode, precision)
            storeFloat(a, precision)
        case .f32Eq, .f32Ne, .f32Lt, .f32Gt, .f32Le, .f32Ge, .f64Eq, .f64Ne, .f64Lt, .f64Gt, .f64Le, .f64Ge:
            emitComparison(opcode, a, b, c)
        case .f32Abs, .f32Neg, .f64Abs, .f64Neg:
            let size: OperandSize = opcode == .f32Abs || opcode == .f32Neg ? .bits32 : .bits64
            let signBit: UInt64 = size == .bits32 ? 1 << 31 : 1 << 63
            load(.rax, b, size)
            assembler.move(.rcx, immediate: opcode == .f32Abs || opcode == .f64Abs ? signBit - 1 : signBit)
            assembler.arithmetic(opcode == .f32Abs || opcode == .f64Abs ? .and : .xor, .rax, .rcx, size)
            storeResult(a)
        case .f32Copysign, .f64Copysign:
            let size: OperandSize = opcode == .f32Copysign ? .bits32 : .bits64
            let signBit: UInt64 = size == .bits32 ? 1 << 31 : 1 << 63
            assembler.move(.rdx, immediate: signBit)
            load(.rax, b, size)
            load(.rcx, c, size)
            assembler.arithmetic(.and, .rcx, .rdx, size)
            assembler.not(.rdx, size)
            assembler.arithmetic(.and, .rax, .rdx, size)
            assembler.arithmetic(.or, .rax, .rcx, size)
            storeResult(a)
        case .f32DemoteF64, .f64PromoteF32:
            let from: FloatPrecision = opcode == .f32DemoteF64 ? .double : .single
            loadFloat(.xmm0, slot: b, from)
            assembler.convertPrecision(.xmm0, .xmm0, from: from)
            storeFloat(a, from == .double ? .single : .double)
        case .f32ConvertI32S, .f32ConvertI32U, .f32ConvertI64S, .f64ConvertI32S, .f64ConvertI32U, .f64ConvertI64S:
            let precision: FloatPrecision = [.f32ConvertI32S, .f32ConvertI32U, .f32ConvertI64S].contains(opcode) ? .single : .double
            switch opcode {
            case .f32ConvertI32S, .f64ConvertI32S:
                load(.rax, b, .bits32)
                assembler.convertToFloat(.xmm0, .rax, .bits32, precision)
            case .f32ConvertI32U, .f64ConvertI32U:
                // Zero-extended, an unsigned i32 is a non-negative i64.
                load(.rax, b, .bits32)
                assembler.convertToFloat(.xmm0, .rax, .bits64, precision)
            default:
                load(.rax, b, .bits64)
                assembler.convertToFloat(.xmm0, .rax, .bits64, precision)
            }
            storeFloat(a, precision)
        default:
            return nil
        }
        return 1
    }

    static func precision(_ opcode: Opcode, singleFrom first: Opcode, through last: Opcode) -> FloatPrecision {
        (first.rawValue...last.rawValue).contains(opcode.rawValue) ? .single : .double
    }

    /// Stores xmm0's low lane in `slot[destination]` and its home: an f32 zero-extended through an integer register.
    mutating func storeFloat(_ destination: UInt32, _ precision: FloatPrecision) {
        guard precision == .double else {
            assembler.moveBits(.rax, .xmm0, .bits32)
            return storeResult(destination)
        }
        switch slotHomes[destination] {
        case .general(let home): assembler.moveBits(home, .xmm0, .bits64)
        case .vector(let home): assembler.moveFloat(home, .xmm0)
        case nil: assembler.storeFloat(slot(destination), .xmm0, .double)
        }
    }

    /// Loads `slot[index]` into `register`'s low lane: from rax when the instruction before left it there, else from
    /// its home or the slot.
    mutating func loadFloat(_ register: XMMRegister, slot index: UInt32, _ precision: FloatPrecision) {
        if incomingCachedSlot == index { return assembler.moveBits(register, .rax, .bits64) }
        noteRead(index, asVector: true)
        switch slotHomes[index] {
        case .general(let home): assembler.moveBits(register, home, .bits64)
        case .vector(let home): assembler.moveFloat(register, home)
        case nil: assembler.loadFloat(register, slot(index), precision)
        }
    }

    /// `destination = destination <operation> slot[index]`, the operand read where it is (xmm1 is free for it).
    mutating func floatArithmetic(
        _ operation: FloatOperation, _ destination: XMMRegister, slot index: UInt32, _ precision: FloatPrecision
    ) {
        if case .vector(let home) = slotHomes[index], incomingCachedSlot != index {
            noteRead(index, asVector: true)
            assembler.floatArithmetic(operation, destination, home, precision)
        } else if slotHomes[index] == nil && incomingCachedSlot != index {
            noteRead(index, asVector: true)
            assembler.floatArithmetic(operation, destination, slot(index), precision)
        } else {
            loadFloat(.xmm1, slot: index, precision)
            assembler.floatArithmetic(operation, destination, .xmm1, precision)
        }
    }

    /// WebAssembly's `min` and `max`: NaN if either operand is NaN, and -0 below +0 (SSE's `minss` returns its second
    /// operand in both cases).
    mutating func emitMinimumOrMaximum(
        isMinimum: Bool, _ precision: FloatPrecision, _ destination: UInt32, _ left: UInt32, _ right: UInt32
    ) {
        let unordered = assembler.makeLabel()
        let different = assembler.makeLabel()
        let done = assembler.makeLabel()
        loadFloat(.xmm0, slot: left, precision)
        loadFloat(.xmm1, slot: right, precision)
        assembler.compareFloat(.xmm0, .xmm1, precision)
        assembler.jump(if: .parity, to: unordered)
        assembler.jump(if: .notEqual, to: different)
        // Equal: only the signs of zeros can differ; min takes a set sign bit, max a clear one.
        assembler.floatBitwise(isMinimum ? .or : .and, .xmm0, .xmm1, precision)
        assembler.jump(to: done)
        assembler.bind(different)
        assembler.floatArithmetic(isMinimum ? .minimum : .maximum, .xmm0, .xmm1, precision)
        assembler.jump(to: done)
        assembler.bind(unordered)
        // Either is NaN: the sum is a NaN, quieted.
        assembler.floatArithmetic(.add, .xmm0, .xmm1, precision)
        assembler.bind(done)
        storeFloat(destination, precision)
    }

    /// Comparisons: false when unordered, except `ne`. `ucomiss` sets ZF, PF and CF all for unordered, so `lt` and
    /// `le` compare swapped and test "above" (CF and ZF clear) and "above or equal" (CF clear).
    mutating func emitComparison(_ opcode: Opcode, _ destination: UInt32, _ left: UInt32, _ right: UInt32) {
        let precision = Self.precision(opcode, singleFrom: .f32Eq, through: .f32Ge)
        loadFloat(.xmm0, slot: left, precision)
        loadFloat(.xmm1, slot: right, precision)
        // Cleared before the comparison (xor changes the flags): `setcc` writes only the low byte.
        assembler.arithmetic(.xor, .rax, .rax, .bits32)
        assembler.arithmetic(.xor, .rcx, .rcx, .bits32)
        switch opcode {
        case .f32Eq, .f64Eq, .f32Ne, .f64Ne:
            let isEqual = opcode == .f32Eq || opcode == .f64Eq
            assembler.compareFloat(.xmm0, .xmm1, precision)
            assembler.set(.rax, if: isEqual ? .equal : .notEqual)
            assembler.set(.rcx, if: isEqual ? .noParity : .parity)
            assembler.arithmetic(isEqual ? .and : .or, .rax, .rcx, .bits32)
        case .f32Lt, .f64Lt:
            assembler.compareFloat(.xmm1, .xmm0, precision)
            assembler.set(.rax, if: .above)
        case .f32Gt, .f64Gt:
            assembler.compareFloat(.xmm0, .xmm1, precision)
            assembler.set(.rax, if: .above)
        case .f32Le, .f64Le:
            assembler.compareFloat(.xmm1, .xmm0, precision)
            assembler.set(.rax, if: .aboveOrEqual)
        default:
            assembler.compareFloat(.xmm0, .xmm1, precision)
            assembler.set(.rax, if: .aboveOrEqual)
        }
        storeResult(destination)
    }
}
