/// The floating-point lane operations of Wasm SIMD (spec §4.3.3 on `f32x4`/`f64x2`): comparisons, arithmetic, the
/// rounding functions, the float <-> integer conversions, and the relaxed-SIMD floating-point instructions. Each is a
/// few SSE2 instructions on the lane views: no lane loops, no libm (the guest kernel has none), no traps.

extension V128 {
    // MARK: - Comparisons (all-ones lane when true)

    @inline(__always) static func f32x4Eq(_ a: V128, _ b: V128) -> V128 { V128(mask: a.f32x4 .== b.f32x4) }
    /// Unordered not-equal (`cmpneqps`): true when either lane is NaN, as IEEE `!=` is.
    @inline(__always) static func f32x4Ne(_ a: V128, _ b: V128) -> V128 { V128(mask: a.f32x4 .!= b.f32x4) }
    @inline(__always) static func f32x4Lt(_ a: V128, _ b: V128) -> V128 { V128(mask: a.f32x4 .< b.f32x4) }
    @inline(__always) static func f32x4Gt(_ a: V128, _ b: V128) -> V128 { V128(mask: a.f32x4 .> b.f32x4) }
    @inline(__always) static func f32x4Le(_ a: V128, _ b: V128) -> V128 { V128(mask: a.f32x4 .<= b.f32x4) }
    @inline(__always) static func f32x4Ge(_ a: V128, _ b: V128) -> V128 { V128(mask: a.f32x4 .>= b.f32x4) }

    @inline(__always) static func f64x2Eq(_ a: V128, _ b: V128) -> V128 { V128(mask: a.f64x2 .== b.f64x2) }
    @inline(__always) static func f64x2Ne(_ a: V128, _ b: V128) -> V128 { V128(mask: a.f64x2 .!= b.f64x2) }
    @inline(__always) static func f64x2Lt(_ a: V128, _ b: V128) -> V128 { V128(mask: a.f64x2 .< b.f64x2) }
    @inline(__always) static func f64x2Gt(_ a: V128, _ b: V128) -> V128 { V128(mask: a.f64x2 .> b.f64x2) }
    @inline(__always) static func f64x2Le(_ a: V128, _ b: V128) -> V128 { V128(mask: a.f64x2 .<= b.f64x2) }
    @inline(__always) static func f64x2Ge(_ a: V128, _ b: V128) -> V128 { V128(mask: a.f64x2 .>= b.f64x2) }

    // MARK: - Binary arithmetic

    // SSE arithmetic already follows Wasm's NaN rules: an invalid operation gives the default NaN (canonical), and
    // a NaN operand comes back quieted (arithmetic).
    @inline(__always) static func f32x4Add(_ a: V128, _ b: V128) -> V128 { V128(f32x4: a.f32x4 + b.f32x4) }
    @inline(__always) static func f32x4Sub(_ a: V128, _ b: V128) -> V128 { V128(f32x4: a.f32x4 - b.f32x4) }
    @inline(__always) static func f32x4Mul(_ a: V128, _ b: V128) -> V128 { V128(f32x4: a.f32x4 * b.f32x4) }
    @inline(__always) static func f32x4Div(_ a: V128, _ b: V128) -> V128 { V128(f32x4: a.f32x4 / b.f32x4) }

    /// `minps` returns its second operand when the lanes are equal or unordered, so taking it both ways round and
    /// ORing the two makes min(-0, +0) = -0 (the sign bits OR); lanes with a NaN operand become the canonical NaN.
    @inline(__always) static func f32x4Min(_ a: V128, _ b: V128) -> V128 {
        let x = a.f32x4, y = b.f32x4
        let both = x.replacing(with: y, where: y .< x).bits | y.replacing(with: x, where: x .< y).bits
        return V128(f32x4: SIMD4(bits: both).replacing(with: .nan, where: (x .!= x) .| (y .!= y)))
    }

    /// As `f32x4Min`, ANDing the two `maxps` so that max(-0, +0) = +0.
    @inline(__always) static func f32x4Max(_ a: V128, _ b: V128) -> V128 {
        let x = a.f32x4, y = b.f32x4
        let both = x.replacing(with: y, where: x .< y).bits & y.replacing(with: x, where: y .< x).bits
        return V128(f32x4: SIMD4(bits: both).replacing(with: .nan, where: (x .!= x) .| (y .!= y)))
    }

