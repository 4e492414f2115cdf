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

    @Test func hugeCountFailsBeforeAllocating() {
        var reader = BinaryReader(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00])
        #expect(throws: ModuleError.malformed(at: 0, "unexpected end")) { try reader.readCount() }
    }
}
