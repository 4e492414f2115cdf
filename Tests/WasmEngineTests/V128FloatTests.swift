import Testing
@testable import WasmEngine

// Results are compared bit for bit, so -0 and +0 differ. An expected NaN lane accepts any quiet (arithmetic) NaN,
// or only the canonical NaN of either sign where `canonical` is set, as the spec's `nan:arithmetic` and
// `nan:canonical` do.

private func f32x4(_ lanes: Float...) -> V128 { V128(f32x4: SIMD4(lanes)) }
private func f32x4(bits lanes: UInt32...) -> V128 { V128(u32x4: SIMD4(lanes)) }
private func f64x2(_ low: Double, _ high: Double) -> V128 { V128(f64x2: SIMD2(low, high)) }
private func f64x2(bits low: UInt64, _ high: UInt64) -> V128 { V128(u64x2: SIMD2(low, high)) }
private func i32x4(_ lanes: Int32...) -> V128 { V128(i32x4: SIMD4(lanes)) }
private func u32x4(_ lanes: UInt32...) -> V128 { V128(u32x4: SIMD4(lanes)) }

private func laneMatches(_ actual: Float, _ expected: Float, canonical: Bool) -> Bool {
    guard expected.isNaN else { return actual.bitPattern == expected.bitPattern }
    let bits = actual.bitPattern & 0x7FFF_FFFF
    return canonical ? bits == 0x7FC0_0000 : actual.isNaN && bits & 0x0040_0000 != 0
}

private func laneMatches(_ actual: Double, _ expected: Double, canonical: Bool) -> Bool {
    guard expected.isNaN else { return actual.bitPattern == expected.bitPattern }
    let bits = actual.bitPattern & 0x7FFF_FFFF_FFFF_FFFF
    return canonical ? bits == 0x7FF8_0000_0000_0000 : actual.isNaN && bits & 0x0008_0000_0000_0000 != 0
}

private func expectF32(
    _ actual: V128, _ expected: Float..., canonical: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
) {
    let lanes = actual.f32x4
    for lane in 0..<4 where !laneMatches(lanes[lane], expected[lane], canonical: canonical) {
        let bits = String(lanes[lane].bitPattern, radix: 16)
        Issue.record(
            "lane \(lane): got 0x\(bits) (\(lanes[lane])), expected \(expected[lane])", sourceLocation: sourceLocation)
    }
}

private func expectF64(
    _ actual: V128, _ expected: Double..., canonical: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
) {
    let lanes = actual.f64x2
    for lane in 0..<2 where !laneMatches(lanes[lane], expected[lane], canonical: canonical) {
        let bits = String(lanes[lane].bitPattern, radix: 16)
        Issue.record(
            "lane \(lane): got 0x\(bits) (\(lanes[lane])), expected \(expected[lane])", sourceLocation: sourceLocation)
    }
}

/// Bit patterns that cover every class of float (zeros, subnormals, normals, infinities, quiet and signaling NaNs
/// of both signs), the rounding and conversion boundaries, and a deterministic spread of arbitrary patterns.
private let f32Samples: [UInt32] = {
    var samples: [UInt32] = [
        0x0000_0000, 0x8000_0000, 0x0000_0001, 0x8000_0001, 0x007F_FFFF, 0x0080_0000, 0x3F00_0000, 0xBF00_0000,
        0x3F80_0000, 0xBF80_0000, 0x7F7F_FFFF, 0xFF7F_FFFF, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000, 0xFFC0_0000,
        0x7FA0_0000, 0xFFA0_0000, 0x7F80_0001, 0x7FFF_FFFF,
    ]
    // Around 2^23 (where every float becomes an integer), 2^31 and 2^32 (the conversion bounds), and the halves.
    for center: Float in [0x1p23, 0x1p24, 0x1p31, 0x1p32, 0.5, 1.5, 2.5, 1, 2, 3] {
        for offset: Int32 in -3...3 {
            let bits = UInt32(bitPattern: Int32(bitPattern: center.bitPattern) &+ offset)
            samples += [bits, bits | 0x8000_0000]
        }
    }
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for _ in 0..<4000 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let bits = UInt32(truncatingIfNeeded: state >> 32)
        // Half of them with an exponent near the interesting range (2^-2 ... 2^33).
        samples.append(state & 1 == 0 ? bits : (bits & 0x807F_FFFF) | (UInt32(125 + (state >> 8) % 34) << 23))
    }
    return samples
}()

