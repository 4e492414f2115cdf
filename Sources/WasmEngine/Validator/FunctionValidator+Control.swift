/// Blocks, branches and calls.
extension FunctionValidator {
    /// The parameters and results of a block type, as runs of `typePool`.
    @inline(__always)
    mutating func typeLists(of blockType: BlockType) -> (parameters: TypeList, results: TypeList) {
        switch blockType {
        case .empty: (.empty, .empty)
        case .value(let type): (.empty, TypeList(start: poolIndex(of: type), count: 1))
        case .typeIndex(let index): signatures[Int(index)]
        }
    }

    /// Where `typePool` holds `type` alone: one of its first eight entries, else appended the first time.
    @inline(__always)
    mutating func poolIndex(of type: ValueType) -> Int {
        switch type {
        case .i32: return 0
        case .i64: return 1
        case .f32: return 2
        case .f64: return 3
        case .funcref: return 4
        case .externref: return 5
        case .v128: return 6
        case .exnref: return 7
        default:
            usedFeatures.insert(.functionReferences)
            if let index = singleTypeIndices[type] { return index }
            typePool.append(type)
            singleTypeIndices[type] = typePool.count - 1
            return typePool.count - 1
        }
    }

    /// The frame that label `depth` names ("unknown label" when there is none).
    @inline(__always)
    func labelFrame(_ depth: UInt32) throws(ModuleError) -> Int {
        guard depth < UInt32(frameCount) else { throw .unknownLabel(at: instructionOffset) }
        return frameCount - 1 - Int(depth)
    }

    @inline(__always)
    mutating func pushFrame(_ frame: Frame) {
        if frameCount == frameCapacity { growFrames() }
        // SAFETY: `frameCount < frameCapacity`, made so just above.
        (frames + frameCount).initialize(to: frame)
        frameCount += 1
    }

    @inline(never)
    mutating func growFrames() {
        let capacity = 2 * frameCapacity
        let grown = UnsafeMutablePointer<Frame>.allocate(capacity: capacity)
        // SAFETY: both buffers hold at least `frameCount` frames.
        grown.initialize(from: frames, count: frameCount)
        frames.deallocate()
        frames = grown
        frameCapacity = capacity
    }

    mutating func beginBlock(_ kind: Frame.Kind, _ body: inout BinaryReader) throws(ModuleError) {
        try openBlock(kind, try body.readBlockType(typeCount: types.count, equivalence, instructionOffset: instructionOffset))
    }

    mutating func openBlock(_ kind: Frame.Kind, _ blockType: BlockType) throws(ModuleError) {
        let (parameters, results) = typeLists(of: blockType)
        if kind == .if { try pop(.i32) }
        try retypeTop(parameters)
        // SAFETY: the function's frame is open until its `end` ends validation: `frameCount >= 1`.
        frames[frameCount - 1].isUnreachable = isUnreachable
        frameHeight = height - parameters.count
        isUnreachable = false
        pushFrame(
            Frame(
                kind: kind, parameters: parameters, results: results, height: frameHeight,
                initializationMark: localInitialization.mark))
    }

    /// `try_table`: a block whose catch clauses (each checked against its label, outside the block) apply to its body.
    mutating func validateTryTable(_ body: inout BinaryReader) throws(ModuleError) {
        usedFeatures.insert(.exceptions)
        let blockType = try body.readBlockType(typeCount: types.count, equivalence, instructionOffset: instructionOffset)
        for _ in 0..<(try body.readCount()) {
            let clause = try body.readCatchClause(tagCount: tagTypeIndices.count, instructionOffset: instructionOffset)
            // SAFETY: `labelFrame` gives an index below `frameCount`.
            let labelTypes = frames[try labelFrame(clause.label)].labelTypes
            let payload = clause.tag.map { signatures[Int(tagTypeIndices[Int($0)])].parameters } ?? .empty
            let carried = clause.passesReference ? labelTypes.count - 1 : labelTypes.count
            guard carried == payload.count, typesMatch(payload, TypeList(start: labelTypes.start, count: carried)),
                !clause.passesReference
                    || ValueType.reference(to: .exn, nullable: false).matches(
                        typePool[labelTypes.start + carried], equivalence)
            else { throw typeMismatch() }
        }
        try openBlock(.block, blockType)
    }

    // MARK: The legacy exception instructions

    mutating func beginLegacyTry(_ body: inout BinaryReader) throws(ModuleError) {
        usedFeatures.insert(.exceptions)
        try beginBlock(.legacyTry, &body)
    }

