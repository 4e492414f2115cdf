/// Result forwarding, a peephole pass over the finished code. The interpreter keeps the value that each
/// value-producing instruction writes to its destination slot in a machine register as well; an instruction
/// that runs right after it and reads that slot can take the register instead (its `...Fwd` form), so a
/// chain of dependent instructions does not wait for each store to reach the following load (about five
/// cycles per link). "Right after" means falling through: no branch may land between the two.
extension FunctionTranslator {
    /// Makes `copy a, b` then `copy a+1, b+1` (how a v128's halves move) one `copyV128`, unless the second is a branch
    /// target or reads the first's destination (`a == b + 1`, where moving both at once would differ). Runs before
    /// `forwardResults`: the fused move leaves nothing in the forwarding register.
    static func fuseVectorCopies(_ code: inout [Instruction]) {
        // Most functions have no pair: they pay one scan, not the tables below.
        guard code.indices.dropFirst().contains(where: { code[$0 - 1].opcode == .copy && code[$0].opcode == .copy })
        else { return }
        var isBranchTarget = [Bool](repeating: false, count: code.count + 1)
        for instruction in code where instruction.opcode.isBranch { isBranchTarget[Int(instruction.a)] = true }
        var fused: [Instruction] = []
        var targets: [Int] = []
        targets.reserveCapacity(code.count + 1)
        var index = 0
        while index < code.count {
            targets.append(fused.count)
            let first = code[index]
            if index + 1 < code.count, !isBranchTarget[index + 1], first.opcode == .copy, code[index + 1].opcode == .copy,
                code[index + 1].a == first.a &+ 1, code[index + 1].b == first.b &+ 1, first.a != first.b &+ 1
            {
                fused.append(Instruction(.copyV128, first.a, first.b))
                targets.append(fused.count - 1)
                index += 2
            } else {
                fused.append(first)
                index += 1
            }
        }
        guard fused.count < code.count else { return }
        targets.append(fused.count)
        for index in fused.indices where fused[index].opcode.isBranch { fused[index].a = UInt32(targets[Int(fused[index].a)]) }
        code = fused
    }

    /// Runs on the final code: branch targets must not move afterwards.
    static func forwardResults(_ code: inout [Instruction]) {
        var isBranchTarget = [Bool](repeating: false, count: code.count + 1)
        for instruction in code where instruction.opcode.isBranch { isBranchTarget[Int(instruction.a)] = true }
        for index in code.indices.dropFirst() where !isBranchTarget[index] {
            let previous = code[index - 1]
            guard previous.opcode.producesForwardedInteger || previous.opcode.producesForwardedFloat,
                var forwarded = code[index].forwarding(resultIn: previous.a)
            else { continue }
            if forwarded.opcode == .i64StoreFwd && !previous.opcode.producesForwardedInteger {
                forwarded.opcode = .f64StoreFwd
            }
            let isForwarded =
                forwarded.opcode.readsForwardedFloat
                ? previous.opcode.producesForwardedFloat : previous.opcode.producesForwardedInteger
            guard isForwarded else { continue }
            code[index] = forwarded
        }
        // The branch of a pair is a forwarded form, so it is no branch target: it always runs right after.
        for index in code.indices.dropFirst() {
            if let step = code[index - 1].opcode.loopStep(before: code[index].opcode) { code[index - 1].opcode = step }
        }
        // Pairs do not overlap: a second word never starts another pair.
        var second = 1
        while second < code.count {
            if let pair = code[second - 1].opcode.pair(before: code[second].opcode) {
                code[second - 1].opcode = pair
                second += 2
            } else {
                second += 1
            }
        }
        // A pair may become the second word of a triple.
        for index in code.indices.dropFirst()
        where code[index - 1].opcode == .copy && code[index].opcode == .i32Load8UFwdThenBrIfFwd {
            code[index - 1].opcode = .copyThenI32Load8UFwdThenBrIfFwd
        }
    }
}

