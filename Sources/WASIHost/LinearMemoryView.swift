import Glibc

/// A bounds-checked view of a guest's linear memory, built for one WASI call and never kept past it.
///
/// Every guest pointer and length goes through `range(at:count:)`, so no access can leave the memory;
/// a bad pointer is the guest's error, `EFAULT`, never a host fault.
public struct LinearMemoryView {
    private let bytes: UnsafeMutableRawBufferPointer

    public init(_ bytes: UnsafeMutableRawBufferPointer) {
        self.bytes = bytes
    }

    /// The byte range `[pointer, pointer + count)`, or `EFAULT` if any of it lies outside the memory.
    func range(at pointer: UInt32, count: UInt32) throws(WASIErrno) -> Range<Int> {
        // 32-bit operands cannot overflow a 64-bit Int.
        let start = Int(pointer)
        let end = start + Int(count)
        guard end <= bytes.count else { throw .fault }
        return start..<end
    }

    func load<T: FixedWidthInteger>(_: T.Type, at pointer: UInt32) throws(WASIErrno) -> T {
        let range = try range(at: pointer, count: UInt32(MemoryLayout<T>.size))
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: range.lowerBound, as: T.self))
    }

    func store<T: FixedWidthInteger>(_ value: T, at pointer: UInt32) throws(WASIErrno) {
        let range = try range(at: pointer, count: UInt32(MemoryLayout<T>.size))
        bytes.storeBytes(of: value.littleEndian, toByteOffset: range.lowerBound, as: T.self)
    }

    func read(at pointer: UInt32, count: UInt32) throws(WASIErrno) -> [UInt8] {
        Array(bytes[try range(at: pointer, count: count)])
    }

    func write(_ data: some Collection<UInt8>, at pointer: UInt32) throws(WASIErrno) {
        let range = try range(at: pointer, count: UInt32(truncatingIfNeeded: data.count))
        guard range.count == data.count else { throw .fault }
        bytes[range].copyBytes(from: data)
    }

    /// Runs `body` over the checked guest bytes `[pointer, pointer + count)` (for a host call to fill or drain).
    func withBytes<R>(
        at pointer: UInt32, count: UInt32, _ body: (UnsafeMutableRawBufferPointer) -> R
    ) throws(WASIErrno) -> R {
        let range = try range(at: pointer, count: count)
        // SAFETY: `range` was checked against the memory's bounds just above.
        return body(UnsafeMutableRawBufferPointer(rebasing: bytes[range]))
    }

    /// The `iovec` array at `pointer` as host `iovec`s, for one vectored host call made during this WASI call.
    func hostIOVectors(at pointer: UInt32, count: UInt32) throws(WASIErrno) -> [iovec] {
        let vectors = try ioVectors(at: pointer, count: count)
        guard let base = bytes.baseAddress else {
            if vectors.isEmpty { return [] }
            throw .fault
        }
        return vectors.map { vector in
            // SAFETY: `ioVectors` checked each buffer against the memory's bounds; the view lives for the call.
            iovec(iov_base: base + Int(vector.pointer), iov_len: Int(vector.count))
        }
    }

    /// The `iovec`/`ciovec` array at `pointer`, each buffer already checked.
    func ioVectors(at pointer: UInt32, count: UInt32) throws(WASIErrno) -> [(pointer: UInt32, count: UInt32)] {
        guard Int(pointer) + Int(count) * 8 <= bytes.count else { throw .fault }
        var vectors: [(pointer: UInt32, count: UInt32)] = []
        vectors.reserveCapacity(Int(count))
        for index in 0..<count {
            let base = pointer + index * 8
            let vector = (pointer: try load(UInt32.self, at: base), count: try load(UInt32.self, at: base + 4))
            _ = try range(at: vector.pointer, count: vector.count)
            vectors.append(vector)
        }
        return vectors
    }
}
