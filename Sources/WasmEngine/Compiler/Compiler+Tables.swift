/// Table, element-segment and reference instructions. A table64's index operands are checked to fit 32 bits
/// (`requireLow32`) before the ordinary instruction, which reads their low halves.
extension FunctionTranslator {
    func tableType(_ index: UInt32) throws(ModuleError) -> TableType {
        guard index < UInt32(module.tables.count) else { throw .unknownTable(index, at: instructionOffset) }
        return module.tables[Int(index)]
    }

    func elementType(ofSegment index: UInt32) throws(ModuleError) -> ValueType {
        guard index < UInt32(module.elements.count) else {
            throw .unknownElementSegment(index, at: instructionOffset)
        }
        return module.elements[Int(index)].type
    }

    mutating func translateTableGet(_ table: UInt32) throws(ModuleError) {
        let type = try tableType(table)
        let index = try pop(type.addressType)
        let indexSlot = source(index)
        if type.addressType == .i64 { requireLow32(indexSlot, trap: .tableOutOfBounds) }
        emitResult(.tableGet, type.elementType, indexSlot, table)
    }

    mutating func translateTableSet(_ table: UInt32) throws(ModuleError) {
        let type = try tableType(table)
        let value = try pop(type.elementType)
        let index = try pop(type.addressType)
        let valueSlot = source(value)
        let indexSlot = source(index)
        if type.addressType == .i64 { requireLow32(indexSlot, trap: .tableOutOfBounds) }
        emit(.tableSet, indexSlot, valueSlot, table)
    }

    mutating func translateTableSize(_ table: UInt32) throws(ModuleError) {
        emitResult(.tableSize, try tableType(table).addressType, table)
    }

    mutating func translateTableGrow(_ table: UInt32) throws(ModuleError) {
        let type = try tableType(table)
        let operands = try popValues([type.elementType, type.addressType])
        for operand in operands { materialize(operand) }
        emitResult(.tableGrow, type.addressType, slot(operands[0].height), table)
    }

    mutating func translateTableFill(_ table: UInt32) throws(ModuleError) {
        let type = try tableType(table)
        let first = try materializeRange([type.addressType, type.elementType, type.addressType])
        emit(.tableFill, first, table)
    }

    mutating func translateTableCopy(_ body: inout BinaryReader) throws(ModuleError) {
        let destinationIndex = try body.readU32()
        let sourceIndex = try body.readU32()
        let destination = try tableType(destinationIndex)
        let source = try tableType(sourceIndex)
        guard source.elementType.matches(destination.elementType, equivalence) else { throw typeMismatch() }
        let first = try materializeRange(
            [destination.addressType, source.addressType, destination.addressType.minimumAddressType(source.addressType)])
        emit(.tableCopy, first, destinationIndex, sourceIndex)
    }

    mutating func translateTableInit(_ body: inout BinaryReader) throws(ModuleError) {
        let segment = try body.readU32()
        let table = try body.readU32()
        let type = try tableType(table)
        guard try elementType(ofSegment: segment).matches(type.elementType, equivalence) else { throw typeMismatch() }
        let first = try materializeRange([type.addressType, .i32, .i32])
        emit(.tableInit, first, table, segment)
    }

    /// Pops a bulk table instruction's three operands into consecutive slots, checks those that are 64-bit indices, and
    /// returns the first slot.
    private mutating func materializeRange(_ types: [ValueType]) throws(ModuleError) -> UInt32 {
        let operands = try popValues(types)
        for operand in operands { materialize(operand) }
        let first = slot(operands[0].height)
        for (offset, type) in types.enumerated() where type == .i64 {
            requireLow32(first + UInt32(offset), trap: .tableOutOfBounds)
        }
        return first
    }

    mutating func translateElemDrop(_ segment: UInt32) throws(ModuleError) {
        _ = try elementType(ofSegment: segment)
        emit(.elemDrop, segment)
    }

    mutating func translateRefIsNull() throws(ModuleError) {
        let reference = try popReference()
        emitResult(.refIsNull, .i32, source(reference))
    }

    /// The reference stays where it is, now known non-null.
    mutating func translateRefAsNonNull() throws(ModuleError) {
        let reference = try popReference()
        emit(.refAsNonNull, source(reference))
        push(reference.type?.nonNullable, reference.location)
    }

    /// `br_on_null`: the branch carries the values below the reference, which stays where it is on the other path.
    mutating func translateBrOnNull(_ target: Int) throws(ModuleError) {
        let reference = try popReference()
        let referenceSlot = source(reference)
        try checkTopValues(frames[target].labelTypes)
        branch(to: target, if: .null(referenceSlot))
        push(reference.type?.nonNullable, reference.location)
    }

    /// `br_on_non_null`: the branch carries the reference as the label's last value; the other path drops it.
    mutating func translateBrOnNonNull(_ target: Int) throws(ModuleError) {
        let labelTypes = frames[target].labelTypes
        guard labelTypes.last?.isReference == true else { throw typeMismatch() }
        let reference = try popReference()
        push(reference.type?.nonNullable, reference.location)
        try checkTopValues(labelTypes)
        branch(to: target, if: .nonNull(source(operands[operands.count - 1])))
        _ = try popAny()
    }

    mutating func translateRefFunc(_ function: UInt32) throws(ModuleError) {
        guard function < UInt32(module.functionTypeIndices.count) else {
            throw .unknownFunction(function, at: instructionOffset)
        }
        guard Int(function) < module.declaredFunctionReferences.count,
            module.declaredFunctionReferences[Int(function)]
        else { throw .undeclaredFunctionReference(at: instructionOffset) }
        let type = ValueType.reference(to: .concrete(module.functionTypeIndices[Int(function)]), nullable: false)
        emitResult(.refFunc, type, function)
    }
}
