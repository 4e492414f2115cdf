/// The integer SIMD instructions (spec §4.3.2 "Vector Numerics", integer lanes) and the integer instructions of
/// relaxed SIMD, as static functions on `V128` that the interpreter's handlers call.
///
/// Each is written with the host's vector operations on a lane view so that LLVM emits the SSE2 instruction or short
/// sequence for it (the engine assumes nothing past SSE2): widening then clamping becomes `paddsb`/`packsswb`,
/// `(a + b + 1) >> 1` on widened lanes becomes `pavgb`, a comparison is one `pcmpeqb`/`pcmpgtb`. Where SSE2 has no
/// byte or quadword form (byte shifts, `i64x2` arithmetic shifts and compares), LLVM's own expansion is a few more
/// vector instructions, still without branches or calls.
extension V128 {
    // A comparison's mask is already the Wasm result: all-ones lanes where true, zero elsewhere.
    @inline(__always) init(_ mask: SIMDMask<SIMD16<Int8>>) { self.init(i8x16: mask._storage) }
    @inline(__always) init(_ mask: SIMDMask<SIMD8<Int16>>) { self.init(i16x8: mask._storage) }
    @inline(__always) init(_ mask: SIMDMask<SIMD4<Int32>>) { self.init(i32x4: mask._storage) }
    @inline(__always) init(_ mask: SIMDMask<SIMD2<Int64>>) { self.init(i64x2: mask._storage) }

    /// `x` where `mask` is set, `y` elsewhere. The stdlib's `replacing(with:where:)` and `pointwiseMin` are generic
    /// lane loops that the optimizer leaves as loops or calls for sixteen lanes; this bit select on two lanes always
    /// inlines, and LLVM still sees a select of a compare, so a min or max becomes `pminub`/`pmaxsw` where SSE2 has it.
    @inline(__always) static func select(_ mask: V128, _ x: V128, _ y: V128) -> V128 {
        V128(u64x2: y.u64x2 ^ ((x.u64x2 ^ y.u64x2) & mask.u64x2))
    }

    // MARK: - Comparisons

    @inline(__always) static func i8x16Eq(_ a: V128, _ b: V128) -> V128 { V128(a.i8x16 .== b.i8x16) }
    @inline(__always) static func i8x16Ne(_ a: V128, _ b: V128) -> V128 { V128(a.i8x16 .!= b.i8x16) }
    @inline(__always) static func i8x16LtS(_ a: V128, _ b: V128) -> V128 { V128(a.i8x16 .< b.i8x16) }
    @inline(__always) static func i8x16LtU(_ a: V128, _ b: V128) -> V128 { V128(a.u8x16 .< b.u8x16) }
    @inline(__always) static func i8x16GtS(_ a: V128, _ b: V128) -> V128 { V128(a.i8x16 .> b.i8x16) }
    @inline(__always) static func i8x16GtU(_ a: V128, _ b: V128) -> V128 { V128(a.u8x16 .> b.u8x16) }
    @inline(__always) static func i8x16LeS(_ a: V128, _ b: V128) -> V128 { V128(a.i8x16 .<= b.i8x16) }
    @inline(__always) static func i8x16LeU(_ a: V128, _ b: V128) -> V128 { V128(a.u8x16 .<= b.u8x16) }
    @inline(__always) static func i8x16GeS(_ a: V128, _ b: V128) -> V128 { V128(a.i8x16 .>= b.i8x16) }
    @inline(__always) static func i8x16GeU(_ a: V128, _ b: V128) -> V128 { V128(a.u8x16 .>= b.u8x16) }

    @inline(__always) static func i16x8Eq(_ a: V128, _ b: V128) -> V128 { V128(a.i16x8 .== b.i16x8) }
    @inline(__always) static func i16x8Ne(_ a: V128, _ b: V128) -> V128 { V128(a.i16x8 .!= b.i16x8) }
    @inline(__always) static func i16x8LtS(_ a: V128, _ b: V128) -> V128 { V128(a.i16x8 .< b.i16x8) }
    @inline(__always) static func i16x8LtU(_ a: V128, _ b: V128) -> V128 { V128(a.u16x8 .< b.u16x8) }
    @inline(__always) static func i16x8GtS(_ a: V128, _ b: V128) -> V128 { V128(a.i16x8 .> b.i16x8) }
    @inline(__always) static func i16x8GtU(_ a: V128, _ b: V128) -> V128 { V128(a.u16x8 .> b.u16x8) }
    @inline(__always) static func i16x8LeS(_ a: V128, _ b: V128) -> V128 { V128(a.i16x8 .<= b.i16x8) }
    @inline(__always) static func i16x8LeU(_ a: V128, _ b: V128) -> V128 { V128(a.u16x8 .<= b.u16x8) }
    @inline(__always) static func i16x8GeS(_ a: V128, _ b: V128) -> V128 { V128(a.i16x8 .>= b.i16x8) }
    @inline(__always) static func i16x8GeU(_ a: V128, _ b: V128) -> V128 { V128(a.u16x8 .>= b.u16x8) }

