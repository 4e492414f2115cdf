/// Validates function bodies (spec §3.3, by the algorithm of the spec's appendix "Validation Algorithm")
/// without translating them: one pass over the bytes, keeping only the operand types and the open blocks.
///
/// It accepts exactly the bodies `FunctionCompiler.compile` accepts, and rejects the others with the same
/// `ModuleError` (kind, offset and reason), this engine's limits included (`FunctionCompiler.maximumLocalCount`,
/// `FunctionCompiler.maximumStackHeight`), so a body it accepts never fails translation later. Rules an opcode
/// alone decides come from the tables both share (`NumericSignature`, `MemoryAccess`), immediates from the same
/// `BinaryReader` methods, and messages from the same `ModuleError` factories.
///
/// Nothing is allocated per instruction: the operand types and the blocks live in buffers that only grow, kept
/// from body to body (use one validator for all of a module's bodies), and every type list a block, call or
/// branch needs is a run of one array of the module's types (`typePool`). The validator owns those buffers, so
/// it is not copyable.
public struct FunctionValidator: ~Copyable {
    /// An operand's type on the stack: nil is the spec's Unknown type, an operand popped from the polymorphic
    /// stack of unreachable code.
    typealias StackType = ValueType?

    /// A list of value types: `count` entries of `typePool` from `start`.
    struct TypeList {
        var start: Int
        var count: Int

        static let empty = TypeList(start: 0, count: 0)
    }

    struct Frame {
        /// The legacy exception instructions' `try` (its body), then its `catch` blocks and its `catch_all` block.
        enum Kind: UInt8 { case function, block, loop, `if`, `else`, legacyTry, legacyCatch, legacyCatchAll }

        var kind: Kind
        var parameters: TypeList
        var results: TypeList
        /// Operand-stack height below the block's parameters.
        var height: Int
        /// The spec's "unreachable" flag. Kept in `FunctionValidator.isUnreachable` while this is the innermost
        /// block, and stored here only when a block opens inside it.
        var isUnreachable = false
        /// `localInitialization.mark` when the block opened: its end forgets the locals its body set.
        var initializationMark = 0

        /// What a branch to this block carries: a loop's parameters, or any other block's results.
        var labelTypes: TypeList { kind == .loop ? parameters : results }
    }

    // MARK: The module, as far as bodies refer to it

    /// The module itself, for the bodies that use GC's instructions: the translator validates those
    /// (`needsTranslation`), which this validator does not know.
    let module: Module
    let types: [FuncType]
    let equivalence: TypeEquivalence
    /// Every module type's parameters and results, each run of which a `TypeList` names. It starts with the eight
    /// value types of WebAssembly 2.0 and exceptions, one each: the results of a block typed by a single value type.
    /// A block typed by another reference type appends that type once (`singleTypeIndices`).
    var typePool: [ValueType]
    /// Where `typePool` holds each reference type that typed a block, beyond the first eight.
    var singleTypeIndices: [ValueType: Int] = [:]
    /// Per type index: its parameters and results in `typePool`.
    let signatures: [(parameters: TypeList, results: TypeList)]
    let functionTypeIndices: [UInt32]
    let tableElementTypes: [ValueType]
    /// Each table's index type (i64 for a table64).
    let tableAddressTypes: [ValueType]
    let memories: [MemoryType]
    let globals: [GlobalType]
    let elementTypes: [ValueType]
    let dataCount: UInt32?
    let declaredFunctionReferences: [Bool]
    /// Type index of every tag (imports first).
    let tagTypeIndices: [UInt32]

    // MARK: One body's state (the arrays keep their storage from body to body)

