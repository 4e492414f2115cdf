/// Floats written as Rust's `Display` writes them (what `wasmtime run --invoke` prints): the shortest digits
/// that read back to the same value, in plain positional notation without an exponent, no trailing `.0`,
/// `NaN`, `inf` and `-inf`.
enum FloatText {
    static func plainDecimal(_ value: Float) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return positional(fromShortest: value.description)
    }

    static func plainDecimal(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return positional(fromShortest: value.description)
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
