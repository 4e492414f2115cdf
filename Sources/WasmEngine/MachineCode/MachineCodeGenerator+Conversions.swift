// Machine code for the float-to-integer truncations, trapping and saturating, and for unsigned i64 to float: SSE
// converts only signed integers, and answers an out-of-range float with one "indefinite" value, so the operand is
// compared with the bounds of its integer type first.

import X64Assembler

extension MachineCodeGenerator {
    /// Emits `instruction` if it is one of the conversions compiled here: the words it took, or nil.
    mutating func emitConversion(_ instruction: Instruction) -> Int? {
        let opcode = instruction.opcode
        if let truncation = Truncation(opcode) {
            emitTruncation(truncation, instruction.a, instruction.b)
        } else if opcode == .f32ConvertI64U || opcode == .f64ConvertI64U {
            emitUnsignedToFloat(opcode == .f32ConvertI64U ? .single : .double, instruction.a, instruction.b)
        } else {
            return nil
        }
        return 1
    }

    /// A float operand truncated toward zero to an integer: NaN traps "invalid conversion", a value whose integer
    /// part does not fit traps "integer overflow"; saturating, NaN gives 0 and the others the nearest bound.
    private mutating func emitTruncation(_ truncation: Truncation, _ destination: UInt32, _ source: UInt32) {
        let precision = truncation.source
        let done = assembler.makeLabel()
        let notANumber = truncation.saturates ? assembler.makeLabel() : trapLabel(.invalidConversionToInteger)
        let tooSmall = truncation.saturates ? assembler.makeLabel() : trapLabel(.integerOverflow)
        let tooLarge = truncation.saturates ? assembler.makeLabel() : trapLabel(.integerOverflow)
        loadFloat(.xmm0, slot: source, precision)
        assembler.compareFloat(.xmm0, .xmm0, precision)
        assembler.jump(if: .parity, to: notANumber)
        let (lower, lowerIsExclusive) = truncation.lowerBound
        loadConstant(.xmm1, lower, precision)
        assembler.compareFloat(.xmm0, .xmm1, precision)
        assembler.jump(if: lowerIsExclusive ? .belowOrEqual : .below, to: tooSmall)
        loadConstant(.xmm1, truncation.upperBound, precision)
        assembler.compareFloat(.xmm0, .xmm1, precision)
        assembler.jump(if: .aboveOrEqual, to: tooLarge)
        switch (truncation.isSigned, truncation.target) {
        case (true, let size):
            assembler.convertTruncating(.rax, .xmm0, size, precision)
        case (false, .bits32):
            // Below 2^32, so a signed 64-bit conversion holds it exactly.
            assembler.convertTruncating(.rax, .xmm0, .bits64, precision)
            assembler.move(.rax, .rax, .bits32)
        case (false, .bits64):
            // From 2^63 up, convert the value less 2^63 and set the top bit back.
            let small = assembler.makeLabel()
            loadConstant(.xmm1, 0x1p63, precision)
            assembler.compareFloat(.xmm0, .xmm1, precision)
            assembler.jump(if: .below, to: small)
            assembler.floatArithmetic(.subtract, .xmm0, .xmm1, precision)
            assembler.convertTruncating(.rax, .xmm0, .bits64, precision)
            assembler.move(.rcx, immediate: 1 << 63)
            assembler.arithmetic(.xor, .rax, .rcx, .bits64)
            assembler.jump(to: done)
            assembler.bind(small)
            assembler.convertTruncating(.rax, .xmm0, .bits64, precision)
        }
        if truncation.saturates {
            assembler.jump(to: done)
            for (label, value) in [(notANumber, 0), (tooSmall, truncation.minimum), (tooLarge, truncation.maximum)] {
                assembler.bind(label)
                assembler.move(.rax, immediate: value)
                assembler.jump(to: done)
            }
        }
        assembler.bind(done)
        storeResult(destination)
    }

