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
        public let isWritable: Bool
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
        segments = [Segment(range: range, contents: code[...], isExecutable: true, isWritable: false)]
    }

    init(entry: GuestPhysicalAddress, segments: [Segment]) {
        self.entry = entry
        self.segments = segments
    }

    /// How the guest may use the 4 KiB page at `address`: writable if a writable segment covers part of it, executable
    /// if an executable one does; nil when no segment does.
    func pageAccess(at address: UInt64) -> (writable: Bool, executable: Bool)? {
        guard let page = GuestRange(start: GuestPhysicalAddress(address), length: GuestMemory.pageSize) else { return nil }
        var access: (writable: Bool, executable: Bool)?
        for segment in segments where segment.range.length > 0 && segment.range.overlaps(page) {
            access = ((access?.writable ?? false) || segment.isWritable, (access?.executable ?? false) || segment.isExecutable)
        }
        return access
    }

    /// The first page that would be both writable and executable (a writable and an executable segment share it, or
    /// one segment is both), or nil: the monitor refuses such an image, since the guest's pages are W^X.
    var writableExecutablePage: UInt64? {
        let page = GuestMemory.pageSize
        for segment in segments where segment.range.length > 0 {
            for address in stride(from: segment.range.start.rawValue / page * page, to: segment.range.end, by: Int(page)) {
                if let access = pageAccess(at: address), access.writable, access.executable { return address }
            }
        }
        return nil
    }

    /// Copies the segments into `memory` and zeroes their tails. Every segment must lie in `allowedRange`, the part
    /// of guest memory the guest owns; nothing is written unless all of them do.
    public func load(into memory: borrowing GuestMemory, allowedRange: GuestRange) throws(KernelImageError) {
        for (index, segment) in segments.enumerated() where !allowedRange.contains(segment.range) {
            throw .segmentOutsideGuestRegion(
                segment: index, start: segment.range.start, length: segment.range.length, region: allowedRange)
        }
        if let page = writableExecutablePage { throw .writableAndExecutable(page: page) }
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
    case writableAndExecutable(page: UInt64)

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
        case .writableAndExecutable(let page):
            "the image's page at 0x\(String(page, radix: 16)) would be both writable and executable"
        }
    }
}
