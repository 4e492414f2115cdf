/// Validates one function body and translates it to internal code in the same pass.
public enum FunctionCompiler {
    /// Declared locals beyond this are refused: a frame is allocated whole on every call.
    static let maximumLocalCount = 50_000
    /// Deeper operand stacks are refused: multi-value calls could otherwise grow one by millions per byte.
    static let maximumStackHeight = 1 << 20

    /// - Parameters:
    ///   - module: the module decoded so far: types, imports, functions, tables, memories, globals,
    ///     elements, data count and declared function references are complete when the code section is read.
    ///   - functionIndex: the function's index in the function index space (imports included).
    ///   - body: positioned at the start of the body (its locals declarations), `end` at the body's end.
    ///   - forInterpreter: whether to fuse instructions for the interpreter (forwarded operands, pairs), which the
    ///     compiler tier, translating this code further, does without.
    public static func compile(
        module: Module, functionIndex: UInt32, body: inout BinaryReader, forInterpreter: Bool = true
    ) throws(ModuleError) -> CompiledFunction {
        guard functionIndex < UInt32(module.functionTypeIndices.count) else {
            throw .unknownFunction(functionIndex, at: body.offset)
        }
        let typeIndex = module.functionTypeIndices[Int(functionIndex)]
        guard typeIndex < UInt32(module.types.count) else { throw .unknownType(Int64(typeIndex), at: body.offset) }
        let type = module.types[Int(typeIndex)]
        let localTypes = try readLocals(parameters: type.parameters, typeCount: module.types.count, &body)
        var translator = FunctionTranslator(
            module: module, localTypes: localTypes, parameterCount: type.parameters.count, resultTypes: type.results)
        try translator.translate(&body)
        let poolSize = try translator.finishConstantPool()
        if forInterpreter {
            FunctionTranslator.fuseVectorCopies(&translator.code)
            FunctionTranslator.forwardResults(&translator.code)
        }
        let localCount = translator.localCount
        let unzeroedStart = UInt32(type.parameterSlotCount + Store.localsZeroedByCall)
        if localCount > unzeroedStart {
            translator.prepend([Instruction(.zeroLocals, unzeroedStart, localCount - unzeroedStart)])
        }
        let frameSize = max(localCount + UInt32(translator.maximumHeight) + poolSize, UInt32(type.resultSlotCount))
        return CompiledFunction(
            code: translator.code, frameSize: frameSize, localCount: localCount,
            parameterCount: UInt32(type.parameterSlotCount), resultCount: UInt32(type.resultSlotCount),
            typeIndex: typeIndex)
    }

    /// Parameters followed by the declared locals (spec §5.5.13: runs of `count` locals of one type).
    static func readLocals(
        parameters: [ValueType], typeCount: Int, _ body: inout BinaryReader
    ) throws(ModuleError) -> [ValueType] {
        var types: [ValueType] = []
        try readLocals(parameters: parameters, typeCount: typeCount, &body, into: &types)
        return types
    }

    /// Replaces `types` by the parameters followed by the declared locals, keeping its storage: the validator
    /// reuses one array for every body. The declarations are read twice (checked, then expanded) rather than
    /// gathered into a temporary array. A local's concrete reference type names one of the `typeCount` types.
    static func readLocals(
        parameters: [ValueType], typeCount: Int, _ body: inout BinaryReader, into types: inout [ValueType]
    ) throws(ModuleError) {
        let groupCount = try body.readCount(minimumElementSize: 2)
        let groupsStart = body.offset
        var total = UInt64(0)
        for _ in 0..<groupCount {
            let start = body.offset
            let count = try body.readU32()
            _ = try body.readValueType(typeCount: typeCount)
            total += UInt64(count)
            guard total <= UInt64(UInt32.max) else { throw .malformed(at: start, "too many locals") }
        }
        guard total + UInt64(parameters.count) <= UInt64(maximumLocalCount) else {
            throw .malformed(at: body.offset, "too many locals (this engine allows \(maximumLocalCount))")
        }
        let groupsEnd = body.offset
        types.removeAll(keepingCapacity: true)
        types.append(contentsOf: parameters)
        body.offset = groupsStart
        for _ in 0..<groupCount {
            let count = try body.readU32()
            types.append(contentsOf: repeatElement(try body.readValueType(typeCount: typeCount), count: Int(count)))
        }
        body.offset = groupsEnd
    }
}

