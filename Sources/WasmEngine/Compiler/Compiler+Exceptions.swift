/// Exception handling: `throw`, `throw_ref`, `try_table`, and the legacy `try`, `catch`, `catch_all`, `rethrow` and
/// `delegate`.
///
/// A try costs its body nothing: what catches an exception is code after the body that only the unwinder
/// (`Store.raise`) reaches. Where the body ends, its fall-through jumps over a `tryRegion` marker naming the body's first
/// instruction; after the marker come its catch clauses, each a clause marker naming the region marker, followed by its
/// landing pad. The pad finds the payload in the slots from the try's height up: a `try_table`'s pad branches to the
/// clause's label as `br` would (a `catchRefClause` finds the exnref after the payload); a legacy catch block is its
/// own pad, and finds the exception (for `rethrow`) in a slot the `try` reserves below itself. A `delegateClause` after a
/// region marker sends what the region does not catch to the region of the try its label names (or to the caller).
/// The markers are branches to every pass over the code, so their targets move with it; a store reads them when it
/// links the code (`Store.registerCatchClauses`).
extension FunctionTranslator {
    mutating func beginTryTable(_ body: inout BinaryReader) throws(ModuleError) {
        let type = try readBlockType(&body)
        var clauses: [(clause: CatchClause, target: Int)] = []
        for _ in 0..<(try body.readCount()) {
            let clause = try body.readCatchClause(tagCount: module.tagTypeIndices.count, instructionOffset: instructionOffset)
            let target = try labelFrame(clause.label)
            let carried = (clause.tag.map { tagParameterSlotTypes($0) } ?? [])
                + (clause.passesReference ? [.reference(to: .exn, nullable: false)] : [])
            guard typesMatch(carried, frames[target].labelTypes) else { throw typeMismatch() }
            clauses.append((clause, target))
        }
        try openBlock(.block, type)
        beginTryBody()
        frames[frames.count - 1].catchClauses = clauses
    }

    /// The legacy `try`: a block whose operands start one slot up, above the slot its catch blocks keep the exception
    /// in; its parameters move up into place.
    mutating func beginLegacyTry(_ body: inout BinaryReader) throws(ModuleError) {
        let type = try readBlockType(&body)
        try checkTopValues(type.parameters)
        materializeTop(type.parameters.count)
        let base = operands.count - type.parameters.count
        for height in (base..<operands.count).reversed() { emit(.copy, slot(height + 1), slot(height)) }
        _ = try popValues(type.parameters)
        push(.exnref)
        pushResults(type.parameters)
        try openBlock(.legacyTry, type)
        beginTryBody()
    }

    private mutating func beginTryBody() {
        frames[frames.count - 1].tryBodyStart = code.count
        lastLabel = code.count
    }

    /// `catch` (of `tag`) or `catch_all` (nil): ends the `try` body or the catch block before it, as `else` ends an
    /// `if`'s, and starts the catch block at its clause marker.
    mutating func translateLegacyCatch(tag: UInt32?) throws(ModuleError) {
        let index = frames.count - 1
        let kind = frames[index].kind
        guard kind == .legacyTry || kind == .legacyCatch else { throw .catchWithoutTry(at: instructionOffset) }
        if let tag, tag >= UInt32(module.tagTypeIndices.count) { throw .unknownTag(tag, at: instructionOffset) }
        try endArm(of: index)
        isLive = false
        if frames[index].tryBodyStart != nil { frames[index].regionMarker = try endTryBody(index) }
        isLive = frames[index].regionMarker != nil
        if let marker = frames[index].regionMarker {
            emit(.legacyCatchClause, 0, tag ?? UInt32.max, slot(frames[index].height))
            patchBranch(code.count - 1, to: marker)
        }
        lastLabel = code.count
        frames[index].kind = tag == nil ? .legacyCatchAll : .legacyCatch
        frames[index].isUnreachable = false
        localInitialization.forget(downTo: frames[index].initializationMark)
        if let tag { pushResults(tagParameterSlotTypes(tag)) }
        freshResult = nil
    }