    /// `b < a ? b : a`, which is exactly `minps b, a`.
    @inline(__always) static func f32x4Pmin(_ a: V128, _ b: V128) -> V128 {
        V128(f32x4: a.f32x4.replacing(with: b.f32x4, where: b.f32x4 .< a.f32x4))
    }

    /// `a < b ? b : a`, which is exactly `maxps b, a`.
    @inline(__always) static func f32x4Pmax(_ a: V128, _ b: V128) -> V128 {
        V128(f32x4: a.f32x4.replacing(with: b.f32x4, where: a.f32x4 .< b.f32x4))
    }

    @inline(__always) static func f64x2Add(_ a: V128, _ b: V128) -> V128 { V128(f64x2: a.f64x2 + b.f64x2) }
    @inline(__always) static func f64x2Sub(_ a: V128, _ b: V128) -> V128 { V128(f64x2: a.f64x2 - b.f64x2) }
    @inline(__always) static func f64x2Mul(_ a: V128, _ b: V128) -> V128 { V128(f64x2: a.f64x2 * b.f64x2) }
    @inline(__always) static func f64x2Div(_ a: V128, _ b: V128) -> V128 { V128(f64x2: a.f64x2 / b.f64x2) }

    /// See `f32x4Min`.
    @inline(__always) static func f64x2Min(_ a: V128, _ b: V128) -> V128 {
        let x = a.f64x2, y = b.f64x2
        let both = x.replacing(with: y, where: y .< x).bits | y.replacing(with: x, where: x .< y).bits
        return V128(f64x2: SIMD2(bits: both).replacing(with: .nan, where: (x .!= x) .| (y .!= y)))
    }

    /// See `f32x4Max`.
    @inline(__always) static func f64x2Max(_ a: V128, _ b: V128) -> V128 {
        let x = a.f64x2, y = b.f64x2
        let both = x.replacing(with: y, where: x .< y).bits & y.replacing(with: x, where: y .< x).bits
        return V128(f64x2: SIMD2(bits: both).replacing(with: .nan, where: (x .!= x) .| (y .!= y)))
    }

    @inline(__always) static func f64x2Pmin(_ a: V128, _ b: V128) -> V128 {
        V128(f64x2: a.f64x2.replacing(with: b.f64x2, where: b.f64x2 .< a.f64x2))
    }

    @inline(__always) static func f64x2Pmax(_ a: V128, _ b: V128) -> V128 {
        V128(f64x2: a.f64x2.replacing(with: b.f64x2, where: a.f64x2 .< b.f64x2))
    }

    // MARK: - Unary arithmetic

    // abs and neg touch only the sign bit (spec: they are not arithmetic operations, a NaN keeps its payload).
    @inline(__always) static func f32x4Abs(_ a: V128) -> V128 { V128(u32x4: a.u32x4 & 0x7FFF_FFFF) }
    @inline(__always) static func f32x4Neg(_ a: V128) -> V128 { V128(u32x4: a.u32x4 ^ 0x8000_0000) }
    @inline(__always) static func f32x4Sqrt(_ a: V128) -> V128 { V128(f32x4: squareRoot(a.f32x4)) }

    // SSE2 has no `roundps`. `roundedMagnitude` rounds |x| to nearest even by adding and subtracting 2^23; ceil and
    // floor step the signed result by one where it went the wrong way. ORing the operand's sign back in keeps -0
    // results (ceil(-0.5), trunc(-0.5), nearest(-0.4)) negative, and is harmless otherwise: a non-zero result has
    // the operand's sign already.
    @inline(__always) static func f32x4Ceil(_ a: V128) -> V128 {
        let x = a.f32x4, sign = x.bits & 0x8000_0000
        let rounded = SIMD4<Float>(bits: roundedMagnitude(x).bits | sign)
        let stepped = rounded + SIMD4(bits: (rounded .< x).bits & Float(1).bitPattern)
        return V128(u32x4: stepped.bits | sign)
    }