extension Instruction {
    /// This instruction in the form that takes the value of `slot` from the forwarding register, if it
    /// reads `slot` through an operand that has such a form.
    func forwarding(resultIn slot: UInt32) -> Instruction? {
        /// The form forwarding `b`.
        func left(_ form: Opcode) -> Instruction? { b == slot ? Instruction(form, a, b, c) : nil }
        /// The form forwarding `c`, with `b` and `c` exchanged (`form` must give the same result that way).
        func swapped(_ form: Opcode) -> Instruction? { c == slot ? Instruction(form, a, c, b) : nil }
        func right(_ form: Opcode) -> Instruction? { c == slot ? Instruction(form, a, b, c) : nil }
        /// The form forwarding the stored value `a`.
        func value(_ form: Opcode) -> Instruction? { a == slot ? Instruction(form, a, b, c) : nil }
        switch opcode {
        case .brIf: return left(.brIfFwd)
        case .brIfNot: return left(.brIfNotFwd)
        case .brIfI32Eq: return left(.brIfI32EqFwd) ?? swapped(.brIfI32EqFwd)
        case .brIfI32Ne: return left(.brIfI32NeFwd) ?? swapped(.brIfI32NeFwd)
        case .brIfI32LtS: return left(.brIfI32LtSFwd) ?? swapped(.brIfI32GtSFwd)
        case .brIfI32LtU: return left(.brIfI32LtUFwd) ?? swapped(.brIfI32GtUFwd)
        case .brIfI32GtS: return left(.brIfI32GtSFwd) ?? swapped(.brIfI32LtSFwd)
        case .brIfI32GtU: return left(.brIfI32GtUFwd) ?? swapped(.brIfI32LtUFwd)
        case .brIfI32LeS: return left(.brIfI32LeSFwd) ?? swapped(.brIfI32GeSFwd)
        case .brIfI32LeU: return left(.brIfI32LeUFwd) ?? swapped(.brIfI32GeUFwd)
        case .brIfI32GeS: return left(.brIfI32GeSFwd) ?? swapped(.brIfI32LeSFwd)
        case .brIfI32GeU: return left(.brIfI32GeUFwd) ?? swapped(.brIfI32LeUFwd)
        case .brIfI64Eq: return left(.brIfI64EqFwd) ?? swapped(.brIfI64EqFwd)
        case .brIfI64Ne: return left(.brIfI64NeFwd) ?? swapped(.brIfI64NeFwd)
        case .brIfI64LtS: return left(.brIfI64LtSFwd) ?? swapped(.brIfI64GtSFwd)
        case .brIfI64LtU: return left(.brIfI64LtUFwd) ?? swapped(.brIfI64GtUFwd)
        case .brIfI64GtS: return left(.brIfI64GtSFwd) ?? swapped(.brIfI64LtSFwd)
        case .brIfI64GtU: return left(.brIfI64GtUFwd) ?? swapped(.brIfI64LtUFwd)
        case .brIfI64LeS: return left(.brIfI64LeSFwd) ?? swapped(.brIfI64GeSFwd)
        case .brIfI64LeU: return left(.brIfI64LeUFwd) ?? swapped(.brIfI64GeUFwd)
        case .brIfI64GeS: return left(.brIfI64GeSFwd) ?? swapped(.brIfI64LeSFwd)
        case .brIfI64GeU: return left(.brIfI64GeUFwd) ?? swapped(.brIfI64LeUFwd)
        case .brIfI32EqImm: return left(.brIfI32EqImmFwd)
        case .brIfI32NeImm: return left(.brIfI32NeImmFwd)
        case .brIfI32LtSImm: return left(.brIfI32LtSImmFwd)
        case .brIfI32LtUImm: return left(.brIfI32LtUImmFwd)
        case .brIfI32GtSImm: return left(.brIfI32GtSImmFwd)
        case .brIfI32GtUImm: return left(.brIfI32GtUImmFwd)
        case .brIfI32LeSImm: return left(.brIfI32LeSImmFwd)
        case .brIfI32LeUImm: return left(.brIfI32LeUImmFwd)
        case .brIfI32GeSImm: return left(.brIfI32GeSImmFwd)
        case .brIfI32GeUImm: return left(.brIfI32GeUImmFwd)
        case .select: return right(.selectFwd)
        case .i32Load: return left(.i32LoadFwd)
        case .i32LoadScaled: return right(.i32LoadScaledFwdC)
        case .i64Load: return left(.i64LoadFwd)
        case .i32Load8U: return left(.i32Load8UFwd)
        case .i32Store: return value(.i32StoreFwd)
        case .i64Store: return value(.i64StoreFwd)
        case .i32Store8: return value(.i32Store8Fwd)
        case .i32Eqz: return left(.i32EqzFwd)
        case .i64Eqz: return left(.i64EqzFwd)
        case .i64Eq: return left(.i64EqFwd) ?? swapped(.i64EqFwd)
        case .i64Ne: return left(.i64NeFwd) ?? swapped(.i64NeFwd)
        case .i64LtS: return left(.i64LtSFwd) ?? swapped(.i64GtSFwd)
        case .i64LtU: return left(.i64LtUFwd) ?? swapped(.i64GtUFwd)
        case .i64GtS: return left(.i64GtSFwd) ?? swapped(.i64LtSFwd)
        case .i64GtU: return left(.i64GtUFwd) ?? swapped(.i64LtUFwd)
        case .i64LeS: return left(.i64LeSFwd) ?? swapped(.i64GeSFwd)
        case .i64LeU: return left(.i64LeUFwd) ?? swapped(.i64GeUFwd)
        case .i64GeS: return left(.i64GeSFwd) ?? swapped(.i64LeSFwd)
        case .i64GeU: return left(.i64GeUFwd) ?? swapped(.i64LeUFwd)
        case .i32Add: return left(.i32AddFwd) ?? swapped(.i32AddFwd)
        case .i32Sub: return left(.i32SubFwd) ?? right(.i32SubFwdC)
        case .i32Mul: return left(.i32MulFwd) ?? swapped(.i32MulFwd)
        case .i32And: return left(.i32AndFwd) ?? swapped(.i32AndFwd)
        case .i32Or: return left(.i32OrFwd) ?? swapped(.i32OrFwd)
        case .i32Xor: return left(.i32XorFwd) ?? swapped(.i32XorFwd)
        case .i32Shl: return left(.i32ShlFwd) ?? right(.i32ShlFwdC)
        case .i32ShrS: return left(.i32ShrSFwd)
        case .i32ShrU: return left(.i32ShrUFwd) ?? right(.i32ShrUFwdC)
        case .i64Add: return left(.i64AddFwd) ?? swapped(.i64AddFwd)
        case .i64Sub: return left(.i64SubFwd)
        case .i64Mul: return left(.i64MulFwd) ?? swapped(.i64MulFwd)
        case .i64And: return left(.i64AndFwd) ?? swapped(.i64AndFwd)
        case .i64Or: return left(.i64OrFwd) ?? swapped(.i64OrFwd)
        case .i64Xor: return left(.i64XorFwd) ?? swapped(.i64XorFwd)
        case .i64Shl: return left(.i64ShlFwd)
        case .i64ShrS: return left(.i64ShrSFwd)
        case .i64ShrU: return left(.i64ShrUFwd)
        // Float addition and multiplication commute bit for bit, NaN payloads included (IEEE 754 §6.2.3
        // leaves the choice of NaN open, and wasm allows either operand's).
        case .f64Add: return left(.f64AddFwd) ?? swapped(.f64AddFwd)
        case .f64Sub: return left(.f64SubFwd) ?? right(.f64SubFwdC)
        case .f64Mul: return left(.f64MulFwd) ?? swapped(.f64MulFwd)
        case .f64Div: return left(.f64DivFwd) ?? right(.f64DivFwdC)
        case .i32AddImm: return left(.i32AddImmFwd)
        case .i32AndImm: return left(.i32AndImmFwd)
        case .i32OrImm: return left(.i32OrImmFwd)
        case .i32XorImm: return left(.i32XorImmFwd)
        case .i32ShlImm: return left(.i32ShlImmFwd)
        case .i32ShrSImm: return left(.i32ShrSImmFwd)
        case .i32ShrUImm: return left(.i32ShrUImmFwd)
        case .i64AddImm: return left(.i64AddImmFwd)
        case .i32XorShlImm: return left(.i32XorShlImmFwd)
        case .i32XorShrUImm: return left(.i32XorShrUImmFwd)
        case .f64Sqrt: return left(.f64SqrtFwd)
        case .i32WrapI64: return left(.i32WrapI64Fwd)
        case .i64ExtendI32S: return left(.i64ExtendI32SFwd)
        case .i64ExtendI32U: return left(.i64ExtendI32UFwd)
        case .f64ConvertI32S: return left(.f64ConvertI32SFwd)
        default: return nil
        }
    }
}

