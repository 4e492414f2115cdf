/// A cursor over module bytes with the spec's LEB128 rules. Every read checks the end first, so hostile
/// input can only produce a `ModuleError`, never an out-of-bounds access.
public struct BinaryReader: Sendable {
    public let bytes: ModuleBytes
    /// Next byte to read.
    public var offset: Int
    /// One past the last byte this reader may read (a section or function body end), never past the bytes' end.
    public var end: Int

    public init(bytes: ModuleBytes, offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = Swift.min(end ?? bytes.count, bytes.count)
    }

    /// A reader of a copy of `bytes`.
    public init(bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.init(bytes: ModuleBytes(copying: bytes), offset: offset, end: end)
    }

    public var isAtEnd: Bool { offset >= end }
    public var remaining: Int { end - offset }

    /// The byte at `position`, which the caller has checked lies in `0..<bytes.count` (every position below `end`
    /// does).
    @inline(__always)
    func load(at position: Int) -> UInt8 {
        // SAFETY: every caller checks `position < end` (`end` ≤ `bytes.count`) or `position < bytes.count` first, and
        // no offset goes negative.
        bytes.start.load(fromByteOffset: position, as: UInt8.self)
    }

    public mutating func readByte() throws(ModuleError) -> UInt8 {
        guard offset < end else { throw .malformed(at: offset, "unexpected end") }
        let value = load(at: offset)
        offset += 1
        return value
    }

    public func peekByte() throws(ModuleError) -> UInt8 {
        guard offset < end else { throw .malformed(at: offset, "unexpected end") }
        return load(at: offset)
    }

    /// The next `count` bytes, copied.
    public mutating func readBytes(_ count: Int) throws(ModuleError) -> [UInt8] {
        bytes.withUnsafeBytes(in: try skipBytes(count)) { Array($0) }
    }

    /// Steps over the next `count` bytes: where they lie.
    public mutating func skipBytes(_ count: Int) throws(ModuleError) -> Range<Int> {
        guard count >= 0, count <= remaining else { throw .malformed(at: offset, "unexpected end") }
        defer { offset += count }
        return offset..<offset + count
    }

