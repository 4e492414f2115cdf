/// A decoded, validated module: what instantiation needs. Function bodies are validated but not translated:
/// each is translated to internal code on its first call (see `FunctionCode`), from `bytes`.
public struct Module: Sendable {
    /// The binary the module was decoded from, which the bodies of `functions` and the data segments lie in.
    public var bytes = ModuleBytes(copying: [])
    /// Every type's function type, an empty one for a struct or array type (see `typeDefinitions`).
    public var types: [FuncType] = []
    /// Every type definition, in the type index space (`types` holds the function types among them again).
    public var typeDefinitions: [SubType] = []
    /// Where each recursion group of the type section ends, in order; empty when each type is a group of its own.
    public var recursionGroupEnds: [Int] = []
    /// Which types are equivalent, for subtyping between concrete reference types.
    public var typeEquivalence = TypeEquivalence()
    public var imports: [Import] = []

    /// Type index of every function in the function index space: imports first, then definitions.
    public var functionTypeIndices: [UInt32] = []
    public var importedFunctionCount = 0
    /// Every table in the table index space: imports first.
    public var tables: [TableType] = []
    public var importedTableCount = 0
    /// The initial element of each defined table (`tables[importedTableCount...]`), in order.
    public var tableInitializers: [ConstantExpression] = []
    /// Every memory in the memory index space: imports first. At most one in WebAssembly 2.0.
    public var memories: [MemoryType] = []
    public var importedMemoryCount = 0
    /// Every global in the global index space: imports first.
    public var globals: [GlobalType] = []
    public var importedGlobalCount = 0
    /// Type index of every tag in the tag index space (imports first): a tag's type has no results.
    public var tagTypeIndices: [UInt32] = []
    public var importedTagCount = 0
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

    /// Code of the defined functions (`functionTypeIndices[importedFunctionCount...]`).
    public var functions: [FunctionCode] = []
    /// The proposals the module uses: those its types, imports and globals show, and those its bodies use when they
    /// were validated as the module was decoded (`BodyValidation.eager`).
    public var requiredFeatures: WasmFeatures = []

    public init() {}

    /// Changes whenever what this engine accepts as valid may change: what a module cache records about a module
    /// holds only for the engine revision that recorded it.
    public static let engineRevision = "wasm3-tail-calls-memories-exceptions-function-references-gc-1"

    public func functionType(ofFunction index: UInt32) -> FuncType {
        types[Int(functionTypeIndices[Int(index)])]
    }

    /// Whether values of `type` are references of GC's any hierarchy.
    func holdsGCReferences(_ type: ValueType) -> Bool {
        guard let heapType = type.heapType else { return false }
        return typeEquivalence.top(heapType) == .any
    }

    /// The ends of the recursion groups of the first `count` types.
    func recursionGroupEnds(count: Int) -> [Int] {
        recursionGroupEnds.isEmpty ? Array(1..<count + 1) : recursionGroupEnds
    }
}

/// A defined function's code, as a module holds it.
public enum FunctionCode: Sendable {
    /// A validated body (its locals declarations, then its instructions) at `start..<end` of `Module.bytes`, to
    /// be translated when the function is first called: a run pays only for the functions it calls.
    case body(start: Int, end: Int)
    /// Internal code already translated (a module built by hand).
    case compiled(CompiledFunction)
}

extension Module {
    /// Defined function `definedIndex` (in `functions`) in internal code: translated from its body when it has
    /// one, which validation has already accepted.
    public func compiledFunction(definedIndex: Int) throws(ModuleError) -> CompiledFunction {
        switch functions[definedIndex] {
        case .compiled(let function):
            return function
        case .body(let start, let end):
            var body = BinaryReader(bytes: bytes, offset: start, end: end)
            return try FunctionCompiler.compile(
                module: self, functionIndex: UInt32(importedFunctionCount + definedIndex), body: &body)
        }
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
        case tag(typeIndex: UInt32)
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
        case tag(UInt32)
    }

    public var name: String
    public var descriptor: Descriptor
}

/// A constant expression: one instruction before `end`, as in WebAssembly 2.0, or an extended one.
public enum ConstantExpression: Equatable, Sendable {
    case i32(UInt32)
    case i64(UInt64)
    case f32(bits: UInt32)
    case f64(bits: UInt64)
    case v128(V128)
    case nullReference(ValueType)
    case functionReference(UInt32)
    case globalGet(UInt32)
    /// An extended constant expression (WebAssembly 3.0) of several instructions: integer arithmetic on the values of
    /// single-instruction expressions, in the binary's (postfix) order.
    case arithmetic([ConstantOperation])
}

/// An instruction of an extended constant expression (`ConstantExpression.arithmetic`).
public enum ConstantOperation: Equatable, Sendable {
    /// Pushes the value of a single-instruction expression.
    case push(ConstantExpression)
    /// Pops two values and pushes the result.
    case i32Add, i32Sub, i32Mul, i64Add, i64Sub, i64Mul
    /// A GC instruction (GC's constant expressions: `struct.new`, `array.new`, `ref.i31`, the conversions...) on the
    /// top `operandCount` values, as a function body runs it with its operands from slot 0 (`Store.executeGC`); pushes
    /// its result.
    case gc(Instruction, operandCount: Int)
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

    /// The segment's bytes are `range` of `source`: for a decoded module, its binary, so they are not copied.
    public var source: ModuleBytes
    public var range: Range<Int>
    public var mode: Mode

    public init(source: ModuleBytes, range: Range<Int>, mode: Mode) {
        self.source = source
        self.range = range
        self.mode = mode
    }

    /// A copy of the segment's bytes.
    public var bytes: [UInt8] { source.withUnsafeBytes(in: range) { Array($0) } }

    /// A segment of its own copy of `bytes` (a module built by hand).
    public init(bytes: [UInt8], mode: Mode) {
        self.init(source: ModuleBytes(copying: bytes), range: 0..<bytes.count, mode: mode)
    }
}
