// The store's objects as the interpreter sees them: plain structs, each allocated once at a stable address
// and owned by the `Store` (freed in its deinit). Instances and the interpreter refer to them by raw pointer,
// so running code never retains, releases or bounds-checks a Swift collection to reach a function, global,
// table or memory. A public handle (`Function`, `Table`...) is the object's index in the store's list.

#if canImport(Glibc)
import Glibc  // `calloc` and `free` for memory buffers and images only (see `allocateZeroedBytes`).
#elseif hasFeature(Embedded)
// The platform's, for memory buffers only: the guest kernel's `calloc` leaves the pages it hands out for the first time
// untouched, as glibc's does (see `allocateZeroedBytes`). Its blocks are freed as any allocation is.
@_extern(c, "calloc") func calloc(_ count: Int, _ size: Int) -> UnsafeMutableRawPointer?
#endif

/// `count` zero bytes, 16-byte aligned, for a linear memory or a memory image; freed by `deallocateZeroedBytes`.
func allocateZeroedBytes(_ count: Int) -> UnsafeMutableRawPointer {
    #if canImport(Glibc) || hasFeature(Embedded)
    // glibc (and the guest kernel) serve large blocks from fresh pages, zero already, and `calloc` knows not to
    // write them: a 16 MiB memory then costs no page until the module touches it, where zeroing it here cost
    // ~8 ms, and in the micro-VM as much resident memory as the whole initial memory.
    guard let block = calloc(Swift.max(count, 1), 1) else { fatalError("out of memory for a linear memory") }
    return block
    #else
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(count, 1), alignment: 16)
    // SAFETY: `buffer` has `count` bytes allocated just above.
    buffer.initializeMemory(as: UInt8.self, repeating: 0, count: count)
    return buffer
    #endif
}

func deallocateZeroedBytes(_ block: UnsafeMutableRawPointer) {
    #if canImport(Glibc)
    free(block)
    #else
    block.deallocate()
    #endif
}

/// A function: wasm code of an instance, or a host closure.
struct FunctionRecord {
    /// The internal code (a store-owned copy, its branch targets made relative: see `Registers.branch`),
    /// or nil for a host function.
    var code: UnsafeMutablePointer<LinkedInstruction>?
    var frameSize: Int
    var localCount: Int
    var parameterCount: Int
    var resultCount: Int
    /// The store-wide canonical id of the function's type: equal ids ⇔ structurally equal types.
    var typeID: Int
    /// The defining instance, or nil for a host function.
    var instance: UnsafeMutablePointer<InstanceRecord>?
    /// Index into `Store.hostFunctions` (host functions only).
    var hostIndex: Int
    let address: Int
    /// Under the compiler tier, once its instance has run: the function's machine code, or until its first call
    /// the compile stub (see `SharedMachineCode`).
    var machineCode: UnsafeRawPointer? = nil
    /// The store type ids its type declares as supertypes, directly or through others: a count, then the ids (see
    /// `Store.supertypeChains`). Set when the store allocates the record.
    var supertypes: UnsafePointer<Int>? = nil

    /// Whether its type is a subtype of store type `id` other than itself: `call_indirect`'s check, after the ids
    /// differ.
    @inline(never)
    func hasSupertype(_ id: Int) -> Bool {
        guard let supertypes else { return false }
        for index in 0..<supertypes[0] where supertypes[1 + index] == id { return true }
        return false
    }
}

/// A type as `call_indirect` needs it: the canonical id to compare, the parameter count to find the index slot.
struct TypeRecord {
    var id: Int
    var parameterCount: Int
}

extension InstanceRecord {
    /// The store type ids of the instance's first `count` types (its module's).
    func typeIDs(_ count: Int) -> [Int] { (0..<count).map { types[$0].id } }
}

/// One module instance's index spaces, as contiguous arrays of pointers to the store's objects.
struct InstanceRecord {
    var functions: UnsafeMutablePointer<UnsafeMutablePointer<FunctionRecord>>
    var globals: UnsafeMutablePointer<UnsafeMutablePointer<GlobalRecord>>
    var tables: UnsafeMutablePointer<UnsafeMutablePointer<TableRecord>>
    /// The instance's memory 0, or the store's empty placeholder memory when it has none (so the
    /// interpreter never tests for nil: every access to the placeholder is out of bounds).
    var memory: UnsafeMutablePointer<MemoryRecord>
    var types: UnsafeMutablePointer<TypeRecord>
    /// Index into `Store.instanceSegments` (element and data segments, used only by the slow paths).
    let index: Int
    /// Every memory in the instance's memory index space (`memory` is the first); the placeholder alone when it has
    /// none. Only accesses to other memories than memory 0 read it (`Opcode.useMemory` and the slow paths).
    var memories: UnsafeMutablePointer<UnsafeMutablePointer<MemoryRecord>>
}