    /// An unsigned i64 to a float: a value with the top bit set is halved first (keeping its lowest bit, so that it
    /// rounds as the whole value would) and the float doubled.
    private mutating func emitUnsignedToFloat(_ precision: FloatPrecision, _ destination: UInt32, _ source: UInt32) {
        let done = assembler.makeLabel()
        let large = assembler.makeLabel()
        load(.rax, source, .bits64)
        assembler.test(.rax, .rax, .bits64)
        assembler.jump(if: .sign, to: large)
        assembler.convertToFloat(.xmm0, .rax, .bits64, precision)
        assembler.jump(to: done)
        assembler.bind(large)
        assembler.move(.rcx, .rax, .bits64)
        assembler.shift(.shiftRightLogical, .rcx, by: 1, .bits64)
        assembler.arithmetic(.and, .rax, immediate: 1, .bits64)
        assembler.arithmetic(.or, .rcx, .rax, .bits64)
        assembler.convertToFloat(.xmm0, .rcx, .bits64, precision)
        assembler.floatArithmetic(.add, .xmm0, .xmm0, precision)
        assembler.bind(done)
        storeFloat(destination, precision)
    }

    /// `register`'s low lane = `value` in `precision` (through rax).
    private mutating func loadConstant(_ register: XMMRegister, _ value: Double, _ precision: FloatPrecision) {
        if precision == .single {
            assembler.move(.rax, immediate: UInt64(Float(value).bitPattern))
            assembler.moveBits(register, .rax, .bits32)
        } else {
            assembler.move(.rax, immediate: value.bitPattern)
            assembler.moveBits(register, .rax, .bits64)
        }
    }
}

/// What a truncation opcode converts: from which float, to which integer, and what it does out of range.
private struct Truncation {
    let source: FloatPrecision
    let target: OperandSize
    let isSigned: Bool
    let saturates: Bool

    init?(_ opcode: Opcode) {
        switch opcode {
        case .i32TruncF32S, .i32TruncF32U, .i32TruncF64S, .i32TruncF64U, .i64TruncF32S, .i64TruncF32U,
            .i64TruncF64S, .i64TruncF64U:
            saturates = false
        case .i32TruncSatF32S, .i32TruncSatF32U, .i32TruncSatF64S, .i32TruncSatF64U, .i64TruncSatF32S,
            .i64TruncSatF32U, .i64TruncSatF64S, .i64TruncSatF64U:
            saturates = true
        default:
            return nil
        }
        source = [.i32TruncF32S, .i32TruncF32U, .i64TruncF32S, .i64TruncF32U, .i32TruncSatF32S, .i32TruncSatF32U,
                  .i64TruncSatF32S, .i64TruncSatF32U].contains(opcode) ? .single : .double
        target = [.i32TruncF32S, .i32TruncF32U, .i32TruncF64S, .i32TruncF64U, .i32TruncSatF32S, .i32TruncSatF32U,
                  .i32TruncSatF64S, .i32TruncSatF64U].contains(opcode) ? .bits32 : .bits64
        isSigned = [.i32TruncF32S, .i32TruncF64S, .i64TruncF32S, .i64TruncF64S, .i32TruncSatF32S, .i32TruncSatF64S,
                    .i64TruncSatF32S, .i64TruncSatF64S].contains(opcode)
    }

    private var bitCount: Int { target == .bits32 ? 32 : 64 }

    /// The lowest float that truncates into range, or the highest below it that does not (exclusive), whichever the
    /// source can represent: -2^(N-1) - 1 is a double for N = 32 (and -2^31 - 0.5 truncates into range) but not for
    /// N = 64, nor a float for either.
    var lowerBound: (value: Double, isExclusive: Bool) {
        guard isSigned else { return (-1, true) }
        let minimum = -Double(sign: .plus, exponent: bitCount - 1, significand: 1)
        return source == .double && target == .bits32 ? (minimum - 1, true) : (minimum, false)
    }

    /// The lowest float too large: 2^N for unsigned, 2^(N-1) for signed.
    var upperBound: Double { Double(sign: .plus, exponent: isSigned ? bitCount - 1 : bitCount, significand: 1) }

    /// The saturated results, as 64-bit patterns (a 32-bit result zero-extended).
    var minimum: UInt64 {
        guard isSigned else { return 0 }
        return target == .bits32 ? UInt64(UInt32(bitPattern: Int32.min)) : UInt64(bitPattern: Int64.min)
    }

    var maximum: UInt64 {
        switch (isSigned, target) {
        case (true, .bits32): UInt64(Int32.max)
        case (true, .bits64): UInt64(Int64.max)
        case (false, .bits32): UInt64(UInt32.max)
        case (false, .bits64): UInt64.max
        }
    }
}
