#if hasFeature(Embedded)
/// Line-buffered console output: the standard library's `print` calls `putchar` once per byte, and each console
/// write costs a VM exit, so bytes are gathered and written a line (or a full buffer) at a time.
enum Console {
    static let capacity = 1024
    nonisolated(unsafe) static var buffer: UnsafeMutablePointer<UInt8>? = nil
    nonisolated(unsafe) static var count = 0

    /// Allocates the buffer; until then every byte is written on its own.
    static func initialize() {
        buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    }

    static func write(_ byte: UInt8) {
        guard let buffer else {
            withUnsafeBytes(of: byte) { Hypercalls.consoleWrite($0) }
            return
        }
        buffer[count] = byte
        count += 1
        if byte == UInt8(ascii: "\n") || count == capacity { flush() }
    }

    static func flush() {
        guard let buffer, count > 0 else { return }
        Hypercalls.consoleWrite(UnsafeRawBufferPointer(start: buffer, count: count))
        count = 0
    }
}

/// Called by the standard library's `print`.
@_cdecl("putchar")
public func putchar(_ character: Int32) -> Int32 {
    Console.write(UInt8(truncatingIfNeeded: character))
    return character
}
#endif