private let f64Samples: [UInt64] = {
    var samples: [UInt64] = [
        0, 0x8000_0000_0000_0000, 1, 0x8000_0000_0000_0001, 0x000F_FFFF_FFFF_FFFF, 0x3FE0_0000_0000_0000,
        0xBFE0_0000_0000_0000, 0x3FF0_0000_0000_0000, 0x7FEF_FFFF_FFFF_FFFF, 0xFFEF_FFFF_FFFF_FFFF,
        0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000, 0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0000,
        0x7FF4_0000_0000_0000, 0xFFF4_0000_0000_0000, 0x7FF0_0000_0000_0001,
    ]
    for center: Double in [0x1p52, 0x1p53, 0x1p31, 0x1p31 - 1, 0x1p32, 0x1p32 - 1, 0.5, 1.5, 2.5, 1, 2, 3] {
        for offset: Int64 in -3...3 {
            let bits = UInt64(bitPattern: Int64(bitPattern: center.bitPattern) &+ offset)
            samples += [bits, bits | 0x8000_0000_0000_0000]
        }
    }
    var state: UInt64 = 0xD1B5_4A32_D192_ED03
    for _ in 0..<4000 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let exponent = UInt64(1021 + (state >> 7) % 36)  // 2^-2 ... 2^34
        samples.append(state & 1 == 0 ? state : (state & 0x800F_FFFF_FFFF_FFFF) | exponent << 52)
    }
    return samples
}()

/// Runs `body` over `f32Samples` four lanes at a time.
private func forEachF32Vector(_ body: (V128, [Float]) -> Void) {
    for start in stride(from: 0, to: f32Samples.count - 3, by: 4) {
        let bits = Array(f32Samples[start..<start + 4])
        body(V128(u32x4: SIMD4(bits)), bits.map(Float.init(bitPattern:)))
    }
}

private func forEachF64Vector(_ body: (V128, [Double]) -> Void) {
    for start in stride(from: 0, to: f64Samples.count - 1, by: 2) {
        body(f64x2(bits: f64Samples[start], f64Samples[start + 1]),
             [Double(bitPattern: f64Samples[start]), Double(bitPattern: f64Samples[start + 1])])
    }
}

/// Wasm's scalar min and max (§4.3.3): NaN if either operand is, and -0 below +0.
private func wasmMin<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> F {
    if a.isNaN || b.isNaN { return .nan }
    if a == b { return a.sign == .minus ? a : b }
    return a < b ? a : b
}

private func wasmMax<F: BinaryFloatingPoint>(_ a: F, _ b: F) -> F {
    if a.isNaN || b.isNaN { return .nan }
    if a == b { return a.sign == .plus ? a : b }
    return a > b ? a : b
}

private func saturatingS(_ value: Double) -> Int32 {
    if value.isNaN { return 0 }
    if value <= -0x1p31 { return .min }
    if value >= 0x1p31 { return .max }
    return Int32(value.rounded(.towardZero))
}

private func saturatingU(_ value: Double) -> UInt32 {
    if value.isNaN || value <= 0 { return 0 }
    if value >= 0x1p32 { return .max }
    return UInt32(value.rounded(.towardZero))
}

@Suite struct V128FloatTests {
    // MARK: - Comparisons

    @Test func f32x4ComparisonsFollowIEEE() {
        let a = f32x4(1, .nan, -0.0, -.infinity), b = f32x4(2, .nan, 0, -.infinity)
        #expect(V128.f32x4Eq(a, b) == i32x4(0, 0, -1, -1))
        #expect(V128.f32x4Ne(a, b) == i32x4(-1, -1, 0, 0))
        #expect(V128.f32x4Lt(a, b) == i32x4(-1, 0, 0, 0))
        #expect(V128.f32x4Gt(a, b) == i32x4(0, 0, 0, 0))
        #expect(V128.f32x4Le(a, b) == i32x4(-1, 0, -1, -1))
        #expect(V128.f32x4Ge(a, b) == i32x4(0, 0, -1, -1))
        let c = f32x4(3, 1, .nan, .infinity), d = f32x4(2, .nan, 1, .greatestFiniteMagnitude)
        #expect(V128.f32x4Gt(c, d) == i32x4(-1, 0, 0, -1))
        #expect(V128.f32x4Ge(c, d) == i32x4(-1, 0, 0, -1))
        #expect(V128.f32x4Ne(c, d) == i32x4(-1, -1, -1, -1))
    }

