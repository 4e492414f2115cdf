/// Locals, globals and `select`.
extension FunctionTranslator {
    func localType(_ index: UInt32) throws(ModuleError) -> ValueType {
        guard index < UInt32(localTypes.count) else { throw .unknownLocal(index, at: instructionOffset) }
        return localTypes[Int(index)]
    }

    /// The first slot of local `index` (valid: `localType` checked it).
    func localSlot(_ index: UInt32) -> UInt32 { localSlots.isEmpty ? index : localSlots[Int(index)] }

    mutating func translateLocalGet(_ index: UInt32) throws(ModuleError) {
        let type = try localType(index)
        guard localInitialization.mayRead(index) else { throw .uninitializedLocal(index, at: instructionOffset) }
        let slot = localSlot(index)
        if type == .v128 {
            pushVector(low: .local(slot), high: .local(slot + 1))
        } else {
            push(type, .local(slot))
        }
    }

    /// `local.set` and `local.tee`. A value just computed into a temporary is computed into the local
    /// instead, when no other stack operand still needs the local's old value.
    mutating func translateLocalSet(_ index: UInt32, keepsValue: Bool) throws(ModuleError) {
        let type = try localType(index)
        let slot = localSlot(index)
        guard type != .v128 else { return try translateVectorLocalSet(slot, keepsValue: keepsValue) }
        let producer = freshResultInstruction()
        let value = try pop(type)
        localInitialization.set(index)
        let writesZero = value.location == .constant(0)
        if writesZero && isCertainlyZero(slot) {
            // Compilers zero-initialize locals that the call has just zeroed.
        } else if let producer, !hasLocalReferences(to: slot) {
            code[producer].a = slot
        } else if value.location != .local(slot) {
            materializeLocalReferences(to: slot)
            write(value, to: slot)
        }
        if !writesZero && Int(slot) < zeroLocals.count { zeroLocals[Int(slot)] = false }
        if keepsValue { push(type, .local(slot)) }
    }

    /// A v128 local's two slots: its producer retargeted to write them, or each half written as a 64-bit value (two
    /// copies of adjacent slots become one `copyV128`: see `fuseVectorCopies`).
    private mutating func translateVectorLocalSet(_ slot: UInt32, keepsValue: Bool) throws(ModuleError) {
        let producer = freshVectorResultInstruction()
        let value = try popVector()
        if let producer, !hasLocalReferences(to: slot), !hasLocalReferences(to: slot + 1) {
            code[producer].a = slot
            for destination in [slot, slot + 1] where Int(destination) < zeroLocals.count {
                zeroLocals[Int(destination)] = false
            }
            if keepsValue { pushVector(low: .local(slot), high: .local(slot + 1)) }
            return
        }
        for (half, operand) in [value.low, value.high].enumerated() {
            let destination = slot + UInt32(half)
            guard operand.location != .local(destination) else { continue }
            materializeLocalReferences(to: destination)
            write(operand, to: destination)
            if Int(destination) < zeroLocals.count { zeroLocals[Int(destination)] = false }
        }
        if keepsValue { pushVector(low: .local(slot), high: .local(slot + 1)) }
    }

    func isCertainlyZero(_ local: UInt32) -> Bool {
        Int(local) < zeroLocals.count && zeroLocals[Int(local)]
    }

    func globalType(_ index: UInt32) throws(ModuleError) -> GlobalType {
        guard index < UInt32(module.globals.count) else { throw .unknownGlobal(index, at: instructionOffset) }
        return module.globals[Int(index)]
    }

    mutating func translateGlobalGet(_ index: UInt32) throws(ModuleError) {
        let type = try globalType(index).valueType
        guard type != .v128 else { return emitVectorResult(.globalGetV128, index) }
        emitResult(.globalGet, type, index)
    }

    mutating func translateGlobalSet(_ index: UInt32) throws(ModuleError) {
        let global = try globalType(index)
        guard global.isMutable else { throw .immutableGlobal(at: instructionOffset) }
        guard global.valueType != .v128 else {
            return emit(.globalSetV128, vectorSource(try popVector()), index)
        }
        let value = try pop(global.valueType)
        emit(.globalSet, source(value), index)
    }

