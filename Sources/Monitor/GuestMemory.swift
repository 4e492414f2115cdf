import Glibc

/// Guest physical memory: one host mapping backing guest-physical `[0, size)`, anonymous for a booted VM, or a
/// copy-on-write (`MAP_PRIVATE`) mapping of a snapshot's sealed memfd for a restored one.
///
/// Mapped with `MAP_NORESERVE`, so pages the guest never touches cost nothing and a large size per VM is cheap.
/// An anonymous mapping starts on a ``hugePageSize`` boundary, so a part advised with ``adviseHugePages(_:)`` can be
/// backed by 2 MiB host pages that line up with the guest's own 2 MiB pages, and KVM then maps each with one fault.
/// Every access is bounds-checked with checked arithmetic and copies bytes; no pointer into the mapping leaves a
/// method of this type (except to KVM, which needs the base address for its memory slot).
public struct GuestMemory: ~Copyable {
    /// Host address of guest-physical address 0.
    let base: UnsafeMutableRawPointer
    /// Size in bytes, a multiple of ``pageSize``.
    public let size: UInt64
    /// Whether the mapping is a private mapping of a file (a snapshot), where a dropped page would read as the
    /// file's again instead of zero.
    private(set) var isFileBacked = false
    /// The ``VMSnapshot/id`` of the snapshot mapped, while every page is either still the snapshot's or a private copy
    /// (what ``restoreWrittenPages(from:snapshotID:limit:)`` relies on); nil for anonymous memory.
    private(set) var snapshotID: UInt64?
    /// Set when a discard replaced pages of a snapshot mapping by anonymous zero pages: those the guest did not touch
    /// again are neither the snapshot's nor private copies, so only a remap brings the snapshot back. A class, so the
    /// hypercall dispatcher's borrowed memory can set it.
    private let replacedPages = Flag()

    final class Flag {
        var isSet = false
    }

    public static let pageSize: UInt64 = 4096
    /// The size of a transparent huge page on x86-64, and of the guest's large pages.
    public static let hugePageSize: UInt64 = 2 << 20

    public init(size: UInt64) throws(GuestMemoryError) {
        guard size > 0, size % Self.pageSize == 0, size <= UInt64(Int.max) - Self.hugePageSize else {
            throw .invalidSize(size)
        }
        // One huge page more than needed, then the unaligned head and the tail are given back: mmap itself only
        // promises 4 KiB alignment.
        let slack = Int(Self.hugePageSize)
        let mapping: UnsafeMutableRawPointer
        do {
            mapping = try Syscalls.mapMemory(size: Int(size) + slack, fd: nil, reserveSwap: false)
        } catch {
            throw .mappingFailed(size: size, errno: error)
        }
        let address = UInt(bitPattern: mapping)
        let head = Int((address + UInt(slack) - 1) & ~(UInt(slack) - 1) - address)
        // SAFETY: head < slack, so [mapping, mapping + head) and the tail after the aligned `size` bytes lie inside
        // the mapping just made, which nothing else knows of yet.
        if head > 0 { Syscalls.unmapMemory(mapping, size: head) }
        Syscalls.unmapMemory(mapping + head + Int(size), size: slack - head)
        base = mapping + head
        self.size = size
    }

    /// Maps `size` bytes of `fd` (a snapshot's sealed memfd) copy-on-write: reads share the file's pages, and each page
    /// the guest or the monitor writes becomes this memory's own. No alignment: the copies are 4 KiB pages anyway
    /// (transparent huge pages back no private copy of a file page), and the two `munmap`s of the slack would cost
    /// more than nothing.
    init(copyOnWriteOf fd: Int32, size: UInt64, snapshotID: UInt64) throws(GuestMemoryError) {
        guard size > 0, size % Self.pageSize == 0, size <= UInt64(Int.max) else { throw .invalidSize(size) }
        do {
            base = try Syscalls.mapPrivate(fd: fd, size: Int(size))
        } catch {
            throw .mappingFailed(size: size, errno: error)
        }
        self.size = size
        isFileBacked = true
        self.snapshotID = snapshotID
    }

    deinit {
        // SAFETY: the mapping was made in init (or replaced in place by remap) and no pointer into it has escaped.
        Syscalls.unmapMemory(base, size: Int(size))
    }

