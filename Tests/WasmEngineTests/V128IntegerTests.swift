import Testing
@testable import WasmEngine

/// V128+Integer against the spec's expected values (from the core-2.0 `simd_*` and core-3.0 relaxed `.wast` files)
/// and against scalar models of each lane operation over edge values: lane order, saturation bounds, minimum values,
/// shift counts at and past the lane width, signed against unsigned.
@Suite struct V128IntegerTests {
    // Edge values for each lane width, spread so that lane i of `a` meets a different lane of `b`.
    static let bytes: [Int8] = [0, 1, -1, 127, -128, 126, -127, 64, -64, 2, -2, 100, -100, 55, -3, 17]
    static let words: [Int16] = [0, 1, -1, 32767, -32768, 32766, -32767, 16384, -16384, 255, -256, 128, -129, 1000]
    static let dwords: [Int32] = [0, 1, -1, .max, .min, .max - 1, .min + 1, 65536, -65536, 32768, -32769, 123_456]
    static let qwords: [Int64] = [0, 1, -1, .max, .min, .max - 1, .min + 1, 1 << 32, -(1 << 32), 0x7FFF_FFFF]

    static func i8(_ lanes: [Int8]) -> V128 { V128(i8x16: SIMD16(lanes)) }
    static func i16(_ lanes: [Int16]) -> V128 { V128(i16x8: SIMD8(lanes)) }
    static func i32(_ lanes: [Int32]) -> V128 { V128(i32x4: SIMD4(lanes)) }
    static func i64(_ lanes: [Int64]) -> V128 { V128(i64x2: SIMD2(lanes)) }

    /// Operand pairs from the edge values: every rotation of the list against itself, sixteen lanes at a time.
    static func pairs<T>(_ values: [T], lanes: Int) -> [([T], [T])] {
        (0..<values.count).flatMap { shift in
            (0..<values.count).map { start in
                let a = (0..<lanes).map { values[(start + $0) % values.count] }
                let b = (0..<lanes).map { values[(start + $0 * 3 + shift) % values.count] }
                return (a, b)
            }
        }
    }

    static func lanes8(_ v: V128) -> [Int8] { (0..<16).map { v.i8x16[$0] } }
    static func lanes16(_ v: V128) -> [Int16] { (0..<8).map { v.i16x8[$0] } }
    static func lanes32(_ v: V128) -> [Int32] { (0..<4).map { v.i32x4[$0] } }
    static func lanes64(_ v: V128) -> [Int64] { (0..<2).map { v.i64x2[$0] } }

    static func sat<T: FixedWidthInteger>(_ x: Int, _: T.Type) -> T { T(clamping: x) }
    static func mask<T: FixedWidthInteger>(_ c: Bool) -> T { c ? ~0 : 0 }

    // MARK: - Binary lane operations against scalar models

