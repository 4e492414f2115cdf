// The runtime's public surface. Bodies are filled in by the runtime implementation; the signatures are
// the contract that the CLI, the spec-test runner and (later) WASI build on.

/// A WebAssembly value as seen from outside the engine.
public enum Value: Equatable, Sendable {
    case i32(UInt32)
    case i64(UInt64)
    case f32(bits: UInt32)
    case f64(bits: UInt64)
    case v128(V128)
    /// `nil` is `ref.null func`.
    case funcref(Function?)
    /// A host value; `nil` is `ref.null extern`.
    case externref(UInt32?)
    /// A caught exception; `nil` is `ref.null exn`.
    case exnref(Exception?)
    /// A reference of GC's any hierarchy (an i31, a struct, an array, a host value converted with `any.convert_extern`),
    /// or one converted to an externref by `extern.convert_any` (`AnyReference.isExternalized`); `nil` is
    /// `ref.null any`.
    case anyref(AnyReference?)
}

/// A non-null reference of GC's any hierarchy, or one of them converted to extern; held by its store (see
/// `Store+GC.swift` for the encoding).
public struct AnyReference: Equatable, Sendable {
    let bits: UInt64

    init(bits: UInt64) { self.bits = bits }

    /// Host value `host` as `any.convert_extern` makes it of the externref `.externref(host)`.
    public init(host: UInt32) { bits = Store.internalize(UInt64(host) + 1) }

    /// The value of an i31 (31 bits, zero-extended), or nil for any other reference.
    public var i31: UInt32? {
        let reference = bits & ~Store.externalizedBit
        return reference & 1 != 0 ? UInt32(truncatingIfNeeded: reference >> 1) : nil
    }

    /// Whether it is an externref (`extern.convert_any` made it).
    public var isExternalized: Bool { bits & Store.externalizedBit != 0 }

    /// What it refers to.
    public var kind: Kind {
        let reference = bits & ~Store.externalizedBit
        if reference & 1 != 0 { return .i31 }
        if reference & Store.internalizedTagMask == Store.internalizedTag { return .host }
        // SAFETY: any other non-null reference is the address of one of its store's GC objects.
        return GCObject(bits: reference).isArray ? .array : .structure
    }

    public enum Kind: Sendable {
        case i31, structure, array
        /// A host value (an externref converted with `any.convert_extern`).
        case host
    }
}

/// An exception a `try_table` caught with its reference (`catch_ref`, `catch_all_ref`), held by its store.
public struct Exception: Equatable, Sendable {
    let address: Int
}

/// A function in a `Store`: defined by a module instance or by the host.
public struct Function: Equatable, Hashable, Sendable {
    let address: Int
}

public struct Table: Equatable, Sendable {
    let address: Int
}

public struct Memory: Equatable, Sendable {
    let address: Int
}

public struct Global: Equatable, Sendable {
    let address: Int
}

/// An exception tag in a `Store`: exceptions thrown with it are caught by clauses naming it, in any instance that
/// imports it.
public struct Tag: Equatable, Sendable {
    let address: Int
}

public enum ExternalValue: Equatable, Sendable {
    case function(Function)
    case table(Table)
    case memory(Memory)
    case global(Global)
    case tag(Tag)
}

/// What an instantiation links against, by module name and field name (compared byte for byte).
public struct Imports {
    var definitions: [ExactName: [ExactName: ExternalValue]] = [:]

    public init() {}

    public mutating func define(module: String, name: String, _ value: ExternalValue) {
        definitions[ExactName(module), default: [:]][ExactName(name)] = value
    }

    public func lookup(module: String, name: String) -> ExternalValue? {
        definitions[ExactName(module)]?[ExactName(name)]
    }
}

/// A name compared by its UTF-8 bytes. Wasm names are byte strings, while Swift's `String` equality
/// identifies canonically equivalent ones ("\u{C5}" and "A\u{30A}"), which are distinct names in wasm. It keeps the
/// string itself and reads its bytes in place: a restore looks up each import and names each export in microseconds,
/// where copying every name into an array cost an allocation a name.
struct ExactName: Hashable {
    /// Contiguous UTF-8, so its bytes hash in one call (a byte at a time cost ~70 instructions each).
    let name: String

    init(_ name: String) {
        var name = name
        name.makeContiguousUTF8()
        self.name = name
    }

    /// Byte for byte, over the contiguous bytes (the generic `elementsEqual` of two UTF-8 views cost ~900
    /// instructions a comparison).
    static func == (lhs: ExactName, rhs: ExactName) -> Bool {
        let equal = lhs.name.utf8.withContiguousStorageIfAvailable { left in
            rhs.name.utf8.withContiguousStorageIfAvailable { right in
                left.count == right.count && left.indices.allSatisfy { left[$0] == right[$0] }
            }
        }
        // Never nil: `init` made both names' bytes contiguous.
        return equal.unsafelyUnwrapped.unsafelyUnwrapped
    }

