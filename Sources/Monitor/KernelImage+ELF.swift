/// The subset of ELF64 the loader accepts: a little-endian, statically linked x86-64 executable.
enum ELFFormat {
    static let headerSize = 64
    static let programHeaderSize = 56
    /// Far more than a linker emits for a kernel; bounds the work a hostile header can ask for.
    static let maximumProgramHeaders = 64

    static let classELF64: UInt8 = 2
    static let dataLittleEndian: UInt8 = 1
    static let currentVersion: UInt8 = 1
    static let typeExecutable: UInt16 = 2
    static let machineX86_64: UInt16 = 62

    static let segmentNull: UInt32 = 0
    static let segmentLoad: UInt32 = 1
    static let segmentDynamic: UInt32 = 2
    static let segmentInterpreter: UInt32 = 3
    static let segmentTLS: UInt32 = 7
    static let flagExecute: UInt32 = 1
    static let flagWrite: UInt32 = 2
}

extension KernelImage {
    /// Parses and validates an ELF64 executable. Segment types other than `PT_LOAD` are ignored, except those that
    /// would need a dynamic loader or thread-local storage, which are rejected.
    public init(elf bytes: [UInt8]) throws(KernelImageError) {
        let file = LittleEndianBytes(bytes)
        guard bytes.count >= ELFFormat.headerSize else {
            throw .truncated(needed: ELFFormat.headerSize, size: bytes.count)
        }
        guard bytes[0] == 0x7F, bytes[1] == UInt8(ascii: "E"), bytes[2] == UInt8(ascii: "L"),
            bytes[3] == UInt8(ascii: "F")
        else { throw .notELF }
        guard bytes[4] == ELFFormat.classELF64 else { throw .unsupportedFormat("not 64-bit (class \(bytes[4]))") }
        guard bytes[5] == ELFFormat.dataLittleEndian else { throw .unsupportedFormat("not little-endian") }
        guard bytes[6] == ELFFormat.currentVersion, file.u32(20) == UInt32(ELFFormat.currentVersion) else {
            throw .unsupportedFormat("unknown ELF version")
        }
        let type = file.u16(16)
        guard type == ELFFormat.typeExecutable else {
            throw .unsupportedFormat("type \(type) is not a static executable (ET_EXEC)")
        }
        let machine = file.u16(18)
        guard machine == ELFFormat.machineX86_64 else { throw .unsupportedFormat("machine \(machine) is not x86-64") }

        let entry = GuestPhysicalAddress(file.u64(24))
        let programHeaderOffset = file.u64(32)
        let programHeaderSize = Int(file.u16(54))
        let programHeaderCount = Int(file.u16(56))
        guard programHeaderSize == ELFFormat.programHeaderSize else {
            throw .unsupportedFormat("program header size \(programHeaderSize), expected \(ELFFormat.programHeaderSize)")
        }
        guard programHeaderCount <= ELFFormat.maximumProgramHeaders else {
            throw .tooManyProgramHeaders(programHeaderCount)
        }
        guard let table = file.range(offset: programHeaderOffset, count: UInt64(programHeaderCount * programHeaderSize))
        else { throw .programHeaderTableOutsideFile }

        var segments: [Segment] = []
        for index in 0..<programHeaderCount {
            let header = table.lowerBound + index * programHeaderSize
            let segmentType = file.u32(header)
            switch segmentType {
            case ELFFormat.segmentLoad:
                break
            case ELFFormat.segmentDynamic, ELFFormat.segmentInterpreter, ELFFormat.segmentTLS:
                throw .unsupportedSegmentType(segment: index, type: segmentType)
            default:
                continue
            }
            let flags = file.u32(header + 4)
            let offset = file.u64(header + 8)
            let virtualAddress = file.u64(header + 16)
            let physicalAddress = file.u64(header + 24)
            let fileSize = file.u64(header + 32)
            let memorySize = file.u64(header + 40)
            guard virtualAddress == physicalAddress else { throw .notIdentityMapped(segment: index) }
            guard fileSize <= memorySize else { throw .fileSizeExceedsMemorySize(segment: index) }
            guard let contents = file.range(offset: offset, count: fileSize) else {
                throw .contentsOutsideFile(segment: index)
            }
            guard let range = GuestRange(start: GuestPhysicalAddress(physicalAddress), length: memorySize) else {
                throw .addressOverflow(segment: index)
            }
            if let other = segments.firstIndex(where: { $0.range.overlaps(range) }) {
                throw .segmentsOverlap(other, index)
            }
            segments.append(
                Segment(
                    range: range, contents: bytes[contents], isExecutable: flags & ELFFormat.flagExecute != 0,
                    isWritable: flags & ELFFormat.flagWrite != 0))
        }
        guard !segments.isEmpty else { throw .noLoadableSegment }
        let entryRange = GuestRange(start: entry, length: 1)
        guard let entryRange, segments.contains(where: { $0.isExecutable && $0.range.contains(entryRange) }) else {
            throw .entryOutsideCode(entry)
        }
        self.init(entry: entry, segments: segments)
    }
}

/// Little-endian reads from a byte array at offsets the caller has already bounds-checked.
private struct LittleEndianBytes {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// `[offset, offset + count)` as array indices, or nil if it does not lie inside the file.
    func range(offset: UInt64, count: UInt64) -> Range<Int>? {
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow, end <= UInt64(bytes.count) else { return nil }
        return Int(offset)..<Int(end)
    }

    func u16(_ offset: Int) -> UInt16 { UInt16(truncatingIfNeeded: value(offset, 2)) }
    func u32(_ offset: Int) -> UInt32 { UInt32(truncatingIfNeeded: value(offset, 4)) }
    func u64(_ offset: Int) -> UInt64 { value(offset, 8) }

    private func value(_ offset: Int, _ count: Int) -> UInt64 {
        var result: UInt64 = 0
        for index in (offset..<offset + count).reversed() { result = result << 8 | UInt64(bytes[index]) }
        return result
    }
}
