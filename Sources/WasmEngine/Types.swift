/// WebAssembly value and extern types (spec §2.3).

/// A value type: a number type, `v128`, or a reference type `(ref null? ht)` (spec §2.3.3, typed function references).
/// One 32-bit word, compared and hashed as one, so the validator's stacks and the records stay compact:
/// - a number type or `v128`: its one-byte code (0x7F i32 … 0x7B v128);
/// - a reference: its heap type's word (`HeapType.rawValue`), plus `nonNullableBit` for a `(ref ht)`. A nullable
///   reference to an abstract heap type is the heap type's code, which is the one-byte shorthand of the binary format:
///   `funcref` is 0x70, `externref` 0x6F, `exnref` 0x69, as the ABI and the snapshots have always spelled them.
public struct ValueType: Hashable, Sendable {
    public let rawValue: UInt32

    /// Set in a reference type that excludes null.
    static let nonNullableBit: UInt32 = 0x100

    private init(bits: UInt32) { rawValue = bits }

    /// The type `rawValue` spells, if it spells one (see the type's comment).
    public init?(rawValue: UInt32) {
        if (0x7B...0x7F).contains(rawValue) {
            self.init(bits: rawValue)
        } else if HeapType(rawValue: rawValue & ~Self.nonNullableBit) != nil {
            self.init(bits: rawValue)
        } else {
            return nil
        }
    }

    public static let i32 = ValueType(bits: 0x7F)
    public static let i64 = ValueType(bits: 0x7E)
    public static let f32 = ValueType(bits: 0x7D)
    public static let f64 = ValueType(bits: 0x7C)
    public static let v128 = ValueType(bits: 0x7B)
    /// `(ref null func)`.
    public static let funcref = ValueType.reference(to: .func)
    /// `(ref null extern)`.
    public static let externref = ValueType.reference(to: .extern)
    /// `(ref null exn)`: a caught exception (the exception-handling proposal); slot 0 is null.
    public static let exnref = ValueType.reference(to: .exn)

    /// `(ref null heapType)`, or `(ref heapType)` when not `nullable`.
    public static func reference(to heapType: HeapType, nullable: Bool = true) -> ValueType {
        ValueType(bits: heapType.rawValue | (nullable ? 0 : nonNullableBit))
    }

    public var isReference: Bool { rawValue & 0xFF < 0x7B }
    /// A reference type's heap type; nil for a number type or `v128`.
    public var heapType: HeapType? { isReference ? HeapType(bits: rawValue & ~Self.nonNullableBit) : nil }
    /// Whether the type includes null: a reference type's `null` (number types do not).
    public var isNullable: Bool { isReference && rawValue & Self.nonNullableBit == 0 }
    /// The same reference type without null (`ref.as_non_null`, `br_on_null`).
    public var nonNullable: ValueType { ValueType(bits: rawValue | Self.nonNullableBit) }
    /// Whether a local of this type needs no `local.set` before it is read: it starts as zero or null.
    public var isDefaultable: Bool { !isReference || isNullable }
    /// Whether the type is beyond WebAssembly 2.0's and the exception proposal's: a non-nullable reference, or one to
    /// a heap type other than func, extern and exn (typed function references).
    public var needsFunctionReferences: Bool {
        isReference && self != .funcref && self != .externref && self != .exnref
    }
    /// Whether the type names one of GC's abstract heap types (any, eq, i31, struct, array, none).
    public var needsGC: Bool { heapType?.isGCAbstract ?? false }

    /// The 64-bit slots a value of this type takes in a frame, a global or a host call's buffer: a `v128` takes two,
    /// its low half first.
    public var slotCount: Int { self == .v128 ? 2 : 1 }
}

/// A reference type's heap type (spec §2.3.3): abstract, or a type index of the module (a concrete one). One word:
/// an abstract heap type's one-byte code (0x70 func, 0x6F extern, 0x69 exn, 0x73 nofunc, 0x72 noextern, 0x74
/// noexn, and GC's 0x6E any, 0x6D eq, 0x6C i31, 0x6B struct, 0x6A array, 0x71 none), or `concreteBit` with the type
/// index above bit 10.
public struct HeapType: Hashable, Sendable {
    public let rawValue: UInt32