    @inline(__always) static func i32x4Eq(_ a: V128, _ b: V128) -> V128 { V128(a.i32x4 .== b.i32x4) }
    @inline(__always) static func i32x4Ne(_ a: V128, _ b: V128) -> V128 { V128(a.i32x4 .!= b.i32x4) }
    @inline(__always) static func i32x4LtS(_ a: V128, _ b: V128) -> V128 { V128(a.i32x4 .< b.i32x4) }
    @inline(__always) static func i32x4LtU(_ a: V128, _ b: V128) -> V128 { V128(a.u32x4 .< b.u32x4) }
    @inline(__always) static func i32x4GtS(_ a: V128, _ b: V128) -> V128 { V128(a.i32x4 .> b.i32x4) }
    @inline(__always) static func i32x4GtU(_ a: V128, _ b: V128) -> V128 { V128(a.u32x4 .> b.u32x4) }
    @inline(__always) static func i32x4LeS(_ a: V128, _ b: V128) -> V128 { V128(a.i32x4 .<= b.i32x4) }
    @inline(__always) static func i32x4LeU(_ a: V128, _ b: V128) -> V128 { V128(a.u32x4 .<= b.u32x4) }
    @inline(__always) static func i32x4GeS(_ a: V128, _ b: V128) -> V128 { V128(a.i32x4 .>= b.i32x4) }
    @inline(__always) static func i32x4GeU(_ a: V128, _ b: V128) -> V128 { V128(a.u32x4 .>= b.u32x4) }

    @inline(__always) static func i64x2Eq(_ a: V128, _ b: V128) -> V128 { V128(a.i64x2 .== b.i64x2) }
    @inline(__always) static func i64x2Ne(_ a: V128, _ b: V128) -> V128 { V128(a.i64x2 .!= b.i64x2) }
    @inline(__always) static func i64x2LtS(_ a: V128, _ b: V128) -> V128 { V128(a.i64x2 .< b.i64x2) }
    @inline(__always) static func i64x2GtS(_ a: V128, _ b: V128) -> V128 { V128(a.i64x2 .> b.i64x2) }
    @inline(__always) static func i64x2LeS(_ a: V128, _ b: V128) -> V128 { V128(a.i64x2 .<= b.i64x2) }
    @inline(__always) static func i64x2GeS(_ a: V128, _ b: V128) -> V128 { V128(a.i64x2 .>= b.i64x2) }

    // MARK: - Lane-wise arithmetic
    //
    // Each saturating form is written in the shape LLVM turns into `padds`/`paddus`/`psubs`/`psubus`: unsigned as
    // the wrapped result or-ed with its carry mask (and-ed with its no-borrow mask), signed as halves widened, clamped
    // and narrowed back. The stdlib's `init(clamping:)` would be a call to a scalar loop. Likewise `avgr_u` is the
    // `pavg` shape: widened halves for bytes, `(a | b) - ((a ^ b) >> 1)` for words.

    @inline(__always) static func i8x16Add(_ a: V128, _ b: V128) -> V128 { V128(i8x16: a.i8x16 &+ b.i8x16) }
    @inline(__always) static func i8x16Sub(_ a: V128, _ b: V128) -> V128 { V128(i8x16: a.i8x16 &- b.i8x16) }

    @inline(__always) static func i8x16AddSatS(_ a: V128, _ b: V128) -> V128 {
        let low = SIMD8<Int16>(truncatingIfNeeded: a.i8x16.lowHalf) &+ SIMD8<Int16>(truncatingIfNeeded: b.i8x16.lowHalf)
        let high = SIMD8<Int16>(truncatingIfNeeded: a.i8x16.highHalf) &+ SIMD8<Int16>(truncatingIfNeeded: b.i8x16.highHalf)
        return narrowS(low, high)
    }
    @inline(__always) static func i8x16AddSatU(_ a: V128, _ b: V128) -> V128 {
        let sum = V128(bytes: a.u8x16 &+ b.u8x16)
        return V128(u64x2: sum.u64x2 | V128(sum.u8x16 .< a.u8x16).u64x2)
    }
    @inline(__always) static func i8x16SubSatS(_ a: V128, _ b: V128) -> V128 {
        let low = SIMD8<Int16>(truncatingIfNeeded: a.i8x16.lowHalf) &- SIMD8<Int16>(truncatingIfNeeded: b.i8x16.lowHalf)
        let high = SIMD8<Int16>(truncatingIfNeeded: a.i8x16.highHalf) &- SIMD8<Int16>(truncatingIfNeeded: b.i8x16.highHalf)
        return narrowS(low, high)
    }
    @inline(__always) static func i8x16SubSatU(_ a: V128, _ b: V128) -> V128 {
        V128(u64x2: V128(bytes: a.u8x16 &- b.u8x16).u64x2 & V128(a.u8x16 .> b.u8x16).u64x2)
    }