    @inline(__always) static func f32x4Floor(_ a: V128) -> V128 {
        let x = a.f32x4, sign = x.bits & 0x8000_0000
        let rounded = SIMD4<Float>(bits: roundedMagnitude(x).bits | sign)
        let stepped = rounded - SIMD4(bits: (rounded .> x).bits & Float(1).bitPattern)
        return V128(u32x4: stepped.bits | sign)
    }

    @inline(__always) static func f32x4Trunc(_ a: V128) -> V128 {
        V128(u32x4: truncatedMagnitude(a.f32x4).bits | (a.u32x4 & 0x8000_0000))
    }

    @inline(__always) static func f32x4Nearest(_ a: V128) -> V128 {
        V128(u32x4: roundedMagnitude(a.f32x4).bits | (a.u32x4 & 0x8000_0000))
    }

    @inline(__always) static func f64x2Abs(_ a: V128) -> V128 { V128(u64x2: a.u64x2 & 0x7FFF_FFFF_FFFF_FFFF) }
    @inline(__always) static func f64x2Neg(_ a: V128) -> V128 { V128(u64x2: a.u64x2 ^ 0x8000_0000_0000_0000) }
    @inline(__always) static func f64x2Sqrt(_ a: V128) -> V128 { V128(f64x2: squareRoot(a.f64x2)) }

    @inline(__always) static func f64x2Ceil(_ a: V128) -> V128 {
        let x = a.f64x2, sign = x.bits & 0x8000_0000_0000_0000
        let rounded = SIMD2<Double>(bits: roundedMagnitude(x).bits | sign)
        let stepped = rounded + SIMD2(bits: (rounded .< x).bits & Double(1).bitPattern)
        return V128(u64x2: stepped.bits | sign)
    }

    @inline(__always) static func f64x2Floor(_ a: V128) -> V128 {
        let x = a.f64x2, sign = x.bits & 0x8000_0000_0000_0000
        let rounded = SIMD2<Double>(bits: roundedMagnitude(x).bits | sign)
        let stepped = rounded - SIMD2(bits: (rounded .> x).bits & Double(1).bitPattern)
        return V128(u64x2: stepped.bits | sign)
    }

    @inline(__always) static func f64x2Trunc(_ a: V128) -> V128 {
        V128(u64x2: truncatedMagnitude(a.f64x2).bits | (a.u64x2 & 0x8000_0000_0000_0000))
    }

    @inline(__always) static func f64x2Nearest(_ a: V128) -> V128 {
        V128(u64x2: roundedMagnitude(a.f64x2).bits | (a.u64x2 & 0x8000_0000_0000_0000))
    }

    /// |x| rounded to an integer, ties to even. Below 2^23 adding 2^23 leaves no fraction bits, so the FPU's rounding
    /// (round-to-nearest-even, which Wasm code cannot change) does the work, and subtracting 2^23 again is exact.
    /// From 2^23 on every float is an integer: those lanes (and infinities) add and subtract zero instead. NaN lanes
    /// fail the `<` and add zero too, which quiets them, as an arithmetic result must be.
    @inline(__always) private static func roundedMagnitude(_ x: SIMD4<Float>) -> SIMD4<Float> {
        let magnitude = SIMD4<Float>(bits: x.bits & 0x7FFF_FFFF)
        let bias = SIMD4<Float>(bits: (magnitude .< 0x1p23).bits & Float(0x1p23).bitPattern)
        return (magnitude + bias) - bias
    }

    /// |x| truncated: rounded, less one where that went up.
    @inline(__always) private static func truncatedMagnitude(_ x: SIMD4<Float>) -> SIMD4<Float> {
        let magnitude = SIMD4<Float>(bits: x.bits & 0x7FFF_FFFF)
        let rounded = roundedMagnitude(x)
        return rounded - SIMD4(bits: (rounded .> magnitude).bits & Float(1).bitPattern)
    }

