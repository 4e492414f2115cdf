/// A decoded, validated module: what instantiation needs and nothing of the binary format.
/// Function bodies are already translated to internal code (`CompiledFunction`).
public struct Module: Sendable {
    public var types: [FuncType] = []
    public var imports: [Import] = []

    /// Type index of every function in the function index space: imports first, then definitions.
    public var functionTypeIndices: [UInt32] = []
    public var importedFunctionCount = 0
    /// Every table in the table index space: imports first.
    public var tables: [TableType] = []
    public var importedTableCount = 0
    /// Every memory in the memory index space: imports first. At most one in WebAssembly 2.0.
    public var memories: [MemoryType] = []
    public var importedMemoryCount = 0
    /// Every global in the global index space: imports first.
    public var globals: [GlobalType] = []
    public var importedGlobalCount = 0
    /// Initializers of the defined globals (`globals[importedGlobalCount...]`), in order.
    public var globalInitializers: [ConstantExpression] = []

    public var exports: [Export] = []
    public var start: UInt32?
    public var elements: [ElementSegment] = []
    public var dataSegments: [DataSegment] = []
    /// From the data count section, when present (required by `memory.init` and `data.drop`).
    public var dataCount: UInt32?
    /// Functions that may be named by `ref.func` inside bodies (spec C.refs): those referenced by
    /// element segments, exports and global initializers. Indexed by function index.
    public var declaredFunctionReferences: [Bool] = []

    /// Compiled bodies of the defined functions (`functionTypeIndices[importedFunctionCount...]`).
    public var functions: [CompiledFunction] = []

    public init() {}

    public func functionType(ofFunction index: UInt32) -> FuncType {
        types[Int(functionTypeIndices[Int(index)])]
    }
}

/// What a module declares, read without compiling a function body (`ModuleInterface(bytes:)`): enough to find an
/// export and its type before paying for the whole decoding. Validated only as far as it goes: a module whose
/// interface reads may still fail `Module(bytes:)`.
public struct ModuleInterface: Sendable {
    public var types: [FuncType]
    public var imports: [Import]
    /// Type index of every function in the function index space: imports first, then definitions.
    public var functionTypeIndices: [UInt32]
    public var exports: [Export]

    public func functionType(ofFunction index: UInt32) -> FuncType {
        types[Int(functionTypeIndices[Int(index)])]
    }
}

public struct Import: Sendable {
    public enum Descriptor: Sendable {
        case function(typeIndex: UInt32)
        case table(TableType)
        case memory(MemoryType)
        case global(GlobalType)
    }

    public var module: String
    public var name: String
    public var descriptor: Descriptor
}

public struct Export: Sendable {
    public enum Descriptor: Equatable, Sendable {
        case function(UInt32)
        case table(UInt32)
        case memory(UInt32)
        case global(UInt32)
    }

    public var name: String
    public var descriptor: Descriptor
}

/// A constant expression of WebAssembly 2.0: exactly one instruction before `end`.
public enum ConstantExpression: Equatable, Sendable {
    case i32(UInt32)
    case i64(UInt64)
    case f32(bits: UInt32)
    case f64(bits: UInt64)
    case nullReference(ValueType)
    case functionReference(UInt32)
    case globalGet(UInt32)
}

public struct ElementSegment: Sendable {
    public enum Mode: Sendable {
        case passive
        case active(table: UInt32, offset: ConstantExpression)
        case declarative
    }

    /// `.funcref` or `.externref`.
    public var type: ValueType
    /// Each item is `.functionReference`, `.nullReference` or `.globalGet`.
    public var items: [ConstantExpression]
    public var mode: Mode
}

public struct DataSegment: Sendable {
    public enum Mode: Sendable {
        case passive
        case active(memory: UInt32, offset: ConstantExpression)
    }

    public var bytes: [UInt8]
    public var mode: Mode
}