    @inline(__always) static func i8x16MinS(_ a: V128, _ b: V128) -> V128 { select(V128(a.i8x16 .< b.i8x16), a, b) }
    @inline(__always) static func i8x16MinU(_ a: V128, _ b: V128) -> V128 { select(V128(a.u8x16 .< b.u8x16), a, b) }
    @inline(__always) static func i8x16MaxS(_ a: V128, _ b: V128) -> V128 { select(V128(a.i8x16 .> b.i8x16), a, b) }
    @inline(__always) static func i8x16MaxU(_ a: V128, _ b: V128) -> V128 { select(V128(a.u8x16 .> b.u8x16), a, b) }

    @inline(__always) static func i8x16AvgrU(_ a: V128, _ b: V128) -> V128 {
        let one = SIMD8<UInt16>(repeating: 1)
        let low = SIMD8<UInt16>(truncatingIfNeeded: a.u8x16.lowHalf) &+ SIMD8<UInt16>(truncatingIfNeeded: b.u8x16.lowHalf)
        let high = SIMD8<UInt16>(truncatingIfNeeded: a.u8x16.highHalf) &+ SIMD8<UInt16>(truncatingIfNeeded: b.u8x16.highHalf)
        return V128(bytes: SIMD16<UInt8>(
            lowHalf: SIMD8<UInt8>(truncatingIfNeeded: (low &+ one) &>> one),
            highHalf: SIMD8<UInt8>(truncatingIfNeeded: (high &+ one) &>> one)))
    }

    @inline(__always) static func i16x8Add(_ a: V128, _ b: V128) -> V128 { V128(i16x8: a.i16x8 &+ b.i16x8) }
    @inline(__always) static func i16x8Sub(_ a: V128, _ b: V128) -> V128 { V128(i16x8: a.i16x8 &- b.i16x8) }
    @inline(__always) static func i16x8Mul(_ a: V128, _ b: V128) -> V128 { V128(i16x8: a.i16x8 &* b.i16x8) }

    @inline(__always) static func i16x8AddSatS(_ a: V128, _ b: V128) -> V128 {
        let low = SIMD4<Int32>(truncatingIfNeeded: a.i16x8.lowHalf) &+ SIMD4<Int32>(truncatingIfNeeded: b.i16x8.lowHalf)
        let high = SIMD4<Int32>(truncatingIfNeeded: a.i16x8.highHalf) &+ SIMD4<Int32>(truncatingIfNeeded: b.i16x8.highHalf)
        return narrowS(low, high)
    }
    @inline(__always) static func i16x8AddSatU(_ a: V128, _ b: V128) -> V128 {
        let sum = V128(u16x8: a.u16x8 &+ b.u16x8)
        return V128(u64x2: sum.u64x2 | V128(sum.u16x8 .< a.u16x8).u64x2)
    }
    @inline(__always) static func i16x8SubSatS(_ a: V128, _ b: V128) -> V128 {
        let low = SIMD4<Int32>(truncatingIfNeeded: a.i16x8.lowHalf) &- SIMD4<Int32>(truncatingIfNeeded: b.i16x8.lowHalf)
        let high = SIMD4<Int32>(truncatingIfNeeded: a.i16x8.highHalf) &- SIMD4<Int32>(truncatingIfNeeded: b.i16x8.highHalf)
        return narrowS(low, high)
    }
    @inline(__always) static func i16x8SubSatU(_ a: V128, _ b: V128) -> V128 {
        V128(u64x2: V128(u16x8: a.u16x8 &- b.u16x8).u64x2 & V128(a.u16x8 .> b.u16x8).u64x2)
    }

    @inline(__always) static func i16x8MinS(_ a: V128, _ b: V128) -> V128 { select(V128(a.i16x8 .< b.i16x8), a, b) }
    // SSE2 has no `pminuw`: `a - (a -sat b)` and `b + (a -sat b)` are two instructions with `psubusw`.
    @inline(__always) static func i16x8MinU(_ a: V128, _ b: V128) -> V128 {
        V128(u16x8: a.u16x8 &- i16x8SubSatU(a, b).u16x8)
    }
    @inline(__always) static func i16x8MaxS(_ a: V128, _ b: V128) -> V128 { select(V128(a.i16x8 .> b.i16x8), a, b) }
    @inline(__always) static func i16x8MaxU(_ a: V128, _ b: V128) -> V128 {
        V128(u16x8: b.u16x8 &+ i16x8SubSatU(a, b).u16x8)
    }

    @inline(__always) static func i16x8AvgrU(_ a: V128, _ b: V128) -> V128 {
        let x = a.u16x8, y = b.u16x8
        return V128(u16x8: (x | y) &- ((x ^ y) &>> 1))
    }