    @Test func f64x2ComparisonsFollowIEEE() {
        let a = f64x2(.nan, -0.0), b = f64x2(.nan, 0)
        #expect(V128.f64x2Eq(a, b) == V128(i64x2: SIMD2(0, -1)))
        #expect(V128.f64x2Ne(a, b) == V128(i64x2: SIMD2(-1, 0)))
        #expect(V128.f64x2Lt(a, b) == V128(i64x2: SIMD2(0, 0)))
        #expect(V128.f64x2Le(a, b) == V128(i64x2: SIMD2(0, -1)))
        #expect(V128.f64x2Ge(a, b) == V128(i64x2: SIMD2(0, -1)))
        let c = f64x2(1, 5), d = f64x2(2, .nan)
        #expect(V128.f64x2Lt(c, d) == V128(i64x2: SIMD2(-1, 0)))
        #expect(V128.f64x2Gt(c, d) == V128(i64x2: SIMD2(0, 0)))
        #expect(V128.f64x2Gt(d, c) == V128(i64x2: SIMD2(-1, 0)))
        #expect(V128.f64x2Ne(c, d) == V128(i64x2: SIMD2(-1, -1)))
    }

    // MARK: - Binary arithmetic

    @Test func f32x4ArithmeticIsIEEE() {
        let a = f32x4(1.5, .infinity, 0, 0x1p-149), b = f32x4(0.25, -.infinity, -0.0, 0x1p-149)
        expectF32(V128.f32x4Add(a, b), 1.75, .nan, 0, 0x1p-148, canonical: true)
        expectF32(V128.f32x4Sub(a, b), 1.25, .infinity, 0, 0)
        expectF32(V128.f32x4Mul(a, b), 0.375, -.infinity, -0.0, 0)
        expectF32(V128.f32x4Div(a, b), 6, .nan, .nan, 1, canonical: true)
        // A NaN operand comes back quieted, payload kept (an arithmetic NaN).
        expectF32(V128.f32x4Add(f32x4(bits: 0x7FA0_0000, 0, 0, 0), f32x4(1, 1, 1, 1)), .nan, 1, 1, 1)
        expectF32(V128.f32x4Mul(f32x4(.greatestFiniteMagnitude, 1, 1, 1), f32x4(2, 1, 1, 1)), .infinity, 1, 1, 1)
    }

    @Test func f64x2ArithmeticIsIEEE() {
        expectF64(V128.f64x2Add(f64x2(1.5, .infinity), f64x2(0.25, -.infinity)), 1.75, .nan, canonical: true)
        expectF64(V128.f64x2Sub(f64x2(1.5, -0.0), f64x2(0.25, 0)), 1.25, -0.0)
        expectF64(V128.f64x2Mul(f64x2(0x1p-1074, -3), f64x2(0.5, 0)), 0, -0.0)
        expectF64(V128.f64x2Div(f64x2(1, 0), f64x2(-0.0, 0)), -.infinity, .nan, canonical: true)
        expectF64(V128.f64x2Add(f64x2(bits: 0x7FF4_0000_0000_0000, 0), f64x2(1, 1)), .nan, 1)
    }

