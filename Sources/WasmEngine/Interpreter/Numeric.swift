// The numeric instructions whose WebAssembly semantics differ from Swift's operators (spec §4.3).
// Everything here is inlined into the interpreter's handlers, and none of it makes a call (see `Checked`).

enum Numeric {
    // MARK: Integer division

    @inline(__always)
    static func divS<T: FixedWidthInteger & SignedInteger>(_ left: T, _ right: T) -> Checked<T> {
        guard right != 0 else { return Checked(trap: .integerDivideByZero) }
        guard !(left == T.min && right == -1) else { return Checked(trap: .integerOverflow) }
        return Checked(left / right)
    }

    @inline(__always)
    static func divU<T: FixedWidthInteger & UnsignedInteger>(_ left: T, _ right: T) -> Checked<T> {
        guard right != 0 else { return Checked(trap: .integerDivideByZero) }
        return Checked(left / right)
    }

    /// `INT_MIN rem -1` is 0 in wasm, where Swift's `%` would overflow.
    @inline(__always)
    static func remS<T: FixedWidthInteger & SignedInteger>(_ left: T, _ right: T) -> Checked<T> {
        guard right != 0 else { return Checked(trap: .integerDivideByZero) }
        return Checked(right == -1 ? 0 : left % right)
    }

    @inline(__always)
    static func remU<T: FixedWidthInteger & UnsignedInteger>(_ left: T, _ right: T) -> Checked<T> {
        guard right != 0 else { return Checked(trap: .integerDivideByZero) }
        return Checked(left % right)
    }

    // MARK: Rotations (the masking shifts `&<<`/`&>>` take the count modulo the width, as wasm does)

    @inline(__always)
    static func rotateLeft<T: FixedWidthInteger & UnsignedInteger>(_ value: T, _ count: T) -> T {
        value &<< count | value &>> (T(T.bitWidth) &- count)
    }

    @inline(__always)
    static func rotateRight<T: FixedWidthInteger & UnsignedInteger>(_ value: T, _ count: T) -> T {
        value &>> count | value &<< (T(T.bitWidth) &- count)
    }

    // MARK: Integer min/max. Not `Swift.min`/`max`: the inliner may leave those as calls, and a call in a
    // handler makes it save registers on every run.

    @inline(__always)
    static func smaller<T: FixedWidthInteger>(_ left: T, _ right: T) -> T { left < right ? left : right }

    @inline(__always)
    static func larger<T: FixedWidthInteger>(_ left: T, _ right: T) -> T { left > right ? left : right }

    // MARK: Float min/max: NaN propagates; -0 orders below +0

    @inline(__always)
    static func minimum<T: BinaryFloatingPoint>(_ left: T, _ right: T) -> T {
        if left.isNaN || right.isNaN { return left + right }
        if left == right { return left.sign == .minus ? left : right }
        return left < right ? left : right
    }

    @inline(__always)
    static func maximum<T: BinaryFloatingPoint>(_ left: T, _ right: T) -> T {
        if left.isNaN || right.isNaN { return left + right }
        if left == right { return left.sign == .minus ? right : left }
        return left > right ? left : right
    }

    // MARK: Float → integer. Every f32 and f64 value widens exactly to f64, and each range bound below is
    // exact in f64, so comparing the untruncated value decides exactly whether its truncation fits. The
    // conversions that follow (`Int32(_:)`, ...) truncate toward zero themselves.

    /// The trap unless `lowerExclusive < value < upperExclusive`.
    @inline(__always)
    static func rangeTrap(_ value: Double, above lowerExclusive: Double, below upperExclusive: Double) -> InterpreterTrap? {
        guard !value.isNaN else { return .invalidConversionToInteger }
        guard value > lowerExclusive && value < upperExclusive else { return .integerOverflow }
        return nil
    }

    @inline(__always)
    static func truncateToI32S(_ value: Double) -> Checked<UInt32> {
        if let trap = rangeTrap(value, above: -0x1p31 - 1, below: 0x1p31) { return Checked(trap: trap) }
        return Checked(UInt32(bitPattern: Int32(value)))
    }

    @inline(__always)
    static func truncateToI32U(_ value: Double) -> Checked<UInt32> {
        if let trap = rangeTrap(value, above: -1, below: 0x1p32) { return Checked(trap: trap) }
        return Checked(UInt32(value))
    }

