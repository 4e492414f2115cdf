#if hasFeature(Embedded)
import SwiftletABI

/// The guest's one CSPRNG (ChaCha20 keyed from the host's getrandom through BootInfo): WASI `random_get` without
/// an exit, and the standard library's `arc4random_buf` (hash seeds). One vCPU, so no locking.
enum Random {
    nonisolated(unsafe) static var generator = ChaCha20(key: (0, 0, 0, 0))

    static func seed(_ key: (UInt64, UInt64, UInt64, UInt64)) {
        generator = ChaCha20(key: key)
    }
}

@_cdecl("arc4random_buf")
public func arc4random_buf(_ buffer: UnsafeMutableRawPointer, _ count: Int) {
    Random.generator.fill(UnsafeMutableRawBufferPointer(start: buffer, count: count))
}
#endif
