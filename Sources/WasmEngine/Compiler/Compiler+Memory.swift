/// Loads, stores and the memory instructions (memory 0 only, as in WebAssembly 2.0).
extension FunctionTranslator {
    func requireMemory(_ index: UInt32 = 0) throws(ModuleError) {
        guard index < UInt32(module.memories.count) else { throw .unknownMemory(index, at: instructionOffset) }
    }

    mutating func translateMemoryAccess(_ opcode: UInt8, _ body: inout BinaryReader) throws(ModuleError) {
        let access = MemoryAccess.of(opcode)
        let offset = try body.readMemoryArgument(
            access, memoryCount: module.memories.count, instructionOffset: instructionOffset)
        if access.isStore {
            let value = try pop(access.valueType)
            let address = try pop(.i32)
            emit(access.opcode, source(value), source(address), offset)
        } else if offset == 0, access.opcode == .i32Load || access.opcode == .i64Load,
            let producer = freshResultInstruction(), code[producer].opcode == .i32AddImm
        {
            // The address was just computed into a temporary read only here: fold the addition in.
            let addition = code.removeLast()
            _ = try pop(.i32)
            emitResult(access.opcode == .i32Load ? .i32LoadAddImm : .i64LoadAddImm, access.valueType, addition.b, addition.c)
        } else if offset == 0, let (base, index) = scaledIndexAddress(scale: access.opcode == .i32Load ? 2 : 3),
            access.opcode == .i32Load || access.opcode == .i64Load
        {
            code.removeLast(2)
            _ = try pop(.i32)
            emitResult(access.opcode == .i32Load ? .i32LoadScaled : .i64LoadScaled, access.valueType, base, index)
        } else {
            let address = try pop(.i32)
            emitResult(access.opcode, access.valueType, source(address), offset)
        }
    }

    /// The base and index slots when the address on top was just computed as `base + (index << scale)` by the
    /// last two instructions, into temporaries that nothing else reads.
    private func scaledIndexAddress(scale: UInt32) -> (base: UInt32, index: UInt32)? {
        guard let producer = freshResultInstruction(), producer - 1 >= lastLabel else { return nil }
        let addition = code[producer]
        let shift = code[producer - 1]
        // The shifted index is a stack temporary (a local would be read again) consumed by the addition.
        guard addition.opcode == .i32Add, shift.opcode == .i32ShlImm, shift.c == scale, shift.a >= localCount,
            shift.a < Self.provisionalPoolBase
        else { return nil }
        if addition.c == shift.a && addition.b != shift.a { return (addition.b, shift.b) }
        if addition.b == shift.a && addition.c != shift.a { return (addition.c, shift.b) }
        return nil
    }

    mutating func translateMemorySize(_ body: inout BinaryReader) throws(ModuleError) {
        try body.readZeroByte()
        try requireMemory()
        emitResult(.memorySize, .i32)
    }

    mutating func translateMemoryGrow(_ body: inout BinaryReader) throws(ModuleError) {
        try body.readZeroByte()
        try requireMemory()
        let delta = try pop(.i32)
        emitResult(.memoryGrow, .i32, source(delta))
    }

    /// Validates a data segment index; memory.init and data.drop need the data count section.
    func requireDataSegment(_ index: UInt32) throws(ModuleError) {
        guard let count = module.dataCount else { throw .dataCountRequired(at: instructionOffset) }
        guard index < count else { throw .unknownDataSegment(index, at: instructionOffset) }
    }

    mutating func translateMemoryInit(_ body: inout BinaryReader) throws(ModuleError) {
        let segment = try body.readU32()
        try body.readZeroByte()
        try requireMemory()
        try requireDataSegment(segment)
        let operands = try popValues([.i32, .i32, .i32])
        for operand in operands { materialize(operand) }
        emit(.memoryInit, slot(operands[0].height), segment)
    }

    mutating func translateDataDrop(_ segment: UInt32) throws(ModuleError) {
        try requireDataSegment(segment)
        emit(.dataDrop, segment)
    }

    mutating func translateMemoryCopy(_ body: inout BinaryReader) throws(ModuleError) {
        try body.readZeroByte()
        try body.readZeroByte()
        try requireMemory()
        let operands = try popValues([.i32, .i32, .i32])
        emit(.memoryCopy, source(operands[0]), source(operands[1]), source(operands[2]))
    }

    mutating func translateMemoryFill(_ body: inout BinaryReader) throws(ModuleError) {
        try body.readZeroByte()
        try requireMemory()
        let operands = try popValues([.i32, .i32, .i32])
        emit(.memoryFill, source(operands[0]), source(operands[1]), source(operands[2]))
    }
}