    /// The function's parameters and declared locals.
    var locals: [ValueType] = []
    var localInitialization = LocalInitialization()
    /// The proposals the bodies validated so far use.
    var usedFeatures: WasmFeatures = []
    /// Operand types: `stack[0..<height]` is the operand stack, `height <= stackCapacity` always. A buffer of
    /// its own rather than an array: every write to an array held in a struct first calls the runtime to check
    /// that its storage is not shared, and a push is one store.
    var stack: UnsafeMutablePointer<StackType>
    var stackCapacity = 64
    var height = 0
    /// The open blocks, `frames[0..<frameCount]`, the function's own first; `frameCount <= frameCapacity`.
    /// A buffer of its own for the reason `stack` is.
    var frames: UnsafeMutablePointer<Frame>
    var frameCount = 0
    var frameCapacity = 16
    /// The innermost block's `height` and unreachable flag, read by every pop.
    var frameHeight = 0
    var isUnreachable = false
    /// Where the instruction being validated starts, for error offsets.
    var instructionOffset = 0
    /// Set when validation stopped at a GC instruction: the body is validated by translating it instead.
    var needsTranslation = false

    /// Gathers what bodies may refer to. `module` must be decoded up to its code section (see
    /// `FunctionCompiler.compile`); a validator keeps no reference to it, only to the arrays it reads.
    public init(module: Module) {
        self.module = module
        types = module.types
        equivalence = module.typeEquivalence
        var pool: [ValueType] = [.i32, .i64, .f32, .f64, .funcref, .externref, .v128, .exnref]
        var signatures: [(parameters: TypeList, results: TypeList)] = []
        signatures.reserveCapacity(module.types.count)
        for type in module.types {
            let parameters = TypeList(start: pool.count, count: type.parameters.count)
            pool.append(contentsOf: type.parameters)
            let results = TypeList(start: pool.count, count: type.results.count)
            pool.append(contentsOf: type.results)
            signatures.append((parameters, results))
        }
        typePool = pool
        self.signatures = signatures
        functionTypeIndices = module.functionTypeIndices
        var tableElementTypes: [ValueType] = []
        var tableAddressTypes: [ValueType] = []
        for table in module.tables {
            tableElementTypes.append(table.elementType)
            tableAddressTypes.append(table.addressType)
        }
        self.tableElementTypes = tableElementTypes
        self.tableAddressTypes = tableAddressTypes
        memories = module.memories
        globals = module.globals
        var elementTypes: [ValueType] = []
        for element in module.elements { elementTypes.append(element.type) }
        self.elementTypes = elementTypes
        dataCount = module.dataCount
        declaredFunctionReferences = module.declaredFunctionReferences
        tagTypeIndices = module.tagTypeIndices
        stack = .allocate(capacity: stackCapacity)
        frames = .allocate(capacity: frameCapacity)
    }

    deinit {
        // Both hold trivial values: nothing to deinitialize.
        stack.deallocate()
        frames.deallocate()
    }

    /// Validates one body, as `FunctionCompiler.compile` would before translating it.
    /// - Parameters:
    ///   - module: the module decoded so far (as for `FunctionCompiler.compile`).
    ///   - functionIndex: the function's index in the function index space (imports included).
    ///   - body: positioned at the start of the body (its locals declarations), `end` at the body's end; left
    ///     at the body's end.
    public static func validate(module: Module, functionIndex: UInt32, body: inout BinaryReader) throws(ModuleError) {
        var validator = FunctionValidator(module: module)
        try validator.validate(functionIndex: functionIndex, body: &body)
    }

    /// Validates one body of the module this validator was made for (see the static `validate`).
    public mutating func validate(functionIndex: UInt32, body: inout BinaryReader) throws(ModuleError) {
        guard functionIndex < UInt32(functionTypeIndices.count) else {
            throw .unknownFunction(functionIndex, at: body.offset)
        }
        let typeIndex = functionTypeIndices[Int(functionIndex)]
        guard typeIndex < UInt32(types.count) else { throw .unknownType(Int64(typeIndex), at: body.offset) }
        let bodyStart = body.offset
        do {
            try validateBody(typeIndex: typeIndex, &body)
        } catch where needsTranslation {
            needsTranslation = false
            usedFeatures.insert(.gc)
            body.offset = bodyStart
            _ = try FunctionCompiler.compile(module: module, functionIndex: functionIndex, body: &body)
        }
    }

