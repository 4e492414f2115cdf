/// The SIMD operations on whole vectors and on lane indices: bitwise logic, the any-true test, shuffles and swizzles,
/// and the relaxed instructions that this engine defines as one of those.
extension V128 {
    // MARK: Bitwise

    @inline(__always) static func v128Not(_ a: V128) -> V128 { V128(u64x2: ~a.u64x2) }
    @inline(__always) static func v128And(_ a: V128, _ b: V128) -> V128 { V128(u64x2: a.u64x2 & b.u64x2) }
    @inline(__always) static func v128Andnot(_ a: V128, _ b: V128) -> V128 { V128(u64x2: a.u64x2 & ~b.u64x2) }
    @inline(__always) static func v128Or(_ a: V128, _ b: V128) -> V128 { V128(u64x2: a.u64x2 | b.u64x2) }
    @inline(__always) static func v128Xor(_ a: V128, _ b: V128) -> V128 { V128(u64x2: a.u64x2 ^ b.u64x2) }

    /// Each bit from `a` where `mask` has a one, from `b` where it has a zero.
    @inline(__always) static func v128Bitselect(_ a: V128, _ b: V128, _ mask: V128) -> V128 {
        V128(u64x2: (a.u64x2 & mask.u64x2) | (b.u64x2 & ~mask.u64x2))
    }

    @inline(__always) static func v128AnyTrue(_ a: V128) -> Bool { (a.low | a.high) != 0 }

    // MARK: Lane indices

    /// Lane `i` of the result is lane `lanes[i]` of the vectors at `first` and `second` taken as one 32-lane vector
    /// (validation keeps every index below 32). SSE2 has no byte shuffle with variable indices (`pshufb` is SSSE3): the
    /// bytes are gathered from memory into two words, then joined in a vector register (built from bytes in memory,
    /// the vector would be read back through a store-forwarding stall).
    @inline(__always) static func i8x16Shuffle(first: UnsafeRawPointer, second: UnsafeRawPointer, lanes: V128) -> V128 {
        V128(low: gather(first, second, lanes.low), high: gather(first, second, lanes.high))
    }

    /// Eight bytes of `first` and `second` taken as one 32-byte vector, at the offsets in `indices`' bytes (mod 32).
    /// (A nested function here was not inlined: the call made the handler save and restore registers.)
    @inline(__always)
    private static func gather(_ first: UnsafeRawPointer, _ second: UnsafeRawPointer, _ indices: UInt64) -> UInt64 {
        var word: UInt64 = 0
        for lane in 0..<8 {
            let index = UInt8(truncatingIfNeeded: indices >> UInt64(8 * lane)) & 31
            // SAFETY: each operand has 16 readable bytes, and `index & 15` < 16.
            let byte = (index < 16 ? first : second).load(fromByteOffset: Int(index & 15), as: UInt8.self)
            word |= UInt64(byte) << UInt64(8 * lane)
        }
        return word
    }

    /// Lane `i` of the result is lane `indices[i]` of the vector at `operand`, or 0 where that index is 16 or more.
    @inline(__always) static func i8x16Swizzle(operand: UnsafeRawPointer, _ indices: V128) -> V128 {
        V128(low: gather(operand, indices.low, limit: 15), high: gather(operand, indices.high, limit: 15))
    }

    /// Eight bytes of `source`, at the byte offsets in `indices`' bytes; 0 for an offset above `limit`.
    @inline(__always) private static func gather(_ source: UnsafeRawPointer, _ indices: UInt64, limit: UInt8) -> UInt64 {
        var word: UInt64 = 0
        for lane in 0..<8 {
            let index = UInt8(truncatingIfNeeded: indices >> UInt64(8 * lane))
            // SAFETY: `index` ≤ `limit`, and the caller's `source` has `limit + 1` readable bytes.
            let byte = index <= limit ? source.load(fromByteOffset: Int(index), as: UInt8.self) : 0
            word |= UInt64(byte) << UInt64(8 * lane)
        }
        return word
    }

    // MARK: Relaxed SIMD, deterministic: each is the exact instruction it relaxes (one of the results the proposal
    // allows), so a module computes the same on every host and in both isolations.

    /// `i8x16.swizzle`: an index of 16 or more gives 0.
    @inline(__always) static func i8x16RelaxedSwizzle(operand: UnsafeRawPointer, _ indices: V128) -> V128 {
        i8x16Swizzle(operand: operand, indices)
    }
    /// `v128.bitselect`, whatever the mask's lanes hold.
    @inline(__always) static func i8x16RelaxedLaneselect(_ a: V128, _ b: V128, _ mask: V128) -> V128 {
        v128Bitselect(a, b, mask)
    }
    @inline(__always) static func i16x8RelaxedLaneselect(_ a: V128, _ b: V128, _ mask: V128) -> V128 {
        v128Bitselect(a, b, mask)
    }
    @inline(__always) static func i32x4RelaxedLaneselect(_ a: V128, _ b: V128, _ mask: V128) -> V128 {
        v128Bitselect(a, b, mask)
    }
    @inline(__always) static func i64x2RelaxedLaneselect(_ a: V128, _ b: V128, _ mask: V128) -> V128 {
        v128Bitselect(a, b, mask)
    }
}
