import WasmEngine

struct WastValueError: Error, Equatable {
    var message: String
}

/// What an `assert_return` accepts for one result.
indirect enum WastExpectation: Equatable {
    enum FloatWidth: Equatable {
        case f32
        case f64
    }

    /// Exactly this value; floats compare by bits.
    case exactly(Value)
    /// `nan:canonical`: a NaN with only the quiet bit of the payload set, either sign.
    case canonicalNaN(FloatWidth)
    /// `nan:arithmetic`: a NaN with the quiet bit set, any other payload, either sign.
    case arithmeticNaN(FloatWidth)
    /// `(ref.func)` without an index: any non-null function reference.
    case anyFunctionReference
    /// `(ref.extern)` without a number: any non-null externref (a host's, or one `extern.convert_any` made).
    case anyExternalReference
    /// `(ref.any)`, `(ref.eq)`, `(ref.i31)`, `(ref.struct)`, `(ref.array)`: a non-null reference of the any hierarchy of
    /// one of these kinds.
    case anyReference([AnyReference.Kind])
    /// Any of the alternatives (`either`).
    case anyOf([WastExpectation])
    /// A v128 whose lanes of `FloatWidth` each match (NaN patterns per lane); integer lanes compare as `exactly`.
    case floatLanes(FloatWidth, [WastExpectation])

    func isMatched(by value: Value) -> Bool {
        switch self {
        case .exactly(let expected):
            return expected == value
        case .canonicalNaN(.f32):
            guard case .f32(let bits) = value else { return false }
            return bits & 0x7FFF_FFFF == 0x7FC0_0000
        case .canonicalNaN(.f64):
            guard case .f64(let bits) = value else { return false }
            return bits & 0x7FFF_FFFF_FFFF_FFFF == 0x7FF8_0000_0000_0000
        case .arithmeticNaN(.f32):
            guard case .f32(let bits) = value else { return false }
            return bits & 0x7FC0_0000 == 0x7FC0_0000
        case .arithmeticNaN(.f64):
            guard case .f64(let bits) = value else { return false }
            return bits & 0x7FF8_0000_0000_0000 == 0x7FF8_0000_0000_0000
        case .anyFunctionReference:
            guard case .funcref(let function) = value else { return false }
            return function != nil
        case .anyExternalReference:
            if case .externref(_?) = value { return true }
            guard case .anyref(let reference?) = value else { return false }
            return reference.isExternalized
        case .anyReference(let kinds):
            guard case .anyref(let reference?) = value, !reference.isExternalized else { return false }
            return kinds.contains(reference.kind)
        case .anyOf(let alternatives):
            return alternatives.contains { $0.isMatched(by: value) }
        case .floatLanes(let width, let lanes):
            guard case .v128(let vector) = value else { return false }
            let values: [Value] =
                width == .f32
                ? (0..<4).map { .f32(bits: vector.u32x4[$0]) } : (0..<2).map { .f64(bits: vector.u64x2[$0]) }
            return zip(lanes, values).allSatisfy { $0.isMatched(by: $1) }
        }
    }

    var description: String {
        switch self {
        case .exactly(let value): return WastValueText.describe(value)
        case .canonicalNaN(let width): return "\(width):nan:canonical"
        case .arithmeticNaN(let width): return "\(width):nan:arithmetic"
        case .anyFunctionReference: return "funcref:<any function>"
        case .anyExternalReference: return "externref:<any>"
        case .anyReference(let kinds): return "anyref:<any of \(kinds)>"
        case .anyOf(let alternatives): return "either(" + alternatives.map(\.description).joined(separator: ", ") + ")"
        case .floatLanes(let width, let lanes): return "v128:\(width)x[" + lanes.map(\.description).joined(separator: ", ") + "]"
        }
    }
}

/// Reads the JSON's values as engine values, and describes engine values in failure messages.
enum WastValueText {
    static func argument(_ value: WastValue) throws(WastValueError) -> Value {
        switch value.type {
        case "i32":
            let text = try scalar(value)
            if let signed = Int32(text) { return .i32(UInt32(bitPattern: signed)) }
            if let unsigned = UInt32(text) { return .i32(unsigned) }
        case "i64":
            let text = try scalar(value)
            if let signed = Int64(text) { return .i64(UInt64(bitPattern: signed)) }
            if let unsigned = UInt64(text) { return .i64(unsigned) }
        case "f32":
            if let bits = UInt32(try scalar(value)) { return .f32(bits: bits) }
        case "f64":
            if let bits = UInt64(try scalar(value)) { return .f64(bits: bits) }
        case "externref":
            let text = try scalar(value)
            if text == "null" { return .externref(nil) }
            if let reference = UInt32(text) { return .externref(reference) }
        case "funcref":
            if try scalar(value) == "null" { return .funcref(nil) }
        case "exnref":
            if try scalar(value) == "null" { return .exnref(nil) }
        case "anyref", "eqref", "i31ref", "structref", "arrayref":
            let text = try scalar(value)
            if text == "null" { return .anyref(nil) }
            if let host = UInt32(text) { return .anyref(AnyReference(host: host)) }
        case "v128":
            return .v128(try vector(value))
        default:
            throw WastValueError(message: "unsupported value type \(value.type)")
        }
        throw WastValueError(message: "cannot read \(value.type) value \(String(describing: value.value))")
    }