    private mutating func validateBody(typeIndex: UInt32, _ body: inout BinaryReader) throws(ModuleError) {
        let parameters = types[Int(typeIndex)].parameters
        try FunctionCompiler.readLocals(parameters: parameters, typeCount: types.count, &body, into: &locals)
        if locals.contains(.v128) { usedFeatures.insert(.simd) }
        if locals.contains(.exnref) { usedFeatures.insert(.exceptions) }
        if locals.contains(where: { $0.needsFunctionReferences }) { usedFeatures.insert(.functionReferences) }
        if locals.contains(where: { $0.needsGC }) { usedFeatures.insert(.gc) }
        localInitialization.start(locals: locals, parameterCount: parameters.count)
        height = 0
        frameCount = 0
        pushFrame(Frame(kind: .function, parameters: .empty, results: signatures[Int(typeIndex)].results, height: 0))
        frameHeight = 0
        isUnreachable = false
        try validateInstructions(&body)
    }

    mutating func validateInstructions(_ body: inout BinaryReader) throws(ModuleError) {
        while frameCount > 0 {
            guard !body.isAtEnd else { throw body.missingEnd(openBlocks: frameCount) }
            instructionOffset = body.offset
            try validateInstruction(try body.readByte(), &body)
            // The translator checks its deepest stack after each instruction. Only its pushes deepen it, and
            // each instruction pops before it pushes, so the deepest point is the height left here, except where
            // an instruction leaves the stack lower than it took it (the branches that end in unreachable code,
            // `else`): those check their own (`checkPeak`).
            guard height <= FunctionCompiler.maximumStackHeight else { throw .operandStackTooDeep(at: instructionOffset) }
        }
        guard body.isAtEnd else { throw .sectionSizeMismatch(at: body.offset) }
    }

