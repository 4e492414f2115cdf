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

    /// Lane `i` of the result is lane `lanes[i]` of `a` and `b` taken as one 32-lane vector (validation keeps every
    /// index below 32). SSE2 has no byte shuffle with variable indices (`pshufb` is SSSE3): a lane at a time.
    @inline(__always) static func i8x16Shuffle(_ a: V128, _ b: V128, lanes: V128) -> V128 {
        var result = SIMD16<UInt8>()
        for lane in 0..<16 {
            let index = Int(lanes.bytes[lane] & 31)
            result[lane] = index < 16 ? a.bytes[index] : b.bytes[index &- 16]
        }
        return V128(bytes: result)
    }

    /// Lane `i` of the result is lane `indices[i]` of `a`, or 0 where that index is 16 or more.
    @inline(__always) static func i8x16Swizzle(_ a: V128, _ indices: V128) -> V128 {
        var result = SIMD16<UInt8>()
        for lane in 0..<16 {
            let index = indices.bytes[lane]
            result[lane] = index < 16 ? a.bytes[Int(index)] : 0
        }
        return V128(bytes: result)
    }

    // MARK: Relaxed SIMD, deterministic: each is the exact instruction it relaxes (one of the results the proposal
    // allows), so a module computes the same on every host and in both isolations.

    /// `i8x16.swizzle`: an index of 16 or more gives 0.
    @inline(__always) static func i8x16RelaxedSwizzle(_ a: V128, _ indices: V128) -> V128 { i8x16Swizzle(a, indices) }
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
