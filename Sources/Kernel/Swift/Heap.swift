#if hasFeature(Embedded)
/// The kernel's allocator for now: a bump allocator over the heap the monitor describes in BootInfo. Freeing the
/// most recent block gives its memory back, which covers the standard library's short-lived temporaries; other
/// frees are kept until a real allocator replaces this one.
enum Heap {
    nonisolated(unsafe) static var next: UInt = 0
    nonisolated(unsafe) static var end: UInt = 0

    /// Bytes in front of every block: the block's start before alignment, and its end.
    static let headerSize: UInt = 16

    static func initialize(start: UInt, size: UInt) {
        next = start
        end = start + size
    }

    static func allocate(size: UInt, alignment: UInt) -> UnsafeMutableRawPointer? {
        let alignment = max(alignment, 16)
        let start = next
        let (unaligned, overflow1) = start.addingReportingOverflow(headerSize + alignment - 1)
        let address = unaligned & ~(alignment - 1)
        let (blockEnd, overflow2) = address.addingReportingOverflow(size)
        guard !overflow1, !overflow2, blockEnd <= end else { return nil }
        next = blockEnd
        // SAFETY: [start, blockEnd) lies in the heap the monitor mapped for the kernel; the header sits in the
        // 16 bytes before `address`, which are at or after `start`.
        let header = UnsafeMutablePointer<UInt>(bitPattern: address - headerSize)!
        header[0] = start
        header[1] = blockEnd
        return UnsafeMutableRawPointer(bitPattern: address)
    }

    static func free(_ pointer: UnsafeMutableRawPointer) {
        // SAFETY: `pointer` came from `allocate`, so its header precedes it.
        let header = (pointer - Int(headerSize)).assumingMemoryBound(to: UInt.self)
        if header[1] == next { next = header[0] }
    }
}

@_cdecl("posix_memalign")
public func posix_memalign(
    _ result: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ alignment: Int, _ size: Int
) -> Int32 {
    let invalidArgument: Int32 = 22  // EINVAL
    let outOfMemory: Int32 = 12  // ENOMEM
    guard alignment > 0, alignment.nonzeroBitCount == 1, alignment <= 1 << 20 else { return invalidArgument }
    guard let pointer = Heap.allocate(size: UInt(bitPattern: size), alignment: UInt(bitPattern: alignment)) else {
        return outOfMemory
    }
    result.pointee = pointer
    return 0
}

/// Called by `free` (Support/support.c): Swift reserves the symbol name `free` for its runtime's own use.
@_cdecl("swiftlet_heap_free")
public func heapFree(_ pointer: UnsafeMutableRawPointer?) {
    guard let pointer else { return }
    Heap.free(pointer)
}
#endif