    /// Inlined into the loop: a call per instruction would save and restore registers around every one.
    @inline(__always)
    mutating func validateInstruction(_ opcode: UInt8, _ body: inout BinaryReader) throws(ModuleError) {
        switch opcode {
        case 0x00: markUnreachable()
        case 0x01: break
        case 0x02: try beginBlock(.block, &body)
        case 0x03: try beginBlock(.loop, &body)
        case 0x04: try beginBlock(.if, &body)
        case 0x05: try validateElse()
        case 0x06: try beginLegacyTry(&body)
        case 0x07: try validateLegacyCatch(tag: try body.readU32())
        case 0x08: try validateThrow(try body.readU32())
        case 0x09: try validateRethrow(try body.readU32())
        case 0x0A:
            usedFeatures.insert(.exceptions)
            try pop(.exnref)
            markUnreachable()
        case 0x0B: try validateEnd()
        case 0x0C: try validateBr(try labelFrame(try body.readU32()))
        case 0x0D: try validateBrIf(try labelFrame(try body.readU32()))
        case 0x0E: try validateBrTable(&body)
        case 0x0F: try validateReturn()
        case 0x18: try validateDelegate(try body.readU32())
        case 0x19: try validateLegacyCatch(tag: nil)
        case 0x10: try validateCall(try body.readU32())
        case 0x11: try validateCallIndirect(&body)
        case 0x12: try validateCall(try body.readU32(), isTailCall: true)
        case 0x13: try validateCallIndirect(&body, isTailCall: true)
        case 0x14: try validateCallReference(try body.readU32())
        case 0x15: try validateCallReference(try body.readU32(), isTailCall: true)
        case 0x1A: _ = try popAny()
        case 0x1F: try validateTryTable(&body)
        case 0x1B: try validateSelect()
        case 0x1C:
            let count = try body.readU32()
            guard count == 1 else { throw .invalidResultArity(at: instructionOffset) }
            let type = try body.readValueType(typeCount: types.count)
            if type.needsFunctionReferences { usedFeatures.insert(.functionReferences) }
            try pop(.i32)
            try pop(type)
            try pop(type)
            push(type)
        case 0x20:
            let local = try body.readU32()
            let type = try localType(local)
            guard localInitialization.mayRead(local) else { throw .uninitializedLocal(local, at: instructionOffset) }
            push(type)
        case 0x21:
            let local = try body.readU32()
            try pop(try localType(local))
            localInitialization.set(local)
        case 0x22:
            let local = try body.readU32()
            let type = try localType(local)
            try pop(type)
            localInitialization.set(local)
            push(type)
        case 0x23: push(try globalType(try body.readU32()).valueType)
        case 0x24:
            let global = try globalType(try body.readU32())
            guard global.isMutable else { throw .immutableGlobal(at: instructionOffset) }
            try pop(global.valueType)
        case 0x25:
            let table = try body.readU32()
            let type = try tableElementType(table)
            try pop(tableAddressTypes[Int(table)])
            push(type)
        case 0x26:
            let table = try body.readU32()
            let type = try tableElementType(table)
            try pop(type)
            try pop(tableAddressTypes[Int(table)])
        case 0x28...0x3E:
            let access = MemoryAccess.of(opcode)
            let argument = try body.readMemoryArgument(
                access, memories: memories, features: &usedFeatures, instructionOffset: instructionOffset)
            if access.isStore {
                try pop(access.valueType)
                try pop(argument.addressType)
            } else {
                try pop(argument.addressType)
                push(access.valueType)
            }
        case 0x3F:
            push(try memoryAddressType(&body))
        case 0x40:
            let addressType = try memoryAddressType(&body)
            try pop(addressType)
            push(addressType)
        case 0x41:
            _ = try body.readS32()
            push(.i32)
        case 0x42:
            _ = try body.readS64()
            push(.i64)
        case 0x43:
            _ = try body.readFixedU32()
            push(.f32)
        case 0x44:
            _ = try body.readFixedU64()
            push(.f64)
        case 0x45...0xC4: try validateNumeric(NumericSignature.of(opcode))
        case 0xD0:
            let heapType = try body.readHeapType(typeCount: types.count)
            let type = ValueType.reference(to: heapType)
            if type.needsFunctionReferences { usedFeatures.insert(.functionReferences) }
            if type.needsGC { usedFeatures.insert(.gc) }
            push(type)
        case 0xD1:
            _ = try popReference()
            push(.i32)
        case 0xD2:
            let function = try body.readU32()
            guard function < UInt32(functionTypeIndices.count) else {
                throw .unknownFunction(function, at: instructionOffset)
            }
            guard Int(function) < declaredFunctionReferences.count, declaredFunctionReferences[Int(function)] else {
                throw .undeclaredFunctionReference(at: instructionOffset)
            }
            push(.reference(to: .concrete(functionTypeIndices[Int(function)]), nullable: false))
        case 0xD4:
            usedFeatures.insert(.functionReferences)
            push(try popReference()?.nonNullable)
        case 0xD5: try validateBrOnNull(try labelFrame(try body.readU32()))
        case 0xD6: try validateBrOnNonNull(try labelFrame(try body.readU32()))
        case 0xD3, 0xFB:
            needsTranslation = true
            throw .unsupported(at: instructionOffset, "GC instructions (validated by translation)")
        case 0xFC: try validatePrefixed(try body.readU32(), &body)
        case 0xFD: try validateSIMD(try body.readU32(), &body)
        default: throw .illegalOpcode(at: instructionOffset)
        }
    }

