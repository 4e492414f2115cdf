import Testing
@testable import WasmEngine
@testable import swiftlet

@Suite struct WastExpectationTests {
    @Test func canonicalNaNHasOnlyTheQuietBitEitherSign() {
        let f32 = WastExpectation.canonicalNaN(.f32)
        #expect(f32.isMatched(by: .f32(bits: 0x7FC0_0000)))
        #expect(f32.isMatched(by: .f32(bits: 0xFFC0_0000)))
        #expect(!f32.isMatched(by: .f32(bits: 0x7FC0_0001)))
        #expect(!f32.isMatched(by: .f32(bits: 0x7F80_0000)))
        #expect(!f32.isMatched(by: .i32(0x7FC0_0000)))

        let f64 = WastExpectation.canonicalNaN(.f64)
        #expect(f64.isMatched(by: .f64(bits: 0x7FF8_0000_0000_0000)))
        #expect(f64.isMatched(by: .f64(bits: 0xFFF8_0000_0000_0000)))
        #expect(!f64.isMatched(by: .f64(bits: 0x7FF8_0000_0000_0001)))
        #expect(!f64.isMatched(by: .f32(bits: 0x7FC0_0000)))
    }

    @Test func arithmeticNaNNeedsTheQuietBitOnly() {
        let f32 = WastExpectation.arithmeticNaN(.f32)
        #expect(f32.isMatched(by: .f32(bits: 0x7FC0_0001)))
        #expect(f32.isMatched(by: .f32(bits: 0xFFFF_FFFF)))
        #expect(!f32.isMatched(by: .f32(bits: 0x7F80_0001)))
        #expect(!f32.isMatched(by: .f32(bits: 0x3F80_0000)))

        let f64 = WastExpectation.arithmeticNaN(.f64)
        #expect(f64.isMatched(by: .f64(bits: 0x7FFC_0000_0000_0000)))
        #expect(!f64.isMatched(by: .f64(bits: 0x7FF0_0000_0000_0001)))
    }

    @Test func exactFloatsCompareByBits() {
        let zero = WastExpectation.exactly(.f32(bits: 0))
        #expect(zero.isMatched(by: .f32(bits: 0)))
        #expect(!zero.isMatched(by: .f32(bits: 0x8000_0000)))
        let nan = WastExpectation.exactly(.f64(bits: 0x7FF4_0000_0000_0000))
        #expect(nan.isMatched(by: .f64(bits: 0x7FF4_0000_0000_0000)))
        #expect(!nan.isMatched(by: .f64(bits: 0x7FF8_0000_0000_0000)))
    }

    @Test func references() {
        #expect(WastExpectation.anyFunctionReference.isMatched(by: .funcref(Function(address: 2))))
        #expect(!WastExpectation.anyFunctionReference.isMatched(by: .funcref(nil)))
        #expect(WastExpectation.exactly(.externref(1)).isMatched(by: .externref(1)))
        #expect(!WastExpectation.exactly(.externref(1)).isMatched(by: .externref(nil)))
        #expect(!WastExpectation.exactly(.funcref(nil)).isMatched(by: .externref(nil)))
    }

    @Test func eitherMatchesAnyAlternative() {
        let either = WastExpectation.anyOf([.exactly(.i32(1)), .exactly(.i32(2))])
        #expect(either.isMatched(by: .i32(2)))
        #expect(!either.isMatched(by: .i32(3)))
    }

    @Test func scriptValuesAsArguments() throws {
        #expect(try WastValueText.argument(WastValue(type: "i32", value: "-1")) == .i32(0xFFFF_FFFF))
        #expect(try WastValueText.argument(WastValue(type: "i32", value: "4294967295")) == .i32(0xFFFF_FFFF))
        #expect(try WastValueText.argument(WastValue(type: "i64", value: "-2")) == .i64(UInt64.max - 1))
        #expect(try WastValueText.argument(WastValue(type: "f32", value: "2143289344")) == .f32(bits: 0x7FC0_0000))
        #expect(try WastValueText.argument(WastValue(type: "f64", value: "9221120237041090560"))
            == .f64(bits: 0x7FF8_0000_0000_0000))
        #expect(try WastValueText.argument(WastValue(type: "externref", value: "null")) == .externref(nil))
        #expect(try WastValueText.argument(WastValue(type: "externref", value: "7")) == .externref(7))
        #expect(try WastValueText.argument(WastValue(type: "funcref", value: "null")) == .funcref(nil))
        #expect(try WastValueText.argument(WastValue(type: "exnref", value: "null")) == .exnref(nil))
        #expect(try WastValueText.argument(WastValue(type: "anyref", value: "null")) == .anyref(nil))
        #expect(try WastValueText.argument(WastValue(type: "i31ref", value: "null")) == .anyref(nil))
    }

    @Test func unsupportedScriptValuesAreReported() {
        // A type no proposal the engine runs has.
        #expect(throws: WastValueError(message: "unsupported value type stringref")) {
            try WastValueText.argument(WastValue(type: "stringref", value: "null"))
        }
        #expect(throws: WastValueError(message: "v128 value without lanes")) {
            try WastValueText.argument(WastValue(type: "v128", value: "0"))
        }
        #expect(throws: WastValueError.self) { try WastValueText.argument(WastValue(type: "i32", value: "x")) }
    }

    @Test func scriptValuesAsExpectations() throws {
        #expect(try WastValueText.expectation(WastValue(type: "f32", value: "nan:canonical")) == .canonicalNaN(.f32))
        #expect(try WastValueText.expectation(WastValue(type: "f64", value: "nan:arithmetic")) == .arithmeticNaN(.f64))
        #expect(try WastValueText.expectation(WastValue(type: "funcref", value: nil)) == .anyFunctionReference)
        #expect(try WastValueText.expectation(WastValue(type: "funcref", value: "null")) == .exactly(.funcref(nil)))
        #expect(try WastValueText.expectation(WastValue(type: "i32", value: "5")) == .exactly(.i32(5)))
    }

    @Test func failureTextNamesTypeAndBits() {
        #expect(WastValueText.describe(.i32(0xFFFF_FFFF)) == "i32:-1")
        #expect(WastValueText.describe(.f32(bits: 0x3FC0_0000)) == "f32:1.5 (0x3fc00000)")
        #expect(WastValueText.describe(.externref(nil)) == "externref:null")
        #expect(WastExpectation.canonicalNaN(.f64).description == "f64:nan:canonical")
    }
}