    func hash(into hasher: inout Hasher) {
        // Never nil: `init` made the bytes contiguous.
        _ = name.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

public enum TrapReason: Equatable, Sendable {
    case unreachable
    case memoryOutOfBounds
    case tableOutOfBounds
    case undefinedElement
    case uninitializedElement
    case indirectCallTypeMismatch
    case integerDivideByZero
    case integerOverflow
    case invalidConversionToInteger
    case callStackExhausted
    /// The host raised the interruption flag (a deadline or a signal).
    case interrupted
    case outOfFuel
    /// A host function failed; the message is the host's.
    case host(String)
    /// `throw_ref` of a null exnref.
    case nullExceptionReference
    /// An exception no `try_table` caught reached the host's call; the message names its tag.
    case uncaughtException(String)
    /// `call_ref` or `return_call_ref` of a null reference.
    case nullFunctionReference
    /// `ref.as_non_null` of a null reference.
    case nullReference
    /// `struct.get`, `array.len` and the like on a null reference.
    case nullStructureReference
    case nullArrayReference
    case nullI31Reference
    /// An array index or range beyond its length.
    case arrayOutOfBounds
    /// `ref.cast` of a reference not of the type.
    case castFailure
    /// An array too large to allocate.
    case arrayTooLarge

    /// Whether this is an uncaught exception rather than a trap proper.
    public var isUncaughtException: Bool {
        if case .uncaughtException = self { return true }
        return false
    }

    /// The spec's wording, which the spec scripts match by prefix.
    public var message: String {
        switch self {
        case .unreachable: return "unreachable"
        case .memoryOutOfBounds: return "out of bounds memory access"
        case .tableOutOfBounds: return "out of bounds table access"
        case .undefinedElement: return "undefined element"
        case .uninitializedElement: return "uninitialized element"
        case .indirectCallTypeMismatch: return "indirect call type mismatch"
        case .integerDivideByZero: return "integer divide by zero"
        case .integerOverflow: return "integer overflow"
        case .invalidConversionToInteger: return "invalid conversion to integer"
        case .callStackExhausted: return "call stack exhausted"
        case .interrupted: return "interrupted"
        case .outOfFuel: return "all fuel consumed"
        case .host(let message): return message
        case .nullExceptionReference: return "null exception reference"
        case .uncaughtException(let message): return message
        case .nullFunctionReference: return "null function reference"
        case .nullReference: return "null reference"
        case .nullStructureReference: return "null structure reference"
        case .nullArrayReference: return "null array reference"
        case .nullI31Reference: return "null i31 reference"
        case .arrayOutOfBounds: return "out of bounds array access"
        case .castFailure: return "cast failure"
        case .arrayTooLarge: return "allocation too large"
        }
    }
}

public struct Trap: Error, Equatable, Sendable {
    public var reason: TrapReason

    public init(_ reason: TrapReason) { self.reason = reason }

    /// A host function returned values whose types are not its type's results: the host's mistake, reported where the
    /// module called it. Public for hosts that call their functions themselves (a micro-VM's) to report it alike.
    public static var hostResultTypeMismatch: Trap { Trap(.host("host function returned results of the wrong type")) }
}

public enum InstantiationError: Error, Equatable, Sendable {
    /// An import is missing or has the wrong type (spec "unlinkable"); the message says which.
    case unlinkable(String)
    /// A segment or the start function trapped (spec "uninstantiable").
    case trap(Trap)

    /// Nothing is defined under the import's module and name. Public, with ``incompatibleImportType(module:name:)``,
    /// for hosts that link some imports themselves (a micro-VM's host functions) to word their refusals alike.
    public static func unknownImport(module: String, name: String) -> InstantiationError {
        .unlinkable("unknown import \"\(module)\" \"\(name)\"")
    }

    /// What is defined under the import's module and name is not of the import's kind or type.
    public static func incompatibleImportType(module: String, name: String) -> InstantiationError {
        .unlinkable("incompatible import type \"\(module)\" \"\(name)\"")
    }
}

/// What a host function sees of its caller: the store, and the calling instance's memory, if any.
public struct Caller {
    public let store: Store
    public let memory: Memory?
}

public typealias HostFunctionBody = (Caller, [Value]) throws(Trap) -> [Value]

/// A host function that takes its arguments from the call's slots and leaves its results there: `slots[0..<parameter
/// count]` in and `slots[0..<result count]` out, in the engine's encoding (i32s zero-extended, floats as their bits). No
/// array is made per call, for a host whose functions are called very often (a hook's imports, on every WASI call).
/// Nothing checks what it leaves: its results are whatever the slots hold.
public typealias SlotHostFunctionBody = (Caller, UnsafeMutableBufferPointer<UInt64>) throws(Trap) -> Void
