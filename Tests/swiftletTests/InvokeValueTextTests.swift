import Testing
@testable import WasmEngine
@testable import swiftlet

@Suite struct InvokeValueTextTests {
    @Test func integersInSignedOrUnsignedDecimalOrHexadecimal() throws {
        #expect(try InvokeValueText.parse("-1", as: .i32) == .i32(0xFFFF_FFFF))
        #expect(try InvokeValueText.parse("4294967295", as: .i32) == .i32(0xFFFF_FFFF))
        #expect(try InvokeValueText.parse("-9223372036854775808", as: .i64) == .i64(1 << 63))
        #expect(try InvokeValueText.parse("18446744073709551615", as: .i64) == .i64(.max))
        #expect(try InvokeValueText.parse("0xFFFFFFFF", as: .i32) == .i32(0xFFFF_FFFF))
        #expect(try InvokeValueText.parse("0x10", as: .i64) == .i64(16))
    }

    @Test func integersOutOfRangeOrMalformedAreRejected() {
        #expect(throws: InvokeValueText.ParseError.self) { try InvokeValueText.parse("4294967296", as: .i32) }
        #expect(throws: InvokeValueText.ParseError.self) { try InvokeValueText.parse("0x1_0", as: .i32) }
        #expect(throws: InvokeValueText.ParseError.self) { try InvokeValueText.parse("0x100000000", as: .i32) }
        #expect(throws: InvokeValueText.ParseError.self) { try InvokeValueText.parse("", as: .i64) }
    }

    @Test func floatsInDecimalWithNaNAndInfinity() throws {
        #expect(try InvokeValueText.parse("1.5", as: .f32) == .f32(bits: Float(1.5).bitPattern))
        #expect(try InvokeValueText.parse("-2e3", as: .f64) == .f64(bits: Double(-2000).bitPattern))
        #expect(try InvokeValueText.parse("inf", as: .f64) == .f64(bits: Double.infinity.bitPattern))
        #expect(try InvokeValueText.parse("-Infinity", as: .f32) == .f32(bits: (-Float.infinity).bitPattern))
        guard case .f32(let bits) = try InvokeValueText.parse("NaN", as: .f32) else {
            Issue.record("not an f32")
            return
        }
        #expect(Float(bitPattern: bits).isNaN)
    }

    @Test func floatsInHexadecimalAreRejectedAsRustDoes() {
        #expect(throws: InvokeValueText.ParseError.self) { try InvokeValueText.parse("0x1p3", as: .f64) }
        #expect(throws: InvokeValueText.ParseError.self) { try InvokeValueText.parse("nan(0x1)", as: .f32) }
    }

    @Test func referenceArgumentsAreUnsupported() {
        #expect(throws: InvokeValueText.ParseError(message: "unsupported argument type funcref")) {
            try InvokeValueText.parse("0", as: .funcref)
        }
    }

    @Test func resultsAsWasmtimePrintsThem() {
        #expect(InvokeValueText.format(.i32(0xFFFF_FFFF)) == "-1")
        #expect(InvokeValueText.format(.i64(UInt64(Int64.max))) == "9223372036854775807")
        #expect(InvokeValueText.format(.f32(bits: Float(2.5).bitPattern)) == "2.5")
        #expect(InvokeValueText.format(.f64(bits: Double(3).bitPattern)) == "3")
        #expect(InvokeValueText.format(.funcref(nil)) == "<null funcref>")
        #expect(InvokeValueText.format(.funcref(Function(address: 0))) == "<funcref>")
        #expect(InvokeValueText.format(.externref(nil)) == "<null externref>")
        #expect(InvokeValueText.format(.externref(3)) == "<externref>")
    }
}
