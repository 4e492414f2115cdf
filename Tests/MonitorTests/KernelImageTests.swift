import Monitor
import SwiftletABI
import Testing

@Suite("Kernel image loading")
struct KernelImageTests {
    let guestRegion = GuestRange(
        start: GuestPhysicalAddress(SwiftletABI.guestRegionStart), length: (8 << 20) - SwiftletABI.guestRegionStart)!

    @Test("a minimal valid ELF loads its code at its address, entered at its entry point")
    func loadsValidImage() throws {
        let image = try KernelImage(elf: ELFBuilder(code: [0x90, 0x90] + X86.ud2).build())
        #expect(image.entry == codeAddress)
        let memory = try GuestMemory(size: 8 << 20)
        try image.load(into: memory, allowedRange: guestRegion)
        #expect(try memory.readBytes(at: codeAddress, count: 4) == [0x90, 0x90] + X86.ud2)
    }

    @Test("the memory size beyond the file size is zeroed (.bss)")
    func zeroesBSS() throws {
        var builder = ELFBuilder()
        builder.extraSegments = [(type: 1, flags: 6, offset: 0, address: 0x30_0000, fileSize: 4, memorySize: 64)]
        let memory = try GuestMemory(size: 8 << 20)
        try memory.fill(0xAA, at: GuestPhysicalAddress(0x30_0000), count: 64)
        try KernelImage(elf: builder.build()).load(into: memory, allowedRange: guestRegion)
        #expect(try memory.readBytes(at: GuestPhysicalAddress(0x30_0000), count: 4) == [0x7F, 0x45, 0x4C, 0x46])
        #expect(try memory.readBytes(at: GuestPhysicalAddress(0x30_0004), count: 60) == [UInt8](repeating: 0, count: 60))
    }

    @Test("the built guest kernel is a valid image", .enabled(if: kernelBytes != nil, kernelMissingReason))
    func acceptsBuiltKernel() throws {
        let image = try KernelImage(elf: kernelBytes!)
        // The code starts at the guest region (with the interpreter's handlers: kernel/kernel.ld); _start follows.
        #expect(image.segments.contains { $0.isExecutable && $0.range.start == codeAddress })
        let entry = GuestRange(start: image.entry, length: 1)!
        #expect(image.segments.contains { $0.isExecutable && $0.range.contains(entry) })
        #expect(image.segments.allSatisfy { $0.range.start.rawValue >= SwiftletABI.guestRegionStart })
    }

    static let valid = ELFBuilder().build()
    static let phdr = ELFBuilder.headerSize

    @Test("malformed headers are rejected with a clear error", arguments: [
        ([UInt8](valid.prefix(40)), KernelImageError.truncated(needed: 64, size: 40)),
        (valid.patching(0, UInt8(0x7E)), .notELF),
        (valid.patching(4, UInt8(1)), .unsupportedFormat("not 64-bit (class 1)")),
        (valid.patching(5, UInt8(2)), .unsupportedFormat("not little-endian")),
        (valid.patching(20, UInt32(9)), .unsupportedFormat("unknown ELF version")),
        (valid.patching(16, UInt16(3)), .unsupportedFormat("type 3 is not a static executable (ET_EXEC)")),
        (valid.patching(18, UInt16(183)), .unsupportedFormat("machine 183 is not x86-64")),
        (valid.patching(54, UInt16(32)), .unsupportedFormat("program header size 32, expected 56")),
        (valid.patching(56, UInt16(65)), .tooManyProgramHeaders(65)),
        (valid.patching(32, UInt64.max - 8), .programHeaderTableOutsideFile),
        (valid.patching(56, UInt16(3)), .programHeaderTableOutsideFile),
        (valid.patching(phdr + 8, UInt64(1 << 20)), .contentsOutsideFile(segment: 0)),
        (valid.patching(phdr + 8, UInt64.max), .contentsOutsideFile(segment: 0)),
        (valid.patching(phdr + 32, UInt64(3)), .fileSizeExceedsMemorySize(segment: 0)),
        (valid.patching(phdr + 24, UInt64(0x40_0000)), .notIdentityMapped(segment: 0)),
        (valid.patching(phdr + 16, UInt64.max).patching(phdr + 24, UInt64.max), .addressOverflow(segment: 0)),
        (valid.patching(phdr, UInt32(7)), .unsupportedSegmentType(segment: 0, type: 7)),
        (valid.patching(phdr, UInt32(3)), .unsupportedSegmentType(segment: 0, type: 3)),
        (valid.patching(phdr, UInt32(4)), .noLoadableSegment),
        (valid.patching(24, UInt64(0x10)), .entryOutsideCode(GuestPhysicalAddress(0x10))),
        (valid.patching(phdr + 4, UInt32(4)), .entryOutsideCode(codeAddress)),
    ])
    func rejectsMalformed(bytes: [UInt8], expected: KernelImageError) {
        #expect(throws: expected) { try KernelImage(elf: bytes) }
    }

    @Test("overlapping segments are rejected")
    func rejectsOverlap() {
        var builder = ELFBuilder()
        builder.extraSegments = [(type: 1, flags: 4, offset: 0, address: codeAddress.rawValue + 1, fileSize: 0, memorySize: 8)]
        #expect(throws: KernelImageError.segmentsOverlap(0, 1)) { try KernelImage(elf: builder.build()) }
    }

    @Test("segments outside the guest region are rejected before anything is written", arguments: [
        UInt64(0x1000),  // the monitor's page tables
        UInt64(8 << 20) - 1,  // runs past the end of guest memory
        UInt64(0xFFFF_FFFF_0000),  // far beyond guest memory
    ])
    func rejectsSegmentOutsideGuestRegion(address: UInt64) throws {
        var builder = ELFBuilder()
        builder.extraSegments = [(type: 1, flags: 6, offset: 0, address: address, fileSize: 2, memorySize: 2)]
        let image = try KernelImage(elf: builder.build())
        let memory = try GuestMemory(size: 8 << 20)
        #expect(throws: KernelImageError.segmentOutsideGuestRegion(
            segment: 1, start: GuestPhysicalAddress(address), length: 2, region: guestRegion)
        ) {
            try image.load(into: memory, allowedRange: guestRegion)
        }
        #expect(try memory.readBytes(at: codeAddress, count: 2) == [0, 0])
    }

    @Test("random corruptions of a valid image never crash the loader")
    func survivesCorruption() throws {
        var generator = SystemRandomNumberGenerator()
        let memory = try GuestMemory(size: 8 << 20)
        let base = kernelBytes ?? Self.valid
        let headerBytes = min(base.count, 64 + 56 * 8)
        for _ in 0..<300 {  // each loads the whole (now ~450 KB) kernel: more would dominate the test run
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<headerBytes, using: &generator)] = .random(in: 0...255, using: &generator)
            }
            if let image = try? KernelImage(elf: bytes) {
                _ = try? image.load(into: memory, allowedRange: guestRegion)
            }
        }
    }
}