extension Opcode {
    /// The loop-step form of this addition when `branch` follows it and reads its result.
    func loopStep(before branch: Opcode) -> Opcode? {
        switch (self, branch) {
        case (.i32AddImm, .brIfI32NeFwd): .i32AddImmBrIfI32NeFwd
        case (.i32AddImm, .brIfI32LtSFwd): .i32AddImmBrIfI32LtSFwd
        case (.i32AddImm, .brIfI32LtUFwd): .i32AddImmBrIfI32LtUFwd
        case (.i32AddImm, .brIfI32NeImmFwd): .i32AddImmBrIfI32NeImmFwd
        case (.i32AddImm, .brIfI32LtSImmFwd): .i32AddImmBrIfI32LtSImmFwd
        case (.i32AddImm, .brIfI32LtUImmFwd): .i32AddImmBrIfI32LtUImmFwd
        case (.i32AddImm, .brIfI32GtUImmFwd): .i32AddImmBrIfI32GtUImmFwd
        case (.i64Add, .brIfI64LtUFwd): .i64AddBrIfI64LtUFwd
        case (.i64Add, .brIfI64NeFwd): .i64AddBrIfI64NeFwd
        case (.i64AddImm, .brIfI64NeFwd): .i64AddImmBrIfI64NeFwd
        case (.i64AddImm, .brIfI64LtUFwd): .i64AddImmBrIfI64LtUFwd
        case (.i32AddImm, .brIfFwd): .i32AddImmBrIfFwd
        default: nil
        }
    }