    /// Rounding Q15 multiplication, `(a * b + 0x4000) >> 15` saturated. Only `-32768 * -32768` leaves the i16 range,
    /// as 32768, which wraps to -32768 in 16 bits (no product rounds to -32768): a negative result from operands of
    /// one sign is that case, and flipping its bits gives 32767. (A clamp in 32-bit lanes costs four compare-and-blend steps without SSE4.1.)
    @inline(__always) static func i16x8Q15mulrSatS(_ a: V128, _ b: V128) -> V128 {
        let product = SIMD8<Int32>(truncatingIfNeeded: a.i16x8) &* SIMD8<Int32>(truncatingIfNeeded: b.i16x8)
        let rounded = SIMD8<Int16>(truncatingIfNeeded: (product &+ 0x4000) &>> 15)
        let overflowed = (~(a.i16x8 ^ b.i16x8) & rounded) &>> 15
        return V128(i16x8: rounded ^ overflowed)
    }

    @inline(__always) static func i32x4Add(_ a: V128, _ b: V128) -> V128 { V128(i32x4: a.i32x4 &+ b.i32x4) }
    @inline(__always) static func i32x4Sub(_ a: V128, _ b: V128) -> V128 { V128(i32x4: a.i32x4 &- b.i32x4) }
    @inline(__always) static func i32x4Mul(_ a: V128, _ b: V128) -> V128 { V128(i32x4: a.i32x4 &* b.i32x4) }

    @inline(__always) static func i32x4MinS(_ a: V128, _ b: V128) -> V128 { select(V128(a.i32x4 .< b.i32x4), a, b) }
    @inline(__always) static func i32x4MinU(_ a: V128, _ b: V128) -> V128 { select(V128(a.u32x4 .< b.u32x4), a, b) }
    @inline(__always) static func i32x4MaxS(_ a: V128, _ b: V128) -> V128 { select(V128(a.i32x4 .> b.i32x4), a, b) }
    @inline(__always) static func i32x4MaxU(_ a: V128, _ b: V128) -> V128 { select(V128(a.u32x4 .> b.u32x4), a, b) }

    /// Sums of adjacent widened products (`pmaddwd`); `-32768 * -32768` twice wraps to `Int32.min`, as the spec's
    /// modular addition does.
    @inline(__always) static func i32x4DotI16x8S(_ a: V128, _ b: V128) -> V128 {
        let product = SIMD8<Int32>(truncatingIfNeeded: a.i16x8) &* SIMD8<Int32>(truncatingIfNeeded: b.i16x8)
        return V128(i32x4: product.evenHalf &+ product.oddHalf)
    }

    @inline(__always) static func i64x2Add(_ a: V128, _ b: V128) -> V128 { V128(i64x2: a.i64x2 &+ b.i64x2) }
    @inline(__always) static func i64x2Sub(_ a: V128, _ b: V128) -> V128 { V128(i64x2: a.i64x2 &- b.i64x2) }
    @inline(__always) static func i64x2Mul(_ a: V128, _ b: V128) -> V128 { V128(i64x2: a.i64x2 &* b.i64x2) }

    // MARK: - Narrowing
    //
    // `a` fills the low half and `b` the high half. Unsigned narrowing clamps the signed input to [0, max].

    @inline(__always) static func i8x16NarrowI16x8S(_ a: V128, _ b: V128) -> V128 { narrowS(a.i16x8, b.i16x8) }
    @inline(__always) static func i8x16NarrowI16x8U(_ a: V128, _ b: V128) -> V128 {
        let zero = SIMD8<Int16>(repeating: 0), max = SIMD8<Int16>(repeating: 255)
        return V128(bytes: SIMD16<UInt8>(
            lowHalf: SIMD8<UInt8>(truncatingIfNeeded: pointwiseMin(pointwiseMax(a.i16x8, zero), max)),
            highHalf: SIMD8<UInt8>(truncatingIfNeeded: pointwiseMin(pointwiseMax(b.i16x8, zero), max))))
    }
    @inline(__always) static func i16x8NarrowI32x4S(_ a: V128, _ b: V128) -> V128 { narrowS(a.i32x4, b.i32x4) }
    @inline(__always) static func i16x8NarrowI32x4U(_ a: V128, _ b: V128) -> V128 {
        let zero = SIMD4<Int32>(repeating: 0), max = SIMD4<Int32>(repeating: 65535)
        return V128(u16x8: SIMD8<UInt16>(
            lowHalf: SIMD4<UInt16>(truncatingIfNeeded: pointwiseMin(pointwiseMax(a.i32x4, zero), max)),
            highHalf: SIMD4<UInt16>(truncatingIfNeeded: pointwiseMin(pointwiseMax(b.i32x4, zero), max))))
    }