    @Test func i8x16BinaryMatchesModel() {
        typealias Op = (V128, V128) -> V128
        let cases: [(String, Op, (Int8, Int8) -> Int8)] = [
            ("eq", V128.i8x16Eq, { Self.mask($0 == $1) }), ("ne", V128.i8x16Ne, { Self.mask($0 != $1) }),
            ("lt_s", V128.i8x16LtS, { Self.mask($0 < $1) }), ("gt_s", V128.i8x16GtS, { Self.mask($0 > $1) }),
            ("le_s", V128.i8x16LeS, { Self.mask($0 <= $1) }), ("ge_s", V128.i8x16GeS, { Self.mask($0 >= $1) }),
            ("lt_u", V128.i8x16LtU, { Self.mask(UInt8(bitPattern: $0) < UInt8(bitPattern: $1)) }),
            ("gt_u", V128.i8x16GtU, { Self.mask(UInt8(bitPattern: $0) > UInt8(bitPattern: $1)) }),
            ("le_u", V128.i8x16LeU, { Self.mask(UInt8(bitPattern: $0) <= UInt8(bitPattern: $1)) }),
            ("ge_u", V128.i8x16GeU, { Self.mask(UInt8(bitPattern: $0) >= UInt8(bitPattern: $1)) }),
            ("add", V128.i8x16Add, { $0 &+ $1 }), ("sub", V128.i8x16Sub, { $0 &- $1 }),
            ("add_sat_s", V128.i8x16AddSatS, { Self.sat(Int($0) + Int($1), Int8.self) }),
            ("sub_sat_s", V128.i8x16SubSatS, { Self.sat(Int($0) - Int($1), Int8.self) }),
            ("add_sat_u", V128.i8x16AddSatU, { Int8(bitPattern: Self.sat(Int(UInt8(bitPattern: $0)) + Int(UInt8(bitPattern: $1)), UInt8.self)) }),
            ("sub_sat_u", V128.i8x16SubSatU, { Int8(bitPattern: Self.sat(Int(UInt8(bitPattern: $0)) - Int(UInt8(bitPattern: $1)), UInt8.self)) }),
            ("min_s", V128.i8x16MinS, { min($0, $1) }), ("max_s", V128.i8x16MaxS, { max($0, $1) }),
            ("min_u", V128.i8x16MinU, { Int8(bitPattern: min(UInt8(bitPattern: $0), UInt8(bitPattern: $1))) }),
            ("max_u", V128.i8x16MaxU, { Int8(bitPattern: max(UInt8(bitPattern: $0), UInt8(bitPattern: $1))) }),
            ("avgr_u", V128.i8x16AvgrU, { Int8(truncatingIfNeeded: (Int(UInt8(bitPattern: $0)) + Int(UInt8(bitPattern: $1)) + 1) / 2) }),
        ]
        for (name, op, model) in cases {
            for (a, b) in Self.pairs(Self.bytes, lanes: 16) {
                #expect(Self.lanes8(op(Self.i8(a), Self.i8(b))) == zip(a, b).map(model), "i8x16.\(name) \(a) \(b)")
            }
        }
    }

    @Test func i16x8BinaryMatchesModel() {
        typealias Op = (V128, V128) -> V128
        let u = { (x: Int16) in Int(UInt16(bitPattern: x)) }
        let cases: [(String, Op, (Int16, Int16) -> Int16)] = [
            ("eq", V128.i16x8Eq, { Self.mask($0 == $1) }), ("ne", V128.i16x8Ne, { Self.mask($0 != $1) }),
            ("lt_s", V128.i16x8LtS, { Self.mask($0 < $1) }), ("gt_s", V128.i16x8GtS, { Self.mask($0 > $1) }),
            ("le_s", V128.i16x8LeS, { Self.mask($0 <= $1) }), ("ge_s", V128.i16x8GeS, { Self.mask($0 >= $1) }),
            ("lt_u", V128.i16x8LtU, { Self.mask(u($0) < u($1)) }), ("gt_u", V128.i16x8GtU, { Self.mask(u($0) > u($1)) }),
            ("le_u", V128.i16x8LeU, { Self.mask(u($0) <= u($1)) }), ("ge_u", V128.i16x8GeU, { Self.mask(u($0) >= u($1)) }),
            ("add", V128.i16x8Add, { $0 &+ $1 }), ("sub", V128.i16x8Sub, { $0 &- $1 }), ("mul", V128.i16x8Mul, { $0 &* $1 }),
            ("add_sat_s", V128.i16x8AddSatS, { Self.sat(Int($0) + Int($1), Int16.self) }),
            ("sub_sat_s", V128.i16x8SubSatS, { Self.sat(Int($0) - Int($1), Int16.self) }),
            ("add_sat_u", V128.i16x8AddSatU, { Int16(bitPattern: Self.sat(u($0) + u($1), UInt16.self)) }),
            ("sub_sat_u", V128.i16x8SubSatU, { Int16(bitPattern: Self.sat(u($0) - u($1), UInt16.self)) }),
            ("min_s", V128.i16x8MinS, { min($0, $1) }), ("max_s", V128.i16x8MaxS, { max($0, $1) }),
            ("min_u", V128.i16x8MinU, { u($0) < u($1) ? $0 : $1 }), ("max_u", V128.i16x8MaxU, { u($0) > u($1) ? $0 : $1 }),
            ("avgr_u", V128.i16x8AvgrU, { Int16(truncatingIfNeeded: (u($0) + u($1) + 1) / 2) }),
            ("q15mulr_sat_s", V128.i16x8Q15mulrSatS, { Self.sat((Int($0) * Int($1) + 0x4000) >> 15, Int16.self) }),
            ("relaxed_q15mulr_s", V128.i16x8RelaxedQ15mulrS, { Self.sat((Int($0) * Int($1) + 0x4000) >> 15, Int16.self) }),
        ]
        for (name, op, model) in cases {
            for (a, b) in Self.pairs(Self.words, lanes: 8) {
                #expect(Self.lanes16(op(Self.i16(a), Self.i16(b))) == zip(a, b).map(model), "i16x8.\(name) \(a) \(b)")
            }
        }
    }

