/// Loads, stores and the memory instructions (memory 0 only, as in WebAssembly 2.0).
extension FunctionTranslator {
    private struct MemoryAccess {
        var opcode: Opcode
        var valueType: ValueType
        /// log2 of the access width in bytes: the largest alignment allowed.
        var naturalAlignment: UInt32
        var isStore: Bool
    }

    /// Opcodes 0x28...0x3E in order. f32/f64 use the i32/i64 forms: slots hold bit patterns.
    private static let memoryAccesses: [MemoryAccess] = [
        MemoryAccess(opcode: .i32Load, valueType: .i32, naturalAlignment: 2, isStore: false),
        MemoryAccess(opcode: .i64Load, valueType: .i64, naturalAlignment: 3, isStore: false),
        MemoryAccess(opcode: .i32Load, valueType: .f32, naturalAlignment: 2, isStore: false),
        MemoryAccess(opcode: .i64Load, valueType: .f64, naturalAlignment: 3, isStore: false),
        MemoryAccess(opcode: .i32Load8S, valueType: .i32, naturalAlignment: 0, isStore: false),
        MemoryAccess(opcode: .i32Load8U, valueType: .i32, naturalAlignment: 0, isStore: false),
        MemoryAccess(opcode: .i32Load16S, valueType: .i32, naturalAlignment: 1, isStore: false),
        MemoryAccess(opcode: .i32Load16U, valueType: .i32, naturalAlignment: 1, isStore: false),
        MemoryAccess(opcode: .i64Load8S, valueType: .i64, naturalAlignment: 0, isStore: false),
        MemoryAccess(opcode: .i64Load8U, valueType: .i64, naturalAlignment: 0, isStore: false),
        MemoryAccess(opcode: .i64Load16S, valueType: .i64, naturalAlignment: 1, isStore: false),
        MemoryAccess(opcode: .i64Load16U, valueType: .i64, naturalAlignment: 1, isStore: false),
        MemoryAccess(opcode: .i64Load32S, valueType: .i64, naturalAlignment: 2, isStore: false),
        MemoryAccess(opcode: .i64Load32U, valueType: .i64, naturalAlignment: 2, isStore: false),
        MemoryAccess(opcode: .i32Store, valueType: .i32, naturalAlignment: 2, isStore: true),
        MemoryAccess(opcode: .i64Store, valueType: .i64, naturalAlignment: 3, isStore: true),
        MemoryAccess(opcode: .i32Store, valueType: .f32, naturalAlignment: 2, isStore: true),
        MemoryAccess(opcode: .i64Store, valueType: .f64, naturalAlignment: 3, isStore: true),
        MemoryAccess(opcode: .i32Store8, valueType: .i32, naturalAlignment: 0, isStore: true),
        MemoryAccess(opcode: .i32Store16, valueType: .i32, naturalAlignment: 1, isStore: true),
        MemoryAccess(opcode: .i64Store8, valueType: .i64, naturalAlignment: 0, isStore: true),
        MemoryAccess(opcode: .i64Store16, valueType: .i64, naturalAlignment: 1, isStore: true),
        MemoryAccess(opcode: .i64Store32, valueType: .i64, naturalAlignment: 2, isStore: true),
    ]

    func requireMemory(_ index: UInt32 = 0) throws(ModuleError) {
        guard index < UInt32(module.memories.count) else {
            throw .invalid(at: instructionOffset, "unknown memory \(index)")
        }
    }

    /// The reserved memory-index byte of memory.size/grow/fill/copy/init: exactly 0x00, not any LEB128 zero.
    func readZeroByte(_ body: inout BinaryReader) throws(ModuleError) {
        let at = body.offset
        guard try body.readByte() == 0 else { throw .malformed(at: at, "zero byte expected") }
    }

    mutating func translateMemoryAccess(_ opcode: UInt8, _ body: inout BinaryReader) throws(ModuleError) {
        let access = Self.memoryAccesses[Int(opcode - 0x28)]
        let alignment = try body.readU32()
        let offset = try body.readU32()
        guard alignment < 32 else { throw .malformed(at: instructionOffset, "malformed memop flags") }
        try requireMemory()
        guard alignment <= access.naturalAlignment else {
            throw .invalid(at: instructionOffset, "alignment must not be larger than natural")
        }
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
        try readZeroByte(&body)
        try requireMemory()
        emitResult(.memorySize, .i32)
    }

    mutating func translateMemoryGrow(_ body: inout BinaryReader) throws(ModuleError) {
        try readZeroByte(&body)
        try requireMemory()
        let delta = try pop(.i32)
        emitResult(.memoryGrow, .i32, source(delta))
    }

    /// Validates a data segment index; memory.init and data.drop need the data count section.
    func requireDataSegment(_ index: UInt32) throws(ModuleError) {
        guard let count = module.dataCount else {
            throw .malformed(at: instructionOffset, "data count section required")
        }
        guard index < count else { throw .invalid(at: instructionOffset, "unknown data segment \(index)") }
    }

    mutating func translateMemoryInit(_ body: inout BinaryReader) throws(ModuleError) {
        let segment = try body.readU32()
        try readZeroByte(&body)
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
        try readZeroByte(&body)
        try readZeroByte(&body)
        try requireMemory()
        let operands = try popValues([.i32, .i32, .i32])
        emit(.memoryCopy, source(operands[0]), source(operands[1]), source(operands[2]))
    }

    mutating func translateMemoryFill(_ body: inout BinaryReader) throws(ModuleError) {
        try readZeroByte(&body)
        try requireMemory()
        let operands = try popValues([.i32, .i32, .i32])
        emit(.memoryFill, source(operands[0]), source(operands[1]), source(operands[2]))
    }
}
