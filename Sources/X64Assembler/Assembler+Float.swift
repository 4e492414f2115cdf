// Scalar floating point on SSE registers (SSE2, and SSE4.1's `roundss`/`roundsd`): WebAssembly's f32 and f64.

/// Which scalar type an SSE instruction works on: its mandatory prefix tells.
public enum FloatPrecision: Sendable, CaseIterable {
    case single, double

    /// The prefix of the scalar (`ss`/`sd`) forms.
    var scalarPrefix: UInt8 { self == .single ? 0xF3 : 0xF2 }
    /// The prefix of the packed (`ps`/`pd`) forms, nil for `ps`.
    var packedPrefix: UInt8? { self == .single ? nil : 0x66 }
}

/// Scalar arithmetic, numbered as its opcode in the 0F map.
public enum FloatOperation: UInt8, Sendable, CaseIterable {
    case squareRoot = 0x51, add = 0x58, multiply = 0x59, subtract = 0x5C, minimum = 0x5D, divide = 0x5E, maximum = 0x5F
}

/// Bitwise operations on a whole register (`andps`...), numbered as their opcode: sign manipulation of floats.
public enum FloatBitwiseOperation: UInt8, Sendable, CaseIterable {
    case and = 0x54, andNot = 0x55, or = 0x56, xor = 0x57
}

/// The rounding of `roundss`/`roundsd`, as its immediate (bit 3 set: no precision exception).
public enum RoundingMode: UInt8, Sendable, CaseIterable {
    case toNearestEven = 0x8, down = 0x9, up = 0xA, towardZero = 0xB
}

extension Assembler {
    public mutating func floatArithmetic(
        _ operation: FloatOperation, _ destination: XMMRegister, _ source: XMMRegister, _ precision: FloatPrecision
    ) {
        emit(prefix: precision.scalarPrefix, wide: false, map: .escape0F, opcode: operation.rawValue,
             reg: destination.rawValue, rm: .register(source.rawValue))
    }

    public mutating func floatArithmetic(
        _ operation: FloatOperation, _ destination: XMMRegister, _ source: MemoryOperand, _ precision: FloatPrecision
    ) {
        emit(prefix: precision.scalarPrefix, wide: false, map: .escape0F, opcode: operation.rawValue,
             reg: destination.rawValue, rm: .memory(source))
    }

    /// `movss`/`movsd` from memory (the rest of the register cleared).
    public mutating func loadFloat(_ destination: XMMRegister, _ source: MemoryOperand, _ precision: FloatPrecision) {
        emit(prefix: precision.scalarPrefix, wide: false, map: .escape0F, opcode: 0x10, reg: destination.rawValue,
             rm: .memory(source))
    }

    /// `movss`/`movsd` to memory.
    public mutating func storeFloat(_ destination: MemoryOperand, _ source: XMMRegister, _ precision: FloatPrecision) {
        emit(prefix: precision.scalarPrefix, wide: false, map: .escape0F, opcode: 0x11, reg: source.rawValue,
             rm: .memory(destination))
    }

    /// `movaps`: the whole register (a scalar move between registers would merge with the destination's upper
    /// lanes and wait for them).
    public mutating func moveFloat(_ destination: XMMRegister, _ source: XMMRegister) {
        emit(wide: false, map: .escape0F, opcode: 0x28, reg: destination.rawValue, rm: .register(source.rawValue))
    }

    /// `movd`/`movq`: the bits of a general-purpose register into the low lane (the rest cleared).
    public mutating func moveBits(_ destination: XMMRegister, _ source: Register, _ size: OperandSize) {
        emit(prefix: 0x66, wide: size == .bits64, map: .escape0F, opcode: 0x6E, reg: destination.rawValue,
             rm: .register(source.rawValue))
    }

    /// `movd`/`movq`: the bits of the low lane into a general-purpose register.
    public mutating func moveBits(_ destination: Register, _ source: XMMRegister, _ size: OperandSize) {
        emit(prefix: 0x66, wide: size == .bits64, map: .escape0F, opcode: 0x7E, reg: source.rawValue,
             rm: .register(destination.rawValue))
    }

    public mutating func floatBitwise(
        _ operation: FloatBitwiseOperation, _ destination: XMMRegister, _ source: XMMRegister, _ precision: FloatPrecision
    ) {
        emit(prefix: precision.packedPrefix, wide: false, map: .escape0F, opcode: operation.rawValue,
             reg: destination.rawValue, rm: .register(source.rawValue))
    }

    /// `ucomiss`/`ucomisd`: ZF, PF, CF from comparing `first` with `second` (PF set when unordered).
    public mutating func compareFloat(_ first: XMMRegister, _ second: XMMRegister, _ precision: FloatPrecision) {
        emit(prefix: precision.packedPrefix, wide: false, map: .escape0F, opcode: 0x2E, reg: first.rawValue,
             rm: .register(second.rawValue))
    }

    /// `cvtsi2ss`/`cvtsi2sd`: a signed integer of `size` to a float.
    public mutating func convertToFloat(
        _ destination: XMMRegister, _ source: Register, _ size: OperandSize, _ precision: FloatPrecision
    ) {
        emit(prefix: precision.scalarPrefix, wide: size == .bits64, map: .escape0F, opcode: 0x2A,
             reg: destination.rawValue, rm: .register(source.rawValue))
    }

    /// `cvttss2si`/`cvttsd2si`: a float to a signed integer of `size`, truncating; out of range or NaN gives the
    /// "integer indefinite" value (the sign bit alone).
    public mutating func convertTruncating(
        _ destination: Register, _ source: XMMRegister, _ size: OperandSize, _ precision: FloatPrecision
    ) {
        emit(prefix: precision.scalarPrefix, wide: size == .bits64, map: .escape0F, opcode: 0x2C,
             reg: destination.rawValue, rm: .register(source.rawValue))
    }

    /// `cvtss2sd` (from single) or `cvtsd2ss` (from double).
    public mutating func convertPrecision(
        _ destination: XMMRegister, _ source: XMMRegister, from precision: FloatPrecision
    ) {
        emit(prefix: precision.scalarPrefix, wide: false, map: .escape0F, opcode: 0x5A, reg: destination.rawValue,
             rm: .register(source.rawValue))
    }

    /// `roundss`/`roundsd` (SSE4.1).
    public mutating func round(
        _ destination: XMMRegister, _ source: XMMRegister, _ mode: RoundingMode, _ precision: FloatPrecision
    ) {
        emit(prefix: 0x66, wide: false, map: .escape0F3A, opcode: precision == .single ? 0x0A : 0x0B,
             reg: destination.rawValue, rm: .register(source.rawValue))
        emit8(mode.rawValue)
    }
}
