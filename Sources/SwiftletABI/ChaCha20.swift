/// The ChaCha20 keystream (RFC 8439 block function with a 64-bit block counter and a zero nonce): the guest's
/// CSPRNG, keyed by ``BootInfo/randomKey``. It lives here rather than in the kernel so the host's tests can check
/// it against the RFC's test vectors.
public struct ChaCha20 {
    private var state: Words
    /// The keystream block in use and how much of it is spent: `block[position..<64]` is still unused.
    private var block = Words()
    private var position = 64

    private struct Words {
        var words: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
            UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    }

    /// - Parameter key: the 256-bit key as four little-endian 64-bit words.
    public init(key: (UInt64, UInt64, UInt64, UInt64), counter: UInt64 = 0) {
        func low(_ word: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: word) }
        func high(_ word: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: word >> 32) }
        state = Words()
        state.words = (0x6170_7865, 0x3320_646E, 0x7962_2D32, 0x6B20_6574,
            low(key.0), high(key.0), low(key.1), high(key.1), low(key.2), high(key.2), low(key.3), high(key.3),
            low(counter), high(counter), 0, 0)
    }

    /// Fills `buffer` with the next keystream bytes.
    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            if position == 64 {
                block = nextBlock()
                position = 0
            }
            let count = min(64 - position, buffer.count - offset)
            let start = position
            withUnsafeMutableBytes(of: &block.words) { bytes in
                // SAFETY: start + count <= 64, the block's size, and offset + count <= buffer.count.
                buffer.baseAddress!.advanced(by: offset)
                    .copyMemory(from: bytes.baseAddress!.advanced(by: start), byteCount: count)
                // Spent keystream is erased so a later disclosure of this memory cannot replay it.
                bytes.baseAddress!.advanced(by: start).initializeMemory(as: UInt8.self, repeating: 0, count: count)
            }
            position += count
            offset += count
        }
    }

    private mutating func nextBlock() -> Words {
        var working = state
        let initial = state
        // The 64-bit block counter is words 12 and 13.
        let counter = (UInt64(state.words.13) << 32 | UInt64(state.words.12)) &+ 1
        state.words.12 = UInt32(truncatingIfNeeded: counter)
        state.words.13 = UInt32(truncatingIfNeeded: counter >> 32)
        withUnsafeMutableBytes(of: &working.words) { raw in
            let x = raw.assumingMemoryBound(to: UInt32.self)
            func quarterRound(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
                x[a] &+= x[b]; x[d] ^= x[a]; x[d] = x[d] << 16 | x[d] >> 16
                x[c] &+= x[d]; x[b] ^= x[c]; x[b] = x[b] << 12 | x[b] >> 20
                x[a] &+= x[b]; x[d] ^= x[a]; x[d] = x[d] << 8 | x[d] >> 24
                x[c] &+= x[d]; x[b] ^= x[c]; x[b] = x[b] << 7 | x[b] >> 25
            }
            for _ in 0..<10 {
                quarterRound(0, 4, 8, 12); quarterRound(1, 5, 9, 13)
                quarterRound(2, 6, 10, 14); quarterRound(3, 7, 11, 15)
                quarterRound(0, 5, 10, 15); quarterRound(1, 6, 11, 12)
                quarterRound(2, 7, 8, 13); quarterRound(3, 4, 9, 14)
            }
            withUnsafeBytes(of: initial.words) { initialBytes in
                let s = initialBytes.assumingMemoryBound(to: UInt32.self)
                for index in 0..<16 { x[index] = (x[index] &+ s[index]).littleEndian }
            }
        }
        return working
    }
}
