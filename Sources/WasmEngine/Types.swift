/// WebAssembly value and extern types (spec §2.3).

public enum ValueType: UInt8, Equatable, Hashable, Sendable {
    case i32 = 0x7F
    case i64 = 0x7E
    case f32 = 0x7D
    case f64 = 0x7C
    case v128 = 0x7B
    case funcref = 0x70
    case externref = 0x6F
    /// A caught exception (the exception-handling proposal); slot 0 is null.
    case exnref = 0x69

    public var isReference: Bool { self == .funcref || self == .externref || self == .exnref }

    /// The 64-bit slots a value of this type takes in a frame, a global or a host call's buffer: a `v128` takes two,
    /// its low half first.
    public var slotCount: Int { self == .v128 ? 2 : 1 }
}

extension Sequence<ValueType> {
    /// The slots these values take, in order (see `ValueType.slotCount`).
    public var slotCount: Int {
        var count = 0
        for type in self { count += type.slotCount }
        return count
    }
}

public struct FuncType: Equatable, Hashable, Sendable {
    public var parameters: [ValueType]
    public var results: [ValueType]

    public init(parameters: [ValueType], results: [ValueType]) {
        self.parameters = parameters
        self.results = results
    }

    /// The slots the parameters take (a `v128` takes two).
    public var parameterSlotCount: Int { parameters.slotCount }
    /// The slots the results take.
    public var resultSlotCount: Int { results.slotCount }

    /// The value types' bytes packed eight to a word: a store looks up a type for each function it makes, and the
    /// synthesized hash, a hasher call per value type, cost ~2,400 instructions a lookup.
    public func hash(into hasher: inout Hasher) {
        func combine(_ types: [ValueType]) {
            var word = UInt64(types.count)
            for (index, type) in types.enumerated() {
                word = word << 8 | UInt64(type.rawValue)
                if index % 8 == 7 {
                    hasher.combine(word)
                    word = 0
                }
            }
            hasher.combine(word)
        }
        combine(parameters)
        combine(results)
    }
}

public struct Limits: Equatable, Sendable {
    public var min: UInt64
    public var max: UInt64?

    public init(min: UInt64, max: UInt64? = nil) {
        self.min = min
        self.max = max
    }
}

public struct TableType: Equatable, Sendable {
    /// Always `.funcref` or `.externref`.
    public var elementType: ValueType
    public var limits: Limits
    /// The type of the table's indices: `.i32`, or `.i64` for a table64 (memory64 proposal).
    public var addressType: ValueType

    public init(elementType: ValueType, limits: Limits, addressType: ValueType = .i32) {
        self.elementType = elementType
        self.limits = limits
        self.addressType = addressType
    }
}

public struct MemoryType: Equatable, Sendable {
    /// In 64 KiB pages.
    public var limits: Limits
    /// The type of the memory's addresses: `.i32`, or `.i64` for a 64-bit memory (memory64 proposal).
    public var addressType: ValueType

    public init(limits: Limits, addressType: ValueType = .i32) {
        self.limits = limits
        self.addressType = addressType
    }
}

public struct GlobalType: Equatable, Sendable {
    public var valueType: ValueType
    public var isMutable: Bool

    public init(valueType: ValueType, isMutable: Bool) {
        self.valueType = valueType
        self.isMutable = isMutable
    }
}

/// The proposals beyond the WebAssembly 2.0 core that this engine runs and a host may refuse (`Module.requiredFeatures`).
public struct WasmFeatures: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// 128-bit SIMD (`v128`, the 0xFD instructions below 0x100).
    public static let simd = WasmFeatures(rawValue: 1 << 0)
    /// Relaxed SIMD (0xFD instructions 0x100 and up).
    public static let relaxedSIMD = WasmFeatures(rawValue: 1 << 1)
    /// Tail calls (`return_call`, `return_call_indirect`).
    public static let tailCall = WasmFeatures(rawValue: 1 << 2)
    /// Extended constant expressions: integer `add`, `sub` and `mul`, and `global.get` of any earlier immutable
    /// global, in constant expressions.
    public static let extendedConstant = WasmFeatures(rawValue: 1 << 3)
    /// Exception handling (tags, `exnref`, `throw`, `throw_ref`, `try_table`).
    public static let exceptions = WasmFeatures(rawValue: 1 << 4)
    /// More than one memory, or a memory index in an instruction's or a data segment's encoding.
    public static let multiMemory = WasmFeatures(rawValue: 1 << 5)
    /// Memories and tables with 64-bit addresses.
    public static let memory64 = WasmFeatures(rawValue: 1 << 6)
}

/// Bytes in one linear-memory page.
public let wasmPageSize: UInt64 = 65536