    static let concreteBit: UInt32 = 0x200
    /// Type indices are below 2^22 (the spec's implementation limit is 10^6 types).
    static let maximumTypeIndex: UInt32 = (1 << 22) - 1

    init(bits: UInt32) { rawValue = bits }

    public init?(rawValue: UInt32) {
        if rawValue & 0x3FF == Self.concreteBit || Self.abstractCodes.contains(rawValue) {
            self.init(bits: rawValue)
        } else {
            return nil
        }
    }

    static let abstractCodes: [UInt32] = [0x70, 0x6F, 0x69, 0x73, 0x72, 0x74, 0x6E, 0x6D, 0x6C, 0x6B, 0x6A, 0x71]

    public static let `func` = HeapType(bits: 0x70)
    public static let extern = HeapType(bits: 0x6F)
    public static let exn = HeapType(bits: 0x69)
    /// The bottom of the func hierarchy: `ref.null nofunc` is a null every function reference type holds.
    public static let noFunc = HeapType(bits: 0x73)
    public static let noExtern = HeapType(bits: 0x72)
    public static let noExn = HeapType(bits: 0x74)
    /// GC's hierarchy: any above eq, eq above i31, struct and array (and every struct and array type), none below all.
    public static let any = HeapType(bits: 0x6E)
    public static let eq = HeapType(bits: 0x6D)
    public static let i31 = HeapType(bits: 0x6C)
    public static let `struct` = HeapType(bits: 0x6B)
    public static let array = HeapType(bits: 0x6A)
    public static let none = HeapType(bits: 0x71)

    var isGCAbstract: Bool { (0x6A...0x6E).contains(rawValue) || self == .none }

    /// Type `index` of the module.
    public static func concrete(_ index: UInt32) -> HeapType { HeapType(bits: concreteBit | index << 10) }

    /// A concrete heap type's type index; nil for an abstract one.
    public var typeIndex: UInt32? { rawValue & Self.concreteBit != 0 ? rawValue >> 10 : nil }

    /// The top of the heap type's hierarchy: func, extern, exn or any; a concrete type's is its kind's (`kind` tells).
    public func top(kind: (UInt32) -> CompositeKind) -> HeapType {
        if let typeIndex { return kind(typeIndex) == .function ? .func : .any }
        switch self {
        case .extern, .noExtern: return .extern
        case .exn, .noExn: return .exn
        case .func, .noFunc: return .func
        default: return .any
        }
    }

    /// The bottom of the hierarchy whose top is `top`: the type of its null.
    public static func bottom(ofTop top: HeapType) -> HeapType {
        switch top {
        case .extern: .noExtern
        case .exn: .noExn
        case .any: .none
        default: .noFunc
        }
    }
}

extension ValueType {
    /// The type as the text format writes it: `i32`, `funcref`, `(ref null 3)`, `(ref func)`.
    public var name: String {
        switch self {
        case .i32: return "i32"
        case .i64: return "i64"
        case .f32: return "f32"
        case .f64: return "f64"
        case .v128: return "v128"
        case .funcref: return "funcref"
        case .externref: return "externref"
        case .exnref: return "exnref"
        default: return "(ref \(isNullable ? "null " : "")\(heapType!.name))"
        }
    }
}

extension HeapType {
    /// The heap type as the text format writes it: an abstract one's keyword, or a concrete one's type index.
    public var name: String {
        switch self {
        case .func: return "func"
        case .extern: return "extern"
        case .exn: return "exn"
        case .noFunc: return "nofunc"
        case .noExtern: return "noextern"
        case .noExn: return "noexn"
        case .any: return "any"
        case .eq: return "eq"
        case .i31: return "i31"
        case .struct: return "struct"
        case .array: return "array"
        case .none: return "none"
        default: return "\(typeIndex!)"
        }
    }
}

/// Subtyping (spec §3.3.2 "Matching"), where a module's concrete heap types are told apart by `TypeEquivalence`.
extension ValueType {
    /// Whether every value of this type is one of `other`: the same type, or a reference type whose heap type is a
    /// subtype of `other`'s and that includes null only if `other` does.
    @inline(__always)
    func matches(_ other: ValueType, _ equivalence: TypeEquivalence) -> Bool {
        self == other || matchesReference(other, equivalence)
    }