    /// Eight-lane halves clamped with `pointwiseMin`/`pointwiseMax` (these do inline) and truncated: `packsswb` for
    /// words. SSE2 has no `pminsd`, so for doublewords LLVM clamps with compares and blends before `packssdw`.
    @inline(__always) static func narrowS(_ low: SIMD8<Int16>, _ high: SIMD8<Int16>) -> V128 {
        let min = SIMD8<Int16>(repeating: -128), max = SIMD8<Int16>(repeating: 127)
        return V128(i8x16: SIMD16<Int8>(
            lowHalf: SIMD8<Int8>(truncatingIfNeeded: pointwiseMin(pointwiseMax(low, min), max)),
            highHalf: SIMD8<Int8>(truncatingIfNeeded: pointwiseMin(pointwiseMax(high, min), max))))
    }
    @inline(__always) static func narrowS(_ low: SIMD4<Int32>, _ high: SIMD4<Int32>) -> V128 {
        let min = SIMD4<Int32>(repeating: -32768), max = SIMD4<Int32>(repeating: 32767)
        return V128(i16x8: SIMD8<Int16>(
            lowHalf: SIMD4<Int16>(truncatingIfNeeded: pointwiseMin(pointwiseMax(low, min), max)),
            highHalf: SIMD4<Int16>(truncatingIfNeeded: pointwiseMin(pointwiseMax(high, min), max))))
    }

    // MARK: - Extended multiplication

    @inline(__always) static func i16x8ExtmulLowI8x16S(_ a: V128, _ b: V128) -> V128 {
        V128(i16x8: SIMD8<Int16>(truncatingIfNeeded: a.i8x16.lowHalf) &* SIMD8<Int16>(truncatingIfNeeded: b.i8x16.lowHalf))
    }
    @inline(__always) static func i16x8ExtmulHighI8x16S(_ a: V128, _ b: V128) -> V128 {
        V128(i16x8: SIMD8<Int16>(truncatingIfNeeded: a.i8x16.highHalf) &* SIMD8<Int16>(truncatingIfNeeded: b.i8x16.highHalf))
    }
    @inline(__always) static func i16x8ExtmulLowI8x16U(_ a: V128, _ b: V128) -> V128 {
        V128(u16x8: SIMD8<UInt16>(truncatingIfNeeded: a.u8x16.lowHalf) &* SIMD8<UInt16>(truncatingIfNeeded: b.u8x16.lowHalf))
    }
    @inline(__always) static func i16x8ExtmulHighI8x16U(_ a: V128, _ b: V128) -> V128 {
        V128(u16x8: SIMD8<UInt16>(truncatingIfNeeded: a.u8x16.highHalf) &* SIMD8<UInt16>(truncatingIfNeeded: b.u8x16.highHalf))
    }

    @inline(__always) static func i32x4ExtmulLowI16x8S(_ a: V128, _ b: V128) -> V128 {
        V128(i32x4: SIMD4<Int32>(truncatingIfNeeded: a.i16x8.lowHalf) &* SIMD4<Int32>(truncatingIfNeeded: b.i16x8.lowHalf))
    }
    @inline(__always) static func i32x4ExtmulHighI16x8S(_ a: V128, _ b: V128) -> V128 {
        V128(i32x4: SIMD4<Int32>(truncatingIfNeeded: a.i16x8.highHalf) &* SIMD4<Int32>(truncatingIfNeeded: b.i16x8.highHalf))
    }
    @inline(__always) static func i32x4ExtmulLowI16x8U(_ a: V128, _ b: V128) -> V128 {
        V128(u32x4: SIMD4<UInt32>(truncatingIfNeeded: a.u16x8.lowHalf) &* SIMD4<UInt32>(truncatingIfNeeded: b.u16x8.lowHalf))
    }
    @inline(__always) static func i32x4ExtmulHighI16x8U(_ a: V128, _ b: V128) -> V128 {
        V128(u32x4: SIMD4<UInt32>(truncatingIfNeeded: a.u16x8.highHalf) &* SIMD4<UInt32>(truncatingIfNeeded: b.u16x8.highHalf))
    }

    @inline(__always) static func i64x2ExtmulLowI32x4S(_ a: V128, _ b: V128) -> V128 {
        V128(i64x2: SIMD2<Int64>(truncatingIfNeeded: a.i32x4.lowHalf) &* SIMD2<Int64>(truncatingIfNeeded: b.i32x4.lowHalf))
    }
    @inline(__always) static func i64x2ExtmulHighI32x4S(_ a: V128, _ b: V128) -> V128 {
        V128(i64x2: SIMD2<Int64>(truncatingIfNeeded: a.i32x4.highHalf) &* SIMD2<Int64>(truncatingIfNeeded: b.i32x4.highHalf))
    }
    @inline(__always) static func i64x2ExtmulLowI32x4U(_ a: V128, _ b: V128) -> V128 {
        V128(u64x2: SIMD2<UInt64>(truncatingIfNeeded: a.u32x4.lowHalf) &* SIMD2<UInt64>(truncatingIfNeeded: b.u32x4.lowHalf))
    }
    @inline(__always) static func i64x2ExtmulHighI32x4U(_ a: V128, _ b: V128) -> V128 {
        V128(u64x2: SIMD2<UInt64>(truncatingIfNeeded: a.u32x4.highHalf) &* SIMD2<UInt64>(truncatingIfNeeded: b.u32x4.highHalf))
    }

