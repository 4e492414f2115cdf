/// Decoding and validation of the types that appear in module sections (spec §5.3, §3.2).
extension BinaryReader {
    /// The largest memory of WebAssembly 2.0, in pages (4 GiB).
    static let maximumMemoryPages: UInt64 = 65536

    mutating func readFunctionType() throws(ModuleError) -> FuncType {
        let at = offset
        let form = try readByte()
        guard form == 0x60 else {
            // The form byte is a one-byte signed LEB128 in the spec's grammar.
            let reason = form & 0x80 != 0 ? "integer representation too long" : "malformed function type"
            throw .malformed(at: at, reason)
        }
        let parameters = try readValueTypes()
        let results = try readValueTypes()
        return FuncType(parameters: parameters, results: results)
    }

    private mutating func readValueTypes() throws(ModuleError) -> [ValueType] {
        let count = try readCount()
        var types: [ValueType] = []
        types.reserveCapacity(count)
        for _ in 0..<count { types.append(try readValueType()) }
        return types
    }

    /// Limits with u32 bounds. The flag is a one-bit LEB128 in the spec's grammar, which decides the
    /// reason for a bad flag byte.
    mutating func readLimits() throws(ModuleError) -> Limits {
        let at = offset
        let flag = try readByte()
        if flag & 0x80 != 0 { throw .malformed(at: at, "integer representation too long") }
        if flag > 1 { throw .malformed(at: at, "integer too large") }
        let min = UInt64(try readU32())
        let max = flag == 1 ? UInt64(try readU32()) : nil
        return Limits(min: min, max: max)
    }

    mutating func readTableType() throws(ModuleError) -> TableType {
        let elementType = try readReferenceType()
        let at = offset
        let limits = try readLimits()
        try Self.validate(limits, at: at)
        return TableType(elementType: elementType, limits: limits)
    }

    mutating func readMemoryType() throws(ModuleError) -> MemoryType {
        let at = offset
        let limits = try readLimits()
        if limits.min > Self.maximumMemoryPages || (limits.max ?? 0) > Self.maximumMemoryPages {
            throw .invalid(at: at, "memory size must be at most 65536 pages (4GiB)")
        }
        try Self.validate(limits, at: at)
        return MemoryType(limits: limits)
    }

    mutating func readGlobalType() throws(ModuleError) -> GlobalType {
        let valueType = try readValueType()
        let at = offset
        switch try readByte() {
        case 0x00: return GlobalType(valueType: valueType, isMutable: false)
        case 0x01: return GlobalType(valueType: valueType, isMutable: true)
        default: throw .malformed(at: at, "malformed mutability")
        }
    }

    private static func validate(_ limits: Limits, at offset: Int) throws(ModuleError) {
        if let max = limits.max, limits.min > max {
            throw .invalid(at: offset, "size minimum must not be greater than maximum")
        }
    }
}