    /// As the `SIMD4<Float>` one, with 2^52.
    @inline(__always) private static func roundedMagnitude(_ x: SIMD2<Double>) -> SIMD2<Double> {
        let magnitude = SIMD2<Double>(bits: x.bits & 0x7FFF_FFFF_FFFF_FFFF)
        let bias = SIMD2<Double>(bits: (magnitude .< 0x1p52).bits & Double(0x1p52).bitPattern)
        return (magnitude + bias) - bias
    }

    @inline(__always) private static func truncatedMagnitude(_ x: SIMD2<Double>) -> SIMD2<Double> {
        let magnitude = SIMD2<Double>(bits: x.bits & 0x7FFF_FFFF_FFFF_FFFF)
        let rounded = roundedMagnitude(x)
        return rounded - SIMD2(bits: (rounded .> magnitude).bits & Double(1).bitPattern)
    }

    // MARK: - Conversions

    // Float-to-integer lanes are clamped to the integer range and truncated with `truncatedMagnitude` before they
    // are converted, so the conversion proper only ever sees integral, in-range values.

    /// Converts the negated truncated magnitude, which the clamp to 2^31 keeps in [-2^31, 0] (NaN lanes too), and
    /// negates it back for non-negative lanes. Lanes at or above 2^31 come out as Int32.min and are flipped to
    /// Int32.max; NaN lanes are masked to zero.
    @inline(__always) static func i32x4TruncSatF32x4S(_ a: V128) -> V128 {
        let x = a.f32x4
        let magnitude = SIMD4<Float>(bits: x.bits & 0x7FFF_FFFF), bound = SIMD4<Float>(repeating: 0x1p31)
        let clamped = bound.replacing(with: magnitude, where: magnitude .< bound)
        let negated = integralToInt32(SIMD4(bits: truncatedMagnitude(clamped).bits | 0x8000_0000))
        let nonNegative = SIMD4<UInt32>(truncatingIfNeeded: ~(a.i32x4 &>> 31))
        let converted = (negated ^ nonNegative) &- nonNegative
        return V128(u32x4: (converted ^ (x .>= 0x1p31).bits) & (x .== x).bits)
    }

    /// A signed conversion covers [0, 2^31): lanes at or above 2^31 are converted less 2^31 (exact) and get the top
    /// bit back as an integer. The clamp at zero (`maxps`, whose second operand wins for NaN) also sends NaN to zero.
    @inline(__always) static func i32x4TruncSatF32x4U(_ a: V128) -> V128 {
        let x = a.f32x4.replacing(with: 0, where: .!(a.f32x4 .> 0))
        // 2^32 - 256 is the largest f32 below 2^32; ORing all ones into those lanes gives UInt32.max.
        let truncated = truncatedMagnitude(x.replacing(with: 0x1p32 - 256, where: x .> 0x1p32 - 256))
        let high = (truncated .>= 0x1p31).bits
        let low = integralToInt32(truncated - SIMD4(bits: high & Float(0x1p31).bitPattern))
        return V128(u32x4: (low ^ (high & 0x8000_0000)) | (x .>= 0x1p32).bits)
    }

    /// `cvtdq2ps`, rounding to nearest even (the FPU's mode).
    @inline(__always) static func f32x4ConvertI32x4S(_ a: V128) -> V128 { V128(f32x4: SIMD4<Float>(a.i32x4)) }

    /// LLVM lowers the unsigned conversion to SSE2 as two exact partial conversions and one rounding add, so the
    /// result is correctly rounded.
    @inline(__always) static func f32x4ConvertI32x4U(_ a: V128) -> V128 { V128(f32x4: SIMD4<Float>(a.u32x4)) }

    /// Adding 1.5 * 2^52 to an integral f64 of magnitude below 2^51 leaves its two's complement in the low bits of the
    /// sum (the exponent is fixed and the mantissa absorbs the sign), so each result is the low half of its 64-bit
    /// lane. The magnitude is clamped to 2^31 as in `i32x4TruncSatF32x4S`, +2^31 then flipped to Int32.max.
    @inline(__always) static func i32x4TruncSatF64x2SZero(_ a: V128) -> V128 {
        let x = a.f64x2
        let magnitude = SIMD2<Double>(bits: x.bits & 0x7FFF_FFFF_FFFF_FFFF), bound = SIMD2<Double>(repeating: 0x1p31)
        let clamped = bound.replacing(with: magnitude, where: magnitude .< bound)
        let truncated = SIMD2<Double>(bits: truncatedMagnitude(clamped).bits | (x.bits & 0x8000_0000_0000_0000))
        let words = ((truncated + 0x1.8p52).bits ^ (x .>= 0x1p31).bits) & (x .== x).bits
        return V128(u32x4: lowHalves(words))
    }