    /// -2^63 - 1 is not an f64; the f64 below -2^63 is -2^63 - 2^11, which overflows, so the bound is -2^63 inclusive.
    @inline(__always)
    static func truncateToI64S(_ value: Double) -> Checked<UInt64> {
        guard !value.isNaN else { return Checked(trap: .invalidConversionToInteger) }
        guard value >= -0x1p63 && value < 0x1p63 else { return Checked(trap: .integerOverflow) }
        return Checked(UInt64(bitPattern: Int64(value)))
    }

    @inline(__always)
    static func truncateToI64U(_ value: Double) -> Checked<UInt64> {
        if let trap = rangeTrap(value, above: -1, below: 0x1p64) { return Checked(trap: trap) }
        return Checked(UInt64(value))
    }

    // Saturating forms: NaN is 0, out-of-range values clamp.

    @inline(__always)
    static func saturateToI32S(_ value: Double) -> UInt32 {
        if value.isNaN { return 0 }
        if value <= -0x1p31 { return UInt32(bitPattern: Int32.min) }
        if value >= 0x1p31 { return UInt32(bitPattern: Int32.max) }
        return UInt32(bitPattern: Int32(value))
    }

    @inline(__always)
    static func saturateToI32U(_ value: Double) -> UInt32 {
        if value.isNaN || value <= -1 { return 0 }
        if value >= 0x1p32 { return UInt32.max }
        return UInt32(value)
    }

    @inline(__always)
    static func saturateToI64S(_ value: Double) -> UInt64 {
        if value.isNaN { return 0 }
        if value <= -0x1p63 { return UInt64(bitPattern: Int64.min) }
        if value >= 0x1p63 { return UInt64(bitPattern: Int64.max) }
        return UInt64(bitPattern: Int64(value))
    }

    @inline(__always)
    static func saturateToI64U(_ value: Double) -> UInt64 {
        if value.isNaN || value <= -1 { return 0 }
        if value >= 0x1p64 { return UInt64.max }
        return UInt64(value)
    }

    // MARK: Sign-bit operations work on bits, so NaN payloads pass through unchanged.

    static let f32SignBit: UInt32 = 0x8000_0000
    static let f64SignBit: UInt64 = 0x8000_0000_0000_0000
}

/// A result, or the trap that replaces it (a handler returns through its exit instead of throwing: a `throw`
/// is a runtime call, and a call anywhere in a handler costs every run of it a frame).
struct Checked<T> {
    let value: T?
    let trap: InterpreterTrap

    @inline(__always) init(_ value: T) { self.value = value; trap = .unreachable }
    @inline(__always) init(trap: InterpreterTrap) { value = nil; self.trap = trap }
}

/// The traps the handlers raise: `TrapReason`'s cases without a payload, so that recording one is a store.
enum InterpreterTrap: UInt8, CaseIterable {
    case unreachable, memoryOutOfBounds, undefinedElement, uninitializedElement, indirectCallTypeMismatch
    case integerDivideByZero, integerOverflow, invalidConversionToInteger, callStackExhausted, interrupted, outOfFuel
    case tableOutOfBounds
    case nullFunctionReference, nullReference
    case nullStructureReference, nullArrayReference, arrayOutOfBounds

    var reason: TrapReason {
        switch self {
        case .unreachable: .unreachable
        case .memoryOutOfBounds: .memoryOutOfBounds
        case .undefinedElement: .undefinedElement
        case .uninitializedElement: .uninitializedElement
        case .indirectCallTypeMismatch: .indirectCallTypeMismatch
        case .integerDivideByZero: .integerDivideByZero
        case .integerOverflow: .integerOverflow
        case .invalidConversionToInteger: .invalidConversionToInteger
        case .callStackExhausted: .callStackExhausted
        case .interrupted: .interrupted
        case .outOfFuel: .outOfFuel
        case .tableOutOfBounds: .tableOutOfBounds
        case .nullFunctionReference: .nullFunctionReference
        case .nullReference: .nullReference
        case .nullStructureReference: .nullStructureReference
        case .nullArrayReference: .nullArrayReference
        case .arrayOutOfBounds: .arrayOutOfBounds
        }
    }
}
