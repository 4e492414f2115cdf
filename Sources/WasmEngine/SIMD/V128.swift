/// A 128-bit SIMD value (spec §2.3.3 `v128`): sixteen bytes, lane 0 at the lowest address (little-endian, as in
/// linear memory). Its lane operations (`V128+*.swift`) work on the host's vector types, which the compiler lowers
/// to SSE instructions, so one Wasm SIMD instruction is a handful of host instructions, not a loop over lanes.
public struct V128: Equatable, Hashable, Sendable {
    public var bytes: SIMD16<UInt8>

    public init(bytes: SIMD16<UInt8>) { self.bytes = bytes }

    /// The value whose low 64 bits are `low` and high 64 bits `high` (how a frame holds it: two slots).
    public init(low: UInt64, high: UInt64) {
        self.bytes = unsafeBitCast(SIMD2<UInt64>(low, high), to: SIMD16<UInt8>.self)
    }

    public static let zero = V128(low: 0, high: 0)

    public var low: UInt64 { u64x2[0] }
    public var high: UInt64 { u64x2[1] }

    // Lane views. Each is the same sixteen bytes read as another vector type (no lane moves).
    public var i8x16: SIMD16<Int8> {
        @inline(__always) get { unsafeBitCast(bytes, to: SIMD16<Int8>.self) }
        @inline(__always) set { bytes = unsafeBitCast(newValue, to: SIMD16<UInt8>.self) }
    }
    public var u8x16: SIMD16<UInt8> {
        @inline(__always) get { bytes }
        @inline(__always) set { bytes = newValue }
    }
    public var i16x8: SIMD8<Int16> {
        @inline(__always) get { unsafeBitCast(bytes, to: SIMD8<Int16>.self) }
        @inline(__always) set { bytes = unsafeBitCast(newValue, to: SIMD16<UInt8>.self) }
    }
    public var u16x8: SIMD8<UInt16> {
        @inline(__always) get { unsafeBitCast(bytes, to: SIMD8<UInt16>.self) }
        @inline(__always) set { bytes = unsafeBitCast(newValue, to: SIMD16<UInt8>.self) }
    }
    public var i32x4: SIMD4<Int32> {
        @inline(__always) get { unsafeBitCast(bytes, to: SIMD4<Int32>.self) }
        @inline(__always) set { bytes = unsafeBitCast(newValue, to: SIMD16<UInt8>.self) }
    }
    public var u32x4: SIMD4<UInt32> {
        @inline(__always) get { unsafeBitCast(bytes, to: SIMD4<UInt32>.self) }
        @inline(__always) set { bytes = unsafeBitCast(newValue, to: SIMD16<UInt8>.self) }
    }
    public var i64x2: SIMD2<Int64> {
        @inline(__always) get { unsafeBitCast(bytes, to: SIMD2<Int64>.self) }
        @inline(__always) set { bytes = unsafeBitCast(newValue, to: SIMD16<UInt8>.self) }
    }
    public var u64x2: SIMD2<UInt64> {
        @inline(__always) get { unsafeBitCast(bytes, to: SIMD2<UInt64>.self) }
        @inline(__always) set { bytes = unsafeBitCast(newValue, to: SIMD16<UInt8>.self) }
    }
    public var f32x4: SIMD4<Float> {
        @inline(__always) get { unsafeBitCast(bytes, to: SIMD4<Float>.self) }
        @inline(__always) set { bytes = unsafeBitCast(newValue, to: SIMD16<UInt8>.self) }
    }
    public var f64x2: SIMD2<Double> {
        @inline(__always) get { unsafeBitCast(bytes, to: SIMD2<Double>.self) }
        @inline(__always) set { bytes = unsafeBitCast(newValue, to: SIMD16<UInt8>.self) }
    }

    @inline(__always) public init(i8x16: SIMD16<Int8>) { bytes = unsafeBitCast(i8x16, to: SIMD16<UInt8>.self) }
    @inline(__always) public init(i16x8: SIMD8<Int16>) { bytes = unsafeBitCast(i16x8, to: SIMD16<UInt8>.self) }
    @inline(__always) public init(u16x8: SIMD8<UInt16>) { bytes = unsafeBitCast(u16x8, to: SIMD16<UInt8>.self) }
    @inline(__always) public init(i32x4: SIMD4<Int32>) { bytes = unsafeBitCast(i32x4, to: SIMD16<UInt8>.self) }
    @inline(__always) public init(u32x4: SIMD4<UInt32>) { bytes = unsafeBitCast(u32x4, to: SIMD16<UInt8>.self) }
    @inline(__always) public init(i64x2: SIMD2<Int64>) { bytes = unsafeBitCast(i64x2, to: SIMD16<UInt8>.self) }
    @inline(__always) public init(u64x2: SIMD2<UInt64>) { bytes = unsafeBitCast(u64x2, to: SIMD16<UInt8>.self) }
    @inline(__always) public init(f32x4: SIMD4<Float>) { bytes = unsafeBitCast(f32x4, to: SIMD16<UInt8>.self) }
    @inline(__always) public init(f64x2: SIMD2<Double>) { bytes = unsafeBitCast(f64x2, to: SIMD16<UInt8>.self) }
}
