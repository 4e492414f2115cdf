#if hasFeature(Embedded)
/// The kernel's allocator over the heap the monitor describes in BootInfo.
///
/// Every block starts with a 16-byte header (its size, and for aligned blocks its true start) right before the
/// pointer handed out, so `free` needs no size. Small blocks come in size classes, four per doubling from 32 to
/// 4 KiB, each with its own free list: the engine's many short-lived arrays are recycled in O(1). Larger blocks
/// are whole pages kept in one address-ordered free list, first fit, merged with free neighbours on free and
/// given back to the untouched top of the heap when they border it, so a freed linear memory can be reused by
/// the next, larger one. Memory comes from a bump pointer that only the large path moves back.
enum Heap {
    nonisolated(unsafe) static var next: UInt = 0
    nonisolated(unsafe) static var end: UInt = 0
    nonisolated(unsafe) static var smallFreeLists = SmallFreeLists()
    /// First free large block (address order); each holds its size and the next block's address in its first words.
    nonisolated(unsafe) static var largeFreeList: UInt = 0

    static let headerSize: UInt = 16
    static let largeGranule: UInt = 4096
    static let largestSmallBlock: UInt = 4096

    static func initialize(start: UInt, size: UInt) {
        next = (start + 15) & ~15
        end = start + size
        // SAFETY: the heads take the heap's first words, which nothing else uses.
        let heads = UnsafeMutablePointer<UInt>(bitPattern: next)!
        heads.initialize(repeating: 0, count: SmallFreeLists.classCount)
        smallFreeLists.heads = heads
        next += UInt(SmallFreeLists.classCount * 8 + 15) & ~15
    }

    /// Bytes the heap has never handed out: a bound on what one more allocation can get.
    static var untouchedBytes: UInt { end - next }

    /// `size` bytes aligned to `alignment`; with `zeroed`, all zero. Memory the heap has never handed out is zero
    /// already (the monitor gives the guest zeroed RAM and writes nothing above the heap's start), so only a recycled
    /// block is cleared: a linear memory's untouched pages stay untouched, and cost the host nothing.
    static func allocate(size: UInt, alignment: UInt, zeroed: Bool = false) -> UnsafeMutableRawPointer? {
        guard size <= end else { return nil }
        let block: (pointer: UnsafeMutableRawPointer, isFresh: Bool)?
        // Every block starts 16-byte aligned, so a larger alignment takes at most `alignment - 16` bytes more: a small
        // block can take those too (the engine's code buffers ask for 64) rather than a page each.
        let alignment = max(alignment, 16)
        let blockSize = size + headerSize + (alignment - 16)
        if blockSize <= largestSmallBlock {
            block = allocateSmall(blockSize, alignment: alignment)
        } else {
            block = allocateLarge(blockSize, alignment: alignment)
        }
        guard let block else { return nil }
        // SAFETY: the block holds at least `size` bytes from `pointer` on.
        if zeroed && !block.isFresh { block.pointer.initializeMemory(as: UInt8.self, repeating: 0, count: Int(size)) }
        return block.pointer
    }

    static func free(_ pointer: UnsafeMutableRawPointer) {
        let address = UInt(bitPattern: pointer)
        // SAFETY: `pointer` came from `allocate`, so its header precedes it.
        let header = UnsafeMutablePointer<UInt>(bitPattern: address - headerSize)!
        let blockSize = header[0]
        let blockStart = header[1]
        if blockSize <= largestSmallBlock {
            smallFreeLists.push(blockStart, sizeClass: SmallFreeLists.sizeClass(of: blockSize))
        } else {
            freeLarge(start: blockStart, size: blockSize)
        }
    }

    // MARK: Small blocks

    private static func allocateSmall(
        _ size: UInt, alignment: UInt
    ) -> (pointer: UnsafeMutableRawPointer, isFresh: Bool)? {
        let sizeClass = SmallFreeLists.sizeClass(of: size)
        let blockSize = SmallFreeLists.blockSize(ofClass: sizeClass)
        var start = smallFreeLists.pop(sizeClass: sizeClass)
        let isFresh = start == 0
        if isFresh {
            guard blockSize <= end - next else { return nil }
            start = next
            next += blockSize
        }
        let pointer = (start + headerSize + alignment - 1) & ~(alignment - 1)
        return hand(start: start, size: blockSize, pointer: pointer).map { ($0, isFresh) }
    }

