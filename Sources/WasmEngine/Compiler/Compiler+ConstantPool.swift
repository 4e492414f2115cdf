/// Constants read inside loops live in pool slots written once by a prologue, instead of being rewritten
/// on every iteration. The pool's slots sit after the deepest operand stack, which is known only at the
/// end, so until then they carry provisional numbers from `provisionalPoolBase` up.
extension FunctionTranslator {
    static let provisionalPoolBase: UInt32 = 0x8000_0000

    /// The slot holding `bits` for the whole call: an existing pool slot or a new one.
    mutating func poolSlot(for bits: UInt64) -> UInt32 {
        if let slot = constantPool[bits] { return slot }
        let slot = Self.provisionalPoolBase + UInt32(constantPool.count)
        constantPool[bits] = slot
        return slot
    }

    /// Gives the pool slots their final numbers and puts the prologue that fills them before the code.
    /// Returns the number of pool slots.
    mutating func finishConstantPool() throws(ModuleError) -> UInt32 {
        guard !constantPool.isEmpty else { return 0 }
        let poolStart = localCount + UInt32(maximumHeight)
        guard poolStart < Self.provisionalPoolBase else { throw .unsupported(at: instructionOffset, "huge frame") }
        func final(_ slot: UInt32) -> UInt32 {
            slot >= Self.provisionalPoolBase ? poolStart + (slot - Self.provisionalPoolBase) : slot
        }
        var prologue: [Instruction] = []
        for (bits, slot) in constantPool.sorted(by: { $0.value < $1.value }) {
            prologue.append(
                bits <= UInt64(UInt32.max)
                    ? Instruction(.const32, final(slot), UInt32(bits))
                    : Instruction(.const64, final(slot), UInt32(truncatingIfNeeded: bits), UInt32(truncatingIfNeeded: bits >> 32)))
        }
        let shift = UInt32(prologue.count)
        for index in code.indices {
            let fields = code[index].opcode.slotFields
            if fields.a { code[index].a = final(code[index].a) }
            if fields.b { code[index].b = final(code[index].b) }
            if fields.c { code[index].c = final(code[index].c) }
            if code[index].opcode.isBranch { code[index].a += shift }
        }
        code.insert(contentsOf: prologue, at: 0)
        return UInt32(constantPool.count)
    }
}

extension Opcode {
    /// Whether `a` is a branch target.
    var isBranch: Bool {
        switch self {
        case .br, .brIf, .brIfNot, .brIfI32Eq, .brIfI32Ne, .brIfI32LtS, .brIfI32LtU, .brIfI32GtS, .brIfI32GtU,
            .brIfI32LeS, .brIfI32LeU, .brIfI32GeS, .brIfI32GeU:
            return true
        default: return false
        }
    }

    /// Which operands name slots that a pool constant may be read from (or, for `a`, that are written).
    var slotFields: (a: Bool, b: Bool, c: Bool) {
        switch self {
        case .brIf, .brIfNot: return (false, true, false)
        case .brIfI32Eq, .brIfI32Ne, .brIfI32LtS, .brIfI32LtU, .brIfI32GtS, .brIfI32GtU, .brIfI32LeS, .brIfI32LeU,
            .brIfI32GeS, .brIfI32GeU:
            return (false, true, true)
        case .brTable, .const32, .const64, .globalGet, .globalSet, .refFunc, .tableSize, .memorySize:
            return (true, false, false)
        case .copy, .refIsNull, .tableGet, .tableSet, .memoryGrow: return (true, true, false)
        case .select, .memoryFill, .memoryCopy: return (true, true, true)
        case .unreachable, .br, .return, .call, .callIndirect, .elemDrop, .dataDrop: return (false, false, false)
        case .tableGrow, .tableFill, .tableCopy, .tableInit, .memoryInit: return (false, false, false)
        default:
            if Opcode.i32Load.rawValue...Opcode.i64Store32.rawValue ~= rawValue { return (true, true, false) }
            if Opcode.i32AddImm.rawValue...Opcode.i64AddImm.rawValue ~= rawValue { return (true, true, false) }
            return (true, true, true)  // numeric: destination and operands (`c` is 0 for unary ones)
        }
    }
}