    // MARK: - Unary
    //
    // `abs` is `(x ^ s) - s` with `s` the sign mask (one `pcmpgt` against zero): no `pabs` before SSSE3. The minimum
    // value comes back unchanged, as the spec wants.

    @inline(__always) static func i8x16Abs(_ a: V128) -> V128 {
        let sign = V128(a.i8x16 .< SIMD16<Int8>(repeating: 0))
        return V128(i8x16: V128(u64x2: a.u64x2 ^ sign.u64x2).i8x16 &- sign.i8x16)
    }
    @inline(__always) static func i8x16Neg(_ a: V128) -> V128 { V128(i8x16: 0 &- a.i8x16) }

    /// Per-byte population count with the SWAR sums of bit pairs, nibbles, then bytes (SSE2 has no `pshufb` for a
    /// nibble table). The shifts run on 16-bit lanes, the only narrow SSE2 shifts; the masks drop what crosses a byte.
    @inline(__always) static func i8x16Popcnt(_ a: V128) -> V128 {
        let x = a.u16x8
        let pairs = x &- ((x &>> 1) & 0x5555)
        let nibbles = (pairs & 0x3333) &+ ((pairs &>> 2) & 0x3333)
        return V128(u16x8: (nibbles &+ (nibbles &>> 4)) & 0x0F0F)
    }

    @inline(__always) static func i16x8Abs(_ a: V128) -> V128 {
        let sign = V128(a.i16x8 .< SIMD8<Int16>(repeating: 0))
        return V128(i16x8: V128(u64x2: a.u64x2 ^ sign.u64x2).i16x8 &- sign.i16x8)
    }
    @inline(__always) static func i16x8Neg(_ a: V128) -> V128 { V128(i16x8: 0 &- a.i16x8) }

    @inline(__always) static func i32x4Abs(_ a: V128) -> V128 {
        let sign = V128(a.i32x4 .< SIMD4<Int32>(repeating: 0))
        return V128(i32x4: V128(u64x2: a.u64x2 ^ sign.u64x2).i32x4 &- sign.i32x4)
    }
    @inline(__always) static func i32x4Neg(_ a: V128) -> V128 { V128(i32x4: 0 &- a.i32x4) }

    @inline(__always) static func i64x2Abs(_ a: V128) -> V128 {
        let sign = V128(a.i64x2 .< SIMD2<Int64>(repeating: 0))
        return V128(i64x2: V128(u64x2: a.u64x2 ^ sign.u64x2).i64x2 &- sign.i64x2)
    }
    @inline(__always) static func i64x2Neg(_ a: V128) -> V128 { V128(i64x2: 0 &- a.i64x2) }

    // MARK: - Pairwise addition and extension
    //
    // A pair of narrow lanes is one wide lane, so the pairwise sums are taken in place: the wide lane shifted right
    // is its odd (high) half, shifted left then right its even (low) half, with no lane shuffles.

    @inline(__always) static func i16x8ExtaddPairwiseI8x16S(_ a: V128) -> V128 {
        let x = a.i16x8
        return V128(i16x8: ((x &<< 8) &>> 8) &+ (x &>> 8))
    }
    @inline(__always) static func i16x8ExtaddPairwiseI8x16U(_ a: V128) -> V128 {
        let x = a.u16x8
        return V128(u16x8: (x & 0x00FF) &+ (x &>> 8))
    }
    @inline(__always) static func i32x4ExtaddPairwiseI16x8S(_ a: V128) -> V128 {
        let x = a.i32x4
        return V128(i32x4: ((x &<< 16) &>> 16) &+ (x &>> 16))
    }
    @inline(__always) static func i32x4ExtaddPairwiseI16x8U(_ a: V128) -> V128 {
        let x = a.u32x4
        return V128(u32x4: (x & 0xFFFF) &+ (x &>> 16))
    }