/// The state of one body's single validation-and-translation pass.
struct FunctionTranslator {
    let module: Module
    let equivalence: TypeEquivalence
    /// Each local's type, by local index.
    let localTypes: [ValueType]
    var localInitialization = LocalInitialization()
    /// Each local's first slot, by local index; empty when every local takes one slot (no v128), where they agree.
    let localSlots: [UInt32]
    /// The slots the parameters and locals take.
    let localCount: UInt32
    /// The function's results, a type per slot (see `slotTypes`).
    let resultTypes: [ValueType]

    var code: [Instruction] = []
    var operands: [Operand] = []
    /// Heights of the operands still in each local (`OperandLocation.local`), lowest first.
    var localReferences: [UInt32: [Int]] = [:]
    var frames: [ControlFrame] = []
    var maximumHeight = 0
    /// False where no path reaches the code being translated: nothing is emitted there.
    var isLive = true
    /// The instruction that wrote the top operand, while it may still be retargeted or fused.
    var freshResult: (instruction: Int, height: Int)? {
        didSet { freshVectorResult = nil }
    }
    /// The same for the v128 result on top (`emitVectorResult`): its instruction and its low half's height. Forgotten
    /// wherever `freshResult` is set.
    var freshVectorResult: (instruction: Int, height: Int)?
    /// The latest position a branch may land on (a loop header, an else, a block end): instructions fused
    /// into one must all come after it.
    var lastLabel = 0
    /// How many loops enclose the code being translated: constants read there come from the pool.
    var loopDepth = 0
    /// Declared locals still certainly zero (as the call left them): no write to them precedes this point,
    /// and no loop either, so no path can come back from a later write. Empty once a loop begins.
    var zeroLocals: [Bool]
    /// Pool constants (bit patterns) and their provisional slots.
    var constantPool: [UInt64: UInt32] = [:]
    /// Where the instruction being translated starts, for error offsets.
    var instructionOffset = 0

    init(module: Module, localTypes: [ValueType], parameterCount: Int, resultTypes: [ValueType]) {
        self.module = module
        equivalence = module.typeEquivalence
        self.localTypes = localTypes
        localInitialization.start(locals: localTypes, parameterCount: parameterCount)
        let slotTypes = Self.slotTypes(localTypes)
        if slotTypes.count == localTypes.count {
            localSlots = []
        } else {
            var next = UInt32(0)
            localSlots = localTypes.map { type in
                defer { next += UInt32(type.slotCount) }
                return next
            }
        }
        self.localCount = UInt32(slotTypes.count)
        self.resultTypes = Self.slotTypes(resultTypes)
        let parameterSlotCount = localTypes.prefix(parameterCount).slotCount
        zeroLocals = slotTypes.indices.map { $0 >= parameterSlotCount }
        frames = [ControlFrame(kind: .function, parameterTypes: [], resultTypes: self.resultTypes, height: 0, wasLiveAtEntry: true)]
    }

    mutating func translate(_ body: inout BinaryReader) throws(ModuleError) {
        while !frames.isEmpty {
            guard !body.isAtEnd else { throw body.missingEnd(openBlocks: frames.count) }
            instructionOffset = body.offset
            try translateInstruction(try body.readByte(), &body)
            guard maximumHeight <= FunctionCompiler.maximumStackHeight else {
                throw .operandStackTooDeep(at: instructionOffset)
            }
        }
        guard body.isAtEnd else { throw .sectionSizeMismatch(at: body.offset) }
    }

