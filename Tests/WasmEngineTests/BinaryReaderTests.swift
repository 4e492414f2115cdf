import Testing
@testable import WasmEngine

@Suite struct BinaryReaderTests {
    @Test func unsignedLEB128() throws {
        var reader = BinaryReader(bytes: [0xE5, 0x8E, 0x26])
        #expect(try reader.readU32() == 624_485)
    }

    @Test func signedLEB128() throws {
        var reader = BinaryReader(bytes: [0xC0, 0xBB, 0x78, 0x7F])
        #expect(try reader.readS32() == -123_456)
        #expect(try reader.readS32() == -1)
    }

    @Test func overlongU32IsMalformed() {
        var reader = BinaryReader(bytes: [0x80, 0x80, 0x80, 0x80, 0x80, 0x00])
        #expect(throws: ModuleError.malformed(at: 0, "integer representation too long")) { try reader.readU32() }
    }

    @Test func u32UnusedBitsMustBeZero() {
        var reader = BinaryReader(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x1F])
        #expect(throws: ModuleError.malformed(at: 0, "integer too large")) { try reader.readU32() }
    }

    @Test func s32UnusedBitsMustSignExtend() throws {
        var ok = BinaryReader(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        #expect(try ok.readS32() == -1)
        var bad = BinaryReader(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x4F])
        #expect(throws: ModuleError.malformed(at: 0, "integer too large")) { try bad.readS32() }
    }

    @Test func shortAndPaddedEncodings() throws {
        func u32(_ bytes: [UInt8]) throws -> UInt32 {
            var reader = BinaryReader(bytes: bytes)
            return try reader.readU32()
        }
        func s32(_ bytes: [UInt8]) throws -> Int32 {
            var reader = BinaryReader(bytes: bytes)
            return try reader.readS32()
        }
        #expect(try u32([0x80, 0x01]) == 128)
        #expect(try u32([0xFF, 0x7F]) == 16383)
        #expect(try u32([0x80, 0x80, 0x01]) == 16384)
        #expect(try u32([0x81, 0x80, 0x80, 0x80, 0x00]) == 1)
        #expect(try u32([0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) == UInt32.max)
        #expect(try s32([0x3F]) == 63)
        #expect(try s32([0x40]) == -64)
        #expect(try s32([0xC0, 0x00]) == 64)
        #expect(try s32([0x80, 0x7F]) == -128)
        #expect(try s32([0x80, 0x80, 0x7F]) == -16384)
        #expect(try s32([0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) == -1)
        #expect(try s32([0x80, 0x80, 0x80, 0x80, 0x78]) == Int32.min)
        #expect(try s32([0xFF, 0xFF, 0xFF, 0xFF, 0x07]) == Int32.max)
    }

    /// The inline and unrolled readers against the general loops, on random encodings that mostly continue.
    @Test func fastPathsAgreeWithTheGeneralLoops() {
        var random = SplitMix64(seed: 0x1EB)
        for _ in 0..<50_000 {
            var bytes: [UInt8] = []
            for _ in 0..<random.next(below: 12) {
                let byte = UInt8(truncatingIfNeeded: random.next())
                bytes.append(random.next(below: 3) == 0 ? byte & 0x7F : byte | 0x80)
            }
            if random.next(below: 2) == 0 { bytes.append(UInt8(truncatingIfNeeded: random.next()) & 0x7F) }
            let end = random.next(below: bytes.count + 1)
            func outcome<T: Equatable>(_ read: (inout BinaryReader) throws(ModuleError) -> T) -> (T?, ModuleError?, Int) {
                var reader = BinaryReader(bytes: bytes, end: end)
                do {
                    return (try read(&reader), nil, reader.offset)
                } catch {
                    return (nil, error, reader.offset)
                }
            }
            let u32 = outcome { (reader: inout BinaryReader) throws(ModuleError) in try reader.readU32() }
            let u32Loop = outcome { (reader: inout BinaryReader) throws(ModuleError) in
                UInt32(try reader.readUnsigned(bits: 32))
            }
            #expect(u32.0 == u32Loop.0 && u32.1 == u32Loop.1 && (u32.1 != nil || u32.2 == u32Loop.2), "\(bytes) end \(end)")
            let s32 = outcome { (reader: inout BinaryReader) throws(ModuleError) in try reader.readS32() }
            let s32Loop = outcome { (reader: inout BinaryReader) throws(ModuleError) in
                Int32(try reader.readSigned(bits: 32))
            }
            #expect(s32.0 == s32Loop.0 && s32.1 == s32Loop.1 && (s32.1 != nil || s32.2 == s32Loop.2), "\(bytes) end \(end)")
            let s64 = outcome { (reader: inout BinaryReader) throws(ModuleError) in try reader.readS64() }
            let s64Loop = outcome { (reader: inout BinaryReader) throws(ModuleError) in try reader.readSigned(bits: 64) }
            #expect(s64.0 == s64Loop.0 && s64.1 == s64Loop.1 && (s64.1 != nil || s64.2 == s64Loop.2), "\(bytes) end \(end)")
        }
    }

    @Test func hugeCountFailsBeforeAllocating() {
        var reader = BinaryReader(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00])
        #expect(throws: ModuleError.malformed(at: 0, "unexpected end")) { try reader.readCount() }
    }
}
