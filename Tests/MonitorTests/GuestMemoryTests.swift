@testable import Monitor
import Testing

@Suite("Guest memory")
struct GuestMemoryTests {
    @Test("sizes that are not whole pages are refused", arguments: [UInt64(0), 100, 4097])
    func rejectsSize(size: UInt64) {
        #expect(throws: GuestMemoryError.invalidSize(size)) { _ = try GuestMemory(size: size) }
    }

    @Test("the host mapping starts on a huge-page boundary and every byte of the size is usable",
        arguments: [UInt64(4096), UInt64(2 << 20), UInt64(6 << 20) + 4096])
    func alignedToHugePages(size: UInt64) throws {
        let memory = try GuestMemory(size: size)
        let base = UInt(bitPattern: memory.base)
        #expect(base % UInt(GuestMemory.hugePageSize) == 0)
        try memory.store(UInt8(7), at: GuestPhysicalAddress(size - 1))
        let last = try memory.load(UInt8.self, at: GuestPhysicalAddress(size - 1))
        #expect(last == 7)
    }

    @Test("huge-page advice covers exactly the advised range of the host mapping")
    func hugePageAdvice() throws {
        let memory = try GuestMemory(size: 8 << 20)
        let advised = try #require(GuestRange(start: GuestPhysicalAddress(2 << 20), length: 4 << 20))
        let accepted = memory.adviseHugePages(advised)
        #expect(accepted)
        let base = UInt(bitPattern: memory.base)
        let flagged = hostMappingsAdvisedHugePages()
        #expect(flagged.contains { $0.start <= base + (2 << 20) && $0.end >= base + (6 << 20) })
        #expect(!flagged.contains { $0.start < base + (2 << 20) && $0.end > base })
        #expect(!flagged.contains { $0.start < base + (8 << 20) && $0.end > base + (6 << 20) })
    }

    @Test("reads and writes round-trip, little-endian and unaligned")
    func roundTrip() throws {
        let memory = try GuestMemory(size: 8192)
        try memory.store(UInt32(0x1122_3344), at: GuestPhysicalAddress(4095))
        #expect(try memory.readBytes(at: GuestPhysicalAddress(4095), count: 4) == [0x44, 0x33, 0x22, 0x11])
        #expect(try memory.load(UInt32.self, at: GuestPhysicalAddress(4095)) == 0x1122_3344)
        try memory.write([1, 2, 3], at: GuestPhysicalAddress(8189))
        #expect(try memory.load(UInt8.self, at: GuestPhysicalAddress(8191)) == 3)
        try memory.fill(9, at: GuestPhysicalAddress(0), count: 8192)
        #expect(try memory.load(UInt64.self, at: GuestPhysicalAddress(8184)) == 0x0909_0909_0909_0909)
    }

    @Test("accesses past the end or wrapping the address space are refused", arguments: [
        (UInt64(8189), UInt64(4)),
        (UInt64(8192), UInt64(1)),
        (UInt64.max, UInt64(2)),
        (UInt64(1), UInt64.max),
    ])
    func rejectsOutOfBounds(address: UInt64, count: UInt64) throws {
        let memory = try GuestMemory(size: 8192)
        let expected = GuestMemoryError.outOfBounds(address: GuestPhysicalAddress(address), count: count, memorySize: 8192)
        #expect(throws: expected) { _ = try memory.readBytes(at: GuestPhysicalAddress(address), count: count) }
        #expect(throws: expected) { try memory.fill(0, at: GuestPhysicalAddress(address), count: count) }
    }

    @Test("address arithmetic reports overflow instead of wrapping")
    func checkedArithmetic() {
        #expect(GuestPhysicalAddress(UInt64.max).adding(1) == nil)
        #expect(GuestPhysicalAddress(1).adding(2) == GuestPhysicalAddress(3))
        #expect(GuestRange(start: GuestPhysicalAddress(UInt64.max), length: 1) == nil)
    }
}