    /// `catch` (of `tag`) or `catch_all` (nil): ends the `try` body or the previous catch block, like `else`.
    mutating func validateLegacyCatch(tag: UInt32?) throws(ModuleError) {
        usedFeatures.insert(.exceptions)
        let index = frameCount - 1
        // SAFETY: `frameCount >= 1` (see `beginBlock`).
        let frame = frames[index]
        guard frame.kind == .legacyTry || frame.kind == .legacyCatch else { throw .catchWithoutTry(at: instructionOffset) }
        if let tag, tag >= UInt32(tagTypeIndices.count) { throw .unknownTag(tag, at: instructionOffset) }
        let peak = try checkLabel(frame.results)
        guard peak == frameHeight + frame.results.count else { throw typeMismatch() }
        try checkPeak(peak)
        height = frameHeight
        localInitialization.forget(downTo: frame.initializationMark)
        if let tag { pushList(signatures[Int(tagTypeIndices[Int(tag)])].parameters) }
        frames[index].kind = tag == nil ? .legacyCatchAll : .legacyCatch
        isUnreachable = false
    }

    /// `delegate`: ends a `try` body (one without catch blocks) like `end`; its label is resolved outside the `try`.
    mutating func validateDelegate(_ label: UInt32) throws(ModuleError) {
        usedFeatures.insert(.exceptions)
        // SAFETY: `frameCount >= 1` (see `beginBlock`).
        guard frames[frameCount - 1].kind == .legacyTry else { throw .catchWithoutTry(at: instructionOffset) }
        try validateEnd()
        _ = try labelFrame(label)
    }

    /// `rethrow`: its label must name a catch block.
    mutating func validateRethrow(_ label: UInt32) throws(ModuleError) {
        usedFeatures.insert(.exceptions)
        // SAFETY: `labelFrame` gives an index below `frameCount`.
        let kind = frames[try labelFrame(label)].kind
        guard kind == .legacyCatch || kind == .legacyCatchAll else { throw .invalidRethrowLabel(at: instructionOffset) }
        markUnreachable()
    }

    /// `throw`: pops the tag's parameters; what follows is unreachable.
    mutating func validateThrow(_ tag: UInt32) throws(ModuleError) {
        usedFeatures.insert(.exceptions)
        guard tag < UInt32(tagTypeIndices.count) else { throw .unknownTag(tag, at: instructionOffset) }
        try popList(signatures[Int(tagTypeIndices[Int(tag)])].parameters)
        markUnreachable()
    }

    mutating func validateElse() throws(ModuleError) {
        let index = frameCount - 1
        // SAFETY: `frameCount >= 1` (see `beginBlock`); every `frames[...]` below reads a frame below `frameCount`.
        let frame = frames[index]
        guard frame.kind == .if else { throw .elseWithoutIf(at: instructionOffset) }
        let peak = try checkLabel(frame.results)
        guard peak == frameHeight + frame.results.count else { throw typeMismatch() }
        try checkPeak(peak)
        height = frameHeight
        localInitialization.forget(downTo: frame.initializationMark)
        pushList(frame.parameters)
        frames[index].kind = .else
        isUnreachable = false
    }

    mutating func validateEnd() throws(ModuleError) {
        // SAFETY: `frameCount >= 1` (see `beginBlock`), and again after the decrement when it is tested.
        let frame = frames[frameCount - 1]
        if frame.kind == .if && !typesMatch(frame.parameters, frame.results) { throw typeMismatch() }
        let peak = try checkLabel(frame.results)
        guard peak == frameHeight + frame.results.count else { throw typeMismatch() }
        // The results, typed (an Unknown one included), replace the block's operands. After the function's own
        // `end` they are the height checked last, as the translator's deepest stack includes them.
        height = frameHeight
        localInitialization.forget(downTo: frame.initializationMark)
        pushList(frame.results)
        frameCount -= 1
        if frameCount > 0 {
            frameHeight = frames[frameCount - 1].height
            isUnreachable = frames[frameCount - 1].isUnreachable
        }
    }

    mutating func validateBr(_ target: Int) throws(ModuleError) {
        // SAFETY: `labelFrame` gives an index below `frameCount` (as in the other branches).
        let labelTypes = frames[target].labelTypes
        let peak = try checkLabel(labelTypes)
        try checkPeak(peak)
        markUnreachable()
    }

    mutating func validateBrIf(_ target: Int) throws(ModuleError) {
        try pop(.i32)
        let labelTypes = frames[target].labelTypes
        try retypeTop(labelTypes)
    }

