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
            if code[index].opcode.hasLaneBesideSlotInC {
                let c = code[index].c
                code[index].c = final(c & Instruction.slotMask) | c & ~Instruction.slotMask
            }
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
    /// The exception-handling markers count as branches (see `Compiler+Exceptions.swift`).
    var isBranch: Bool {
        self == .br || Opcode.brIf.rawValue...Opcode.brIfI64GeU.rawValue ~= rawValue
            || Opcode.brIfFwd.rawValue...Opcode.brIfI32GeUImmFwd.rawValue ~= rawValue
            || Opcode.tryRegion.rawValue...Opcode.delegateClause.rawValue ~= rawValue
            || self == .brOnNull || self == .brOnNonNull
    }

    /// Which of the operands name slots (as opposed to indices, immediates, offsets and branch targets).
    var slotFields: (a: Bool, b: Bool, c: Bool) {
        switch self {
        case .unreachable, .br, .return, .elemDrop, .dataDrop, .translateFunction, .shuffleLanes, .useMemory, .tryRegion,
            .delegateClause:
            return (false, false, false)
        case .throw, .throwRef: return (true, false, false)
        case .catchClause, .catchRefClause, .legacyCatchClause: return (false, false, true)
        case .brIf, .brIfNot, .call, .callDefined, .callIndirect, .returnCall, .returnCallIndirect, .brOnNull,
            .brOnNonNull:
            return (false, true, false)
        case .callRef, .returnCallRef: return (false, true, true)
        case .brIfI32EqImm, .brIfI32NeImm, .brIfI32LtSImm, .brIfI32LtUImm, .brIfI32GtSImm, .brIfI32GtUImm,
            .brIfI32LeSImm, .brIfI32LeUImm, .brIfI32GeSImm, .brIfI32GeUImm:
            return (false, true, false)
        case .brIfI32Eq, .brIfI32Ne, .brIfI32LtS, .brIfI32LtU, .brIfI32GtS, .brIfI32GtU, .brIfI32LeS, .brIfI32LeU,
            .brIfI32GeS, .brIfI32GeU, .brIfI64Eq, .brIfI64Ne, .brIfI64LtS, .brIfI64LtU, .brIfI64GtS, .brIfI64GtU,
            .brIfI64LeS, .brIfI64LeU, .brIfI64GeS, .brIfI64GeU:
            return (false, true, true)
        case .zeroLocals, .brTable, .const32, .const64, .globalGet, .globalSet, .refFunc, .tableSize, .tableFill, .tableCopy,
            .tableInit, .memorySize, .memoryInit, .requireLow32, .memoryCopyBetween, .refAsNonNull, .structNew,
            .structNewDefault, .structGet, .structSet, .arrayNew, .arrayNewDefault, .arrayNewFixed, .arrayNewData,
            .arrayNewElem, .arrayInitData, .arrayInitElem, .arrayGet, .arraySet, .arrayLen, .arrayFill, .arrayCopy,
            .refI31, .i31Get, .refEq, .refCast:
            return (true, false, false)
        case .refTest, .anyConvertExtern, .externConvertAny: return (true, true, false)
        case .copy, .copyV128, .refIsNull, .tableGet, .tableSet, .tableGrow, .memoryGrow: return (true, true, false)
        case .i32AddImmBrIfI32NeFwd, .i32AddImmBrIfI32LtSFwd, .i32AddImmBrIfI32LtUFwd, .i32AddImmBrIfI32NeImmFwd,
            .i32AddImmBrIfI32LtSImmFwd, .i32AddImmBrIfI32LtUImmFwd, .i32AddImmBrIfI32GtUImmFwd, .i64AddImmBrIfI64NeFwd,
            .i64AddImmBrIfI64LtUFwd:
            return (true, true, false)
        case .i32LoadScaled, .i64LoadScaled: return (true, true, true)
        case .globalGetV128, .globalSetV128: return (true, false, false)
        case .i8x16Swizzle, .i8x16Eq, .i8x16Ne, .i8x16LtS, .i8x16LtU, .i8x16GtS, .i8x16GtU, .i8x16LeS, .i8x16LeU,
            .i8x16GeS, .i8x16GeU, .i16x8Eq, .i16x8Ne, .i16x8LtS, .i16x8LtU, .i16x8GtS, .i16x8GtU, .i16x8LeS,
            .i16x8LeU, .i16x8GeS, .i16x8GeU, .i32x4Eq, .i32x4Ne, .i32x4LtS, .i32x4LtU, .i32x4GtS, .i32x4GtU,
            .i32x4LeS, .i32x4LeU, .i32x4GeS, .i32x4GeU, .f32x4Eq, .f32x4Ne, .f32x4Lt, .f32x4Gt, .f32x4Le, .f32x4Ge,
            .f64x2Eq, .f64x2Ne, .f64x2Lt, .f64x2Gt, .f64x2Le, .f64x2Ge, .v128And, .v128Andnot, .v128Or, .v128Xor,
            .i8x16NarrowI16x8S, .i8x16NarrowI16x8U, .i8x16Shl, .i8x16ShrS, .i8x16ShrU, .i8x16Add, .i8x16AddSatS,
            .i8x16AddSatU, .i8x16Sub, .i8x16SubSatS, .i8x16SubSatU, .i8x16MinS, .i8x16MinU, .i8x16MaxS, .i8x16MaxU,
            .i8x16AvgrU, .i16x8Q15mulrSatS, .i16x8NarrowI32x4S, .i16x8NarrowI32x4U, .i16x8Shl, .i16x8ShrS,
            .i16x8ShrU, .i16x8Add, .i16x8AddSatS, .i16x8AddSatU, .i16x8Sub, .i16x8SubSatS, .i16x8SubSatU, .i16x8Mul,
            .i16x8MinS, .i16x8MinU, .i16x8MaxS, .i16x8MaxU, .i16x8AvgrU, .i16x8ExtmulLowI8x16S,
            .i16x8ExtmulHighI8x16S, .i16x8ExtmulLowI8x16U, .i16x8ExtmulHighI8x16U, .i32x4Shl, .i32x4ShrS, .i32x4ShrU,
            .i32x4Add, .i32x4Sub, .i32x4Mul, .i32x4MinS, .i32x4MinU, .i32x4MaxS, .i32x4MaxU, .i32x4DotI16x8S,
            .i32x4ExtmulLowI16x8S, .i32x4ExtmulHighI16x8S, .i32x4ExtmulLowI16x8U, .i32x4ExtmulHighI16x8U, .i64x2Shl,
            .i64x2ShrS, .i64x2ShrU, .i64x2Add, .i64x2Sub, .i64x2Mul, .i64x2Eq, .i64x2Ne, .i64x2LtS, .i64x2GtS,
            .i64x2LeS, .i64x2GeS, .i64x2ExtmulLowI32x4S, .i64x2ExtmulHighI32x4S, .i64x2ExtmulLowI32x4U,
            .i64x2ExtmulHighI32x4U, .f32x4Add, .f32x4Sub, .f32x4Mul, .f32x4Div, .f32x4Min, .f32x4Max, .f32x4Pmin,
            .f32x4Pmax, .f64x2Add, .f64x2Sub, .f64x2Mul, .f64x2Div, .f64x2Min, .f64x2Max, .f64x2Pmin, .f64x2Pmax,
            .i8x16RelaxedSwizzle, .f32x4RelaxedMin, .f32x4RelaxedMax, .f64x2RelaxedMin, .f64x2RelaxedMax,
            .i16x8RelaxedQ15mulrS, .i16x8RelaxedDotI8x16I7x16S:
            return (true, true, true)
        case .select, .memoryFill, .memoryCopy: return (true, true, true)
        default:
            if isUnaryNumeric { return (true, true, false) }
            if Opcode.i32Load.rawValue...Opcode.i64LoadAddImm.rawValue ~= rawValue { return (true, true, false) }
            if Opcode.i32AddImm.rawValue...Opcode.i32XorShrUImm.rawValue ~= rawValue { return (true, true, false) }
            // The other SIMD instructions: a memarg offset, a lane, nothing, or a slot with a lane beside it (renumbered
            // apart: `hasLaneBesideSlotInC`) in `c`.
            if rawValue >= Opcode.effectiveAddress.rawValue { return (true, true, false) }
            return (true, true, true)  // binary numeric
        }
    }

    /// Whether `c` holds a slot with a lane's byte offset in its top byte (`Instruction.laneShift`).
    var hasLaneBesideSlotInC: Bool {
        switch self {
        case .i8x16ReplaceLane, .i16x8ReplaceLane, .i32x4ReplaceLane, .i64x2ReplaceLane, .f32x4ReplaceLane,
            .f64x2ReplaceLane, .v128Load8Lane, .v128Load16Lane, .v128Load32Lane, .v128Load64Lane: true
        default: false
        }
    }

    private var isUnaryNumeric: Bool {
        func within(_ first: Opcode, _ last: Opcode) -> Bool { first.rawValue...last.rawValue ~= rawValue }
        return self == .i32Eqz || self == .i64Eqz || within(.i32Clz, .i32Popcnt) || within(.i64Clz, .i64Popcnt)
            || within(.f32Abs, .f32Sqrt) || within(.f64Abs, .f64Sqrt) || within(.i32WrapI64, .i64TruncSatF64U)
    }
}