    // MARK: Large blocks

    private static func allocateLarge(_ size: UInt, alignment: UInt) -> (pointer: UnsafeMutableRawPointer, isFresh: Bool)? {
        guard size <= end - next || largeFreeList != 0 else { return nil }
        let blockSize = (size + largeGranule - 1) & ~(largeGranule - 1)
        let recycled = takeFreeLarge(blockSize)
        let start = recycled ?? bump(blockSize)
        guard start != 0 else { return nil }
        let pointer = (start + headerSize + alignment - 1) & ~(alignment - 1)
        return hand(start: start, size: blockSize, pointer: pointer).map { ($0, recycled == nil) }
    }

    private static func bump(_ size: UInt) -> UInt {
        // Large blocks start on a page so their pages are shared with no small block.
        let start = (next + largeGranule - 1) & ~(largeGranule - 1)
        guard start <= end, size <= end - start else { return 0 }
        if start > next { smallFreeLists.recycle(from: next, to: start) }
        next = start + size
        return start
    }

    /// First fit from the free list; the tail of a larger block stays free.
    private static func takeFreeLarge(_ size: UInt) -> UInt? {
        var previous: UInt = 0
        var block = largeFreeList
        while block != 0 {
            // SAFETY: free large blocks lie in the heap and hold (size, next) in their first two words.
            let words = UnsafeMutablePointer<UInt>(bitPattern: block)!
            let blockSize = words[0]
            if blockSize >= size {
                var following = words[1]
                if blockSize - size >= largeGranule {
                    let rest = block + size
                    let restWords = UnsafeMutablePointer<UInt>(bitPattern: rest)!
                    restWords[0] = blockSize - size
                    restWords[1] = following
                    following = rest
                }
                link(previous, to: following)
                return block
            }
            previous = block
            block = words[1]
        }
        return nil
    }

    /// Inserts the block in address order, merging it with free neighbours and with the untouched top.
    private static func freeLarge(start: UInt, size: UInt) {
        var previous: UInt = 0
        var block = largeFreeList
        while block != 0, block < start {
            previous = block
            block = UnsafeMutablePointer<UInt>(bitPattern: block)![1]
        }
        var start = start
        var size = size
        // SAFETY (here and below): `previous` and `block` are free large blocks holding (size, next).
        if block != 0, start + size == block {
            let words = UnsafeMutablePointer<UInt>(bitPattern: block)!
            size += words[0]
            block = words[1]
        }
        if previous != 0 {
            let words = UnsafeMutablePointer<UInt>(bitPattern: previous)!
            if previous + words[0] == start {
                start = previous
                size += words[0]
                previous = findPredecessor(of: previous)
            }
        }
        if start + size == next {
            next = start
            link(previous, to: block)
            return
        }
        let words = UnsafeMutablePointer<UInt>(bitPattern: start)!
        words[0] = size
        words[1] = block
        link(previous, to: start)
    }

    private static func findPredecessor(of target: UInt) -> UInt {
        var previous: UInt = 0
        var block = largeFreeList
        while block != 0, block != target {
            previous = block
            block = UnsafeMutablePointer<UInt>(bitPattern: block)![1]
        }
        return previous
    }

    private static func link(_ previous: UInt, to following: UInt) {
        if previous == 0 {
            largeFreeList = following
        } else {
            UnsafeMutablePointer<UInt>(bitPattern: previous)![1] = following
        }
    }

    private static func hand(start: UInt, size: UInt, pointer: UInt) -> UnsafeMutableRawPointer? {
        // SAFETY: [start, start + size) is a block of the heap owned by the caller from now on, and the header
        // lies in its first bytes (pointer ≥ start + headerSize).
        let header = UnsafeMutablePointer<UInt>(bitPattern: pointer - headerSize)!
        header[0] = size
        header[1] = start
        return UnsafeMutableRawPointer(bitPattern: pointer)
    }
}