    /// As the signed one; for non-negative values 2^52 is enough of a bias.
    @inline(__always) static func i32x4TruncSatF64x2UZero(_ a: V128) -> V128 {
        let x = a.f64x2.replacing(with: 0, where: .!(a.f64x2 .> 0))
        let truncated = truncatedMagnitude(x.replacing(with: 0x1p32 - 1, where: x .> 0x1p32 - 1))
        return V128(u32x4: lowHalves((truncated + 0x1p52).bits))
    }

    /// `cvtdq2pd`: exact.
    @inline(__always) static func f64x2ConvertLowI32x4S(_ a: V128) -> V128 {
        V128(f64x2: SIMD2<Double>(a.i32x4.lowHalf))
    }

    /// Exact: every u32 is an f64.
    @inline(__always) static func f64x2ConvertLowI32x4U(_ a: V128) -> V128 {
        V128(f64x2: SIMD2<Double>(a.u32x4.lowHalf))
    }

    /// `cvtpd2ps`, which zeroes the upper two lanes; it rounds to nearest even and quiets NaNs.
    @inline(__always) static func f32x4DemoteF64x2Zero(_ a: V128) -> V128 {
        V128(f32x4: SIMD4(lowHalf: SIMD2<Float>(a.f64x2), highHalf: .zero))
    }

    /// `cvtps2pd`: exact, NaNs quieted.
    @inline(__always) static func f64x2PromoteLowF32x4(_ a: V128) -> V128 {
        V128(f64x2: SIMD2<Double>(a.f32x4.lowHalf))
    }

    /// The low 32 bits of each 64-bit lane, in lanes 0 and 1; lanes 2 and 3 zero.
    @inline(__always) private static func lowHalves(_ x: SIMD2<UInt64>) -> SIMD4<UInt32> {
        let halves = unsafeBitCast(x, to: SIMD4<UInt32>.self)
        return SIMD4(lowHalf: SIMD2(halves[0], halves[2]), highHalf: .zero)
    }

    // MARK: - Relaxed SIMD (deterministic choices)

    // Relaxed SIMD lets an engine pick, per instruction, among a few results; Swiftlet always picks the same one,
    // the one plain SSE2 computes fastest and that matches the non-relaxed instruction where there is one:
    // - relaxed_trunc* are the saturating conversions (NaN -> 0, out of range -> the nearest bound);
    // - relaxed_madd is a*b + c and relaxed_nmadd -(a*b) + c, both unfused (two roundings: x86-64 without FMA);
    // - relaxed_min/max are Wasm's min/max (NaN if either operand is, -0 < +0).
    // Each is among the results the relaxed_*.wast and i32x4_relaxed_trunc.wast spec tests accept.

    @inline(__always) static func i32x4RelaxedTruncF32x4S(_ a: V128) -> V128 { i32x4TruncSatF32x4S(a) }
    @inline(__always) static func i32x4RelaxedTruncF32x4U(_ a: V128) -> V128 { i32x4TruncSatF32x4U(a) }
    @inline(__always) static func i32x4RelaxedTruncF64x2SZero(_ a: V128) -> V128 { i32x4TruncSatF64x2SZero(a) }
    @inline(__always) static func i32x4RelaxedTruncF64x2UZero(_ a: V128) -> V128 { i32x4TruncSatF64x2UZero(a) }

    @inline(__always) static func f32x4RelaxedMadd(_ a: V128, _ b: V128, _ c: V128) -> V128 {
        V128(f32x4: a.f32x4 * b.f32x4 + c.f32x4)
    }

