/// Exception handling: `throw`, `throw_ref` and `try_table`.
///
/// A `try_table` costs its body nothing: its catch clauses become code after the body that only the unwinder
/// (`Store.raise`) reaches. At the `end`, the body's fall-through jumps over a `tryRegion` marker naming the body's
/// first instruction, one `catchClause` (or `catchRefClause`) marker per clause naming its landing pad, and the pads:
/// each finds the payload (then the exnref) in the slots from the try_table's height up, and branches to the clause's
/// label as `br` would. The markers are branches to every pass over the code, so their targets move with the code and
/// no instruction is fused or forwarded across a pad's start; a store reads them when it links the code.
extension FunctionTranslator {
    mutating func beginTryTable(_ body: inout BinaryReader) throws(ModuleError) {
        let type = try readBlockType(&body)
        var clauses: [(clause: CatchClause, target: Int)] = []
        for _ in 0..<(try body.readCount()) {
            let clause = try body.readCatchClause(tagCount: module.tagTypeIndices.count, instructionOffset: instructionOffset)
            let target = try labelFrame(clause.label)
            let carried = (clause.tag.map { tagParameterSlotTypes($0) } ?? []) + (clause.passesReference ? [.exnref] : [])
            guard frames[target].labelTypes == carried else { throw typeMismatch() }
            clauses.append((clause, target))
        }
        try openBlock(.block, type)
        frames[frames.count - 1].catchClauses = clauses
        frames[frames.count - 1].tryBodyStart = code.count
        lastLabel = code.count
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

    /// The markers and landing pads of the `try_table` `frame` at its `end` (see above).
    mutating func emitCatchHandlers(_ frame: ControlFrame) {
        let wasLive = isLive
        let jumpOver = wasLive ? code.count : nil
        emit(.br)
        isLive = true
        emit(.tryRegion, UInt32(frame.tryBodyStart), UInt32(frame.catchClauses.count))
        let firstMarker = code.count
        for (clause, _) in frame.catchClauses {
            emit(clause.passesReference ? .catchRefClause : .catchClause, 0, clause.tag ?? UInt32.max, slot(frame.height))
        }
        for (index, handler) in frame.catchClauses.enumerated() {
            patchBranch(firstMarker + index, to: code.count)
            lastLabel = code.count
            freshResult = nil
            isLive = true
            pushResults(frames[handler.target].labelTypes)
            emitBranch(to: handler.target)
            while operands.count > frame.height { removeTopOperand() }
        }
        if let jumpOver { patchBranch(jumpOver, to: code.count) }
        isLive = wasLive
    }

    /// A tag's parameters as the translator's stack holds them (see `slotTypes`).
    func tagParameterSlotTypes(_ tag: UInt32) -> [ValueType] {
        Self.slotTypes(module.types[Int(module.tagTypeIndices[Int(tag)])].parameters)
    }
}