    @inline(never)
    func matchesReference(_ other: ValueType, _ equivalence: TypeEquivalence) -> Bool {
        guard let heapType, let otherHeapType = other.heapType, !isNullable || other.isNullable else { return false }
        return heapType.matches(otherHeapType, equivalence)
    }
}

extension HeapType {
    /// Whether this heap type is a subtype of `other` (spec §3.3.2): equal or equivalent, the top of its hierarchy, the
    /// bottom of `other`'s, eq or struct or array above the GC types of their kind, or a declared supertype, directly
    /// or through others.
    func matches(_ other: HeapType, _ equivalence: TypeEquivalence) -> Bool {
        if self == other { return true }
        let top = equivalence.top(self)
        guard equivalence.top(other) == top else { return false }
        if other == top || self == HeapType.bottom(ofTop: top) { return true }
        guard let index = typeIndex else {
            return other == .eq && (self == .i31 || self == .struct || self == .array)
        }
        guard let otherIndex = other.typeIndex else {
            switch equivalence.kind(index) {
            case .structure: return other == .struct || other == .eq
            case .array: return other == .array || other == .eq
            case .function: return false
            }
        }
        let target = equivalence.canonicalIndex(otherIndex)
        var current: UInt32? = index
        while let type = current {
            if equivalence.canonicalIndex(type) == target { return true }
            current = equivalence.supertype(of: type)
        }
        return false
    }
}

/// Which of a module's (or a store's) types are equivalent, what kind each is and which supertype each declares: what
/// subtyping between concrete reference types needs. Types are equivalent when their recursion groups are
/// structurally equal, references within a group counting by their position in it, and they sit at the same position
/// (iso-recursive equivalence). Each type index maps to the first index of a type equivalent to it.
public struct TypeEquivalence: Sendable {
    /// Per type index; an index past its end is its own canonical index (a module built by hand, or a store's types,
    /// which are interned).
    public var canonicalIndices: [UInt32] = []
    /// Per type index: its kind; an index past the end is a function type's.
    public var kinds: [CompositeKind] = []
    /// Per type index: its declared supertype, or `noSupertype`.
    public var supertypes: [UInt32] = []

    static let noSupertype = UInt32.max

    public init() {}

    func canonicalIndex(_ index: UInt32) -> UInt32 {
        Int(index) < canonicalIndices.count ? canonicalIndices[Int(index)] : index
    }

    func kind(_ index: UInt32) -> CompositeKind {
        Int(index) < kinds.count ? kinds[Int(index)] : .function
    }

    func supertype(of index: UInt32) -> UInt32? {
        guard Int(index) < supertypes.count, supertypes[Int(index)] != Self.noSupertype else { return nil }
        return supertypes[Int(index)]
    }

    /// Checks that type `index` is a function type, as a block type, a call's or a function's type must be.
    func requireFunctionType(_ index: UInt32, at offset: Int) throws(ModuleError) {
        guard kind(index) == .function else { throw .invalid(at: offset, "type mismatch") }
    }

    /// The top of `heapType`'s hierarchy.
    func top(_ heapType: HeapType) -> HeapType { heapType.top(kind: kind) }

    /// Appends a type's kind and supertype.
    mutating func declare(_ type: SubType) {
        kinds.append(type.composite.kind)
        supertypes.append(type.supertype ?? Self.noSupertype)
    }
}

extension HeapType {
    /// What a type interned by a store names itself by; the other types of its recursion group are the indices just
    /// below (see `SubType.key`).
    static let selfReference = maximumTypeIndex
}

extension ValueType {
    /// The same type, a concrete heap type's index replaced by `transform(index)`.
    func mappingTypeIndex(_ transform: (UInt32) -> UInt32) -> ValueType {
        guard let index = heapType?.typeIndex else { return self }
        return .reference(to: .concrete(transform(index)), nullable: isNullable)
    }
}

extension FieldType {
    func mappingTypeIndex(_ transform: (UInt32) -> UInt32) -> FieldType {
        FieldType(type: type.mappingTypeIndex(transform), packing: packing, isMutable: isMutable)
    }
}