    /// Replaces all of this memory, at the same host addresses, by a copy-on-write mapping of `fd` (`MAP_FIXED`): every
    /// page this memory had, written or not, is dropped in the same system call. KVM's memory slot keeps pointing at
    /// these addresses; its MMU notifier drops the shadow mappings of the old pages, so the guest faults the new ones
    /// in. The memory's own pages are freed by the kernel as part of the call.
    /// - Precondition: `fd` is at least ``size`` bytes long, and no other thread uses this memory during the call.
    mutating func remap(copyOnWriteOf fd: Int32, snapshotID: UInt64) throws(GuestMemoryError) {
        do {
            // SAFETY: [base, base + size) is this memory's own mapping, replaced in place; nothing else uses it now.
            _ = try Syscalls.mapPrivate(fd: fd, size: Int(size), fixed: base)
        } catch {
            throw .mappingFailed(size: size, errno: error)
        }
        isFileBacked = true
        self.snapshotID = snapshotID
        replacedPages.isSet = false
    }

    /// Makes this memory the snapshot's again in place, when it maps that snapshot and at most `limit` bytes were
    /// written since: each written page (a private copy, found with `PAGEMAP_SCAN`) gets the snapshot's bytes back.
    /// Pages are neither unmapped nor remapped, so KVM's shadow mappings of them stay valid and the next run takes no
    /// fault for them. False, changing nothing, when this cannot be done (another snapshot or anonymous memory, a
    /// discard, too much written, a kernel before 6.7).
    /// - Precondition: no other thread uses this memory during the call.
    func restoreWrittenPages(from snapshot: borrowing VMSnapshot, limit: Int) -> Bool {
        guard snapshotID == snapshot.id, !replacedPages.isSet,
            let runs = Syscalls.writtenPrivatePages(base, size: Int(size), limit: limit)
        else { return false }
        for run in runs {
            let range = GuestRange(start: GuestPhysicalAddress(UInt64(run.offset)), length: UInt64(run.length))!
            copy(range, from: snapshot)
        }
        return true
    }

    /// Copies the snapshot's bytes of `range` (zeros where it stores none) into this memory.
    /// - Precondition: `range` lies inside this memory and the snapshot's.
    private func copy(_ range: GuestRange, from snapshot: borrowing VMSnapshot) {
        let contents = snapshot.contents
        snapshot.forEachPart(of: range) { part, isData in
            // SAFETY: the part lies inside both mappings, which are the same size (checked by the callers).
            let destination = base + Int(part.start.rawValue)
            if isData {
                destination.copyMemory(from: contents + Int(part.start.rawValue), byteCount: Int(part.length))
            } else {
                destination.initializeMemory(as: UInt8.self, repeating: 0, count: Int(part.length))
            }
        }
    }

    /// Anonymous memory holding a copy of `snapshot`'s, backed by transparent huge pages above the monitor's first
    /// 2 MiB: only the snapshot's data extents are copied (the rest is untouched, so zero and free).
    init(copying snapshot: borrowing VMSnapshot) throws(GuestMemoryError) {
        try self.init(size: snapshot.layout.memorySize)
        let hugePages = GuestRange(start: GuestPhysicalAddress(Self.hugePageSize), length: size - Self.hugePageSize)!
        adviseHugePages(hugePages)
        let contents = snapshot.contents
        for extent in snapshot.dataExtents {
            // SAFETY: the extent lies inside both mappings, which are the same size.
            (base + Int(extent.start.rawValue)).copyMemory(
                from: contents + Int(extent.start.rawValue), byteCount: Int(extent.length))
        }
    }

    /// Calls `body` with each run of pages that may hold non-zero bytes, in address order, as offsets and lengths in
    /// bytes: the pages the host has resident (`mincore`; untouched ones read as zero) that are not all zero. A
    /// snapshot stores just these, so its cost follows the memory the guest touched, not the memory's size.
    func forEachNonZeroRun<E: Error>(_ body: (_ offset: UInt64, _ length: UInt64) throws(E) -> Void) throws(E) {
        let pageCount = Int(size / Self.pageSize)
        let page = Int(Self.pageSize)
        // SAFETY: one byte per page, allocated here and freed on return; mincore fills all of them before any read.
        let resident = UnsafeMutablePointer<UInt8>.allocate(capacity: pageCount)
        defer { resident.deallocate() }
        do {
            try Syscalls.residentPages(base, size: Int(size), into: resident)
        } catch {
            // The range is this memory's own mapping, so mincore cannot fail but for a kernel without it: then
            // every page is examined.
            resident.initialize(repeating: 1, count: pageCount)
        }
        var runStart: Int?
        for index in 0...pageCount {
            // SAFETY: index < pageCount, so the page lies inside the mapping.
            let isData = index < pageCount && resident[index] & 1 != 0
                && memcmp(base + index * page, Self.zeroPage, page) != 0
            if isData, runStart == nil { runStart = index }
            if !isData, let start = runStart {
                try body(UInt64(start * page), UInt64((index - start) * page))
                runStart = nil
            }
        }
    }

