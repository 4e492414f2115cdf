/// Constants read inside loops live in pool slots written once by a prologue, instead of being rewritten
/// on every iteration. The pool sits between the locals and the operand stack (a callee's frame overlaps
/// everything from its call's frame start up, so the pool cannot go above the stack). Its size is known
/// only at the end: until then pool slots carry provisional numbers from `provisionalPoolBase` up, and
/// stack slots are numbered as if there were no pool; `finishConstantPool` renumbers both.
extension FunctionTranslator {
    static let provisionalPoolBase: UInt32 = 0x8000_0000

    /// Whether constants read here should come from the pool. Not when results are returned in slots
    /// beyond the locals: those fixed slots would be renumbered like stack slots.
    var usesConstantPool: Bool { loopDepth > 0 && isLive && resultTypes.count <= Int(localCount) }

    /// The slot holding `bits` for the whole call: an existing pool slot or a new one.
    mutating func poolSlot(for bits: UInt64) -> UInt32 {
        if let slot = constantPool[bits] { return slot }
        let slot = Self.provisionalPoolBase + UInt32(constantPool.count)
        constantPool[bits] = slot
        return slot
    }

    /// Gives pool and stack slots their final numbers and puts the prologue that fills the pool before
    /// the code. Returns the number of pool slots.
    mutating func finishConstantPool() throws(ModuleError) -> UInt32 {
        guard !constantPool.isEmpty else { return 0 }
        let poolSize = UInt32(constantPool.count)
        guard localCount + UInt32(maximumHeight) < Self.provisionalPoolBase else {
            throw .unsupported(at: instructionOffset, "a frame of over 2^31 slots")
        }
        let localCount = localCount
        func final(_ slot: UInt32) -> UInt32 {
            if slot >= Self.provisionalPoolBase { return localCount + (slot - Self.provisionalPoolBase) }
            return slot >= localCount ? slot + poolSize : slot
        }
        var prologue: [Instruction] = []
        for (bits, slot) in constantPool.sorted(by: { $0.value < $1.value }) {
            let destination = final(slot)
            prologue.append(
                bits <= UInt64(UInt32.max)
                    ? Instruction(.const32, destination, UInt32(bits))
                    : Instruction(
                        .const64, destination, UInt32(truncatingIfNeeded: bits), UInt32(truncatingIfNeeded: bits >> 32)))
        }
        for index in code.indices {
            let fields = code[index].opcode.slotFields
            if fields.a { code[index].a = final(code[index].a) }
            if fields.b { code[index].b = final(code[index].b) }
            if fields.c { code[index].c = final(code[index].c) }
        }
        prepend(prologue)
        return poolSize
    }

    /// Puts `prologue` before the code, moving branch targets past it.
    mutating func prepend(_ prologue: [Instruction]) {
        for index in code.indices where code[index].opcode.isBranch { code[index].a += UInt32(prologue.count) }
        code.insert(contentsOf: prologue, at: 0)
    }
}

extension Opcode {
    /// Whether `a` is a branch target. (The conditional branches are contiguous in `Opcode`, as are their
    /// forwarded forms.)
    var isBranch: Bool {
        self == .br || Opcode.brIf.rawValue...Opcode.brIfI64GeU.rawValue ~= rawValue
            || Opcode.brIfFwd.rawValue...Opcode.brIfI32GeUImmFwd.rawValue ~= rawValue
    }

    /// Which of the operands name slots (as opposed to indices, immediates, offsets and branch targets).
    var slotFields: (a: Bool, b: Bool, c: Bool) {
        switch self {
        case .unreachable, .br, .return, .elemDrop, .dataDrop, .translateFunction: return (false, false, false)
        case .brIf, .brIfNot, .call, .callDefined, .callIndirect: return (false, true, false)
        case .brIfI32EqImm, .brIfI32NeImm, .brIfI32LtSImm, .brIfI32LtUImm, .brIfI32GtSImm, .brIfI32GtUImm,
            .brIfI32LeSImm, .brIfI32LeUImm, .brIfI32GeSImm, .brIfI32GeUImm:
            return (false, true, false)
        case .brIfI32Eq, .brIfI32Ne, .brIfI32LtS, .brIfI32LtU, .brIfI32GtS, .brIfI32GtU, .brIfI32LeS, .brIfI32LeU,
            .brIfI32GeS, .brIfI32GeU, .brIfI64Eq, .brIfI64Ne, .brIfI64LtS, .brIfI64LtU, .brIfI64GtS, .brIfI64GtU,
            .brIfI64LeS, .brIfI64LeU, .brIfI64GeS, .brIfI64GeU:
            return (false, true, true)
        case .zeroLocals, .brTable, .const32, .const64, .globalGet, .globalSet, .refFunc, .tableSize, .tableFill, .tableCopy,
            .tableInit, .memorySize, .memoryInit:
            return (true, false, false)
        case .copy, .refIsNull, .tableGet, .tableSet, .tableGrow, .memoryGrow: return (true, true, false)
        case .i32AddImmBrIfI32NeFwd, .i32AddImmBrIfI32LtSFwd, .i32AddImmBrIfI32LtUFwd, .i32AddImmBrIfI32NeImmFwd,
            .i32AddImmBrIfI32LtSImmFwd, .i32AddImmBrIfI32LtUImmFwd, .i32AddImmBrIfI32GtUImmFwd, .i64AddImmBrIfI64NeFwd,
            .i64AddImmBrIfI64LtUFwd:
            return (true, true, false)
        case .i32LoadScaled, .i64LoadScaled: return (true, true, true)
        case .select, .memoryFill, .memoryCopy: return (true, true, true)
        default:
            if isUnaryNumeric { return (true, true, false) }
            if Opcode.i32Load.rawValue...Opcode.i64LoadAddImm.rawValue ~= rawValue { return (true, true, false) }
            if Opcode.i32AddImm.rawValue...Opcode.i32XorShrUImm.rawValue ~= rawValue { return (true, true, false) }
            return (true, true, true)  // binary numeric
        }
    }

    private var isUnaryNumeric: Bool {
        func within(_ first: Opcode, _ last: Opcode) -> Bool { first.rawValue...last.rawValue ~= rawValue }
        return self == .i32Eqz || self == .i64Eqz || within(.i32Clz, .i32Popcnt) || within(.i64Clz, .i64Popcnt)
            || within(.f32Abs, .f32Sqrt) || within(.f64Abs, .f64Sqrt) || within(.i32WrapI64, .i64TruncSatF64U)
    }
}
