/// Numeric instructions (0x45...0xC4 and the saturating truncations 0xFC 0...7), typed by `NumericSignature`.
///
/// Internal opcodes follow the binary opcodes' order within each group, so a group maps by offset.
extension FunctionTranslator {
    mutating func translateNumeric(_ opcode: UInt8) throws(ModuleError) {
        let signature = NumericSignature.of(opcode)
        switch opcode {
        case 0xA7: try wrap()
        case 0xBC...0xBF: try reinterpret(signature.operand, as: signature.result)
        default:
            let operation = internalOpcode(ofNumeric: opcode)
            if signature.isBinary {
                try binary(operation, signature.operand, result: signature.result)
            } else {
                try unary(operation, signature.operand, signature.result)
            }
        }
    }

    /// The internal opcode of numeric opcode `opcode` (neither `i32.wrap_i64` nor a reinterpretation, which
    /// emit none).
    private func internalOpcode(ofNumeric opcode: UInt8) -> Opcode {
        switch opcode {
        case 0x45: .i32Eqz
        case 0x46...0x4F: offset(.i32Eq, opcode - 0x46)
        case 0x50: .i64Eqz
        case 0x51...0x5A: offset(.i64Eq, opcode - 0x51)
        case 0x5B...0x60: offset(.f32Eq, opcode - 0x5B)
        case 0x61...0x66: offset(.f64Eq, opcode - 0x61)
        case 0x67...0x69: offset(.i32Clz, opcode - 0x67)
        case 0x6A...0x78: offset(.i32Add, opcode - 0x6A)
        case 0x79...0x7B: offset(.i64Clz, opcode - 0x79)
        case 0x7C...0x8A: offset(.i64Add, opcode - 0x7C)
        case 0x8B...0x91: offset(.f32Abs, opcode - 0x8B)
        case 0x92...0x98: offset(.f32Add, opcode - 0x92)
        case 0x99...0x9F: offset(.f64Abs, opcode - 0x99)
        case 0xA0...0xA6: offset(.f64Add, opcode - 0xA0)
        case 0xA8...0xBB: offset(.i32WrapI64, opcode - 0xA7)
        case 0xC0, 0xC1: offset(.i32Extend8S, opcode - 0xC0)
        default: offset(.i64Extend8S, opcode - 0xC2)
        }
    }

    mutating func translateSaturatingTruncation(_ opcode: UInt32) throws(ModuleError) {
        let signature = NumericSignature.saturatingTruncation(opcode)
        try unary(offset(.i32TruncSatF32S, UInt8(opcode)), signature.operand, signature.result)
    }

    private func offset(_ first: Opcode, _ distance: UInt8) -> Opcode {
        Opcode(rawValue: first.rawValue + UInt16(distance))!
    }

    private mutating func unary(_ opcode: Opcode, _ operandType: ValueType, _ resultType: ValueType) throws(ModuleError) {
        let operand = try pop(operandType)
        emitResult(opcode, resultType, source(operand))
    }

    /// Every reader of an i32 slot takes only its low 32 bits, so `i32.wrap_i64` emits nothing: the i32 is
    /// read from wherever the i64 is. A value just computed stays fresh, so a following `local.set` can
    /// still make its instruction write the local.
    private mutating func wrap() throws(ModuleError) {
        let fresh = freshResult
        let operand = try pop(.i64)
        if case .constant(let bits) = operand.location {
            push(.i32, .constant(bits & UInt64(UInt32.max)))
        } else {
            push(.i32, operand.location)
            freshResult = fresh
        }
    }

    /// Slots hold bit patterns, so a reinterpretation only retypes the operand.
    private mutating func reinterpret(_ operandType: ValueType, as resultType: ValueType) throws(ModuleError) {
        let operand = try pop(operandType)
        push(resultType, operand.location)
    }

    private mutating func binary(_ operation: Opcode, _ operandType: ValueType, result: ValueType) throws(ModuleError) {
        // Taken before the pops, which forget it.
        let shift = operation == .i32Xor ? freshShiftOperand() : nil
        let right = try pop(operandType)
        let left = try pop(operandType)
        if let shift, let step = xorshiftStep(shift: shift, left, right) {
            // `x ^ (x << k)`: the shift, the last instruction, computed one operand from the other's slot
            // into a temporary read only here.
            code.removeLast()
            emitResult(step.opcode, result, step.source, step.count)
        } else if let (immediateOpcode, operand, immediate) = immediateForm(operation, left, right) {
            emitResult(immediateOpcode, result, source(operand), immediate)
        } else {
            let leftSlot = source(left)
            emitResult(operation, result, leftSlot, source(right))
        }
    }