extension SubType {
    /// The same type, each concrete heap type's index (its supertype's too) replaced by `transform(index)`.
    func mappingTypeIndices(_ transform: (UInt32) -> UInt32) -> SubType {
        let mapped: CompositeType =
            switch composite {
            case .function(let type): .function(type.mappingTypeIndices(transform))
            case .structure(let fields): .structure(fields.map { $0.mappingTypeIndex(transform) })
            case .array(let element): .array(element.mappingTypeIndex(transform))
            }
        return SubType(composite: mapped, supertype: supertype.map(transform), isFinal: isFinal)
    }

    /// The key under which a type of the recursion group starting at `groupStart` is interned: a reference into the
    /// group the marker of its position (`HeapType.selfReference` minus it), any other `outside(index)`.
    func key(groupStart: UInt32, outside: (UInt32) -> UInt32) -> SubType {
        mappingTypeIndices { $0 >= groupStart ? HeapType.selfReference - ($0 - groupStart) : outside($0) }
    }
}

extension FuncType {
    /// The same type, each concrete heap type's index replaced by `transform(index)`.
    func mappingTypeIndices(_ transform: (UInt32) -> UInt32) -> FuncType {
        FuncType(
            parameters: parameters.map { $0.mappingTypeIndex(transform) },
            results: results.map { $0.mappingTypeIndex(transform) })
    }
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

    /// The value types' words packed two to a word: a store looks up a type for each function it makes, and the
    /// synthesized hash, a hasher call per value type, cost ~2,400 instructions a lookup.
    public func hash(into hasher: inout Hasher) {
        func combine(_ types: [ValueType]) {
            var word = UInt64(types.count)
            for (index, type) in types.enumerated() {
                word = word << 32 | UInt64(type.rawValue)
                if index % 2 == 1 {
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

/// What a type definition defines (spec §2.3.4 composite types).
public enum CompositeKind: UInt8, Sendable {
    case function, structure, array
}

/// A field of a struct type, or an array type's element: a value type or a packed integer, mutable or not.
public struct FieldType: Hashable, Sendable {
    public enum Packing: UInt8, Sendable {
        case none, i8, i16
    }

    /// The type of the values read and written: `.i32` for a packed field.
    public var type: ValueType
    public var packing: Packing
    public var isMutable: Bool

    public init(type: ValueType, packing: Packing = .none, isMutable: Bool) {
        self.type = type
        self.packing = packing
        self.isMutable = isMutable
    }

    /// The bytes an array element of this type takes.
    var byteSize: Int {
        switch packing {
        case .i8: 1
        case .i16: 2
        case .none: type == .v128 ? 16 : (type == .i32 || type == .f32) ? 4 : 8
        }
    }
}

public enum CompositeType: Hashable, Sendable {
    case function(FuncType)
    case structure([FieldType])
    case array(FieldType)

    public var kind: CompositeKind {
        switch self {
        case .function: .function
        case .structure: .structure
        case .array: .array
        }
    }
}

/// A type definition (spec §2.3.5): a composite type, the supertype it declares and whether it may have subtypes.
public struct SubType: Hashable, Sendable {
    public var composite: CompositeType
    public var supertype: UInt32?
    public var isFinal: Bool

    public init(composite: CompositeType, supertype: UInt32? = nil, isFinal: Bool = true) {
        self.composite = composite
        self.supertype = supertype
        self.isFinal = isFinal
    }

    /// The function type it defines, or an empty one for a struct or array type (what `Module.types` holds for it).
    var functionType: FuncType {
        if case .function(let type) = composite { return type }
        return FuncType(parameters: [], results: [])
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
    /// A reference type.
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
    /// Typed function references: `(ref null? ht)` types, `call_ref`, `return_call_ref`, `ref.as_non_null`,
    /// `br_on_null`, `br_on_non_null`, and tables with an initializer.
    public static let functionReferences = WasmFeatures(rawValue: 1 << 7)
    /// Garbage collection: recursion groups, subtypes, struct and array types, the any hierarchy, i31 and casts.
    public static let gc = WasmFeatures(rawValue: 1 << 8)
}

/// Bytes in one linear-memory page.
public let wasmPageSize: UInt64 = 65536
