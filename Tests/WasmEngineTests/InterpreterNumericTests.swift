import Testing
@testable import WasmEngine

private func i32(_ value: Int32) -> Value { .i32(UInt32(bitPattern: value)) }
private func i64(_ value: Int64) -> Value { .i64(UInt64(bitPattern: value)) }
private func f32(_ value: Float) -> Value { .f32(bits: value.bitPattern) }
private func f64(_ value: Double) -> Value { .f64(bits: value.bitPattern) }

@Suite struct InterpreterNumericTests {
    @Test func integerDivisionTraps() throws {
        #expect(trapReason { try evaluate(.i32DivS, [i32(1), i32(0)], result: .i32) } == .integerDivideByZero)
        #expect(trapReason { try evaluate(.i32DivU, [i32(1), i32(0)], result: .i32) } == .integerDivideByZero)
        #expect(trapReason { try evaluate(.i32RemS, [i32(1), i32(0)], result: .i32) } == .integerDivideByZero)
        #expect(trapReason { try evaluate(.i64RemU, [i64(1), i64(0)], result: .i64) } == .integerDivideByZero)
        #expect(trapReason { try evaluate(.i32DivS, [i32(.min), i32(-1)], result: .i32) } == .integerOverflow)
        #expect(trapReason { try evaluate(.i64DivS, [i64(.min), i64(-1)], result: .i64) } == .integerOverflow)
        #expect(try evaluate(.i32RemS, [i32(.min), i32(-1)], result: .i32) == i32(0))
        #expect(try evaluate(.i64RemS, [i64(.min), i64(-1)], result: .i64) == i64(0))
        #expect(try evaluate(.i32DivS, [i32(-7), i32(2)], result: .i32) == i32(-3))
        #expect(try evaluate(.i32RemS, [i32(-7), i32(2)], result: .i32) == i32(-1))
        #expect(try evaluate(.i32DivU, [i32(-1), i32(2)], result: .i32) == i32(0x7FFF_FFFF))
    }

    @Test func shiftsAndRotatesTakeTheCountModuloTheWidth() throws {
        #expect(try evaluate(.i32Shl, [i32(1), i32(33)], result: .i32) == i32(2))
        #expect(try evaluate(.i32ShrS, [i32(-8), i32(33)], result: .i32) == i32(-4))
        #expect(try evaluate(.i32ShrU, [i32(-8), i32(1)], result: .i32) == i32(0x7FFF_FFFC))
        #expect(try evaluate(.i64Shl, [i64(1), i64(65)], result: .i64) == i64(2))
        #expect(try evaluate(.i32Rotl, [.i32(0x8000_0001), i32(1)], result: .i32) == .i32(3))
        #expect(try evaluate(.i32Rotr, [.i32(0x8000_0001), i32(1)], result: .i32) == .i32(0xC000_0000))
        #expect(try evaluate(.i32Rotl, [.i32(0x1234_5678), i32(32)], result: .i32) == .i32(0x1234_5678))
        #expect(try evaluate(.i64Rotr, [.i64(1), i64(-1)], result: .i64) == .i64(2))
    }

    @Test func bitCounts() throws {
        #expect(try evaluate(.i32Clz, [i32(0)], result: .i32) == i32(32))
        #expect(try evaluate(.i32Ctz, [.i32(0x8000_0000)], result: .i32) == i32(31))
        #expect(try evaluate(.i64Popcnt, [i64(-1)], result: .i64) == i64(64))
        #expect(try evaluate(.i64Clz, [i64(1)], result: .i64) == i64(63))
    }