    @Test func minAndMaxOrderZerosAndPropagateNaN() {
        let a = f32x4(-0.0, 0, 1, .nan), b = f32x4(0, -0.0, -1, 1)
        expectF32(V128.f32x4Min(a, b), -0.0, -0.0, -1, .nan, canonical: true)
        expectF32(V128.f32x4Max(a, b), 0, 0, 1, .nan, canonical: true)
        expectF32(V128.f32x4Min(b, a), -0.0, -0.0, -1, .nan, canonical: true)
        expectF32(V128.f32x4Max(b, a), 0, 0, 1, .nan, canonical: true)
        // A signaling or payload-carrying NaN operand must not come back as is.
        let payload = f32x4(bits: 0x7FA0_0000, 0xFFC0_0001, 0x7F80_0000, 0xFF80_0000)
        let ones = f32x4(1.25, 1.25, .nan, .nan)
        expectF32(V128.f32x4Min(payload, ones), .nan, .nan, .nan, .nan)
        expectF32(V128.f32x4Max(ones, payload), .nan, .nan, .nan, .nan)
        expectF32(V128.f32x4Min(f32x4(.infinity, -.infinity, 0x1p-149, 5), f32x4(1, 1, -0x1p-149, 5)),
                  1, -.infinity, -0x1p-149, 5)

        expectF64(V128.f64x2Min(f64x2(-0.0, .nan), f64x2(0, 1)), -0.0, .nan, canonical: true)
        expectF64(V128.f64x2Max(f64x2(-0.0, 1), f64x2(0, .nan)), 0, .nan, canonical: true)
        expectF64(V128.f64x2Min(f64x2(0, 3), f64x2(-0.0, -.infinity)), -0.0, -.infinity)
        expectF64(V128.f64x2Max(f64x2(0, 3), f64x2(-0.0, .infinity)), 0, .infinity)

        forEachF32Vector { vector, x in
            let y = x.reversed() as [Float]
            let other = f32x4(y[0], y[1], y[2], y[3])
            expectF32(V128.f32x4Min(vector, other), wasmMin(x[0], y[0]), wasmMin(x[1], y[1]), wasmMin(x[2], y[2]),
                      wasmMin(x[3], y[3]))
            expectF32(V128.f32x4Max(vector, other), wasmMax(x[0], y[0]), wasmMax(x[1], y[1]), wasmMax(x[2], y[2]),
                      wasmMax(x[3], y[3]))
        }
        forEachF64Vector { vector, x in
            let other = f64x2(x[1], x[0])
            expectF64(V128.f64x2Min(vector, other), wasmMin(x[0], x[1]), wasmMin(x[1], x[0]))
            expectF64(V128.f64x2Max(vector, other), wasmMax(x[0], x[1]), wasmMax(x[1], x[0]))
        }
    }

    @Test func pseudoMinAndMaxAreTheirDefiningSelects() {
        // pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a: a NaN or an equal b keeps a, bit for bit.
        let a = f32x4(bits: 0x7FA0_0000, 0x8000_0000, 0x0000_0000, 0x4000_0000)
        let b = f32x4(bits: 0x3F80_0000, 0x0000_0000, 0x8000_0000, 0xFFC0_0001)
        #expect(V128.f32x4Pmin(a, b) == a)
        #expect(V128.f32x4Pmax(a, b) == a)
        #expect(V128.f32x4Pmin(b, a) == b)
        #expect(V128.f32x4Pmax(b, a) == b)
        expectF32(V128.f32x4Pmin(f32x4(1, -1, .infinity, 0), f32x4(2, -2, 3, -.infinity)), 1, -2, 3, -.infinity)
        expectF32(V128.f32x4Pmax(f32x4(1, -1, .infinity, 0), f32x4(2, -2, 3, -.infinity)), 2, -1, .infinity, 0)

        let c = f64x2(bits: 0x7FF4_0000_0000_0000, 0x8000_0000_0000_0000)
        let d = f64x2(1, 0)
        #expect(V128.f64x2Pmin(c, d) == c)
        #expect(V128.f64x2Pmax(c, d) == c)
        #expect(V128.f64x2Pmin(d, c) == d)
        #expect(V128.f64x2Pmax(d, c) == d)
        expectF64(V128.f64x2Pmin(f64x2(1, -1), f64x2(2, -2)), 1, -2)
        expectF64(V128.f64x2Pmax(f64x2(1, -1), f64x2(2, -2)), 2, -1)
    }

    // MARK: - Unary arithmetic

