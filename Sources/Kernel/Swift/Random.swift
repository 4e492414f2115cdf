#if hasFeature(Embedded)
/// The standard library asks `arc4random_buf` for hash seeds. The guest has no entropy source of its own, so the
/// monitor supplies a seed in BootInfo and SplitMix64 stretches it.
enum Random {
    nonisolated(unsafe) static var state: UInt64 = 0

    static func seed(_ value: UInt64) {
        state = value
    }

    static func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

@_cdecl("arc4random_buf")
public func arc4random_buf(_ buffer: UnsafeMutableRawPointer, _ count: Int) {
    var offset = 0
    while offset < count {
        let word = Random.next()
        for byte in 0..<min(8, count - offset) {
            buffer.storeBytes(of: UInt8(truncatingIfNeeded: word >> (8 * UInt64(byte))), toByteOffset: offset + byte, as: UInt8.self)
        }
        offset += 8
    }
}
#endif
