import Testing
@testable import swiftlet

@Suite struct FloatTextTests {
    @Test func integralValuesHaveNoFraction() {
        #expect(FloatText.plainDecimal(Float(1)) == "1")
        #expect(FloatText.plainDecimal(Double(-100)) == "-100")
        #expect(FloatText.plainDecimal(Double(1e20)) == "100000000000000000000")
    }

    @Test func shortestDigitsWithoutExponent() {
        #expect(FloatText.plainDecimal(Float(0.1)) == "0.1")
        #expect(FloatText.plainDecimal(Double(0.1)) == "0.1")
        #expect(FloatText.plainDecimal(Double(1.5e-7)) == "0.00000015")
        #expect(FloatText.plainDecimal(Float(bitPattern: 1)) == "0.000000000000000000000000000000000000000000001")
        #expect(FloatText.plainDecimal(Float.greatestFiniteMagnitude) == "340282350000000000000000000000000000000")
    }

    @Test func specialValuesAsRustWritesThem() {
        #expect(FloatText.plainDecimal(Float(-0.0)) == "-0")
        #expect(FloatText.plainDecimal(Double(0)) == "0")
        #expect(FloatText.plainDecimal(Float.nan) == "NaN")
        #expect(FloatText.plainDecimal(-Double.nan) == "NaN")
        #expect(FloatText.plainDecimal(Double.infinity) == "inf")
        #expect(FloatText.plainDecimal(-Float.infinity) == "-inf")
    }

    @Test func exactTiesRoundAwayFromZero() {
        // 312985.125 is halfway between the shortest candidates 312985.12 and 312985.13.
        #expect(FloatText.plainDecimal(Float(bitPattern: 1_217_975_076)) == "312985.13")
        #expect(FloatText.plainDecimal(Float(bitPattern: 3_390_993_073)) == "-2596012.3")
    }
}