    @Test func absAndNegOnlyTouchTheSignBit() {
        let a = f32x4(bits: 0x7FA0_0000, 0xFFC0_0001, 0x8000_0000, 0xBF80_0000)
        #expect(V128.f32x4Abs(a) == f32x4(bits: 0x7FA0_0000, 0x7FC0_0001, 0x0000_0000, 0x3F80_0000))
        #expect(V128.f32x4Neg(a) == f32x4(bits: 0xFFA0_0000, 0x7FC0_0001, 0x0000_0000, 0x3F80_0000))
        let b = f64x2(bits: 0xFFF4_0000_0000_0000, 0x0000_0000_0000_0000)
        #expect(V128.f64x2Abs(b) == f64x2(bits: 0x7FF4_0000_0000_0000, 0))
        #expect(V128.f64x2Neg(b) == f64x2(bits: 0x7FF4_0000_0000_0000, 0x8000_0000_0000_0000))
    }

    @Test func squareRoot() {
        expectF32(V128.f32x4Sqrt(f32x4(4, -0.0, .infinity, 2)), 2, -0.0, .infinity, Float(2).squareRoot())
        expectF32(V128.f32x4Sqrt(f32x4(-1, -.infinity, 0x1p-148, 0)), .nan, .nan, 0x1p-74, 0, canonical: true)
        expectF32(V128.f32x4Sqrt(f32x4(bits: 0x7FA0_0000, 0, 0, 0)), .nan, 0, 0, 0)
        expectF64(V128.f64x2Sqrt(f64x2(2, -0.0)), 2.0.squareRoot(), -0.0)
        expectF64(V128.f64x2Sqrt(f64x2(-2, 0x1p-1074)), .nan, 0x1p-537, canonical: false)
    }

    @Test func roundingSpecialCases() {
        // Halves go to even for nearest; zero results keep the operand's sign.
        expectF32(V128.f32x4Nearest(f32x4(0.5, 1.5, 2.5, -0.5)), 0, 2, 2, -0.0)
        expectF32(V128.f32x4Nearest(f32x4(-1.5, -2.5, 0x1p23 - 0.5, -0.4)), -2, -2, 0x1p23, -0.0)
        expectF32(V128.f32x4Ceil(f32x4(-0.5, 0.5, -0.0, -1.5)), -0.0, 1, -0.0, -1)
        let belowTwo23 = f32x4(0x1p-149, -0x1p-149, 0x1p23 - 0.5, -(0x1p23 - 0.5))
        expectF32(V128.f32x4Ceil(belowTwo23), 1, -0.0, 0x1p23, -(0x1p23 - 1))
        expectF32(V128.f32x4Floor(f32x4(-0.5, 0.5, -0.0, 1.5)), -1, 0, -0.0, 1)
        expectF32(V128.f32x4Floor(belowTwo23), 0, -1, 0x1p23 - 1, -0x1p23)
        expectF32(V128.f32x4Trunc(f32x4(-0.5, 0.7, -1.7, 0x1p23 - 0.5)), -0.0, 0, -1, 0x1p23 - 1)
        // From 2^23 on, infinities included, the operand comes back; NaN comes back quieted, and canonical stays so.
        for round in [V128.f32x4Ceil, V128.f32x4Floor, V128.f32x4Trunc, V128.f32x4Nearest] {
            expectF32(round(f32x4(0x1p23, -0x1p23 - 1, .greatestFiniteMagnitude, -.infinity)),
                      0x1p23, -0x1p23 - 1, .greatestFiniteMagnitude, -.infinity)
            expectF32(round(f32x4(bits: 0x7FC0_0000, 0xFFC0_0000, 0x7FC0_0000, 0xFFC0_0000)),
                      .nan, .nan, .nan, .nan, canonical: true)
            expectF32(round(f32x4(bits: 0x7FA0_0000, 0xFFA0_0000, 0x7F80_0001, 0x7FFF_FFFF)), .nan, .nan, .nan, .nan)
        }

        expectF64(V128.f64x2Nearest(f64x2(2.5, -0.5)), 2, -0.0)
        expectF64(V128.f64x2Nearest(f64x2(0x1p52 - 0.5, 4.5)), 0x1p52, 4)
        expectF64(V128.f64x2Ceil(f64x2(-0.5, 0x1p-1074)), -0.0, 1)
        expectF64(V128.f64x2Floor(f64x2(-0x1p-1074, 0.5)), -1, 0)
        expectF64(V128.f64x2Trunc(f64x2(-0.9, 0x1p52 - 0.5)), -0.0, 0x1p52 - 1)
        for round in [V128.f64x2Ceil, V128.f64x2Floor, V128.f64x2Trunc, V128.f64x2Nearest] {
            expectF64(round(f64x2(0x1p52 + 1, -.infinity)), 0x1p52 + 1, -.infinity)
            expectF64(round(f64x2(bits: 0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0000)), .nan, .nan, canonical: true)
            expectF64(round(f64x2(bits: 0x7FF4_0000_0000_0000, 0xFFF0_0000_0000_0001)), .nan, .nan)
        }
    }