/// One singly linked free list per small size class; a free block's first word links to the next.
struct SmallFreeLists {
    static let classCount = 28
    /// The lists' heads, one word per class, taken from the heap at initialization.
    var heads: UnsafeMutablePointer<UInt>? = nil

    /// Classes: 32, 48, 64, 80 (16 apart), then four per doubling (96, 112, 128, 160, 192, 224, 256, 320, ...) up
    /// to 4096, all multiples of 16 so every block keeps the 16-byte alignment.
    static func sizeClass(of size: UInt) -> Int {
        if size <= 80 { return Int((max(size, 32) + 15) / 16) - 2 }
        let exponent = UInt.bitWidth - 1 - (size - 1).leadingZeroBitCount  // 2^exponent < size ≤ 2^(exponent+1)
        let quarter = UInt(1) << (exponent - 2)
        let step = (size - 1 - (UInt(1) << exponent)) / quarter  // 0...3
        return 4 + (exponent - 6) * 4 + Int(step)
    }

    static func blockSize(ofClass sizeClass: Int) -> UInt {
        if sizeClass < 4 { return UInt(32 + 16 * sizeClass) }
        let exponent = (sizeClass - 4) / 4 + 6
        let step = UInt((sizeClass - 4) % 4 + 1)
        return (UInt(1) << exponent) + step * (UInt(1) << (exponent - 2))
    }

    func push(_ block: UInt, sizeClass: Int) {
        // SAFETY: `block` is a free small block of the heap; its first word is free for the link.
        UnsafeMutablePointer<UInt>(bitPattern: block)!.pointee = heads![sizeClass]
        heads![sizeClass] = block
    }

    func pop(sizeClass: Int) -> UInt {
        let block = heads![sizeClass]
        // SAFETY: a non-zero head is a free small block whose first word links to the next.
        if block != 0 { heads![sizeClass] = UnsafeMutablePointer<UInt>(bitPattern: block)!.pointee }
        return block
    }

    /// Turns the gap `[start, end)` left by page-aligning a large block into small free blocks.
    func recycle(from start: UInt, to end: UInt) {
        var cursor = start
        while end - cursor >= 32 {
            var sizeClass = Self.classCount - 1
            while Self.blockSize(ofClass: sizeClass) > end - cursor { sizeClass -= 1 }
            push(cursor, sizeClass: sizeClass)
            cursor += Self.blockSize(ofClass: sizeClass)
        }
    }
}

@_cdecl("posix_memalign")
public func posix_memalign(
    _ result: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ alignment: Int, _ size: Int
) -> Int32 {
    let invalidArgument: Int32 = 22  // EINVAL
    guard alignment > 0, alignment.nonzeroBitCount == 1, alignment <= 1 << 20 else { return invalidArgument }
    guard let pointer = Heap.allocate(size: UInt(bitPattern: size), alignment: UInt(bitPattern: alignment)) else {
        // The Swift runtime treats a failed allocation as fatal anyway; saying so to the monitor gives the user a
        // clear "out of memory" instead of a crash at some RIP.
        Hypercalls.outOfMemory(requested: UInt(bitPattern: size))
    }
    result.pointee = pointer
    return 0
}

/// The engine's linear memories come from here (WasmEngine's `MemoryRecord`): zeroed, without writing fresh pages.
@_cdecl("calloc")
public func calloc(_ count: Int, _ size: Int) -> UnsafeMutableRawPointer? {
    let (total, overflow) = count.multipliedReportingOverflow(by: size)
    guard !overflow, total >= 0 else { return nil }
    guard let pointer = Heap.allocate(size: UInt(total), alignment: 16, zeroed: true) else {
        Hypercalls.outOfMemory(requested: UInt(total))
    }
    return pointer
}

/// Called by `free` (Support/support.c): Swift reserves the symbol name `free` for its runtime's own use.
@_cdecl("swiftlet_heap_free")
public func heapFree(_ pointer: UnsafeMutableRawPointer?) {
    guard let pointer else { return }
    Heap.free(pointer)
}
#endif