    @Test func floatMinMaxPropagateNaNAndOrderZeros() throws {
        #expect(try evaluate(.f32Min, [f32(0), f32(-0.0)], result: .f32) == f32(-0.0))
        #expect(try evaluate(.f32Min, [f32(-0.0), f32(0)], result: .f32) == f32(-0.0))
        #expect(try evaluate(.f32Max, [f32(-0.0), f32(0)], result: .f32) == f32(0))
        #expect(try evaluate(.f64Max, [f64(0), f64(-0.0)], result: .f64) == f64(0))
        guard case .f32(let bits) = try evaluate(.f32Min, [f32(1), f32(.nan)], result: .f32) else {
            Issue.record("not f32")
            return
        }
        #expect(Float(bitPattern: bits).isNaN)
        guard case .f64(let bits64) = try evaluate(.f64Max, [f64(.nan), f64(.infinity)], result: .f64) else {
            Issue.record("not f64")
            return
        }
        #expect(Double(bitPattern: bits64).isNaN)
    }

    @Test func signOperationsKeepNaNPayloads() throws {
        let payload: UInt32 = 0x7FA0_0001
        #expect(try evaluate(.f32Neg, [.f32(bits: payload)], result: .f32) == .f32(bits: payload | 0x8000_0000))
        #expect(try evaluate(.f32Abs, [.f32(bits: payload | 0x8000_0000)], result: .f32) == .f32(bits: payload))
        #expect(
            try evaluate(.f32Copysign, [.f32(bits: payload), f32(-1)], result: .f32)
                == .f32(bits: payload | 0x8000_0000))
        let payload64: UInt64 = 0x7FF4_0000_0000_0001
        #expect(try evaluate(.f64Neg, [.f64(bits: payload64)], result: .f64) == .f64(bits: payload64 | 1 << 63))
    }

    @Test func nearestRoundsHalfToEven() throws {
        #expect(try evaluate(.f32Nearest, [f32(2.5)], result: .f32) == f32(2))
        #expect(try evaluate(.f32Nearest, [f32(3.5)], result: .f32) == f32(4))
        #expect(try evaluate(.f64Nearest, [f64(-0.5)], result: .f64) == f64(-0.0))
        #expect(try evaluate(.f64Ceil, [f64(-0.5)], result: .f64) == f64(-0.0))
    }

    @Test func trappingTruncationsCheckExactRanges() throws {
        #expect(try evaluate(.i32TruncF32S, [f32(-2_147_483_648)], result: .i32) == i32(.min))
        #expect(trapReason { try evaluate(.i32TruncF32S, [f32(2_147_483_648)], result: .i32) } == .integerOverflow)
        #expect(try evaluate(.i32TruncF64S, [f64(-2_147_483_648.9)], result: .i32) == i32(.min))
        #expect(trapReason { try evaluate(.i32TruncF64S, [f64(-2_147_483_649)], result: .i32) } == .integerOverflow)
        #expect(try evaluate(.i32TruncF64U, [f64(-0.9)], result: .i32) == i32(0))
        #expect(trapReason { try evaluate(.i32TruncF64U, [f64(-1)], result: .i32) } == .integerOverflow)
        #expect(try evaluate(.i32TruncF64U, [f64(4_294_967_295.9)], result: .i32) == .i32(.max))
        #expect(trapReason { try evaluate(.i32TruncF64U, [f64(4_294_967_296)], result: .i32) } == .integerOverflow)
        #expect(trapReason { try evaluate(.i64TruncF64S, [f64(.nan)], result: .i64) } == .invalidConversionToInteger)
        #expect(trapReason { try evaluate(.i64TruncF64S, [f64(0x1p63)], result: .i64) } == .integerOverflow)
        #expect(try evaluate(.i64TruncF64S, [f64(-0x1p63)], result: .i64) == i64(.min))
        #expect(trapReason { try evaluate(.i64TruncF32U, [f32(0x1p64)], result: .i64) } == .integerOverflow)
        #expect(try evaluate(.i64TruncF32U, [f32(0x1p63)], result: .i64) == .i64(1 << 63))
    }

    @Test func saturatingTruncations() throws {
        #expect(try evaluate(.i32TruncSatF32S, [f32(.nan)], result: .i32) == i32(0))
        #expect(try evaluate(.i32TruncSatF32S, [f32(-.infinity)], result: .i32) == i32(.min))
        #expect(try evaluate(.i32TruncSatF64U, [f64(5e9)], result: .i32) == .i32(.max))
        #expect(try evaluate(.i32TruncSatF64U, [f64(-5)], result: .i32) == i32(0))
        #expect(try evaluate(.i64TruncSatF64S, [f64(1e19)], result: .i64) == i64(.max))
        #expect(try evaluate(.i64TruncSatF64U, [f64(1e20)], result: .i64) == .i64(.max))
        #expect(try evaluate(.i64TruncSatF32S, [f32(-1.5)], result: .i64) == i64(-1))
    }

    @Test func conversionsRoundCorrectly() throws {
        // 2^63 + 2^39 + 1 lies just above the midpoint between two f32 values: it must round up.
        #expect(
            try evaluate(.f32ConvertI64U, [.i64(0x8000_0080_0000_0001)], result: .f32)
                == f32(Float(bitPattern: 0x5F00_0001)))
        #expect(try evaluate(.f32ConvertI64U, [.i64(.max)], result: .f32) == f32(0x1p64))
        #expect(try evaluate(.f64ConvertI64U, [.i64(.max)], result: .f64) == f64(0x1p64))
        #expect(try evaluate(.f32ConvertI32S, [i32(-1)], result: .f32) == f32(-1))
        #expect(try evaluate(.f64ConvertI32U, [i32(-1)], result: .f64) == f64(4_294_967_295))
        #expect(try evaluate(.f32DemoteF64, [f64(0x1p200)], result: .f32) == f32(.infinity))
        guard case .f32(let bits) = try evaluate(.f32DemoteF64, [f64(.nan)], result: .f32) else { return }
        #expect(Float(bitPattern: bits).isNaN)
        guard case .f64(let bits64) = try evaluate(.f64PromoteF32, [.f32(bits: 0x7FC0_0000)], result: .f64) else {
            return
        }
        #expect(Double(bitPattern: bits64).isNaN)
    }

    @Test func signExtensionAndWrapping() throws {
        #expect(try evaluate(.i32Extend8S, [.i32(0x80)], result: .i32) == i32(-128))
        #expect(try evaluate(.i32Extend16S, [.i32(0x1_7FFF)], result: .i32) == i32(0x7FFF))
        #expect(try evaluate(.i64Extend32S, [.i64(0x8000_0000)], result: .i64) == i64(-0x8000_0000))
        #expect(try evaluate(.i64ExtendI32S, [i32(-2)], result: .i64) == i64(-2))
        #expect(try evaluate(.i64ExtendI32U, [i32(-2)], result: .i64) == .i64(0xFFFF_FFFE))
        #expect(try evaluate(.i32WrapI64, [.i64(0x1_2345_6789)], result: .i32) == .i32(0x2345_6789))
    }

    @Test func comparisons() throws {
        #expect(try evaluate(.i32LtS, [i32(-1), i32(0)], result: .i32) == i32(1))
        #expect(try evaluate(.i32LtU, [i32(-1), i32(0)], result: .i32) == i32(0))
        #expect(try evaluate(.f64Ne, [f64(.nan), f64(.nan)], result: .i32) == i32(1))
        #expect(try evaluate(.f32Eq, [f32(0), f32(-0.0)], result: .i32) == i32(1))
        #expect(try evaluate(.i64GeU, [i64(-1), i64(1)], result: .i32) == i32(1))
    }

    @Test func immediateForms() throws {
        var builder = ModuleBuilder()
        builder.function(
            .of([.i32, .i64], [.i64]), export: "f",
            [
                Instruction(.i32AddImm, 2, 0, UInt32(bitPattern: -3)),
                Instruction(.i32ShrSImm, 2, 2, 1),
                Instruction(.i64ExtendI32S, 3, 2),
                Instruction(.i64AddImm, 0, 1, UInt32(bitPattern: -1)),
                Instruction(.i64Add, 0, 0, 3),
                Instruction(.return),
            ])
        // (1 - 3) >> 1 = -1; 10 - 1 = 9; 9 + (-1) = 8.
        #expect(try run(builder, "f", [i32(1), i64(10)]) == [i64(8)])
    }
}
