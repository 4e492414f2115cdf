/// Loads, stores and the memory instructions. Memory 0 with 32-bit addresses runs them as in WebAssembly 2.0; any other
/// memory runs the same instructions between `useMemory N` and `useMemory 0`, and a 64-bit address or size is first
/// checked to fit 32 bits (`requireLow32`), since no memory here reaches 4 GiB.
extension FunctionTranslator {
    mutating func translateMemoryAccess(_ opcode: UInt8, _ body: inout BinaryReader) throws(ModuleError) {
        let access = MemoryAccess.of(opcode)
        var features: WasmFeatures = []  // the validator's to record
        let argument = try body.readMemoryArgument(
            access, memories: module.memories, features: &features, instructionOffset: instructionOffset)
        guard argument.memory == 0, argument.addressType == .i32 else {
            return try translateOtherMemoryAccess(access, argument)
        }
        let offset = UInt32(argument.offset)
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

    /// A load or store of another memory than 0, or with a 64-bit address.
    private mutating func translateOtherMemoryAccess(_ access: MemoryAccess, _ argument: MemoryArgument) throws(ModuleError) {
        let value = access.isStore ? try pop(access.valueType) : nil
        let address = try pop(argument.addressType)
        var valueSlot: UInt32?
        if let value { valueSlot = source(value) }
        let addressSlot = source(address)
        let offset = enterMemory(argument, addressSlot: addressSlot)
        if let valueSlot {
            emit(access.opcode, valueSlot, addressSlot, offset)
        } else {
            emitResult(access.opcode, access.valueType, addressSlot, offset)
        }
        leaveMemory(argument.memory)
    }

    /// Emits what comes before an access through the address in `addressSlot` with `argument`'s memory and offset: the
    /// check of a 64-bit address and offset, then the switch of the base register to a memory other than 0. Returns the
    /// offset's low half, which the access takes (a larger offset makes the check always trap).
    mutating func enterMemory(_ argument: MemoryArgument, addressSlot: UInt32) -> UInt32 {
        if argument.addressType == .i64 {
            requireLow32(addressSlot, trap: .memoryOutOfBounds, offsetHigh: UInt32(truncatingIfNeeded: argument.offset >> 32))
        }
        enterMemory(argument.memory)
        return UInt32(truncatingIfNeeded: argument.offset)
    }

    /// Points the base register at `memory` unless it is memory 0, whose base it holds.
    mutating func enterMemory(_ memory: UInt32) {
        if memory != 0 { emit(.useMemory, memory) }
    }

    /// Emits what comes after an access to `memory`: the base register's return to memory 0.
    mutating func leaveMemory(_ memory: UInt32) {
        if memory != 0 { emit(.useMemory, 0) }
    }

    /// Emits a check that the 64-bit operand in `slot` fits 32 bits, else `trap`, for the ordinary instruction after it,
    /// which reads the low half. `offsetHigh` is a memarg offset's high half, which must be zero too.
    mutating func requireLow32(_ slot: UInt32, trap: InterpreterTrap, offsetHigh: UInt32 = 0) {
        emit(.requireLow32, slot, offsetHigh, UInt32(trap.rawValue))
    }

    /// The memory that memory.size/grow/fill/copy/init names next in `body`.
    private mutating func readMemoryIndex(_ body: inout BinaryReader) throws(ModuleError) -> (index: UInt32, addressType: ValueType) {
        var features: WasmFeatures = []  // the validator's to record
        let index = try body.readMemoryIndex(memories: module.memories, features: &features, instructionOffset: instructionOffset)
        return (index, module.memories[Int(index)].addressType)
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
        let memory = try readMemoryIndex(&body)
        enterMemory(memory.index)
        emitResult(.memorySize, memory.addressType)
        leaveMemory(memory.index)
    }

    mutating func translateMemoryGrow(_ body: inout BinaryReader) throws(ModuleError) {
        let memory = try readMemoryIndex(&body)
        let delta = try pop(memory.addressType)
        emitResult(.memoryGrow, memory.addressType, source(delta), memory.index)
    }

    /// Validates a data segment index; memory.init and data.drop need the data count section.
    func requireDataSegment(_ index: UInt32) throws(ModuleError) {
        guard let count = module.dataCount else { throw .dataCountRequired(at: instructionOffset) }
        guard index < count else { throw .unknownDataSegment(index, at: instructionOffset) }
    }

    mutating func translateMemoryInit(_ body: inout BinaryReader) throws(ModuleError) {
        let segment = try body.readU32()
        let memory = try readMemoryIndex(&body)
        try requireDataSegment(segment)
        let operands = try popValues([memory.addressType, .i32, .i32])
        for operand in operands { materialize(operand) }
        let destination = slot(operands[0].height)
        if memory.addressType == .i64 { requireLow32(destination, trap: .memoryOutOfBounds) }
        enterMemory(memory.index)
        emit(.memoryInit, destination, segment)
        leaveMemory(memory.index)
    }

    mutating func translateDataDrop(_ segment: UInt32) throws(ModuleError) {
        try requireDataSegment(segment)
        emit(.dataDrop, segment)
    }

    /// Within one memory, `memory.copy` as in WebAssembly 2.0 (between `useMemory`s); between two, `memoryCopyBetween`.
    mutating func translateMemoryCopy(_ body: inout BinaryReader) throws(ModuleError) {
        let destinationMemory = try readMemoryIndex(&body)
        let sourceMemory = try readMemoryIndex(&body)
        let types = (
            destinationMemory.addressType, sourceMemory.addressType,
            destinationMemory.addressType.minimumAddressType(sourceMemory.addressType)
        )
        let operands = try popValues([types.0, types.1, types.2])
        if destinationMemory.index == sourceMemory.index {
            let slots = (source(operands[0]), source(operands[1]), source(operands[2]))
            requireLow32(slots.0, slots.1, slots.2, of: types, trap: .memoryOutOfBounds)
            enterMemory(destinationMemory.index)
            emit(.memoryCopy, slots.0, slots.1, slots.2)
            leaveMemory(destinationMemory.index)
        } else {
            for operand in operands { materialize(operand) }
            let first = slot(operands[0].height)
            requireLow32(first, first + 1, first + 2, of: types, trap: .memoryOutOfBounds)
            emit(.memoryCopyBetween, first, destinationMemory.index, sourceMemory.index)
        }
    }

    mutating func translateMemoryFill(_ body: inout BinaryReader) throws(ModuleError) {
        let memory = try readMemoryIndex(&body)
        let operands = try popValues([memory.addressType, .i32, memory.addressType])
        let slots = (source(operands[0]), source(operands[1]), source(operands[2]))
        requireLow32(slots.0, slots.1, slots.2, of: (memory.addressType, .i32, memory.addressType), trap: .memoryOutOfBounds)
        enterMemory(memory.index)
        emit(.memoryFill, slots.0, slots.1, slots.2)
        leaveMemory(memory.index)
    }

    /// `requireLow32` for each of a bulk instruction's three operands that is an i64.
    mutating func requireLow32(
        _ first: UInt32, _ second: UInt32, _ third: UInt32, of types: (ValueType, ValueType, ValueType),
        trap: InterpreterTrap
    ) {
        if types.0 == .i64 { requireLow32(first, trap: trap) }
        if types.1 == .i64 { requireLow32(second, trap: trap) }
        if types.2 == .i64 { requireLow32(third, trap: trap) }
    }
}