    @Test func roundingMatchesTheScalarFunctions() {
        let f32Cases: [((V128) -> V128, FloatingPointRoundingRule)] = [
            (V128.f32x4Ceil, .up), (V128.f32x4Floor, .down), (V128.f32x4Trunc, .towardZero),
            (V128.f32x4Nearest, .toNearestOrEven),
        ]
        for (round, rule) in f32Cases {
            forEachF32Vector { vector, x in
                expectF32(round(vector), x[0].rounded(rule), x[1].rounded(rule), x[2].rounded(rule), x[3].rounded(rule))
            }
        }
        let f64Cases: [((V128) -> V128, FloatingPointRoundingRule)] = [
            (V128.f64x2Ceil, .up), (V128.f64x2Floor, .down), (V128.f64x2Trunc, .towardZero),
            (V128.f64x2Nearest, .toNearestOrEven),
        ]
        for (round, rule) in f64Cases {
            forEachF64Vector { vector, x in expectF64(round(vector), x[0].rounded(rule), x[1].rounded(rule)) }
        }
    }

    // MARK: - Conversions

    @Test func truncSatF32x4Saturates() {
        #expect(V128.i32x4TruncSatF32x4S(f32x4(.nan, 0x1p31, -0x1p31, -0x1.000002p31)) == i32x4(0, .max, .min, .min))
        #expect(V128.i32x4TruncSatF32x4S(f32x4(.infinity, -.infinity, 0x1p31 - 128, -1.9)) ==
                i32x4(.max, .min, 2_147_483_520, -1))
        #expect(V128.i32x4TruncSatF32x4S(f32x4(bits: 0xFFC0_0000, 0x7FA0_0000, 0x8000_0001, 0x3F7F_FFFF)) ==
                i32x4(0, 0, 0, 0))
        #expect(V128.i32x4TruncSatF32x4S(f32x4(1.5, -2.5, 0x1p23 + 1, -(0x1p24 + 2))) ==
                i32x4(1, -2, 8_388_609, -16_777_218))
        #expect(V128.i32x4TruncSatF32x4U(f32x4(.nan, -1, 0x1p32, 0x1p32 - 256)) == u32x4(0, 0, .max, 4_294_967_040))
        #expect(V128.i32x4TruncSatF32x4U(f32x4(-0.9, .infinity, -.infinity, 0x1p31)) == u32x4(0, .max, 0, 0x8000_0000))
        #expect(V128.i32x4TruncSatF32x4U(f32x4(0x1p31 + 256, 0x1p31 - 128, 2.9, 0x1p-149)) ==
                u32x4(0x8000_0100, 0x7FFF_FF80, 2, 0))

        forEachF32Vector { vector, x in
            #expect(V128.i32x4TruncSatF32x4S(vector) == i32x4(saturatingS(Double(x[0])), saturatingS(Double(x[1])),
                                                                saturatingS(Double(x[2])), saturatingS(Double(x[3]))))
            #expect(V128.i32x4TruncSatF32x4U(vector) == u32x4(saturatingU(Double(x[0])), saturatingU(Double(x[1])),
                                                                saturatingU(Double(x[2])), saturatingU(Double(x[3]))))
        }
    }

    @Test func truncSatF64x2ZeroesTheUpperLanes() {
        #expect(V128.i32x4TruncSatF64x2SZero(f64x2(.nan, 0x1p31)) == i32x4(0, .max, 0, 0))
        #expect(V128.i32x4TruncSatF64x2SZero(f64x2(0x1p31 - 0.5, -0x1p31 - 0.5)) == i32x4(.max, .min, 0, 0))
        #expect(V128.i32x4TruncSatF64x2SZero(f64x2(-.infinity, -1.9)) == i32x4(.min, -1, 0, 0))
        #expect(V128.i32x4TruncSatF64x2SZero(f64x2(-0x1p31 + 0.5, -0.0)) == i32x4(-2_147_483_647, 0, 0, 0))
        #expect(V128.i32x4TruncSatF64x2UZero(f64x2(.nan, -1)) == u32x4(0, 0, 0, 0))
        #expect(V128.i32x4TruncSatF64x2UZero(f64x2(0x1p32, 0x1p32 - 1.5)) == u32x4(.max, .max - 1, 0, 0))
        #expect(V128.i32x4TruncSatF64x2UZero(f64x2(.infinity, 0x1p31 + 0.5)) == u32x4(.max, 0x8000_0000, 0, 0))

        forEachF64Vector { vector, x in
            #expect(V128.i32x4TruncSatF64x2SZero(vector) == i32x4(saturatingS(x[0]), saturatingS(x[1]), 0, 0))
            #expect(V128.i32x4TruncSatF64x2UZero(vector) == u32x4(saturatingU(x[0]), saturatingU(x[1]), 0, 0))
        }
    }

    @Test func integerToFloatConversionsRoundToNearestEven() {
        expectF32(V128.f32x4ConvertI32x4S(i32x4(.min, .max, 16_777_217, -16_777_219)),
                  -0x1p31, 0x1p31, 16_777_216, -16_777_220)
        expectF32(V128.f32x4ConvertI32x4U(u32x4(.max, 0x8000_0080, 0x8000_0081, 16_777_217)),
                  0x1p32, 0x1p31, 0x1.000002p31, 16_777_216)
        expectF32(V128.f32x4ConvertI32x4U(u32x4(0, 1, 0xFFFF_FF7F, 0xFFFF_FF80)), 0, 1, 0x1.fffffep31, 0x1p32)
        var state: UInt32 = 0x1234_5678
        for _ in 0..<2000 {
            var lanes = SIMD4<UInt32>()
            for lane in 0..<4 {
                state = state &* 1_664_525 &+ 1_013_904_223
                lanes[lane] = state >> (state & 31)
            }
            let converted = V128.f32x4ConvertI32x4U(V128(u32x4: lanes)).f32x4
            let signed = V128.f32x4ConvertI32x4S(V128(u32x4: lanes)).f32x4
            for lane in 0..<4 {
                #expect(converted[lane] == Float(lanes[lane]))
                #expect(signed[lane] == Float(Int32(bitPattern: lanes[lane])))
            }
        }

        expectF64(V128.f64x2ConvertLowI32x4S(i32x4(.min, -1, 7, 7)), -0x1p31, -1)
        expectF64(V128.f64x2ConvertLowI32x4U(u32x4(.max, 0x8000_0000, 7, 7)), 0x1p32 - 1, 0x1p31)
        expectF64(V128.f64x2ConvertLowI32x4U(u32x4(0, 1, 7, 7)), 0, 1)
    }

    @Test func demoteAndPromote() {
        let demoted = V128.f32x4DemoteF64x2Zero(f64x2(0x1.000001p0, -0x1.0000018p0))
        expectF32(demoted, 1, -0x1.000002p0, 0, 0)
        expectF32(V128.f32x4DemoteF64x2Zero(f64x2(0x1p128, -0x1p-150)), .infinity, -0.0, 0, 0)
        expectF32(V128.f32x4DemoteF64x2Zero(f64x2(0x1.fffffefffffffp127, 0x1p-149)),
                  .greatestFiniteMagnitude, 0x1p-149, 0, 0)
        expectF32(V128.f32x4DemoteF64x2Zero(f64x2(.nan, -.nan)), .nan, .nan, 0, 0, canonical: true)
        expectF32(V128.f32x4DemoteF64x2Zero(f64x2(bits: 0x7FF4_0000_0000_0000, 0)), .nan, 0, 0, 0)

        expectF64(V128.f64x2PromoteLowF32x4(f32x4(0x1p-149, -.infinity, 9, 9)), 0x1p-149, -.infinity)
        expectF64(V128.f64x2PromoteLowF32x4(f32x4(.nan, -0.0, 9, 9)), .nan, -0.0, canonical: true)
        expectF64(V128.f64x2PromoteLowF32x4(f32x4(bits: 0x7FA0_0000, 0x7F7F_FFFF, 0, 0)), .nan,
                  Double(Float.greatestFiniteMagnitude))
    }

    // MARK: - Relaxed SIMD

    @Test func relaxedTruncIsTheSaturatingTrunc() {
        let f32 = f32x4(.nan, 0x1p32, -0x1p32, 2.5)
        #expect(V128.i32x4RelaxedTruncF32x4S(f32) == V128.i32x4TruncSatF32x4S(f32))
        #expect(V128.i32x4RelaxedTruncF32x4U(f32) == V128.i32x4TruncSatF32x4U(f32))
        let f64 = f64x2(.nan, 0x1p32)
        #expect(V128.i32x4RelaxedTruncF64x2SZero(f64) == V128.i32x4TruncSatF64x2SZero(f64))
        #expect(V128.i32x4RelaxedTruncF64x2UZero(f64) == V128.i32x4TruncSatF64x2UZero(f64))
    }

    @Test func relaxedMaddIsUnfused() {
        // The relaxed_madd_nmadd.wast cases: an unfused a*b + c rounds twice.
        let max = Float.greatestFiniteMagnitude
        expectF32(V128.f32x4RelaxedMadd(f32x4(max, max, max, max), f32x4(2, 2, 2, 2), f32x4(-max, -max, -max, -max)),
                  .infinity, .infinity, .infinity, .infinity)
        let x = f32x4(0x1.000004p0, 0x1.000004p0, 1, -0.0), y = f32x4(0x1.0002p0, 0x1.0002p0, 0, 1)
        let z = f32x4(-0x1.000204p0, -0x1.000204p0, -0.0, -0.0)
        expectF32(V128.f32x4RelaxedMadd(x, y, z), 0, 0, 0, -0.0)
        // nmadd is -(a*b) + c: with a*b = +0 and c = -0 that is -0, which 0 - a*b + c would not give.
        expectF32(V128.f32x4RelaxedNmadd(f32x4(-0x1.000004p0, 0x1.000004p0, 1, 2), f32x4(0x1.0002p0, -0x1.0002p0, 0, 3),
                                         f32x4(-0x1.000204p0, -0x1.000204p0, -0.0, 1)), 0, 0, -0.0, -5)

        let dmax = Double.greatestFiniteMagnitude
        expectF64(V128.f64x2RelaxedMadd(f64x2(dmax, 3), f64x2(2, 4), f64x2(-dmax, 5)), .infinity, 17)
        expectF64(V128.f64x2RelaxedMadd(f64x2(0x1.00000004p0, 0x1.00000004p0), f64x2(0x1.000002p0, 0x1.000002p0),
                                        f64x2(-0x1.00000204p0, -0x1.00000204p0)), 0, 0)
        expectF64(V128.f64x2RelaxedNmadd(f64x2(-0x1.00000004p0, 1), f64x2(0x1.000002p0, 0),
                                         f64x2(-0x1.00000204p0, -0.0)), 0, -0.0)
        expectF64(V128.f64x2RelaxedNmadd(f64x2(2, .infinity), f64x2(3, 0), f64x2(1, 1)), -5, .nan)
    }

    @Test func relaxedMinAndMaxAreWasmMinAndMax() {
        let a = f32x4(-.nan, .nan, 0, -0.0), b = f32x4(0, 0, -.nan, 0)
        #expect(V128.f32x4RelaxedMin(a, b) == V128.f32x4Min(a, b))
        #expect(V128.f32x4RelaxedMax(a, b) == V128.f32x4Max(a, b))
        expectF32(V128.f32x4RelaxedMin(a, b), .nan, .nan, .nan, -0.0, canonical: true)
        expectF32(V128.f32x4RelaxedMax(a, b), .nan, .nan, .nan, 0, canonical: true)
        let c = f64x2(0, -0.0), d = f64x2(.nan, 0)
        #expect(V128.f64x2RelaxedMin(c, d) == V128.f64x2Min(c, d))
        #expect(V128.f64x2RelaxedMax(c, d) == V128.f64x2Max(c, d))
        expectF64(V128.f64x2RelaxedMin(c, d), .nan, -0.0, canonical: true)
        expectF64(V128.f64x2RelaxedMax(c, d), .nan, 0, canonical: true)
    }
}