    /// The labels are read twice (checked, then compared with the default's types after the index is popped),
    /// rather than gathered into an array.
    mutating func validateBrTable(_ body: inout BinaryReader) throws(ModuleError) {
        let count = try body.readCount()
        let labelsStart = body.offset
        var defaultTarget = 0
        for _ in 0...count { defaultTarget = try labelFrame(try body.readU32()) }
        let labelsEnd = body.offset
        try pop(.i32)
        let labelTypes = frames[defaultTarget].labelTypes
        if count > 0 {
            body.offset = labelsStart
            for _ in 0..<count {
                let types = frames[try labelFrame(try body.readU32())].labelTypes
                guard types.count == labelTypes.count else { throw typeMismatch() }
                _ = try checkLabel(types)
            }
            body.offset = labelsEnd
        }
        let peak = try checkLabel(labelTypes)
        try checkPeak(peak)
        markUnreachable()
    }

    mutating func validateReturn() throws(ModuleError) {
        // SAFETY: `frameCount >= 1` (see `beginBlock`).
        let results = frames[0].results
        let peak = try checkLabel(results)
        try checkPeak(peak)
        markUnreachable()
    }

    /// `call`, or `return_call` when `isTailCall`.
    mutating func validateCall(_ function: UInt32, isTailCall: Bool = false) throws(ModuleError) {
        guard function < UInt32(functionTypeIndices.count) else {
            throw .unknownFunction(function, at: instructionOffset)
        }
        let signature = signatures[Int(functionTypeIndices[Int(function)])]
        try popList(signature.parameters)
        if isTailCall { return try endTailCall(returning: signature.results) }
        pushList(signature.results)
    }

    /// After a tail call's arguments are popped: its callee must return what this function returns, and the rest of
    /// the block is unreachable, as after `return`. The translator pushes the results before it returns them, so its
    /// deepest stack is that height.
    mutating func endTailCall(returning results: TypeList) throws(ModuleError) {
        usedFeatures.insert(.tailCall)
        // SAFETY: `frameCount >= 1` (see `beginBlock`).
        guard typesMatch(results, frames[0].results) else { throw typeMismatch() }
        try checkPeak(height + results.count)
        markUnreachable()
    }

    /// `call_indirect`, or `return_call_indirect` when `isTailCall`.
    mutating func validateCallIndirect(_ body: inout BinaryReader, isTailCall: Bool = false) throws(ModuleError) {
        let typeIndex = try body.readU32()
        let table = try body.readU32()
        guard try tableElementType(table).matches(.funcref, equivalence) else { throw typeMismatch() }
        guard typeIndex < UInt32(signatures.count) else {
            throw .unknownType(Int64(typeIndex), at: instructionOffset)
        }
        try equivalence.requireFunctionType(typeIndex, at: instructionOffset)
        let signature = signatures[Int(typeIndex)]
        try pop(tableAddressTypes[Int(table)])
        try popList(signature.parameters)
        if isTailCall { return try endTailCall(returning: signature.results) }
        pushList(signature.results)
    }
}

/// The instructions of typed function references.
extension FunctionValidator {
    /// `call_ref`, or `return_call_ref` when `isTailCall`: a reference to a function of type `typeIndex`, below its
    /// arguments.
    mutating func validateCallReference(_ typeIndex: UInt32, isTailCall: Bool = false) throws(ModuleError) {
        usedFeatures.insert(.functionReferences)
        guard typeIndex < UInt32(signatures.count) else { throw .unknownType(Int64(typeIndex), at: instructionOffset) }
        try equivalence.requireFunctionType(typeIndex, at: instructionOffset)
        let signature = signatures[Int(typeIndex)]
        try pop(.reference(to: .concrete(typeIndex)))
        try popList(signature.parameters)
        if isTailCall { return try endTailCall(returning: signature.results) }
        pushList(signature.results)
    }

    /// `br_on_null`: branches, carrying the operands below the reference, when the reference is null; else leaves
    /// the reference, now known non-null.
    mutating func validateBrOnNull(_ target: Int) throws(ModuleError) {
        usedFeatures.insert(.functionReferences)
        let reference = try popReference()
        // SAFETY: `labelFrame` gives an index below `frameCount`.
        try retypeTop(frames[target].labelTypes)
        push(reference?.nonNullable)
    }

    /// `br_on_non_null`: branches with the reference, non-null, as the label's last value; else drops it.
    mutating func validateBrOnNonNull(_ target: Int) throws(ModuleError) {
        usedFeatures.insert(.functionReferences)
        // SAFETY: `labelFrame` gives an index below `frameCount`.
        let labelTypes = frames[target].labelTypes
        guard labelTypes.count > 0, typePool[labelTypes.start + labelTypes.count - 1].isReference else {
            throw typeMismatch()
        }
        let reference = try popReference()
        push(reference?.nonNullable)
        try retypeTop(labelTypes)
        height -= 1
    }
}