    @inline(__always) static func i16x8ExtendLowI8x16S(_ a: V128) -> V128 {
        V128(i16x8: SIMD8<Int16>(truncatingIfNeeded: a.i8x16.lowHalf))
    }
    @inline(__always) static func i16x8ExtendHighI8x16S(_ a: V128) -> V128 {
        V128(i16x8: SIMD8<Int16>(truncatingIfNeeded: a.i8x16.highHalf))
    }
    @inline(__always) static func i16x8ExtendLowI8x16U(_ a: V128) -> V128 {
        V128(u16x8: SIMD8<UInt16>(truncatingIfNeeded: a.u8x16.lowHalf))
    }
    @inline(__always) static func i16x8ExtendHighI8x16U(_ a: V128) -> V128 {
        V128(u16x8: SIMD8<UInt16>(truncatingIfNeeded: a.u8x16.highHalf))
    }
    @inline(__always) static func i32x4ExtendLowI16x8S(_ a: V128) -> V128 {
        V128(i32x4: SIMD4<Int32>(truncatingIfNeeded: a.i16x8.lowHalf))
    }
    @inline(__always) static func i32x4ExtendHighI16x8S(_ a: V128) -> V128 {
        V128(i32x4: SIMD4<Int32>(truncatingIfNeeded: a.i16x8.highHalf))
    }
    @inline(__always) static func i32x4ExtendLowI16x8U(_ a: V128) -> V128 {
        V128(u32x4: SIMD4<UInt32>(truncatingIfNeeded: a.u16x8.lowHalf))
    }
    @inline(__always) static func i32x4ExtendHighI16x8U(_ a: V128) -> V128 {
        V128(u32x4: SIMD4<UInt32>(truncatingIfNeeded: a.u16x8.highHalf))
    }
    @inline(__always) static func i64x2ExtendLowI32x4S(_ a: V128) -> V128 {
        V128(i64x2: SIMD2<Int64>(truncatingIfNeeded: a.i32x4.lowHalf))
    }
    @inline(__always) static func i64x2ExtendHighI32x4S(_ a: V128) -> V128 {
        V128(i64x2: SIMD2<Int64>(truncatingIfNeeded: a.i32x4.highHalf))
    }
    @inline(__always) static func i64x2ExtendLowI32x4U(_ a: V128) -> V128 {
        V128(u64x2: SIMD2<UInt64>(truncatingIfNeeded: a.u32x4.lowHalf))
    }
    @inline(__always) static func i64x2ExtendHighI32x4U(_ a: V128) -> V128 {
        V128(u64x2: SIMD2<UInt64>(truncatingIfNeeded: a.u32x4.highHalf))
    }

    // MARK: - All true and bitmask

    // Zero is spelled `V128(low: 0, high: 0)`: `V128.zero` is a global, read through a `swift_once` call.
    @inline(__always) static func i8x16AllTrue(_ a: V128) -> Bool { !anyLane(i8x16Eq(a, V128(low: 0, high: 0))) }
    @inline(__always) static func i16x8AllTrue(_ a: V128) -> Bool { !anyLane(i16x8Eq(a, V128(low: 0, high: 0))) }
    @inline(__always) static func i32x4AllTrue(_ a: V128) -> Bool { !anyLane(i32x4Eq(a, V128(low: 0, high: 0))) }
    @inline(__always) static func i64x2AllTrue(_ a: V128) -> Bool { !anyLane(i64x2Eq(a, V128(low: 0, high: 0))) }

    /// Whether any bit is set; LLVM tests the compare's mask with `pmovmskb`/`movmskps`.
    @inline(__always) static func anyLane(_ mask: V128) -> Bool { (mask.low | mask.high) != 0 }

    // Swift cannot bitcast a vector mask to an integer (LLVM's `pmovmskb` shape), and the stdlib's lane sums are
    // calls. So each 64-bit half's sign bits are gathered with one multiply: masked to the top bit of each lane,
    // times a constant with one bit per lane, each lane's bit lands in the top bits at its index, and no two partial
    // products meet, so nothing carries. Straight-line: two moves out, and, imul and shift per half.

    @inline(__always) static func i8x16Bitmask(_ a: V128) -> UInt32 {
        let gather: UInt64 = 0x0002_0408_1020_4081
        let low = ((a.low & 0x8080_8080_8080_8080) &* gather) >> 56
        let high = ((a.high & 0x8080_8080_8080_8080) &* gather) >> 56
        return UInt32(truncatingIfNeeded: low | high << 8)
    }
    @inline(__always) static func i16x8Bitmask(_ a: V128) -> UInt32 {
        let gather: UInt64 = 0x0000_2000_4000_8001
        let low = ((a.low & 0x8000_8000_8000_8000) &* gather) >> 60
        let high = ((a.high & 0x8000_8000_8000_8000) &* gather) >> 60
        return UInt32(truncatingIfNeeded: low | high << 4)
    }
    @inline(__always) static func i32x4Bitmask(_ a: V128) -> UInt32 {
        let gather: UInt64 = 0x0000_0000_8000_0001
        let low = ((a.low & 0x8000_0000_8000_0000) &* gather) >> 62
        let high = ((a.high & 0x8000_0000_8000_0000) &* gather) >> 62
        return UInt32(truncatingIfNeeded: low | high << 2)
    }
    @inline(__always) static func i64x2Bitmask(_ a: V128) -> UInt32 {
        UInt32(truncatingIfNeeded: a.low >> 63 | (a.high >> 63) << 1)
    }

