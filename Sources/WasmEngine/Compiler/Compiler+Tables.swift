/// Table, element-segment and reference instructions.
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
        let type = try tableType(table).elementType
        let index = try pop(.i32)
        emitResult(.tableGet, type, source(index), table)
    }

    mutating func translateTableSet(_ table: UInt32) throws(ModuleError) {
        let type = try tableType(table).elementType
        let value = try pop(type)
        let index = try pop(.i32)
        emit(.tableSet, source(index), source(value), table)
    }

    mutating func translateTableSize(_ table: UInt32) throws(ModuleError) {
        _ = try tableType(table)
        emitResult(.tableSize, .i32, table)
    }

    mutating func translateTableGrow(_ table: UInt32) throws(ModuleError) {
        let type = try tableType(table).elementType
        let operands = try popValues([type, .i32])
        for operand in operands { materialize(operand) }
        emitResult(.tableGrow, .i32, slot(operands[0].height), table)
    }

    mutating func translateTableFill(_ table: UInt32) throws(ModuleError) {
        let type = try tableType(table).elementType
        let operands = try popValues([.i32, type, .i32])
        for operand in operands { materialize(operand) }
        emit(.tableFill, slot(operands[0].height), table)
    }

    mutating func translateTableCopy(_ body: inout BinaryReader) throws(ModuleError) {
        let destination = try body.readU32()
        let source = try body.readU32()
        guard try tableType(destination).elementType == tableType(source).elementType else { throw typeMismatch() }
        let operands = try popValues([.i32, .i32, .i32])
        for operand in operands { materialize(operand) }
        emit(.tableCopy, slot(operands[0].height), destination, source)
    }

    mutating func translateTableInit(_ body: inout BinaryReader) throws(ModuleError) {
        let segment = try body.readU32()
        let table = try body.readU32()
        let tableElementType = try tableType(table).elementType
        guard try elementType(ofSegment: segment) == tableElementType else { throw typeMismatch() }
        let operands = try popValues([.i32, .i32, .i32])
        for operand in operands { materialize(operand) }
        emit(.tableInit, slot(operands[0].height), table, segment)
    }

    mutating func translateElemDrop(_ segment: UInt32) throws(ModuleError) {
        _ = try elementType(ofSegment: segment)
        emit(.elemDrop, segment)
    }

    mutating func translateRefIsNull() throws(ModuleError) {
        let reference = try popAny()
        if let type = reference.type, !type.isReference { throw typeMismatch() }
        emitResult(.refIsNull, .i32, source(reference))
    }

    mutating func translateRefFunc(_ function: UInt32) throws(ModuleError) {
        guard function < UInt32(module.functionTypeIndices.count) else {
            throw .unknownFunction(function, at: instructionOffset)
        }
        guard Int(function) < module.declaredFunctionReferences.count,
            module.declaredFunctionReferences[Int(function)]
        else { throw .undeclaredFunctionReference(at: instructionOffset) }
        emitResult(.refFunc, .funcref, function)
    }
}