    /// `select` keeps the first operand's slot as the result: it is copied there first if it lives elsewhere.
    mutating func translateSelect(type declared: ValueType?) throws(ModuleError) {
        let comparison = freshResultInstruction().map { code[$0] }
        let condition = try pop(.i32)
        if declared == .v128 || (declared == nil && topType == .v128) { return try translateVectorSelect(condition) }
        let second: Operand
        let first: Operand
        let resultType: ValueType?
        if let declared {
            second = try pop(declared)
            first = try pop(declared)
            resultType = declared
        } else {
            second = try popAny()
            first = try popAny()
            if second.type?.isReference == true || first.type?.isReference == true { throw typeMismatch() }
            if let a = first.type, let b = second.type, a != b { throw typeMismatch() }
            resultType = first.type ?? second.type
        }
        if let comparison, let extremum = extremum(of: comparison, choosing: first, or: second) {
            code.removeLast()
            emitResult(extremum, resultType, comparison.b, comparison.c)
            return
        }
        if first.type == .v128 {
            // Only where `second` is Unknown (unreachable code): `first` was a v128's high half.
            _ = try pop(.v128)
            return pushVector()
        }
        let conditionSlot = source(condition)
        let secondSlot = source(second)
        let resultSlot = materialize(first)
        emit(.select, resultSlot, secondSlot, conditionSlot)
        push(resultType)
    }

    /// The top operand's type: nil when there is none above the current frame's base (Unknown).
    private var topType: ValueType? {
        operands.count > frames[frames.count - 1].height ? operands[operands.count - 1].type : nil
    }

    /// A v128 `select`: a `select` for each half, into the first operand's own slots.
    private mutating func translateVectorSelect(_ condition: Operand) throws(ModuleError) {
        let second = try popVector()
        let first = try popVector()
        let conditionSlot = source(condition)
        let secondSlot = vectorSource(second)
        let resultSlot = materialize(first.low)
        materialize(first.high)
        emit(.select, resultSlot, secondSlot, conditionSlot)
        emit(.select, resultSlot + 1, secondSlot + 1, conditionSlot)
        pushVector()
    }

    /// The minimum or maximum that `select(first, second, comparison)` computes when the comparison, just
    /// emitted, compares the very slots `first` and `second` are read from: `x < y ? x : y` is `min(x, y)`.
    /// Equal operands give the same value either way, so `<=` chooses as `<` does. (Float selects are left
    /// alone: min and max treat NaN and signed zeros differently.)
    private func extremum(of comparison: Instruction, choosing first: Operand, or second: Operand) -> Opcode? {
        guard let firstSlot = slotNamed(by: first), let secondSlot = slotNamed(by: second) else { return nil }
        let choosesLeft: Bool
        if firstSlot == comparison.b && secondSlot == comparison.c {
            choosesLeft = true
        } else if firstSlot == comparison.c && secondSlot == comparison.b {
            choosesLeft = false
        } else {
            return nil
        }
        // The extremum `select` takes when it picks the comparison's left operand whenever the comparison holds.
        let leftWhenTrue: Opcode, rightWhenTrue: Opcode
        switch comparison.opcode {
        case .i32LtS, .i32LeS: (leftWhenTrue, rightWhenTrue) = (.i32MinS, .i32MaxS)
        case .i32LtU, .i32LeU: (leftWhenTrue, rightWhenTrue) = (.i32MinU, .i32MaxU)
        case .i32GtS, .i32GeS: (leftWhenTrue, rightWhenTrue) = (.i32MaxS, .i32MinS)
        case .i32GtU, .i32GeU: (leftWhenTrue, rightWhenTrue) = (.i32MaxU, .i32MinU)
        case .i64LtS, .i64LeS: (leftWhenTrue, rightWhenTrue) = (.i64MinS, .i64MaxS)
        case .i64LtU, .i64LeU: (leftWhenTrue, rightWhenTrue) = (.i64MinU, .i64MaxU)
        case .i64GtS, .i64GeS: (leftWhenTrue, rightWhenTrue) = (.i64MaxS, .i64MinS)
        case .i64GtU, .i64GeU: (leftWhenTrue, rightWhenTrue) = (.i64MaxU, .i64MinU)
        default: return nil
        }
        return choosesLeft ? leftWhenTrue : rightWhenTrue
    }
}
