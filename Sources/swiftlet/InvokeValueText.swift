import WasmEngine

/// Arguments and results of `run --invoke`, read and written as wasmtime does.
enum InvokeValueText {
    struct ParseError: Error, Equatable {
        var message: String
    }

    /// Integers in signed or unsigned decimal, or hexadecimal after `0x`; floats in decimal (with exponent),
    /// `nan`, `inf` or `infinity`; a v128 as up to 32 hexadecimal digits after `0x` (one 128-bit integer, as written).
    static func parse(_ text: String, as type: ValueType) throws(ParseError) -> Value {
        let hexadecimalDigits = text.hasPrefix("0x") || text.hasPrefix("0X") ? text.dropFirst(2) : nil
        switch type {
        case .i32:
            if let hexadecimalDigits, let bits = UInt32(hexadecimalDigits, radix: 16) { return .i32(bits) }
            if let signed = Int32(text) { return .i32(UInt32(bitPattern: signed)) }
            if let unsigned = UInt32(text) { return .i32(unsigned) }
        case .i64:
            if let hexadecimalDigits, let bits = UInt64(hexadecimalDigits, radix: 16) { return .i64(bits) }
            if let signed = Int64(text) { return .i64(UInt64(bitPattern: signed)) }
            if let unsigned = UInt64(text) { return .i64(unsigned) }
        case .f32:
            if isFloatText(text), let value = Float(text) { return .f32(bits: value.bitPattern) }
        case .f64:
            if isFloatText(text), let value = Double(text) { return .f64(bits: value.bitPattern) }
        case .v128:
            if let hexadecimalDigits, hexadecimalDigits.count <= 32,
                let high = hexadecimalDigits.count > 16 ? UInt64(hexadecimalDigits.dropLast(16), radix: 16) : 0,
                let low = UInt64(hexadecimalDigits.suffix(16), radix: 16)
            {
                return .v128(V128(low: low, high: high))
            }
        default:
            throw ParseError(message: "unsupported argument type \(type.name)")
        }
        throw ParseError(message: "`\(text)` is not a valid \(type.name)")
    }

    static func format(_ value: Value) -> String {
        switch value {
        case .i32(let bits): return String(Int32(bitPattern: bits))
        case .i64(let bits): return String(Int64(bitPattern: bits))
        case .f32(let bits): return FloatText.plainDecimal(Float(bitPattern: bits))
        case .f64(let bits): return FloatText.plainDecimal(Double(bitPattern: bits))
        case .funcref(let function): return function == nil ? "<null funcref>" : "<funcref>"
        case .externref(let reference): return reference == nil ? "<null externref>" : "<externref>"
        case .exnref(let exception): return exception == nil ? "<null exnref>" : "<exnref>"
        case .anyref(let reference): return reference == nil ? "<null anyref>" : "<anyref>"
        case .v128(let vector):
            let high = String(vector.high, radix: 16)
            let low = String(vector.low, radix: 16)
            return "0x" + String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 16 - low.count) + low
        }
    }

    /// Accepts what Rust's float parser accepts, which Swift's parser extends with hexadecimal and `nan(...)`.
    private static func isFloatText(_ text: String) -> Bool {
        var body = Substring(text.lowercased())
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        if body == "nan" || body == "inf" || body == "infinity" { return true }
        return !body.isEmpty && body.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "+" || $0 == "-") }
    }
}