    /// The pair form of this instruction when `next` follows it (see `Opcode.i32Store8ThenI32Add`). Pairs are
    /// the adjacent instructions most frequent in compiled loops and floating-point expressions: each saves
    /// a dispatch, whose indirect jump costs more than the handler's own work.
    func pair(before next: Opcode) -> Opcode? {
        switch (self, next) {
        case (.i32Store8, .i32Add): .i32Store8ThenI32Add
        case (.i32AddImm, .i32Add): .i32AddImmThenI32Add
        case (.i32AddImm, .i32AddImm): .i32AddImmThenI32AddImm
        case (.i32AddImm, .i32AddImmBrIfFwd): .i32AddImmThenI32AddImmBrIfFwd
        case (.i32AddImm, .i64AddImmBrIfI64NeFwd): .i32AddImmThenI64AddImmBrIfI64NeFwd
        case (.i32Add, .return): .i32AddThenReturn
        case (.i32Load, .i32StoreFwd): .i32LoadThenI32StoreFwd
        case (.f64Mul, .f64MulFwd): .f64MulThenF64MulFwd
        case (.i64LoadFwd, .f64SubFwdC): .i64LoadFwdThenF64SubFwdC
        case (.i64LoadAddImm, .f64SubFwdC): .i64LoadAddImmThenF64SubFwdC
        case (.i64LoadAddImm, .f64MulFwd): .i64LoadAddImmThenF64MulFwd
        case (.f64SubFwdC, .f64MulFwd): .f64SubFwdCThenF64MulFwd
        case (.f64MulFwd, .f64AddFwd): .f64MulFwdThenF64AddFwd
        case (.f64AddFwd, .f64SqrtFwd): .f64AddFwdThenF64SqrtFwd
        case (.f64MulFwd, .f64DivFwdC): .f64MulFwdThenF64DivFwdC
        case (.f64AddFwd, .f64StoreFwd): .f64AddFwdThenF64StoreFwd
        case (.f64SubFwdC, .f64StoreFwd): .f64SubFwdCThenF64StoreFwd
        case (.copy, .i32LoadScaledFwdC): .copyThenI32LoadScaledFwdC
        case (.copy, .select): .copyThenSelect
        case (.i32GtU, .i32AddFwd): .i32GtUThenI32AddFwd
        case (.i32LeU, .i32AddFwd): .i32LeUThenI32AddFwd
        case (.i32GeU, .brIfFwd): .i32GeUThenBrIfFwd
        case (.i32Load8UFwd, .brIfFwd): .i32Load8UFwdThenBrIfFwd
        default: nil
        }
    }

    /// Whether the interpreter leaves the value this instruction writes to slot `a` in the (integer)
    /// forwarding register: every handler that writes a slot through `Registers.set...` does, except f64
    /// arithmetic (see `producesForwardedFloat`).
    var producesForwardedInteger: Bool {
        func within(_ first: Opcode, _ last: Opcode) -> Bool { first.rawValue...last.rawValue ~= rawValue }
        switch self {
        case .copy, .const32, .const64, .select, .selectFwd, .globalGet: return true
        default:
            let writesSlot =
                within(.i32Load, .i64Load32U) || within(.i32LoadAddImm, .i64LoadScaled) || within(.i32Eqz, .i32XorShrUImm)
                || within(.i32LoadFwd, .i32Load8UFwd) || within(.i32EqzFwd, .f64ConvertI32SFwd)
            return writesSlot && !producesOnlyForwardedFloat
        }
    }

    /// Whether the interpreter leaves the result in the floating-point forwarding register: the f64
    /// arithmetic (`Registers.setF64`) and the 64-bit loads (`Registers.setLoaded64`, both registers).
    var producesForwardedFloat: Bool {
        switch self {
        case .i64Load, .i64LoadAddImm, .i64LoadScaled, .i64LoadFwd: true
        default: producesOnlyForwardedFloat
        }
    }

    private var producesOnlyForwardedFloat: Bool {
        func within(_ first: Opcode, _ last: Opcode) -> Bool { first.rawValue...last.rawValue ~= rawValue }
        return within(.f64Ceil, .f64Max) || within(.f64ConvertI32S, .f64PromoteF32)
            || within(.f64AddFwd, .f64DivFwd) || self == .f64SubFwdC || self == .f64DivFwdC || self == .f64SqrtFwd
            || self == .f64ConvertI32SFwd
    }

    /// Whether this forwarded form reads the floating-point forwarding register.
    var readsForwardedFloat: Bool {
        switch self {
        case .f64AddFwd, .f64SubFwd, .f64MulFwd, .f64DivFwd, .f64SubFwdC, .f64DivFwdC, .f64SqrtFwd, .f64StoreFwd: true
        default: false
        }
    }
}