    static func expectation(_ value: WastValue) throws(WastValueError) -> WastExpectation {
        switch value.type {
        case "f32", "f64":
            let width: WastExpectation.FloatWidth = value.type == "f32" ? .f32 : .f64
            switch try scalar(value) {
            case "nan:canonical": return .canonicalNaN(width)
            case "nan:arithmetic": return .arithmeticNaN(width)
            default: return .exactly(try argument(value))
            }
        case "funcref":
            // A `ref.func` expectation carries no (or no usable) function index: any function matches.
            if case .scalar("null")? = value.value { return .exactly(.funcref(nil)) }
            return .anyFunctionReference
        case "refnull":
            // `(ref.null)`: the null of any reference type.
            return .anyOf([.exactly(.funcref(nil)), .exactly(.externref(nil)), .exactly(.exnref(nil)), .exactly(.anyref(nil))])
        // `(ref.null none)` and the like: the null of the bottom type's hierarchy.
        case "nullref": return .exactly(.anyref(nil))
        case "nullfuncref": return .exactly(.funcref(nil))
        case "nullexternref": return .exactly(.externref(nil))
        case "nullexnref": return .exactly(.exnref(nil))
        case "externref" where value.value == nil:
            return .anyExternalReference
        case "anyref" where value.value == nil: return .anyReference([.i31, .structure, .array, .host])
        case "eqref" where value.value == nil: return .anyReference([.i31, .structure, .array])
        case "i31ref" where value.value == nil: return .anyReference([.i31])
        case "structref" where value.value == nil: return .anyReference([.structure])
        case "arrayref" where value.value == nil: return .anyReference([.array])
        case "v128" where value.laneType == "f32" || value.laneType == "f64":
            guard case .lanes(let lanes)? = value.value else { return .exactly(try argument(value)) }
            let laneType = value.laneType!
            var expectations: [WastExpectation] = []
            for lane in lanes { expectations.append(try expectation(WastValue(type: laneType, value: lane))) }
            return .floatLanes(laneType == "f32" ? .f32 : .f64, expectations)
        case "either":
            var alternatives: [WastExpectation] = []
            for alternative in value.values ?? [] {
                alternatives.append(try expectation(alternative))
            }
            return .anyOf(alternatives)
        default:
            return .exactly(try argument(value))
        }
    }

    static func describe(_ value: Value) -> String {
        switch value {
        case .i32(let bits): return "i32:\(Int32(bitPattern: bits))"
        case .i64(let bits): return "i64:\(Int64(bitPattern: bits))"
        case .f32(let bits):
            return "f32:\(FloatText.plainDecimal(Float(bitPattern: bits))) (0x\(String(bits, radix: 16)))"
        case .f64(let bits):
            return "f64:\(FloatText.plainDecimal(Double(bitPattern: bits))) (0x\(String(bits, radix: 16)))"
        case .funcref(let function): return function == nil ? "funcref:null" : "funcref:<function>"
        case .externref(let reference): return "externref:" + (reference.map { String($0) } ?? "null")
        case .exnref(let exception): return exception == nil ? "exnref:null" : "exnref:<exception>"
        case .anyref(let reference):
            guard let reference else { return "anyref:null" }
            return reference.isExternalized ? "externref:<converted anyref>" : "anyref:\(reference.kind)"
        case .v128(let vector):
            return "v128:i32x4[" + (0..<4).map { "0x" + String(vector.u32x4[$0], radix: 16) }.joined(separator: " ") + "]"
        }
    }

    /// A v128 from its lanes, each written as a value of `lane_type` (integers signed or unsigned, floats as bits).
    private static func vector(_ value: WastValue) throws(WastValueError) -> V128 {
        guard case .lanes(let lanes)? = value.value, let laneType = value.laneType else {
            throw WastValueError(message: "v128 value without lanes")
        }
        let widths: [String: Int] = ["i8": 8, "i16": 16, "i32": 32, "i64": 64, "f32": 32, "f64": 64]
        guard let width = widths[laneType], lanes.count * width == 128 else {
            throw WastValueError(message: "v128 value with \(lanes.count) lanes of \(laneType)")
        }
        var bytes = SIMD16<UInt8>()
        for (index, text) in lanes.enumerated() {
            let bits: UInt64
            if let signed = Int64(text) {
                bits = UInt64(bitPattern: signed)
            } else if let unsigned = UInt64(text) {
                bits = unsigned
            } else {
                throw WastValueError(message: "cannot read \(laneType) lane \(text)")
            }
            for byte in 0..<(width / 8) {
                bytes[index * width / 8 + byte] = UInt8(truncatingIfNeeded: bits >> UInt64(8 * byte))
            }
        }
        return V128(bytes: bytes)
    }

    private static func scalar(_ value: WastValue) throws(WastValueError) -> String {
        guard case .scalar(let text)? = value.value else {
            throw WastValueError(message: "\(value.type) value without a scalar payload")
        }
        return text
    }
}