    /// One page of zeros to compare pages against (memcmp is vectorized; a loop over words in Swift is not as fast).
    nonisolated(unsafe) private static let zeroPage: UnsafeRawPointer = {
        // SAFETY: allocated once for the process and never freed or written after this.
        let page = UnsafeMutableRawPointer.allocate(byteCount: Int(pageSize), alignment: Int(pageSize))
        page.initializeMemory(as: UInt8.self, repeating: 0, count: Int(pageSize))
        return UnsafeRawPointer(page)
    }()

    /// Advises the host to back `range` with transparent huge pages (`MADV_HUGEPAGE`): a first touch then costs
    /// one fault per 2 MiB instead of 512, in the host and in KVM's shadow page tables, but makes all of that
    /// 2 MiB resident. Returns false when the host cannot (no THP support); the memory works the same either way.
    /// - Precondition: `range` starts and ends on ``hugePageSize`` boundaries inside this memory.
    @discardableResult
    public func adviseHugePages(_ range: GuestRange) -> Bool {
        precondition(
            range.start.rawValue % Self.hugePageSize == 0 && range.length % Self.hugePageSize == 0
                && self.range.contains(range), "huge-page advice for \(range) outside whole huge pages of memory")
        // SAFETY: the range was checked to lie inside the mapping.
        return Syscalls.adviseHugePages(base + Int(range.start.rawValue), size: Int(range.length))
    }

    /// The whole of guest memory as a range.
    /// Drops the pages of `range` (whole pages inside guest memory): they stop counting against the host and read as
    /// zero when next touched. False when the range is not whole pages inside guest memory, or the kernel refused.
    public func discard(_ range: GuestRange) -> Bool {
        guard range.start.rawValue % Self.pageSize == 0, range.length % Self.pageSize == 0,
            self.range.contains(range)
        else { return false }
        // SAFETY: the range lies inside the mapping (checked above) and is page aligned.
        let start = base + Int(range.start.rawValue)
        // Dropping a private copy of a file page would bring the snapshot's bytes back, not zeros: the range gets
        // fresh anonymous pages instead (a reset maps the whole snapshot over them again).
        if isFileBacked {
            replacedPages.isSet = true
            return Syscalls.mapAnonymousFixed(start, size: Int(range.length))
        }
        return Syscalls.discardPages(start, size: Int(range.length))
    }

    public var range: GuestRange { GuestRange(start: GuestPhysicalAddress(0), length: size)! }

    /// The same memory for the WASI mailbox worker thread, which works while the guest runs.
    /// - Precondition: the view must not be used after this memory is dropped (the worker is joined first).
    var sharedView: GuestMemoryView { GuestMemoryView(base: base, size: size) }

    /// Checks that `[address, address + count)` lies inside guest memory and returns its offset.
    public func checkedOffset(_ address: GuestPhysicalAddress, count: UInt64) throws(GuestMemoryError) -> Int {
        try sharedView.checkedOffset(address, count: count)
    }

    /// Copies `count` bytes starting at `address` out of guest memory.
    public func readBytes(at address: GuestPhysicalAddress, count: UInt64) throws(GuestMemoryError) -> [UInt8] {
        let offset = try checkedOffset(address, count: count)
        // SAFETY: [offset, offset + count) was checked to lie inside the mapping.
        let source = UnsafeRawBufferPointer(start: base + offset, count: Int(count))
        return Array(source)
    }

    /// Calls `body` with the `count` bytes at `address`, without copying them; the buffer is valid only during the
    /// call (the guest is stopped while the monitor handles an exit, so the bytes do not change under it).
    public func withBytes<R>(
        at address: GuestPhysicalAddress, count: UInt64, _ body: (UnsafeRawBufferPointer) -> R
    ) throws(GuestMemoryError) -> R {
        let offset = try checkedOffset(address, count: count)
        // SAFETY: [offset, offset + count) was checked to lie inside the mapping, which outlives the call.
        return body(UnsafeRawBufferPointer(start: base + offset, count: Int(count)))
    }

    /// Calls `body` with the `count` bytes at `address`, writable, without copying them; the buffer is valid only
    /// during the call.
    public func withMutableBytes<R>(
        at address: GuestPhysicalAddress, count: UInt64, _ body: (UnsafeMutableRawBufferPointer) -> R
    ) throws(GuestMemoryError) -> R {
        try sharedView.withMutableBytes(at: address, count: count, body)
    }

