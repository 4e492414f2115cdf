/// Decoding and validation of the types that appear in module sections (spec §5.3, §3.2).
extension BinaryReader {
    /// The largest memory of WebAssembly 2.0, in pages (4 GiB).
    static let maximumMemoryPages: UInt64 = 65536
    /// The largest 64-bit memory, in pages (2^64 bytes).
    static let maximumMemory64Pages: UInt64 = 1 << 48

    /// A type definition (`sub`, `sub final`, or a composite type alone, which is final), whose concrete references
    /// must name one of the first `typeCount` types and whose supertype one of the first `supertypeCount`.
    mutating func readSubType(typeCount: Int, supertypeCount: Int) throws(ModuleError) -> SubType {
        let form = try peekByte()
        guard form == 0x50 || form == 0x4F else {
            return SubType(composite: try readCompositeType(typeCount: typeCount))
        }
        offset += 1
        let countOffset = offset
        let count = try readCount()
        guard count <= 1 else { throw .invalid(at: countOffset, "multiple supertypes") }
        var supertype: UInt32?
        if count == 1 {
            let at = offset
            let index = try readU32()
            guard Int(index) < supertypeCount else { throw .unknownType(Int64(index), at: at) }
            supertype = index
        }
        return SubType(composite: try readCompositeType(typeCount: typeCount), supertype: supertype, isFinal: form == 0x4F)
    }

    private mutating func readCompositeType(typeCount: Int) throws(ModuleError) -> CompositeType {
        let at = offset
        switch try readByte() {
        case 0x60:
            let parameters = try readValueTypes(typeCount: typeCount)
            return .function(FuncType(parameters: parameters, results: try readValueTypes(typeCount: typeCount)))
        case 0x5F:
            let count = try readCount()
            var fields: [FieldType] = []
            for _ in 0..<count { fields.append(try readFieldType(typeCount: typeCount)) }
            return .structure(fields)
        case 0x5E:
            return .array(try readFieldType(typeCount: typeCount))
        case let form:
            // The form byte is a one-byte signed LEB128 in the spec's grammar.
            let reason = form & 0x80 != 0 ? "integer representation too long" : "malformed function type"
            throw .malformed(at: at, reason)
        }
    }

    private mutating func readFieldType(typeCount: Int) throws(ModuleError) -> FieldType {
        let field: FieldType
        switch try peekByte() {
        case 0x78:
            offset += 1
            field = FieldType(type: .i32, packing: .i8, isMutable: false)
        case 0x77:
            offset += 1
            field = FieldType(type: .i32, packing: .i16, isMutable: false)
        default:
            field = FieldType(type: try readValueType(typeCount: typeCount), isMutable: false)
        }
        let at = offset
        switch try readByte() {
        case 0x00: return field
        case 0x01: return FieldType(type: field.type, packing: field.packing, isMutable: true)
        default: throw .malformed(at: at, "malformed mutability")
        }
    }

    private mutating func readValueTypes(typeCount: Int) throws(ModuleError) -> [ValueType] {
        let count = try readCount()
        var types: [ValueType] = []
        types.reserveCapacity(count)
        for _ in 0..<count { types.append(try readValueType(typeCount: typeCount)) }
        return types
    }

    /// Limits, and the address type their flag announces: 64-bit with the flag's 0x04 bit (memory64), else 32-bit.
    /// The flag is a one-bit LEB128 in WebAssembly 2.0's grammar, which decides the reason for a bad flag byte.
    /// 64-bit limits, or 32-bit ones wider than WebAssembly 2.0's u32 encoding (3.0's u64), are noted in `features`.
    mutating func readLimits(features: inout WasmFeatures) throws(ModuleError) -> (limits: Limits, addressType: ValueType) {
        let at = offset
        let flag = try readByte()
        if flag & 0x80 != 0 { throw .malformed(at: at, "integer representation too long") }
        if flag & ~0x05 != 0 { throw .malformed(at: at, "integer too large") }
        let addressType: ValueType = flag & 0x04 != 0 ? .i64 : .i32
        // WebAssembly 3.0 encodes both kinds of bounds as u64 and bounds 32-bit ones in validation.
        if addressType == .i64 { features.insert(.memory64) }
        func bound() throws(ModuleError) -> UInt64 {
            let start = offset
            let value = try readUnsigned(bits: 64)
            if offset - start > 5 || value > UInt64(UInt32.max) { features.insert(.memory64) }
            return value
        }
        let min = try bound()
        let max = flag & 0x01 != 0 ? try bound() : nil
        return (Limits(min: min, max: max), addressType)
    }

    mutating func readTableType(typeCount: Int, features: inout WasmFeatures) throws(ModuleError) -> TableType {
        let elementType = try readReferenceType(typeCount: typeCount)
        let at = offset
        let (limits, addressType) = try readLimits(features: &features)
        if addressType == .i32, limits.min > UInt64(UInt32.max) || (limits.max ?? 0) > UInt64(UInt32.max) {
            throw .invalid(at: at, "table size must be at most 2^32-1")
        }
        try Self.validate(limits, at: at)
        return TableType(elementType: elementType, limits: limits, addressType: addressType)
    }

    mutating func readMemoryType(features: inout WasmFeatures) throws(ModuleError) -> MemoryType {
        let at = offset
        let (limits, addressType) = try readLimits(features: &features)
        let maximumPages = addressType == .i64 ? Self.maximumMemory64Pages : Self.maximumMemoryPages
        if limits.min > maximumPages || (limits.max ?? 0) > maximumPages {
            throw .invalid(
                at: at,
                addressType == .i64
                    ? "memory size must be at most 2^48 pages (2^64 bytes)"
                    : "memory size must be at most 65536 pages (4GiB)")
        }
        try Self.validate(limits, at: at)
        return MemoryType(limits: limits, addressType: addressType)
    }

    mutating func readGlobalType(typeCount: Int) throws(ModuleError) -> GlobalType {
        let valueType = try readValueType(typeCount: typeCount)
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