    /// c - a*b is -(a*b) + c exactly (IEEE defines subtraction so), zeros included; Swift's SIMD negation is
    /// 0 - x, which would turn -(+0) into +0.
    @inline(__always) static func f32x4RelaxedNmadd(_ a: V128, _ b: V128, _ c: V128) -> V128 {
        V128(f32x4: c.f32x4 - a.f32x4 * b.f32x4)
    }

    @inline(__always) static func f64x2RelaxedMadd(_ a: V128, _ b: V128, _ c: V128) -> V128 {
        V128(f64x2: a.f64x2 * b.f64x2 + c.f64x2)
    }

    @inline(__always) static func f64x2RelaxedNmadd(_ a: V128, _ b: V128, _ c: V128) -> V128 {
        V128(f64x2: c.f64x2 - a.f64x2 * b.f64x2)
    }

    @inline(__always) static func f32x4RelaxedMin(_ a: V128, _ b: V128) -> V128 { f32x4Min(a, b) }
    @inline(__always) static func f32x4RelaxedMax(_ a: V128, _ b: V128) -> V128 { f32x4Max(a, b) }
    @inline(__always) static func f64x2RelaxedMin(_ a: V128, _ b: V128) -> V128 { f64x2Min(a, b) }
    @inline(__always) static func f64x2RelaxedMax(_ a: V128, _ b: V128) -> V128 { f64x2Max(a, b) }

    // MARK: - Helpers

    // A mask's storage is its lanes as all-ones or zero integers, the Wasm result.
    @inline(__always) private init(mask: SIMDMask<SIMD4<Int32>>) { self.init(u32x4: mask.bits) }
    @inline(__always) private init(mask: SIMDMask<SIMD2<Int64>>) { self.init(u64x2: mask.bits) }
}

// LLVM intrinsics, reached by name, for the two operations Swift has no vector form of.
//
// `lrint` on four lanes is `cvtps2dq`. Swift's own float-to-integer conversions check the range (a compare and trap
// per lane) and its SIMD ones loop through the generic `rounded(_:)`. Callers pass only integral lanes within
// Int32's range, for which the result is exact whatever the rounding mode. (The x86-specific `cvttps2dq`
// intrinsic cannot be used this way: its declaration would lack the `memory(none)` that instruction selection needs.)
//
// `sqrt` is `sqrtps`/`sqrtpd`. `squareRoot()` goes through C's `sqrtf`, which only becomes one instruction per lane
// under `-fno-math-errno`, and stays a libm call for negative lanes otherwise (the kernel has no libm).
@_silgen_name("llvm.lrint.v4i32.v4f32") private func lrint(_ x: SIMD4<Float>) -> SIMD4<Int32>
@_silgen_name("llvm.sqrt.v4f32") private func squareRoot(_ x: SIMD4<Float>) -> SIMD4<Float>
@_silgen_name("llvm.sqrt.v2f64") private func squareRoot(_ x: SIMD2<Double>) -> SIMD2<Double>

@inline(__always) private func integralToInt32(_ x: SIMD4<Float>) -> SIMD4<UInt32> {
    unsafeBitCast(lrint(x), to: SIMD4<UInt32>.self)
}

// Bit views of the float vectors and masks, for sign and mask arithmetic.
private extension SIMD4 where Scalar == Float {
    @inline(__always) var bits: SIMD4<UInt32> { unsafeBitCast(self, to: SIMD4<UInt32>.self) }
    @inline(__always) init(bits: SIMD4<UInt32>) { self = unsafeBitCast(bits, to: Self.self) }
}

private extension SIMD2 where Scalar == Double {
    @inline(__always) var bits: SIMD2<UInt64> { unsafeBitCast(self, to: SIMD2<UInt64>.self) }
    @inline(__always) init(bits: SIMD2<UInt64>) { self = unsafeBitCast(bits, to: Self.self) }
}

private extension SIMDMask where Storage == SIMD4<Int32> {
    @inline(__always) var bits: SIMD4<UInt32> { unsafeBitCast(self, to: SIMD4<UInt32>.self) }
}

private extension SIMDMask where Storage == SIMD2<Int64> {
    @inline(__always) var bits: SIMD2<UInt64> { unsafeBitCast(self, to: SIMD2<UInt64>.self) }
}