    /// `delegate`: ends the `try` as `end` does, its region sending what it does not catch to the label's.
    mutating func translateDelegate(_ label: UInt32) throws(ModuleError) {
        guard frames[frames.count - 1].kind == .legacyTry else { throw .catchWithoutTry(at: instructionOffset) }
        frames[frames.count - 1].delegateLabel = label
        try translateEnd()
    }

    mutating func translateRethrow(_ label: UInt32) throws(ModuleError) {
        let target = try labelFrame(label)
        guard frames[target].kind == .legacyCatch || frames[target].kind == .legacyCatchAll else {
            throw .invalidRethrowLabel(at: instructionOffset)
        }
        emit(.throwRef, slot(frames[target].height - 1))
        markUnreachable()
    }

    mutating func translateThrow(_ tag: UInt32) throws(ModuleError) {
        guard tag < UInt32(module.tagTypeIndices.count) else { throw .unknownTag(tag, at: instructionOffset) }
        let arguments = try popValues(tagParameterSlotTypes(tag))
        for argument in arguments { materialize(argument) }
        emit(.throw, slot(operands.count), tag)
        markUnreachable()
    }

    mutating func translateThrowRef() throws(ModuleError) {
        let exception = try pop(.exnref)
        emit(.throwRef, source(exception))
        markUnreachable()
    }

    /// Ends the body of the try `frames[index]` (see above): the jump over what follows, its region marker, and a
    /// `try_table`'s clauses and pads or a `delegate`'s clause. The region marker, or nil when no code reaches the try.
    @discardableResult
    mutating func endTryBody(_ index: Int) throws(ModuleError) -> Int? {
        let frame = frames[index]
        frames[index].tryBodyStart = nil
        var delegateTarget: Int?
        if let label = frame.delegateLabel {
            // Resolved outside the `try`, as if it were already closed.
            guard label < UInt32(index) else { throw .unknownLabel(at: instructionOffset) }
            delegateTarget = index - 1 - Int(label)
        }
        guard frame.wasLiveAtEntry, let start = frame.tryBodyStart else { return nil }
        let wasLive = isLive
        let jumpOver = wasLive ? code.count : nil
        emit(.br)
        isLive = true
        emit(.tryRegion, UInt32(start))
        let marker = code.count - 1
        for delegate in frame.pendingDelegates { patchBranch(delegate, to: marker) }
        for (clause, target) in frame.catchClauses {
            emit(clause.passesReference ? .catchRefClause : .catchClause, 0, clause.tag ?? UInt32.max, slot(frame.height))
            patchBranch(code.count - 1, to: marker)
            lastLabel = code.count
            freshResult = nil
            isLive = true
            pushResults(frames[target].labelTypes)
            emitBranch(to: target)
            while operands.count > frame.height { removeTopOperand() }
        }
        if let delegateTarget {
            // The innermost try around the label whose body is open handles what the region does not.
            if let outer = frames[...delegateTarget].lastIndex(where: { $0.tryBodyStart != nil && $0.wasLiveAtEntry }) {
                emit(.delegateClause)
                frames[outer].pendingDelegates.append(code.count - 1)
            } else {
                emit(.delegateClause, 0, 1)
                patchBranch(code.count - 1, to: marker)
            }
        }
        if let jumpOver { patchBranch(jumpOver, to: code.count) }
        isLive = wasLive
        return marker
    }

    /// After a legacy `try`'s `end`: its results move down into the exception's slot, which the stack gives up.
    mutating func removeExceptionSlot(under results: [ValueType]) {
        for height in operands.count - results.count..<operands.count { emit(.copy, slot(height - 1), slot(height)) }
        for _ in 0...results.count { removeTopOperand() }
        pushResults(results)
    }

    /// A tag's parameters as the translator's stack holds them (see `slotTypes`).
    func tagParameterSlotTypes(_ tag: UInt32) -> [ValueType] {
        Self.slotTypes(module.types[Int(module.tagTypeIndices[Int(tag)])].parameters)
    }
}
