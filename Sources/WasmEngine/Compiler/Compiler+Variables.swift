/// Locals, globals and `select`.
extension FunctionTranslator {
    func localType(_ index: UInt32) throws(ModuleError) -> ValueType {
        guard index < localCount else { throw .invalid(at: instructionOffset, "unknown local \(index)") }
        return localTypes[Int(index)]
    }

    mutating func translateLocalGet(_ index: UInt32) throws(ModuleError) {
        push(try localType(index), .local(index))
    }

    /// `local.set` and `local.tee`. A value just computed into a temporary is computed into the local
    /// instead, when no other stack operand still needs the local's old value.
    mutating func translateLocalSet(_ index: UInt32, keepsValue: Bool) throws(ModuleError) {
        let type = try localType(index)
        let producer = freshResultInstruction()
        let value = try pop(type)
        let writesZero = value.location == .constant(0)
        if writesZero && isCertainlyZero(index) {
            // Compilers zero-initialize locals that the call has just zeroed.
        } else if let producer, !hasLocalReferences(to: index) {
            code[producer].a = index
        } else if value.location != .local(index) {
            materializeLocalReferences(to: index)
            write(value, to: index)
        }
        if !writesZero && Int(index) < zeroLocals.count { zeroLocals[Int(index)] = false }
        if keepsValue { push(type, .local(index)) }
    }

    func isCertainlyZero(_ local: UInt32) -> Bool {
        Int(local) < zeroLocals.count && zeroLocals[Int(local)]
    }

    func globalType(_ index: UInt32) throws(ModuleError) -> GlobalType {
        guard index < UInt32(module.globals.count) else {
            throw .invalid(at: instructionOffset, "unknown global \(index)")
        }
        return module.globals[Int(index)]
    }

    mutating func translateGlobalGet(_ index: UInt32) throws(ModuleError) {
        emitResult(.globalGet, try globalType(index).valueType, index)
    }

    mutating func translateGlobalSet(_ index: UInt32) throws(ModuleError) {
        let global = try globalType(index)
        guard global.isMutable else { throw .invalid(at: instructionOffset, "global is immutable") }
        let value = try pop(global.valueType)
        emit(.globalSet, source(value), index)
    }

    /// `select` keeps the first operand's slot as the result: it is copied there first if it lives elsewhere.
    mutating func translateSelect(type declared: ValueType?) throws(ModuleError) {
        let condition = try pop(.i32)
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
        let conditionSlot = source(condition)
        let secondSlot = source(second)
        let resultSlot = materialize(first)
        emit(.select, resultSlot, secondSlot, conditionSlot)
        push(resultType)
    }
}
