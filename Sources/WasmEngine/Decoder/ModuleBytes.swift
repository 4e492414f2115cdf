/// A module's binary, which a `Module` keeps whole: its function bodies are translated from it on first call and
/// its data segments copied from it at instantiation. Read, never written, and held once: copies of a module
/// share it, and an embedder that already holds the bytes (the guest kernel, which finds them in guest memory)
/// lends them instead of copying.
public final class ModuleBytes: @unchecked Sendable {
    /// `count` bytes, readable and unchanged for as long as this object lives (both initializers promise it).
    let start: UnsafeRawPointer
    public let count: Int
    private let ownsBytes: Bool

    /// A copy of `bytes`.
    public convenience init(copying bytes: [UInt8]) {
        self.init(count: bytes.count) { buffer in
            // SAFETY: `buffer` has room for exactly `bytes.count` bytes.
            buffer.copyBytes(from: bytes)
        }
    }

    /// `count` bytes that `initialize` writes, all of them (a file read straight into place, for one).
    public init(count: Int, initializingWith initialize: (UnsafeMutableRawBufferPointer) -> Void) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(count, 1), alignment: 16)
        initialize(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]))
        start = UnsafeRawPointer(buffer.baseAddress.unsafelyUnwrapped)
        self.count = count
        ownsBytes = true
    }

    /// The bytes of `buffer`, not copied.
    /// - Precondition: `buffer` stays readable and unchanged for as long as this object and every module decoded
    ///   from it live.
    public init(unsafeBorrowing buffer: UnsafeRawBufferPointer) {
        // A zero-length buffer may have no base address; a module of no bytes still needs a valid pointer.
        start = buffer.baseAddress ?? UnsafeRawPointer(bitPattern: MemoryLayout<UInt64>.alignment).unsafelyUnwrapped
        count = buffer.count
        ownsBytes = false
    }

    deinit {
        if ownsBytes { UnsafeMutableRawPointer(mutating: start).deallocate() }
    }

    /// All the bytes (to hash them, for one).
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        withUnsafeBytes(in: 0..<count, body)
    }

    /// The bytes at `range`, which must lie within `0..<count`.
    func withUnsafeBytes<Result>(
        in range: Range<Int>, _ body: (UnsafeRawBufferPointer) -> Result
    ) -> Result {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the module's bytes")
        // SAFETY: the range lies within the `count` readable bytes (checked above).
        return body(UnsafeRawBufferPointer(start: start + range.lowerBound, count: range.count))
    }
}