struct GlobalRecord {
    var value: UInt64
    let type: GlobalType
    let address: Int
    /// A v128 global's high half (`value` holds the low half); 0 for every other type.
    var high: UInt64 = 0
}

/// A linear memory. Only `base` moves, when growing beyond `capacity`; the interpreter caches `base` and
/// reloads it after anything that may grow the memory (calls, returns, `memory.grow`).
struct MemoryRecord {
    var base: UnsafeMutableRawPointer
    var capacity: Int
    /// The declared maximum, for import matching.
    let declaredMaximum: UInt64?
    /// The declared maximum capped by `Configuration.maxMemoryPages`.
    let maximumPages: UInt64
    /// The handle's address, or -1 for the placeholder of instances without memory.
    let address: Int
    /// Whether `base` lies in a copy-on-write mapping of a snapshot's image (see `MemoryImageMapper`), which the
    /// store unmaps instead of freeing. Such a buffer's `capacity` covers `maximumPages` from the start, so it never
    /// moves: a grow only raises `byteCount`.
    let isMapped: Bool
    /// `.i64` for a 64-bit memory (memory64), whose `memory.grow` takes and returns an i64.
    let addressType: ValueType

    /// Below `base`, one word per access size (1, 2, 4 and 8 bytes): the last offset at which an access of
    /// that size still fits, negative when none does. The interpreter's bounds check is then one signed
    /// comparison against a word it reads relative to the base it already holds in a register (see
    /// `Registers.effectiveAddress`), with no addition of the access size.
    @inline(__always)
    static func lastFittingOffsetField(accessSize: Int) -> Int { -8 &* (1 &+ accessSize.trailingZeroBitCount) }
    /// The header in front of every buffer, which holds those words; a multiple of the alignment.
    static let headerSize = 32

    var byteCount: Int {
        get { base.load(fromByteOffset: Self.lastFittingOffsetField(accessSize: 1), as: Int.self) + 1 }
        // SAFETY: every buffer starts `headerSize` bytes before `base` (see `allocateZeroedBuffer`).
        nonmutating set {
            var size = 1
            while size <= 8 {
                base.storeBytes(of: newValue - size, toByteOffset: Self.lastFittingOffsetField(accessSize: size), as: Int.self)
                size <<= 1
            }
        }
    }
    var pageCount: UInt64 { UInt64(byteCount) / wasmPageSize }

    init(pages: UInt64, declaredMaximum: UInt64?, maximumPages: UInt64, address: Int, addressType: ValueType = .i32) {
        let byteCount = Int(pages * wasmPageSize)
        // Never allocate zero bytes, so `base` is always a valid pointer.
        capacity = Swift.max(byteCount, 16)
        base = Self.allocateZeroedBuffer(capacity: capacity)
        self.declaredMaximum = declaredMaximum
        self.maximumPages = maximumPages
        self.address = address
        isMapped = false
        self.addressType = addressType
        self.byteCount = byteCount
    }

    /// A memory of `pages` whose buffer a `MemoryImageMapper` mapped at `mappedBase`.
    /// - Precondition: `mappedBase` is followed by `capacity` ≥ `maximumPages` pages of readable and writable bytes,
    ///   those past the image zero, and preceded by `MemoryImageMapper.headerByteCount` writable bytes.
    init(
        mappedBase: UnsafeMutableRawPointer, capacity: Int, pages: UInt64, declaredMaximum: UInt64?, maximumPages: UInt64,
        address: Int, addressType: ValueType = .i32
    ) {
        base = mappedBase
        self.capacity = capacity
        self.declaredMaximum = declaredMaximum
        self.maximumPages = maximumPages
        self.address = address
        isMapped = true
        self.addressType = addressType
        byteCount = Int(pages * wasmPageSize)
    }