    @Test func i32x4BinaryMatchesModel() {
        typealias Op = (V128, V128) -> V128
        let u = { (x: Int32) in UInt32(bitPattern: x) }
        let cases: [(String, Op, (Int32, Int32) -> Int32)] = [
            ("eq", V128.i32x4Eq, { Self.mask($0 == $1) }), ("ne", V128.i32x4Ne, { Self.mask($0 != $1) }),
            ("lt_s", V128.i32x4LtS, { Self.mask($0 < $1) }), ("gt_s", V128.i32x4GtS, { Self.mask($0 > $1) }),
            ("le_s", V128.i32x4LeS, { Self.mask($0 <= $1) }), ("ge_s", V128.i32x4GeS, { Self.mask($0 >= $1) }),
            ("lt_u", V128.i32x4LtU, { Self.mask(u($0) < u($1)) }), ("gt_u", V128.i32x4GtU, { Self.mask(u($0) > u($1)) }),
            ("le_u", V128.i32x4LeU, { Self.mask(u($0) <= u($1)) }), ("ge_u", V128.i32x4GeU, { Self.mask(u($0) >= u($1)) }),
            ("add", V128.i32x4Add, { $0 &+ $1 }), ("sub", V128.i32x4Sub, { $0 &- $1 }), ("mul", V128.i32x4Mul, { $0 &* $1 }),
            ("min_s", V128.i32x4MinS, { min($0, $1) }), ("max_s", V128.i32x4MaxS, { max($0, $1) }),
            ("min_u", V128.i32x4MinU, { u($0) < u($1) ? $0 : $1 }), ("max_u", V128.i32x4MaxU, { u($0) > u($1) ? $0 : $1 }),
        ]
        for (name, op, model) in cases {
            for (a, b) in Self.pairs(Self.dwords, lanes: 4) {
                #expect(Self.lanes32(op(Self.i32(a), Self.i32(b))) == zip(a, b).map(model), "i32x4.\(name) \(a) \(b)")
            }
        }
    }

    @Test func i64x2BinaryMatchesModel() {
        typealias Op = (V128, V128) -> V128
        let cases: [(String, Op, (Int64, Int64) -> Int64)] = [
            ("eq", V128.i64x2Eq, { Self.mask($0 == $1) }), ("ne", V128.i64x2Ne, { Self.mask($0 != $1) }),
            ("lt_s", V128.i64x2LtS, { Self.mask($0 < $1) }), ("gt_s", V128.i64x2GtS, { Self.mask($0 > $1) }),
            ("le_s", V128.i64x2LeS, { Self.mask($0 <= $1) }), ("ge_s", V128.i64x2GeS, { Self.mask($0 >= $1) }),
            ("add", V128.i64x2Add, { $0 &+ $1 }), ("sub", V128.i64x2Sub, { $0 &- $1 }), ("mul", V128.i64x2Mul, { $0 &* $1 }),
        ]
        for (name, op, model) in cases {
            for (a, b) in Self.pairs(Self.qwords, lanes: 2) {
                #expect(Self.lanes64(op(Self.i64(a), Self.i64(b))) == zip(a, b).map(model), "i64x2.\(name) \(a) \(b)")
            }
        }
    }