    // MARK: - Shifts
    //
    // A splatted count is the form LLVM lowers to one `psll`/`psra`/`psrl` with the count in a register; Swift's
    // masking shifts take it modulo the lane width, as the spec does.

    @inline(__always) static func i8x16Shl(_ a: V128, _ count: UInt32) -> V128 {
        V128(i8x16: a.i8x16 &<< Int8(truncatingIfNeeded: count))
    }
    @inline(__always) static func i8x16ShrS(_ a: V128, _ count: UInt32) -> V128 {
        V128(i8x16: a.i8x16 &>> Int8(truncatingIfNeeded: count))
    }
    @inline(__always) static func i8x16ShrU(_ a: V128, _ count: UInt32) -> V128 {
        V128(bytes: a.u8x16 &>> UInt8(truncatingIfNeeded: count))
    }
    @inline(__always) static func i16x8Shl(_ a: V128, _ count: UInt32) -> V128 {
        V128(i16x8: a.i16x8 &<< Int16(truncatingIfNeeded: count))
    }
    @inline(__always) static func i16x8ShrS(_ a: V128, _ count: UInt32) -> V128 {
        V128(i16x8: a.i16x8 &>> Int16(truncatingIfNeeded: count))
    }
    @inline(__always) static func i16x8ShrU(_ a: V128, _ count: UInt32) -> V128 {
        V128(u16x8: a.u16x8 &>> UInt16(truncatingIfNeeded: count))
    }
    @inline(__always) static func i32x4Shl(_ a: V128, _ count: UInt32) -> V128 {
        V128(i32x4: a.i32x4 &<< Int32(bitPattern: count))
    }
    @inline(__always) static func i32x4ShrS(_ a: V128, _ count: UInt32) -> V128 {
        V128(i32x4: a.i32x4 &>> Int32(bitPattern: count))
    }
    @inline(__always) static func i32x4ShrU(_ a: V128, _ count: UInt32) -> V128 {
        V128(u32x4: a.u32x4 &>> count)
    }
    @inline(__always) static func i64x2Shl(_ a: V128, _ count: UInt32) -> V128 {
        V128(i64x2: a.i64x2 &<< Int64(count))
    }
    @inline(__always) static func i64x2ShrS(_ a: V128, _ count: UInt32) -> V128 {
        V128(i64x2: a.i64x2 &>> Int64(count))
    }
    @inline(__always) static func i64x2ShrU(_ a: V128, _ count: UInt32) -> V128 {
        V128(u64x2: a.u64x2 &>> UInt64(count))
    }

    // MARK: - Relaxed SIMD
    //
    // The relaxed instructions let an engine pick among results; these picks are fixed, so a module computes the same
    // on every host (and in the micro-VM as in-process):
    // - `i16x8.relaxed_q15mulr_s` saturates, as `i16x8.q15mulr_sat_s` does.
    // - the dot products read `b`'s bytes as signed, as `a`'s.
    // - `i16x8.relaxed_dot_i8x16_i7x16_s` wraps its pair sums to 16 bits (only `-128 * -128` twice leaves the range);
    //   `i32x4.relaxed_dot_i8x16_i7x16_add_s` adds its four products in 32 bits, where nothing wraps before `c`.

    @inline(__always) static func i16x8RelaxedQ15mulrS(_ a: V128, _ b: V128) -> V128 { i16x8Q15mulrSatS(a, b) }

    @inline(__always) static func i16x8RelaxedDotI8x16I7x16S(_ a: V128, _ b: V128) -> V128 {
        let x = a.i16x8, y = b.i16x8
        let even = ((x &<< 8) &>> 8) &* ((y &<< 8) &>> 8)
        return V128(i16x8: even &+ (x &>> 8) &* (y &>> 8))
    }

    /// The even and the odd bytes of each 16-bit lane, sign-extended in place, make two i16x8 operands whose
    /// `i32x4.dot_i16x8_s` (`pmaddwd`) sums two of the four byte products of each 32-bit lane.
    @inline(__always) static func i32x4RelaxedDotI8x16I7x16AddS(_ a: V128, _ b: V128, _ c: V128) -> V128 {
        let x = a.i16x8, y = b.i16x8
        let evens = i32x4DotI16x8S(V128(i16x8: (x &<< 8) &>> 8), V128(i16x8: (y &<< 8) &>> 8))
        let odds = i32x4DotI16x8S(V128(i16x8: x &>> 8), V128(i16x8: y &>> 8))
        return V128(i32x4: evens.i32x4 &+ odds.i32x4 &+ c.i32x4)
    }
}