    /// Copies `bytes` into guest memory starting at `address`.
    public func write(_ bytes: some Collection<UInt8>, at address: GuestPhysicalAddress) throws(GuestMemoryError) {
        let offset = try checkedOffset(address, count: UInt64(bytes.count))
        // SAFETY: [offset, offset + bytes.count) was checked to lie inside the mapping.
        let destination = UnsafeMutableRawBufferPointer(start: base + offset, count: bytes.count)
        // One memcpy for contiguous bytes (a kernel image, a module): the element-wise copy is far slower unoptimized.
        let copied: Void? = bytes.withContiguousStorageIfAvailable { source in
            destination.copyMemory(from: UnsafeRawBufferPointer(source))
        }
        if copied == nil { _ = destination.initializeMemory(as: UInt8.self, from: bytes) }
    }

    /// Sets `count` bytes starting at `address` to `byte`.
    public func fill(_ byte: UInt8, at address: GuestPhysicalAddress, count: UInt64) throws(GuestMemoryError) {
        let offset = try checkedOffset(address, count: count)
        // SAFETY: [offset, offset + count) was checked to lie inside the mapping.
        (base + offset).initializeMemory(as: UInt8.self, repeating: byte, count: Int(count))
    }

    /// Reads a little-endian integer at `address`, which need not be aligned.
    public func load<T: GuestPOD>(_ type: T.Type, at address: GuestPhysicalAddress) throws(GuestMemoryError) -> T {
        let offset = try checkedOffset(address, count: UInt64(MemoryLayout<T>.size))
        // SAFETY: the value's bytes were checked to lie inside the mapping; loadUnaligned has no alignment needs.
        return T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// Writes `value` little-endian at `address`, which need not be aligned.
    public func store<T: GuestPOD>(_ value: T, at address: GuestPhysicalAddress) throws(GuestMemoryError) {
        let offset = try checkedOffset(address, count: UInt64(MemoryLayout<T>.size))
        // SAFETY: the value's bytes were checked to lie inside the mapping; storeBytes has no alignment needs.
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }
}

/// Guest memory as the WASI mailbox worker sees it: the mapping's address and size, without ownership, so that a
/// second thread can serve calls while the vCPU runs. Every access is bounds-checked as ``GuestMemory``'s are. The
/// guest may change any byte at any time through its own mapping: a reader copies what it needs once.
struct GuestMemoryView: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let size: UInt64

    func checkedOffset(_ address: GuestPhysicalAddress, count: UInt64) throws(GuestMemoryError) -> Int {
        guard let range = GuestRange(start: address, length: count),
            GuestRange(start: GuestPhysicalAddress(0), length: size)!.contains(range)
        else {
            throw .outOfBounds(address: address, count: count, memorySize: size)
        }
        return Int(address.rawValue)
    }

    func withMutableBytes<R>(
        at address: GuestPhysicalAddress, count: UInt64, _ body: (UnsafeMutableRawBufferPointer) -> R
    ) throws(GuestMemoryError) -> R {
        let offset = try checkedOffset(address, count: count)
        // SAFETY: [offset, offset + count) was checked to lie inside the mapping, which outlives the view's users.
        return body(UnsafeMutableRawBufferPointer(start: base + offset, count: Int(count)))
    }

    /// The 64-bit word at `address` for atomic access (CSharedMemory); nil unless it is inside memory and aligned.
    func word(at address: GuestPhysicalAddress) -> UnsafeMutablePointer<UInt64>? {
        guard address.rawValue % 8 == 0, let offset = try? checkedOffset(address, count: 8) else { return nil }
        // SAFETY: the aligned word was checked to lie inside the mapping.
        return (base + offset).assumingMemoryBound(to: UInt64.self)
    }
}

/// Plain integers that can be copied to and from guest memory byte for byte.
public protocol GuestPOD: FixedWidthInteger, BitwiseCopyable {}

extension UInt8: GuestPOD {}
extension UInt16: GuestPOD {}
extension UInt32: GuestPOD {}
extension UInt64: GuestPOD {}

/// A failed guest-memory operation.
public enum GuestMemoryError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidSize(UInt64)
    case mappingFailed(size: UInt64, errno: Errno)
    case outOfBounds(address: GuestPhysicalAddress, count: UInt64, memorySize: UInt64)

    public var description: String {
        switch self {
        case .invalidSize(let size):
            "guest memory size \(size) is not a positive multiple of \(GuestMemory.pageSize)"
        case .mappingFailed(let size, let errno):
            "cannot map \(size) bytes of guest memory: \(errno)"
        case .outOfBounds(let address, let count, let memorySize):
            "\(count) bytes at \(address) do not fit in \(memorySize) bytes of guest memory"
        }
    }
}
