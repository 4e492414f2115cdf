/// A guest kernel ready to be copied into guest memory: its loadable segments and entry point.
///
/// Built from an ELF64 executable (``init(elf:)``) or from raw machine code (``init(code:loadAddress:)``). Every
/// header is validated while parsing, and every segment against guest memory while loading; a bad image is an
/// error value, never a crash or an out-of-bounds access.
public struct KernelImage: Sendable {
    public struct Segment: Equatable, Sendable {
        /// Where the segment goes; the guest is identity-mapped, so this is also its virtual address.
        public let range: GuestRange
        /// Bytes copied to the start of ``range``; the rest of the range is zero (ELF `.bss`).
        public let contents: ArraySlice<UInt8>
        public let isExecutable: Bool
    }

    public let entry: GuestPhysicalAddress
    public let segments: [Segment]

    /// One past the highest byte any segment occupies.
    public var end: UInt64 { segments.map { $0.range.end }.max() ?? entry.rawValue }

    /// Raw machine code placed at `loadAddress` and entered at its first byte: for tiny test guests and the
    /// exit-latency benchmark, where an ELF file would only be noise.
    public init(code: [UInt8], loadAddress: GuestPhysicalAddress) throws(KernelImageError) {
        guard let range = GuestRange(start: loadAddress, length: UInt64(code.count)) else {
            throw .addressOverflow(segment: 0)
        }
        entry = loadAddress
        segments = [Segment(range: range, contents: code[...], isExecutable: true)]
    }

    init(entry: GuestPhysicalAddress, segments: [Segment]) {
        self.entry = entry
        self.segments = segments
    }

    /// Copies the segments into `memory` and zeroes their tails. Every segment must lie in `allowedRange`, the part
    /// of guest memory the guest owns; nothing is written unless all of them do.
    public func load(into memory: borrowing GuestMemory, allowedRange: GuestRange) throws(KernelImageError) {
        for (index, segment) in segments.enumerated() where !allowedRange.contains(segment.range) {
            throw .segmentOutsideGuestRegion(
                segment: index, start: segment.range.start, length: segment.range.length, region: allowedRange)
        }
        do {
            for segment in segments {
                try memory.write(segment.contents, at: segment.range.start)
                let tail = segment.range.start.adding(UInt64(segment.contents.count))!
                try memory.fill(0, at: tail, count: segment.range.length - UInt64(segment.contents.count))
            }
        } catch {
            // Unreachable after the containment check above; kept as an error rather than a trap because it is
            // guest-controlled input.
            throw .memory(error)
        }
    }
}

/// Why a kernel image was rejected.
public enum KernelImageError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(needed: Int, size: Int)
    case notELF
    case unsupportedFormat(String)
    case programHeaderTableOutsideFile
    case tooManyProgramHeaders(Int)
    case unsupportedSegmentType(segment: Int, type: UInt32)
    case contentsOutsideFile(segment: Int)
    case fileSizeExceedsMemorySize(segment: Int)
    case addressOverflow(segment: Int)
    case notIdentityMapped(segment: Int)
    case segmentsOverlap(Int, Int)
    case noLoadableSegment
    case entryOutsideCode(GuestPhysicalAddress)
    case segmentOutsideGuestRegion(segment: Int, start: GuestPhysicalAddress, length: UInt64, region: GuestRange)
    case memory(GuestMemoryError)

    public var description: String {
        switch self {
        case .truncated(let needed, let size):
            "image of \(size) bytes is truncated: headers need \(needed) bytes"
        case .notELF:
            "image is not an ELF file (bad magic)"
        case .unsupportedFormat(let what):
            "unsupported ELF image: \(what)"
        case .programHeaderTableOutsideFile:
            "ELF program header table lies outside the file"
        case .tooManyProgramHeaders(let count):
            "ELF image has \(count) program headers, more than \(ELFFormat.maximumProgramHeaders)"
        case .unsupportedSegmentType(let segment, let type):
            "ELF segment \(segment) has type 0x\(String(type, radix: 16)), which needs a dynamic loader or TLS"
        case .contentsOutsideFile(let segment):
            "ELF segment \(segment) contents lie outside the file"
        case .fileSizeExceedsMemorySize(let segment):
            "ELF segment \(segment) has a file size larger than its memory size"
        case .addressOverflow(let segment):
            "segment \(segment) wraps around the address space"
        case .notIdentityMapped(let segment):
            "ELF segment \(segment) has different virtual and physical addresses; the guest is identity-mapped"
        case .segmentsOverlap(let first, let second):
            "ELF segments \(first) and \(second) overlap"
        case .noLoadableSegment:
            "ELF image has no loadable segment"
        case .entryOutsideCode(let entry):
            "entry point \(entry) is not inside an executable segment"
        case .segmentOutsideGuestRegion(let segment, let start, let length, let region):
            "segment \(segment) (\(length) bytes at \(start)) lies outside the guest region "
                + "[\(region.start), 0x\(String(region.end, radix: 16)))"
        case .memory(let error):
            "loading the image failed: \(error)"
        }
    }
}
