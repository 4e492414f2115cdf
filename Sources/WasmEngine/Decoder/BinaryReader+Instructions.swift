/// Immediates of instructions in function bodies, read (and checked against the module, where their encoding
/// alone cannot be) the same way by the translator and the validator. `instructionOffset` is where the
/// instruction starts: validation errors name it, encoding errors name the offending byte.
extension BinaryReader {
    /// A block type (spec §5.4.1): 0x40, a value type, or a non-negative s33 index of a function type (of the
    /// `equivalence`'s) below `typeCount`.
    @inline(__always)
    mutating func readBlockType(
        typeCount: Int, _ equivalence: TypeEquivalence, instructionOffset: Int
    ) throws(ModuleError) -> BlockType {
        let byte = try peekByte()
        if byte == 0x40 {
            offset += 1
            return .empty
        }
        if byte & 0xC0 == 0x40 {  // a one-byte negative s33: a value type
            return .value(try readValueType(typeCount: typeCount))
        }
        let index = try readS33()
        guard index >= 0 else { throw .malformed(at: instructionOffset, "malformed block type") }
        guard index < Int64(typeCount) else { throw .unknownType(index, at: instructionOffset) }
        try equivalence.requireFunctionType(UInt32(index), at: instructionOffset)
        return .typeIndex(UInt32(index))
    }

    /// The memory index of memory.size/grow/fill/copy/init, which WebAssembly 2.0 reserved as a 0x00 byte: any other
    /// encoding, even a longer LEB128 zero, uses multiple memories (noted in `features`). Checked against `memories`.
    mutating func readMemoryIndex(
        memories: [MemoryType], features: inout WasmFeatures, instructionOffset: Int
    ) throws(ModuleError) -> UInt32 {
        let at = offset
        let index = try readU32()
        if offset != at + 1 || index != 0 { features.insert(.multiMemory) }
        guard index < UInt32(memories.count) else { throw .unknownMemory(index, at: instructionOffset) }
        return index
    }

    /// A load's or store's memarg (alignment exponent and flags, the memory index when bit 6 of the flags says so, then
    /// the offset), checked in the reference interpreter's order: the flags' encoding, the memory's existence, the
    /// alignment's bound, then an offset beyond a 32-bit memory. The features its encoding uses go into `features`.
    @inline(__always)
    mutating func readMemoryArgument(
        _ access: MemoryAccess, memories: [MemoryType], features: inout WasmFeatures, instructionOffset: Int
    ) throws(ModuleError) -> MemoryArgument {
        try readMemoryArgument(
            naturalAlignment: access.naturalAlignment, memories: memories, features: &features,
            instructionOffset: instructionOffset)
    }

    /// The memarg of an access whose width in bytes is `1 << naturalAlignment`.
    @inline(__always)
    mutating func readMemoryArgument(
        naturalAlignment: UInt32, memories: [MemoryType], features: inout WasmFeatures, instructionOffset: Int
    ) throws(ModuleError) -> MemoryArgument {
        let flags = try readU32()
        guard flags < 128 else { throw .malformed(at: instructionOffset, "malformed memop flags") }
        // WebAssembly 2.0 took only alignments below 32, and no memory index.
        if flags >= 32 { features.insert(.multiMemory) }
        let memory = flags & 64 != 0 ? try readU32() : 0
        let alignment = flags & 63
        let offsetStart = self.offset
        let offset = try readUnsigned(bits: 64)
        // Wider than WebAssembly 2.0's u32 offset: 3.0's u64 (memory64).
        if self.offset - offsetStart > 5 || offset > UInt64(UInt32.max) { features.insert(.memory64) }
        guard memory < UInt32(memories.count) else { throw .unknownMemory(memory, at: instructionOffset) }
        guard alignment <= naturalAlignment else {
            throw .invalid(at: instructionOffset, "alignment must not be larger than natural")
        }
        guard memories[Int(memory)].addressType == .i64 || offset <= UInt64(UInt32.max) else {
            throw .invalid(at: instructionOffset, "offset out of range")
        }
        return MemoryArgument(memory: memory, offset: offset, addressType: memories[Int(memory)].addressType)
    }

    /// The error for a body that reaches its declared end with `openBlocks` blocks (the function's own
    /// included) still open. The reference interpreter reads a body's instructions past its declared size,
    /// and the spec scripts expect the error it then reports: the end of the module, a section size
    /// mismatch when the next byte happens to be the missing `end`, or otherwise the absent `end` itself.
    func missingEnd(openBlocks: Int) -> ModuleError {
        if end >= bytes.count { return .malformed(at: offset, "unexpected end of section or function") }
        if openBlocks == 1 && load(at: end) == 0x0B { return .sectionSizeMismatch(at: offset) }
        return .malformed(at: offset, "END opcode expected")
    }
}

/// A load's or store's memory, static offset and the type of its address operand.
struct MemoryArgument {
    var memory: UInt32
    var offset: UInt64
    var addressType: ValueType
}

/// One catch clause of a `try_table` (exception handling): which exceptions it catches and the label it branches to.
struct CatchClause {
    /// The tag index, or nil for `catch_all` and `catch_all_ref`.
    var tag: UInt32?
    /// Whether the branch also carries the caught exception's `exnref` (`catch_ref`, `catch_all_ref`).
    var passesReference: Bool
    var label: UInt32
}

extension BinaryReader {
    /// A catch clause, its tag index checked against `tagCount` (the label is the caller's to resolve).
    mutating func readCatchClause(tagCount: Int, instructionOffset: Int) throws(ModuleError) -> CatchClause {
        let at = offset
        let kind = try readByte()
        guard kind <= 3 else { throw .malformed(at: at, "malformed catch clause") }
        var tag: UInt32?
        if kind < 2 {
            let index = try readU32()
            guard index < UInt32(tagCount) else { throw .unknownTag(index, at: instructionOffset) }
            tag = index
        }
        return CatchClause(tag: tag, passesReference: kind & 1 == 1, label: try readU32())
    }
}
