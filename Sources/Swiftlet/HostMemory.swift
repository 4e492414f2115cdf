/// The calling module's linear memory, as a host function sees it during one call (in-process or in a micro-VM
/// alike). Every access is bounds-checked: an address outside the memory is the module's error, reported as the
/// trap "out of bounds memory access" unless the host function catches it (e.g. to return an errno instead). The
/// view must not be kept past the call: the memory may grow or move afterwards.
public struct HostMemory {
    private let bytes: UnsafeMutableRawBufferPointer

    init(_ bytes: UnsafeMutableRawBufferPointer) {
        self.bytes = bytes
    }

    /// The memory's size in bytes (0 for a module without one).
    public var count: Int { bytes.count }

    /// Copies `count` bytes from `address`.
    public func read(at address: UInt32, count: UInt32) throws(Trap) -> [UInt8] {
        Array(bytes[try range(at: address, count: count)])
    }

    /// Copies `data` to `address`.
    public func write(_ data: [UInt8], at address: UInt32) throws(Trap) {
        guard let count = UInt32(exactly: data.count) else { throw Trap(.memoryOutOfBounds) }
        let range = try range(at: address, count: count)
        UnsafeMutableRawBufferPointer(rebasing: bytes[range]).copyBytes(from: data)
    }

    /// The little-endian integer at `address` (which need not be aligned).
    public func load<T: FixedWidthInteger>(_ type: T.Type, at address: UInt32) throws(Trap) -> T {
        let range = try range(at: address, count: UInt32(MemoryLayout<T>.size))
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: range.lowerBound, as: T.self))
    }

    /// Writes `value` little-endian at `address` (which need not be aligned).
    public func store<T: FixedWidthInteger>(_ value: T, at address: UInt32) throws(Trap) {
        let range = try range(at: address, count: UInt32(MemoryLayout<T>.size))
        bytes.storeBytes(of: value.littleEndian, toByteOffset: range.lowerBound, as: T.self)
    }

    private func range(at address: UInt32, count: UInt32) throws(Trap) -> Range<Int> {
        // 32-bit operands cannot overflow a 64-bit Int.
        let (start, end) = (Int(address), Int(address) + Int(count))
        guard end <= bytes.count else { throw Trap(.memoryOutOfBounds) }
        return start..<end
    }
}