    /// A buffer whose `capacity` bytes past the header are all zero. Nothing ever writes past `byteCount`,
    /// so they stay zero: a grow needs no zeroing.
    private static func allocateZeroedBuffer(capacity: Int) -> UnsafeMutableRawPointer {
        allocateZeroedBytes(headerSize + capacity) + headerSize
    }

    /// Frees a buffer of `allocateZeroedBuffer` (a mapped one is the mapper's to unmap).
    func deallocateBuffer() {
        precondition(!isMapped, "a mapped memory buffer freed as allocated")
        deallocateZeroedBytes(base - Self.headerSize)
    }

    /// `memory.grow`: the old size in pages, or nil when the result would exceed the maximum.
    mutating func grow(byPages delta: UInt64) -> UInt64? {
        let oldByteCount = byteCount
        let oldPages = UInt64(oldByteCount) / wasmPageSize
        // A 64-bit memory's delta may be near 2^64: compared before it is added.
        guard oldPages <= maximumPages, delta <= maximumPages - oldPages else { return nil }
        let newPages = oldPages + delta
        let newByteCount = Int(newPages * wasmPageSize)
        if newByteCount > capacity {
            precondition(!isMapped, "a mapped memory's capacity covers its maximum")
            // Doubling keeps a sequence of small grows linear in total copying.
            let newCapacity = Swift.max(newByteCount, Swift.min(capacity * 2, Int(maximumPages * wasmPageSize)))
            let newBase = Self.allocateZeroedBuffer(capacity: newCapacity)
            // SAFETY: both buffers hold at least `oldByteCount` bytes.
            newBase.copyMemory(from: base, byteCount: oldByteCount)
            deallocateBuffer()
            base = newBase
            capacity = newCapacity
        }
        byteCount = newByteCount
        return oldPages
    }
}

/// A table of references (slot encoding: 0 is null).
struct TableRecord {
    var elements: UnsafeMutablePointer<UInt64>
    var count: Int
    var capacity: Int
    let declaredMaximum: UInt64?
    let elementType: ValueType
    let address: Int
    /// `.i64` for a table64 (memory64), whose `table.grow` takes and returns an i64.
    let addressType: ValueType

    /// Tables larger than this fail to grow (the spec lets `table.grow` fail for any reason).
    static let implementationLimit: UInt64 = 10_000_000

    init(type: TableType, initialValue: UInt64, address: Int) {
        count = Int(type.limits.min)
        capacity = Swift.max(count, 1)
        elements = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        // SAFETY: `elements` has `capacity` ≥ `count` slots.
        elements.initialize(repeating: initialValue, count: capacity)
        declaredMaximum = type.limits.max
        elementType = type.elementType
        self.address = address
        addressType = type.addressType
    }

    /// `table.grow`: the old size, or nil when the result would exceed the maximum.
    mutating func grow(by delta: UInt64, initialValue: UInt64) -> UInt64? {
        let oldCount = UInt64(count)
        // A table64's delta may be near 2^64: compared before it is added.
        let maximum = Swift.min(declaredMaximum ?? UInt64(UInt32.max), TableRecord.implementationLimit)
        guard oldCount <= maximum, delta <= maximum - oldCount else { return nil }
        let newCount = oldCount + delta
        if Int(newCount) > capacity {
            let newCapacity = Swift.max(Int(newCount), capacity * 2)
            let newElements = UnsafeMutablePointer<UInt64>.allocate(capacity: newCapacity)
            // SAFETY: the old buffer holds `count` initialized slots; the new one has room for all.
            newElements.initialize(from: elements, count: count)
            (newElements + count).initialize(repeating: 0, count: newCapacity - count)
            elements.deallocate()
            elements = newElements
            capacity = newCapacity
        }
        // SAFETY: `newCount` ≤ `capacity`.
        (elements + count).update(repeating: initialValue, count: Int(delta))
        count = Int(newCount)
        return oldCount
    }
}

/// Where a wasm→wasm call returns to: the caller's registers, saved on the explicit call-frame stack.
struct CallFrame {
    var returnPC: UnsafePointer<LinkedInstruction>
    var framePointer: UnsafeMutablePointer<UInt64>
    var instance: UnsafeMutablePointer<InstanceRecord>
}

/// An instance's element and data segments; a dropped segment is empty.
struct InstanceSegments {
    var elements: [[UInt64]]
    /// A dropped data segment keeps its source with an empty range.
    var data: [DataSegment]
}
