import Glibc

/// Floats written as Rust's `Display` writes them (what `wasmtime run --invoke` prints): the shortest digits
/// that read back to the same value, in plain positional notation without an exponent, no trailing `.0`,
/// `NaN`, `inf` and `-inf`.
enum FloatText {
    static func plainDecimal(_ value: Float) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let shortest = preferringTieRoundedAway(value.description, exactly: Double(value)) { Float($0) == value }
        return positional(fromShortest: shortest)
    }

    static func plainDecimal(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let shortest = preferringTieRoundedAway(value.description, exactly: value) { Double($0) == value }
        return positional(fromShortest: shortest)
    }

    /// When the value lies exactly halfway between two shortest round-tripping decimals, Swift picks the even
    /// one and Rust the one farther from zero; this returns Rust's pick, as scientific text.
    private static func preferringTieRoundedAway(
        _ shortest: String, exactly value: Double, roundTrips: (String) -> Bool
    ) -> String {
        let digitCount = significantDigits(of: shortest)
        // glibc's printf writes the exact binary value when given enough digits (at most 767 are significant).
        var buffer = [CChar](repeating: 0, count: 900)
        let length = withVaList([abs(value)]) { vsnprintf(&buffer, buffer.count, "%.800e", $0) }
        let exact = String(decoding: buffer.prefix(Int(max(length, 0))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let exponentMark = exact.firstIndex(of: "e"), let exponent = Int(exact[exact.index(after: exponentMark)...])
        else { return shortest }
        let exactDigits = Array(exact[..<exponentMark].filter { $0 != "." })
        guard digitCount > 0, exactDigits.count > digitCount, exactDigits[digitCount] == "5",
            exactDigits[(digitCount + 1)...].allSatisfy({ $0 == "0" })
        else { return shortest }

        var roundedAway = Array(exactDigits[..<digitCount])
        var position = roundedAway.count - 1
        while position >= 0 && roundedAway[position] == "9" {
            roundedAway[position] = "0"
            position -= 1
        }
        var roundedExponent = exponent
        if position < 0 {
            roundedAway.insert("1", at: 0)
            roundedExponent += 1
        } else {
            roundedAway[position] = Character(String(roundedAway[position].wholeNumberValue! + 1))
        }
        let sign = value.sign == .minus ? "-" : ""
        let candidate = sign + String(roundedAway.prefix(1)) + "." + String(roundedAway.dropFirst()) + "e\(roundedExponent)"
        return roundTrips(candidate) ? candidate : shortest
    }

    private static func significantDigits(of text: String) -> Int {
        let mantissa = text.prefix { $0 != "e" && $0 != "E" }
        var digits = Substring(mantissa.filter(\.isNumber))
        while digits.first == "0" { digits = digits.dropFirst() }
        while digits.last == "0" { digits = digits.dropLast() }
        return digits.count
    }

    /// Rewrites Swift's shortest round-trip text of a finite float ("1.0", "1e-45", "-1.5e+20") positionally.
    static func positional(fromShortest text: String) -> String {
        var text = Substring(text)
        let isNegative = text.first == "-"
        if isNegative { text = text.dropFirst() }

        var exponent = 0
        if let exponentMark = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: exponentMark)...]) ?? 0
            text = text[..<exponentMark]
        }
        // The value is 0.<digits> × 10^pointPosition.
        var digits = Array(text.filter { $0 != "." })
        var pointPosition = (text.firstIndex(of: ".").map { text.distance(from: text.startIndex, to: $0) } ?? text.count)
            + exponent
        while let first = digits.first, first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while let last = digits.last, last == "0" { digits.removeLast() }

        let sign = isNegative ? "-" : ""
        if digits.isEmpty { return sign + "0" }
        if pointPosition <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + String(digits)
        }
        if pointPosition >= digits.count {
            return sign + String(digits) + String(repeating: "0", count: pointPosition - digits.count)
        }
        return sign + String(digits[..<pointPosition]) + "." + String(digits[pointPosition...])
    }
}