    mutating func translateInstruction(_ opcode: UInt8, _ body: inout BinaryReader) throws(ModuleError) {
        switch opcode {
        case 0x00:
            emit(.unreachable)
            markUnreachable()
        case 0x01: break
        case 0x02: try beginBlock(.block, &body)
        case 0x03: try beginBlock(.loop, &body)
        case 0x04: try beginBlock(.if, &body)
        case 0x05: try translateElse()
        case 0x06: try beginLegacyTry(&body)
        case 0x07: try translateLegacyCatch(tag: try body.readU32())
        case 0x08: try translateThrow(try body.readU32())
        case 0x09: try translateRethrow(try body.readU32())
        case 0x0A: try translateThrowRef()
        case 0x0B: try translateEnd()
        case 0x0C: try translateBr(try labelFrame(try body.readU32()))
        case 0x0D: try translateBrIf(try labelFrame(try body.readU32()))
        case 0x0E: try translateBrTable(&body)
        case 0x0F: try translateReturn()
        case 0x18: try translateDelegate(try body.readU32())
        case 0x19: try translateLegacyCatch(tag: nil)
        case 0x10: try translateCall(try body.readU32())
        case 0x11: try translateCallIndirect(&body)
        case 0x12: try translateCall(try body.readU32(), isTailCall: true)
        case 0x13: try translateCallIndirect(&body, isTailCall: true)
        case 0x14: try translateCallReference(try body.readU32())
        case 0x15: try translateCallReference(try body.readU32(), isTailCall: true)
        case 0x1A:
            if try popAny().type == .v128 { _ = try pop(.v128) }
        case 0x1F: try beginTryTable(&body)
        case 0x1B: try translateSelect(type: nil)
        case 0x1C:
            let count = try body.readU32()
            guard count == 1 else { throw .invalidResultArity(at: instructionOffset) }
            try translateSelect(type: try body.readValueType(typeCount: module.types.count))
        case 0x20: try translateLocalGet(try body.readU32())
        case 0x21: try translateLocalSet(try body.readU32(), keepsValue: false)
        case 0x22: try translateLocalSet(try body.readU32(), keepsValue: true)
        case 0x23: try translateGlobalGet(try body.readU32())
        case 0x24: try translateGlobalSet(try body.readU32())
        case 0x25: try translateTableGet(try body.readU32())
        case 0x26: try translateTableSet(try body.readU32())
        case 0x28...0x3E: try translateMemoryAccess(opcode, &body)
        case 0x3F: try translateMemorySize(&body)
        case 0x40: try translateMemoryGrow(&body)
        case 0x41: push(.i32, .constant(UInt64(UInt32(bitPattern: try body.readS32()))))
        case 0x42: push(.i64, .constant(UInt64(bitPattern: try body.readS64())))
        case 0x43: push(.f32, .constant(UInt64(try body.readFixedU32())))
        case 0x44: push(.f64, .constant(try body.readFixedU64()))
        case 0x45...0xC4: try translateNumeric(opcode)
        case 0xD0:
            push(.reference(to: try body.readHeapType(typeCount: module.types.count)), .constant(0))
        case 0xD1: try translateRefIsNull()
        case 0xD2: try translateRefFunc(try body.readU32())
        case 0xD3: try translateRefEq()
        case 0xD4: try translateRefAsNonNull()
        case 0xD5: try translateBrOnNull(try labelFrame(try body.readU32()))
        case 0xD6: try translateBrOnNonNull(try labelFrame(try body.readU32()))
        case 0xFB: try translateGC(try body.readU32(), &body)
        case 0xFC: try translatePrefixed(try body.readU32(), &body)
        case 0xFD: try translateSIMD(try body.readU32(), &body)
        default: throw .illegalOpcode(at: instructionOffset)
        }
    }

    mutating func translatePrefixed(_ opcode: UInt32, _ body: inout BinaryReader) throws(ModuleError) {
        switch opcode {
        case 0...7: try translateSaturatingTruncation(opcode)
        case 8: try translateMemoryInit(&body)
        case 9: try translateDataDrop(try body.readU32())
        case 10: try translateMemoryCopy(&body)
        case 11: try translateMemoryFill(&body)
        case 12: try translateTableInit(&body)
        case 13: try translateElemDrop(try body.readU32())
        case 14: try translateTableCopy(&body)
        case 15: try translateTableGrow(try body.readU32())
        case 16: try translateTableSize(try body.readU32())
        case 17: try translateTableFill(try body.readU32())
        default: throw .illegalOpcode(at: instructionOffset)
        }
    }
}