    // MARK: - Spec values

    @Test func saturationAtTheBounds() {
        #expect(Self.lanes8(V128.i8x16AddSatS(Self.i8([127, -128, 100] + Array(repeating: 0, count: 13)),
                                               Self.i8([1, -1, 100] + Array(repeating: 0, count: 13))))
            == [127, -128, 127] + Array(repeating: 0, count: 13))
        #expect(V128.i8x16AddSatU(Self.i8(Array(repeating: -1, count: 16)), Self.i8(Array(repeating: 1, count: 16)))
            == Self.i8(Array(repeating: -1, count: 16)))
        #expect(V128.i8x16SubSatU(Self.i8(Array(repeating: 1, count: 16)), Self.i8(Array(repeating: 2, count: 16)))
            == V128.zero)
        #expect(Self.lanes16(V128.i16x8SubSatS(Self.i16([-32768, 32767, 0, 0, 0, 0, 0, 0]), Self.i16([1, -1, 0, 0, 0, 0, 0, 0])))
            == [-32768, 32767, 0, 0, 0, 0, 0, 0])
        // simd_i16x8_q15mulr_sat_s.wast: only -32768 * -32768 saturates; -32768 * 32767 rounds to -32767.
        #expect(Self.lanes16(V128.i16x8Q15mulrSatS(Self.i16([-32768, -32768, 32767, 16384, -16384, 1, 0, 32767]),
                                                    Self.i16([-32768, 32767, 32767, 16384, 16384, 1, 0, -32768])))
            == [32767, -32767, 32766, 8192, -8192, 0, 0, -32767])
    }

    @Test func dotProductWrapsAtTheTop() {
        // simd_i32x4_dot_i16x8.wast
        #expect(Self.lanes32(V128.i32x4DotI16x8S(Self.i16(Array(repeating: -32768, count: 8)), Self.i16(Array(repeating: -32768, count: 8))))
            == Array(repeating: Int32.min, count: 4))
        #expect(Self.lanes32(V128.i32x4DotI16x8S(Self.i16([1, 2, 3, 4, 5, 6, 7, 8]), Self.i16([1, -1, 2, -2, 3, 3, -4, 0])))
            == [-1, -2, 33, -28])
    }

    @Test func narrowingFillsLowThenHighAndSaturates() {
        let a = Self.i16([0, 1, -1, 127, 128, -128, -129, 32767])
        let b = Self.i16([-32768, 255, 256, 2, 3, 4, 5, 6])
        #expect(Self.lanes8(V128.i8x16NarrowI16x8S(a, b)) == [0, 1, -1, 127, 127, -128, -128, 127, -128, 127, 127, 2, 3, 4, 5, 6])
        #expect(V128.i8x16NarrowI16x8U(a, b).bytes == SIMD16<UInt8>(0, 1, 0, 127, 128, 0, 0, 255, 0, 255, 255, 2, 3, 4, 5, 6))
        let c = Self.i32([0, 32768, -32769, 65535]), d = Self.i32([65536, -1, Int32.max, Int32.min])
        #expect(Self.lanes16(V128.i16x8NarrowI32x4S(c, d)) == [0, 32767, -32768, 32767, 32767, -1, 32767, -32768])
        #expect(V128.i16x8NarrowI32x4U(c, d).u16x8 == SIMD8<UInt16>(0, 32768, 0, 65535, 65535, 0, 65535, 0))
    }

    @Test func extendedMultiplicationTakesTheRightHalf() {
        let a = Self.i8((0..<16).map { Int8($0) - 8 }), b = Self.i8(Array(repeating: -128, count: 16))
        #expect(Self.lanes16(V128.i16x8ExtmulLowI8x16S(a, b)) == (0..<8).map { Int16($0 - 8) * -128 })
        #expect(Self.lanes16(V128.i16x8ExtmulHighI8x16S(a, b)) == (8..<16).map { Int16($0 - 8) * -128 })
        #expect(V128.i16x8ExtmulLowI8x16U(a, b).u16x8 == SIMD8((0..<8).map { UInt16(UInt8(bitPattern: Int8($0 - 8))) * 128 }))
        #expect(V128.i16x8ExtmulHighI8x16U(a, b).u16x8 == SIMD8((8..<16).map { UInt16($0 - 8) * 128 }))

        let c = Self.i16([-32768, -1, 2, 3, 32767, -32768, 5, -6]), d = Self.i16([-32768, -1, -2, 3, 32767, 32767, -5, -6])
        #expect(Self.lanes32(V128.i32x4ExtmulLowI16x8S(c, d)) == [1 << 30, 1, -4, 9])
        let highS: [Int32] = [1_073_676_289, -1_073_709_056, -25, 36]  // 32767², -32768 * 32767
        let lowU: SIMD4<UInt32> = [1 << 30, 4_294_836_225, 131_068, 9]  // 32768², 65535², 2 * 65534
        let highU: SIMD4<UInt32> = [1_073_676_289, 1_073_709_056, 327_655, 4_294_180_900]  // ..., 5 * 65531, 65530²
        #expect(Self.lanes32(V128.i32x4ExtmulHighI16x8S(c, d)) == highS)
        #expect(V128.i32x4ExtmulLowI16x8U(c, d).u32x4 == lowU)
        #expect(V128.i32x4ExtmulHighI16x8U(c, d).u32x4 == highU)

        let e = Self.i32([Int32.min, -1, Int32.max, 7]), f = Self.i32([Int32.min, -1, Int32.min, -7])
        #expect(Self.lanes64(V128.i64x2ExtmulLowI32x4S(e, f)) == [1 << 62, 1])
        #expect(Self.lanes64(V128.i64x2ExtmulHighI32x4S(e, f)) == [Int64(Int32.max) * Int64(Int32.min), -49])
        #expect(V128.i64x2ExtmulLowI32x4U(e, f).u64x2 == [1 << 62, UInt64(UInt32.max) * UInt64(UInt32.max)])
        #expect(V128.i64x2ExtmulHighI32x4U(e, f).u64x2 == [UInt64(Int32.max) << 31, 7 * UInt64(UInt32.max - 6)])
    }

    // MARK: - Unary

    @Test func unaryMatchesModel() {
        for (a, _) in Self.pairs(Self.bytes, lanes: 16) {
            let v = Self.i8(a)
            #expect(Self.lanes8(V128.i8x16Abs(v)) == a.map { $0 == .min ? .min : abs($0) })
            #expect(Self.lanes8(V128.i8x16Neg(v)) == a.map { 0 &- $0 })
            #expect(Self.lanes8(V128.i8x16Popcnt(v)) == a.map { Int8($0.nonzeroBitCount) })
            #expect(Self.lanes16(V128.i16x8ExtaddPairwiseI8x16S(v)) == (0..<8).map { Int16(a[2 * $0]) + Int16(a[2 * $0 + 1]) })
            #expect(V128.i16x8ExtaddPairwiseI8x16U(v).u16x8
                == SIMD8((0..<8).map { UInt16(UInt8(bitPattern: a[2 * $0])) + UInt16(UInt8(bitPattern: a[2 * $0 + 1])) }))
            #expect(Self.lanes16(V128.i16x8ExtendLowI8x16S(v)) == a[0..<8].map { Int16($0) })
            #expect(Self.lanes16(V128.i16x8ExtendHighI8x16S(v)) == a[8..<16].map { Int16($0) })
            #expect(V128.i16x8ExtendLowI8x16U(v).u16x8 == SIMD8(a[0..<8].map { UInt16(UInt8(bitPattern: $0)) }))
            #expect(V128.i16x8ExtendHighI8x16U(v).u16x8 == SIMD8(a[8..<16].map { UInt16(UInt8(bitPattern: $0)) }))
        }
        for (a, _) in Self.pairs(Self.words, lanes: 8) {
            let v = Self.i16(a)
            #expect(Self.lanes16(V128.i16x8Abs(v)) == a.map { $0 == .min ? .min : abs($0) })
            #expect(Self.lanes16(V128.i16x8Neg(v)) == a.map { 0 &- $0 })
            #expect(Self.lanes32(V128.i32x4ExtaddPairwiseI16x8S(v)) == (0..<4).map { Int32(a[2 * $0]) + Int32(a[2 * $0 + 1]) })
            #expect(V128.i32x4ExtaddPairwiseI16x8U(v).u32x4
                == SIMD4((0..<4).map { UInt32(UInt16(bitPattern: a[2 * $0])) + UInt32(UInt16(bitPattern: a[2 * $0 + 1])) }))
            #expect(Self.lanes32(V128.i32x4ExtendLowI16x8S(v)) == a[0..<4].map { Int32($0) })
            #expect(Self.lanes32(V128.i32x4ExtendHighI16x8S(v)) == a[4..<8].map { Int32($0) })
            #expect(V128.i32x4ExtendLowI16x8U(v).u32x4 == SIMD4(a[0..<4].map { UInt32(UInt16(bitPattern: $0)) }))
            #expect(V128.i32x4ExtendHighI16x8U(v).u32x4 == SIMD4(a[4..<8].map { UInt32(UInt16(bitPattern: $0)) }))
        }
        for (a, _) in Self.pairs(Self.dwords, lanes: 4) {
            let v = Self.i32(a)
            #expect(Self.lanes32(V128.i32x4Abs(v)) == a.map { $0 == .min ? .min : abs($0) })
            #expect(Self.lanes32(V128.i32x4Neg(v)) == a.map { 0 &- $0 })
            #expect(Self.lanes64(V128.i64x2ExtendLowI32x4S(v)) == a[0..<2].map { Int64($0) })
            #expect(Self.lanes64(V128.i64x2ExtendHighI32x4S(v)) == a[2..<4].map { Int64($0) })
            #expect(V128.i64x2ExtendLowI32x4U(v).u64x2 == SIMD2(a[0..<2].map { UInt64(UInt32(bitPattern: $0)) }))
            #expect(V128.i64x2ExtendHighI32x4U(v).u64x2 == SIMD2(a[2..<4].map { UInt64(UInt32(bitPattern: $0)) }))
        }
        for (a, _) in Self.pairs(Self.qwords, lanes: 2) {
            #expect(Self.lanes64(V128.i64x2Abs(Self.i64(a))) == a.map { $0 == .min ? .min : abs($0) })
            #expect(Self.lanes64(V128.i64x2Neg(Self.i64(a))) == a.map { 0 &- $0 })
        }
    }

    // MARK: - All true and bitmask

    @Test func allTrueAndBitmaskReadEachLane() {
        for lane in 0..<16 {
            var lanes = [Int8](repeating: 1, count: 16)
            lanes[lane] = 0
            #expect(!V128.i8x16AllTrue(Self.i8(lanes)))
            lanes[lane] = -128
            #expect(V128.i8x16AllTrue(Self.i8(lanes)))
            #expect(V128.i8x16Bitmask(Self.i8(lanes)) == 1 << lane)
        }
        for lane in 0..<8 {
            var lanes = [Int16](repeating: 0x7FFF, count: 8)
            lanes[lane] = 0
            #expect(!V128.i16x8AllTrue(Self.i16(lanes)))
            lanes[lane] = 0x100  // a set bit only in the lane's high byte still counts
            #expect(V128.i16x8AllTrue(Self.i16(lanes)))
            lanes[lane] = -32768
            #expect(V128.i16x8Bitmask(Self.i16(lanes)) == 1 << lane)
        }
        for lane in 0..<4 {
            var lanes = [Int32](repeating: 0x0001_0000, count: 4)
            lanes[lane] = 0
            #expect(!V128.i32x4AllTrue(Self.i32(lanes)))
            lanes[lane] = .min
            #expect(V128.i32x4AllTrue(Self.i32(lanes)))
            #expect(V128.i32x4Bitmask(Self.i32(lanes)) == 1 << lane)
        }
        for lane in 0..<2 {
            var lanes: [Int64] = [1 << 40, 1 << 40]
            lanes[lane] = 0
            #expect(!V128.i64x2AllTrue(Self.i64(lanes)))
            lanes[lane] = .min
            #expect(V128.i64x2AllTrue(Self.i64(lanes)))
            #expect(V128.i64x2Bitmask(Self.i64(lanes)) == 1 << lane)
        }
        #expect(V128.i8x16Bitmask(Self.i8(Array(repeating: -1, count: 16))) == 0xFFFF)
        #expect(V128.i16x8Bitmask(Self.i16(Array(repeating: -1, count: 8))) == 0xFF)
        #expect(V128.i32x4Bitmask(Self.i32(Array(repeating: -1, count: 4))) == 0xF)
        #expect(V128.i64x2Bitmask(Self.i64([-1, -1])) == 0x3)
        for (a, _) in Self.pairs(Self.bytes, lanes: 16) {
            let expected = a.enumerated().reduce(UInt32(0)) { $0 | ($1.element < 0 ? 1 << $1.offset : 0) }
            #expect(V128.i8x16Bitmask(Self.i8(a)) == expected)
        }
        #expect(!V128.i8x16AllTrue(.zero) && !V128.i16x8AllTrue(.zero) && !V128.i32x4AllTrue(.zero) && !V128.i64x2AllTrue(.zero))
    }

    // MARK: - Shifts

    @Test func shiftsTakeTheCountModuloTheLaneWidth() {
        let counts: [UInt32] = [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 0xFFFF_FFFF]
        for count in counts {
            let a8 = Self.bytes + [-100, 99]
            let s8 = Int8(count % 8)
            #expect(Self.lanes8(V128.i8x16Shl(Self.i8(Array(a8.prefix(16))), count)) == a8.prefix(16).map { $0 << s8 })
            #expect(Self.lanes8(V128.i8x16ShrS(Self.i8(Array(a8.prefix(16))), count)) == a8.prefix(16).map { $0 >> s8 })
            #expect(Self.lanes8(V128.i8x16ShrU(Self.i8(Array(a8.prefix(16))), count))
                == a8.prefix(16).map { Int8(bitPattern: UInt8(bitPattern: $0) >> s8) })
            let a16 = Array(Self.words.prefix(8)), s16 = Int16(count % 16)
            #expect(Self.lanes16(V128.i16x8Shl(Self.i16(a16), count)) == a16.map { $0 << s16 })
            #expect(Self.lanes16(V128.i16x8ShrS(Self.i16(a16), count)) == a16.map { $0 >> s16 })
            #expect(Self.lanes16(V128.i16x8ShrU(Self.i16(a16), count)) == a16.map { Int16(bitPattern: UInt16(bitPattern: $0) >> s16) })
            let a32 = Array(Self.dwords.dropFirst(2).prefix(4)), s32 = Int32(count % 32)
            #expect(Self.lanes32(V128.i32x4Shl(Self.i32(a32), count)) == a32.map { $0 << s32 })
            #expect(Self.lanes32(V128.i32x4ShrS(Self.i32(a32), count)) == a32.map { $0 >> s32 })
            #expect(Self.lanes32(V128.i32x4ShrU(Self.i32(a32), count)) == a32.map { Int32(bitPattern: UInt32(bitPattern: $0) >> s32) })
            let pairs: [[Int64]] = [[.min, -1], [.max, -(1 << 40) - 5], [1, 0x7FFF_FFFF]]
            for pair in pairs {
                let s64 = Int64(count % 64)
                #expect(Self.lanes64(V128.i64x2Shl(Self.i64(pair), count)) == pair.map { $0 << s64 })
                #expect(Self.lanes64(V128.i64x2ShrS(Self.i64(pair), count)) == pair.map { $0 >> s64 })
                #expect(Self.lanes64(V128.i64x2ShrU(Self.i64(pair), count)) == pair.map { Int64(bitPattern: UInt64(bitPattern: $0) >> s64) })
            }
        }
    }

    // MARK: - Relaxed SIMD

    @Test func relaxedDotProducts() {
        // relaxed_dot_product.wast
        let ramp = Self.i8((0..<16).map { Int8($0) })
        #expect(Self.lanes16(V128.i16x8RelaxedDotI8x16I7x16S(ramp, ramp)) == [1, 13, 41, 85, 145, 221, 313, 421])
        #expect(Self.lanes16(V128.i16x8RelaxedDotI8x16I7x16S(Self.i8([-128, -128, 127, 127] + Array(repeating: 0, count: 12)),
                                                             Self.i8([127, 127, 127, 127] + Array(repeating: 0, count: 12))))
            == [-32512, 32258, 0, 0, 0, 0, 0, 0])
        // b's bytes read as signed: -128 * -127 twice is 32512, one of the spec's allowed results.
        #expect(Self.lanes16(V128.i16x8RelaxedDotI8x16I7x16S(Self.i8([-128, -128] + Array(repeating: 0, count: 14)),
                                                             Self.i8([-127, -127] + Array(repeating: 0, count: 14))))
            == [32512, 0, 0, 0, 0, 0, 0, 0])
        // The pair sum wraps to 16 bits.
        #expect(Self.lanes16(V128.i16x8RelaxedDotI8x16I7x16S(Self.i8(Array(repeating: -128, count: 16)),
                                                             Self.i8(Array(repeating: -128, count: 16))))
            == Array(repeating: -32768, count: 8))

        #expect(Self.lanes32(V128.i32x4RelaxedDotI8x16I7x16AddS(ramp, ramp, Self.i32([0, 1, 2, 3]))) == [14, 127, 368, 737])
        #expect(Self.lanes32(V128.i32x4RelaxedDotI8x16I7x16AddS(
            Self.i8([-128, -128, -128, -128, 127, 127, 127, 127] + Array(repeating: 0, count: 8)),
            Self.i8(Array(repeating: 127, count: 8) + Array(repeating: 0, count: 8)), Self.i32([1, 2, 3, 4])))
            == [-65023, 64518, 3, 4])
        #expect(Self.lanes32(V128.i32x4RelaxedDotI8x16I7x16AddS(
            Self.i8([-128, -128, -128, -128] + Array(repeating: 0, count: 12)),
            Self.i8([-127, -127, -127, -127] + Array(repeating: 0, count: 12)), Self.i32([1, 2, 3, 4])))
            == [65025, 2, 3, 4])
        // Four products summed in 32 bits (no 16-bit wrap), then c added with wrapping.
        #expect(Self.lanes32(V128.i32x4RelaxedDotI8x16I7x16AddS(
            Self.i8(Array(repeating: -128, count: 16)), Self.i8(Array(repeating: -128, count: 16)),
            Self.i32([0, Int32.max, -65536, 1])))
            == [65536, Int32.min &+ 65535, 0, 65537])
        // relaxed_q15mulr_s picks saturation.
        #expect(Self.lanes16(V128.i16x8RelaxedQ15mulrS(Self.i16([-32768, -32767, 32767, 0, 0, 0, 0, 0]),
                                                       Self.i16([-32768, -32768, 32767, 0, 0, 0, 0, 0])))
            == [32767, 32767, 32766, 0, 0, 0, 0, 0])
    }
}