    /// Unsigned LEB128 of at most `bits` bits; the unused high bits of the last byte must be zero.
    public mutating func readUnsigned(bits: Int) throws(ModuleError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift = 0
        while true {
            let byte = try readByte()
            let payload = UInt64(byte & 0x7F)
            if shift + 7 > bits {
                // Last permitted byte: no continuation, and no bits beyond `bits`.
                if byte & 0x80 != 0 { throw .malformed(at: start, "integer representation too long") }
                if payload >> UInt64(bits - shift) != 0 { throw .malformed(at: start, "integer too large") }
            }
            result |= payload << UInt64(shift)
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Signed LEB128 of at most `bits` bits; the unused high bits of the last byte must sign-extend.
    public mutating func readSigned(bits: Int) throws(ModuleError) -> Int64 {
        let start = offset
        var result: Int64 = 0
        var shift = 0
        while true {
            let byte = try readByte()
            let payload = Int64(byte & 0x7F)
            if shift + 7 > bits {
                if byte & 0x80 != 0 { throw .malformed(at: start, "integer representation too long") }
                // Bits from (bits - 1 - shift) upward in the 7-bit payload must all equal the sign bit.
                let usedBits = bits - shift
                let signAndUnused = payload >> Int64(usedBits - 1)
                let allOnes = (Int64(1) << Int64(7 - usedBits + 1)) - 1
                if signAndUnused != 0 && signAndUnused != allOnes {
                    throw .malformed(at: start, "integer too large")
                }
            }
            result |= payload << Int64(shift)
            shift += 7
            if byte & 0x80 == 0 {
                if shift < 64 && payload & 0x40 != 0 { result |= -1 << Int64(shift) }
                return result
            }
        }
    }

    // Most immediates in code take one or two bytes (indices, label depths, constants, memarg offsets): those are
    // read inline, and only longer encodings take the general loop. One or two bytes, the second without a
    // continuation bit, are valid at every width read here (14 bits at most, no bits past the width).

    @inline(__always)
    public mutating func readU32() throws(ModuleError) -> UInt32 {
        if let (low, high) = shortLEB128() {
            return high.map { UInt32(low & 0x7F) | UInt32($0) << 7 } ?? UInt32(low)
        }
        return try readLongU32()
    }

    @inline(__always)
    public mutating func readS32() throws(ModuleError) -> Int32 {
        if let (low, high) = shortLEB128() {
            guard let high else { return Int32(Int8(bitPattern: low << 1) >> 1) }  // sign-extends bit 6
            return Int32(truncatingIfNeeded: (UInt32(low & 0x7F) | UInt32(high) << 7) << 18) >> 18  // bit 13
        }
        return try readLongS32()
    }

    public mutating func readS33() throws(ModuleError) -> Int64 { try readSigned(bits: 33) }

    @inline(__always)
    public mutating func readS64() throws(ModuleError) -> Int64 {
        if let (low, high) = shortLEB128() {
            guard let high else { return Int64(Int8(bitPattern: low << 1) >> 1) }
            return Int64(Int32(truncatingIfNeeded: (UInt32(low & 0x7F) | UInt32(high) << 7) << 18) >> 18)
        }
        return try readSigned(bits: 64)
    }

    /// A u32 of three to five bytes, unrolled: linkers leave relocated indices and addresses padded to five
    /// bytes, so code has many. Anything else (fewer than five bytes left, a malformed encoding) takes the
    /// general loop, which reports errors.
    @inline(never)
    private mutating func readLongU32() throws(ModuleError) -> UInt32 {
        if remaining >= 5 {
            var result: UInt32 = 0
            for index in 0..<4 {
                let byte = load(at: offset + index)
                result |= UInt32(byte & 0x7F) << UInt32(7 * index)
                if byte < 0x80 {
                    offset += index + 1
                    return result
                }
            }
            let last = load(at: offset + 4)
            if last < 0x10 {  // no continuation, nothing beyond bit 31
                offset += 5
                return result | UInt32(last) << 28
            }
        }
        return UInt32(try readUnsigned(bits: 32))
    }

    /// An s32 of three to five bytes (see `readLongU32`).
    @inline(never)
    private mutating func readLongS32() throws(ModuleError) -> Int32 {
        if remaining >= 5 {
            var result: UInt32 = 0
            for index in 0..<4 {
                let byte = load(at: offset + index)
                result |= UInt32(byte & 0x7F) << UInt32(7 * index)
                if byte < 0x80 {
                    offset += index + 1
                    let unused = UInt32(32 - 7 * (index + 1))  // sign-extends the last payload bit
                    return Int32(bitPattern: result << unused) >> unused
                }
            }
            let last = load(at: offset + 4)
            // No continuation; bits 3...6 of the payload (beyond bit 31) all equal bit 3, the sign.
            if last & 0x80 == 0 && (last & 0x78 == 0 || last & 0x78 == 0x78) {
                offset += 5
                return Int32(bitPattern: result | UInt32(last) << 28)
            }
        }
        return Int32(try readSigned(bits: 32))
    }

    /// Consumes a LEB128 of one byte (`high` nil) or two, if that is what comes next.
    @inline(__always)
    private mutating func shortLEB128() -> (low: UInt8, high: UInt8?)? {
        guard offset < end else { return nil }
        let low = load(at: offset)
        if low < 0x80 {
            offset += 1
            return (low, nil)
        }
        guard offset + 1 < end, load(at: offset + 1) < 0x80 else { return nil }
        offset += 2
        return (low, load(at: offset - 1))
    }

    public mutating func readFixedU32() throws(ModuleError) -> UInt32 {
        let at = try skipBytes(4).lowerBound
        // SAFETY: the four bytes lie within the reader's bounds (checked by `skipBytes`).
        return UInt32(littleEndian: bytes.start.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    public mutating func readFixedU64() throws(ModuleError) -> UInt64 {
        let at = try skipBytes(8).lowerBound
        // SAFETY: the eight bytes lie within the reader's bounds (checked by `skipBytes`).
        return UInt64(littleEndian: bytes.start.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    /// A vector length, rejected early when even one byte per element cannot fit in what is left, so a
    /// declared count of 2^32 fails before anything is allocated.
    /// - Precondition: `minimumElementSize >= 1`.
    public mutating func readCount(minimumElementSize: Int = 1) throws(ModuleError) -> Int {
        let start = offset
        let count = Int(try readU32())
        if count > remaining / minimumElementSize {
            throw .malformed(at: start, "unexpected end")
        }
        return count
    }

    /// A UTF-8 name (spec §5.2.4).
    public mutating func readName() throws(ModuleError) -> String {
        let lengthOffset = offset
        let length = Int(try readU32())
        guard length <= remaining else { throw .malformed(at: lengthOffset, "length out of bounds") }
        let start = offset
        let raw = try readBytes(length)
        guard let name = validatedUTF8(raw) else { throw .malformed(at: start, "malformed UTF-8 encoding") }
        return name
    }

    /// A value type; a concrete reference type's index must be below `typeCount`.
    public mutating func readValueType(typeCount: Int) throws(ModuleError) -> ValueType {
        let at = offset
        let byte = try readByte()
        switch byte {
        case 0x7B...0x7F: return ValueType(rawValue: UInt32(byte))!
        case 0x63, 0x64: return .reference(to: try readHeapType(typeCount: typeCount), nullable: byte == 0x63)
        default:
            guard let heapType = HeapType(abbreviation: byte) else { throw .malformed(at: at, "malformed value type") }
            return .reference(to: heapType)
        }
    }

    /// A reference type (of a table, an element segment): the one-byte shorthands or `(ref null? ht)`.
    public mutating func readReferenceType(typeCount: Int) throws(ModuleError) -> ValueType {
        let at = offset
        let type = try readValueType(typeCount: typeCount)
        guard type.isReference else { throw .malformed(at: at, "malformed reference type") }
        return type
    }

    /// A heap type (an s33: a negative one-byte code for an abstract one, else a type index below `typeCount`).
    public mutating func readHeapType(typeCount: Int) throws(ModuleError) -> HeapType {
        let at = offset
        let byte = try peekByte()
        if byte & 0xC0 == 0x40 {  // a one-byte negative s33
            offset += 1
            guard let heapType = HeapType(abbreviation: byte) else { throw .malformed(at: at, "malformed heap type") }
            return heapType
        }
        let index = try readS33()
        guard index >= 0 else { throw .malformed(at: at, "malformed heap type") }
        guard index < Int64(typeCount) else { throw .unknownType(index, at: at) }
        return .concrete(UInt32(index))
    }
}

extension HeapType {
    /// The abstract heap type whose one-byte code is `byte` (0x70 func, …), as a heap type or the shorthand of its
    /// nullable reference type.
    init?(abbreviation byte: UInt8) {
        guard Self.abstractCodes.contains(UInt32(byte)) else { return nil }
        self.init(bits: UInt32(byte))
    }
}

/// Strict UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF), without Foundation.
private func validatedUTF8(_ bytes: [UInt8]) -> String? {
    var index = bytes.startIndex
    while index < bytes.endIndex {
        let lead = bytes[index]
        let length: Int
        var scalar: UInt32
        switch lead {
        case 0x00...0x7F: length = 1; scalar = UInt32(lead)
        case 0xC2...0xDF: length = 2; scalar = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; scalar = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; scalar = UInt32(lead & 0x07)
        default: return nil
        }
        guard bytes.endIndex - index >= length else { return nil }
        for continuation in 1..<max(length, 1) where length > 1 {
            let byte = bytes[index + continuation]
            guard byte & 0xC0 == 0x80 else { return nil }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        switch length {
        case 3 where scalar < 0x800 || (0xD800...0xDFFF).contains(scalar): return nil
        case 4 where scalar < 0x10000 || scalar > 0x10FFFF: return nil
        default: break
        }
        index += length
    }
    return String(decoding: bytes, as: UTF8.self)
}