    /// The last instruction when it produced one of the top two operands into its own slot and the other
    /// one, if above it, is a local read (which emitted nothing).
    private func freshShiftOperand() -> Instruction? {
        guard let fresh = freshResult, fresh.instruction == code.count - 1, operands.count >= 2 else { return nil }
        let top = operands.count - 1
        var topIsLocalRead = false
        if case .local = operands[top].location { topIsLocalRead = true }
        guard fresh.height == top || (fresh.height == top - 1 && topIsLocalRead),
            operands[fresh.height].location == .ownSlot
        else { return nil }
        return code[fresh.instruction]
    }

    /// `x ^ (x << k)` or `x ^ (x >>> k)` (either order) when `shift` produced one operand from the slot the
    /// other one names.
    private func xorshiftStep(
        shift: Instruction, _ left: Operand, _ right: Operand
    ) -> (opcode: Opcode, source: UInt32, count: UInt32)? {
        let other: UInt32?
        if right.location == .ownSlot && shift.a == slot(right.height) {
            other = slotNamed(by: left)
        } else if left.location == .ownSlot && shift.a == slot(left.height) {
            other = slotNamed(by: right)
        } else {
            other = nil
        }
        guard let other, shift.b == other, other != shift.a else { return nil }
        switch shift.opcode {
        case .i32ShlImm: return (.i32XorShlImm, other, shift.c)
        case .i32ShrUImm: return (.i32XorShrUImm, other, shift.c)
        default: return nil
        }
    }

    /// The immediate form of `left <operation> right` when one side is a constant that fits: the opcode,
    /// the operand left in a slot, and the constant.
    private func immediateForm(
        _ operation: Opcode, _ left: Operand, _ right: Operand
    ) -> (Opcode, Operand, UInt32)? {
        let rightConstant: UInt64? = if case .constant(let bits) = right.location { bits } else { nil }
        let leftConstant: UInt64? = if case .constant(let bits) = left.location { bits } else { nil }
        switch operation {
        case .i32Add, .i32And, .i32Or, .i32Xor:
            let immediateOpcode: Opcode =
                switch operation {
                case .i32Add: .i32AddImm
                case .i32And: .i32AndImm
                case .i32Or: .i32OrImm
                default: .i32XorImm
                }
            if let rightConstant { return (immediateOpcode, left, UInt32(truncatingIfNeeded: rightConstant)) }
            if let leftConstant { return (immediateOpcode, right, UInt32(truncatingIfNeeded: leftConstant)) }
        case .i32Sub:
            if let rightConstant { return (.i32AddImm, left, 0 &- UInt32(truncatingIfNeeded: rightConstant)) }
        case .i32Shl, .i32ShrS, .i32ShrU:
            let immediateOpcode: Opcode =
                switch operation {
                case .i32Shl: .i32ShlImm
                case .i32ShrS: .i32ShrSImm
                default: .i32ShrUImm
                }
            if let rightConstant { return (immediateOpcode, left, UInt32(truncatingIfNeeded: rightConstant) & 31) }
        case .i64Add:
            if let rightConstant, let immediate = Self.signExtendedImmediate(Int64(bitPattern: rightConstant)) {
                return (.i64AddImm, left, immediate)
            }
            if let leftConstant, let immediate = Self.signExtendedImmediate(Int64(bitPattern: leftConstant)) {
                return (.i64AddImm, right, immediate)
            }
        case .i32Eq, .i32Ne, .i32LtS, .i32LtU, .i32GtS, .i32GtU, .i32LeS, .i32LeU, .i32GeS, .i32GeU:
            let immediateOpcode = Opcode(rawValue: operation.rawValue - Opcode.i32Eq.rawValue + Opcode.i32EqImm.rawValue)!
            if let rightConstant { return (immediateOpcode, left, UInt32(truncatingIfNeeded: rightConstant)) }
            if let leftConstant {
                return (immediateOpcode.swappedComparison, right, UInt32(truncatingIfNeeded: leftConstant))
            }
        case .i64Sub:
            if let rightConstant, rightConstant != UInt64(1) << 63,
                let immediate = Self.signExtendedImmediate(-Int64(bitPattern: rightConstant))
            {
                return (.i64AddImm, left, immediate)
            }
        default: break
        }
        return nil
    }

    private static func signExtendedImmediate(_ value: Int64) -> UInt32? {
        guard let narrow = Int32(exactly: value) else { return nil }
        return UInt32(bitPattern: narrow)
    }
}

extension Opcode {
    /// The immediate comparison that gives the same answer with its operands exchanged (`c < x` is `x > c`).
    var swappedComparison: Opcode {
        switch self {
        case .i32EqImm: .i32EqImm
        case .i32NeImm: .i32NeImm
        case .i32LtSImm: .i32GtSImm
        case .i32LtUImm: .i32GtUImm
        case .i32GtSImm: .i32LtSImm
        case .i32GtUImm: .i32LtUImm
        case .i32LeSImm: .i32GeSImm
        case .i32LeUImm: .i32GeUImm
        case .i32GeSImm: .i32LeSImm
        case .i32GeUImm: .i32LeUImm
        default: self
        }
    }
}