    mutating func validatePrefixed(_ opcode: UInt32, _ body: inout BinaryReader) throws(ModuleError) {
        switch opcode {
        case 0...7: try validateNumeric(NumericSignature.saturatingTruncation(opcode))
        case 8:  // memory.init
            let segment = try body.readU32()
            let addressType = try memoryAddressType(&body)
            try requireDataSegment(segment)
            try popAddressRange(destination: addressType, source: .i32, count: .i32)
        case 9: try requireDataSegment(try body.readU32())  // data.drop
        case 10:  // memory.copy
            let destination = try memoryAddressType(&body)
            let source = try memoryAddressType(&body)
            try popAddressRange(destination: destination, source: source)
        case 11:  // memory.fill
            let addressType = try memoryAddressType(&body)
            try popAddressRange(destination: addressType, source: .i32, count: addressType)
        case 12:  // table.init
            let segment = try body.readU32()
            let table = try body.readU32()
            let tableType = try tableElementType(table)
            guard try elementType(ofSegment: segment).matches(tableType, equivalence) else { throw typeMismatch() }
            try popAddressRange(destination: tableAddressTypes[Int(table)], source: .i32, count: .i32)
        case 13: _ = try elementType(ofSegment: try body.readU32())  // elem.drop
        case 14:  // table.copy
            let destination = try body.readU32()
            let source = try body.readU32()
            let destinationType = try tableElementType(destination)
            guard try tableElementType(source).matches(destinationType, equivalence) else { throw typeMismatch() }
            try popAddressRange(destination: tableAddressTypes[Int(destination)], source: tableAddressTypes[Int(source)])
        case 15:  // table.grow
            let table = try body.readU32()
            let type = try tableElementType(table)
            try pop(tableAddressTypes[Int(table)])
            try pop(type)
            push(tableAddressTypes[Int(table)])
        case 16:  // table.size
            let table = try body.readU32()
            _ = try tableElementType(table)
            push(tableAddressTypes[Int(table)])
        case 17:  // table.fill
            let table = try body.readU32()
            let type = try tableElementType(table)
            try pop(tableAddressTypes[Int(table)])
            try pop(type)
            try pop(tableAddressTypes[Int(table)])
        default: throw .illegalOpcode(at: instructionOffset)
        }
    }

    @inline(__always)
    mutating func validateNumeric(_ signature: NumericSignature) throws(ModuleError) {
        if signature.isBinary { try pop(signature.operand) }
        try pop(signature.operand)
        push(signature.result)
    }

    /// `select` without a type: two numeric operands of one type (either may be Unknown) and an i32.
    mutating func validateSelect() throws(ModuleError) {
        try pop(.i32)
        let second = try popAny()
        let first = try popAny()
        if second?.isReference == true || first?.isReference == true { throw typeMismatch() }
        if let first, let second, first != second { throw typeMismatch() }
        push(first ?? second)
    }

    // MARK: Index-space lookups

    @inline(__always)
    func localType(_ index: UInt32) throws(ModuleError) -> ValueType {
        guard index < UInt32(locals.count) else { throw .unknownLocal(index, at: instructionOffset) }
        return locals[Int(index)]
    }

    @inline(__always)
    func globalType(_ index: UInt32) throws(ModuleError) -> GlobalType {
        guard index < UInt32(globals.count) else { throw .unknownGlobal(index, at: instructionOffset) }
        return globals[Int(index)]
    }

    @inline(__always)
    func tableElementType(_ index: UInt32) throws(ModuleError) -> ValueType {
        guard index < UInt32(tableElementTypes.count) else { throw .unknownTable(index, at: instructionOffset) }
        return tableElementTypes[Int(index)]
    }

    @inline(__always)
    func elementType(ofSegment index: UInt32) throws(ModuleError) -> ValueType {
        guard index < UInt32(elementTypes.count) else { throw .unknownElementSegment(index, at: instructionOffset) }
        return elementTypes[Int(index)]
    }

    /// The address type of the memory that memory.size/grow/fill/copy/init names next in `body`.
    @inline(__always)
    mutating func memoryAddressType(_ body: inout BinaryReader) throws(ModuleError) -> ValueType {
        let memory = try body.readMemoryIndex(
            memories: memories, features: &usedFeatures, instructionOffset: instructionOffset)
        return memories[Int(memory)].addressType
    }

    /// The operands of a bulk copy, fill or init, last first; a copy's count has the smaller of the two address types.
    mutating func popAddressRange(destination: ValueType, source: ValueType, count: ValueType? = nil) throws(ModuleError) {
        try pop(count ?? destination.minimumAddressType(source))
        try pop(source)
        try pop(destination)
    }

    @inline(__always)
    func requireDataSegment(_ index: UInt32) throws(ModuleError) {
        guard let dataCount else { throw .dataCountRequired(at: instructionOffset) }
        guard index < dataCount else { throw .unknownDataSegment(index, at: instructionOffset) }
    }
}
