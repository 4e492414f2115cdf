/// Where an operand-stack value lives. Deferring `local.get` and constants lets most instructions read
/// their operands straight from locals or fold them into immediates instead of copying them first.
enum OperandLocation: Equatable {
    /// In the slot that belongs to its stack height (`localCount + height`).
    case ownSlot
    /// Still in local `index`: `local.get` emitted nothing. Copied to its own slot before the local changes.
    case local(UInt32)
    /// A constant not yet written anywhere (its slot bit pattern).
    case constant(UInt64)
}

struct Operand {
    /// `nil` is the Unknown type of the spec's validation algorithm (values popped in unreachable code).
    var type: ValueType?
    var location: OperandLocation
    /// Its stack height, which names its own slot.
    var height: Int
}

struct ControlFrame {
    /// The legacy exception instructions' `try` (its body), then its `catch` blocks and its `catch_all` block.
    enum Kind { case function, block, loop, `if`, `else`, legacyTry, legacyCatch, legacyCatchAll }

    var kind: Kind
    var parameterTypes: [ValueType]
    var resultTypes: [ValueType]
    /// Operand-stack height below the frame's parameters.
    var height: Int
    /// The spec's "unreachable" flag: the stack is polymorphic above `height`.
    var isUnreachable = false
    /// `localInitialization.mark` when the frame opened: its end forgets the locals its body set.
    var initializationMark = 0
    /// Whether code emitted at the frame's start can run (an `else` restarts from there).
    var wasLiveAtEntry: Bool
    /// A loop's first instruction: its branch target.
    var loopHeader = 0
    /// Forward branches to the frame's end, whose target `a` is patched at `end`.
    var pendingBranches: [Int] = []
    /// The `if` frame's branch to its `else` (or `end`) taken when the condition is false.
    var elseBranch: Int?
    /// The `if` frame's parameters as they were at entry, for restarting at `else`.
    var parameters: [Operand] = []
    /// A `try_table`'s catch clauses, each with the frame its label names.
    var catchClauses: [(clause: CatchClause, target: Int)] = []
    /// Where the body of a `try_table` or a legacy `try` starts, while it is translated (see `Compiler+Exceptions`).
    var tryBodyStart: Int?
    /// A legacy `try`'s region marker, once its body ended (nil when no code reaches the `try`).
    var regionMarker: Int?
    /// The `delegateClause` markers naming this try's region, patched when its marker is emitted.
    var pendingDelegates: [Int] = []
    /// The label of a legacy `try`'s `delegate`, which ends it.
    var delegateLabel: UInt32?

    var labelTypes: [ValueType] { kind == .loop ? parameterTypes : resultTypes }
    /// Whether it is a legacy `try`, which keeps the exception its catch blocks handle in the slot below it.
    var holdsException: Bool { kind == .legacyTry || kind == .legacyCatch || kind == .legacyCatchAll }
}

extension FunctionTranslator {
    func slot(_ height: Int) -> UInt32 { localCount + UInt32(height) }

    /// `types` as the translator's stack holds them: a value per slot, so a v128 is two `.v128` entries, its low half
    /// below its high half. Pairs stay whole: every instruction pops or pushes both entries of a v128, and a scalar
    /// pop of either entry is a type mismatch; so entry heights are slot offsets, as for every other type.
    static func slotTypes(_ types: [ValueType]) -> [ValueType] {
        guard types.contains(.v128) else { return types }
        var slots: [ValueType] = []
        slots.reserveCapacity(types.slotCount)
        for type in types {
            slots.append(type)
            if type == .v128 { slots.append(.v128) }
        }
        return slots
    }

    /// Pops a v128's two entries: its low and high halves' operands.
    mutating func popVector() throws(ModuleError) -> (low: Operand, high: Operand) {
        let high = try pop(.v128)
        let low = try pop(.v128)
        return (low, high)
    }

    mutating func pushVector(low: OperandLocation = .ownSlot, high: OperandLocation = .ownSlot) {
        push(.v128, low)
        push(.v128, high)
    }

    func typeMismatch() -> ModuleError { .typeMismatch(at: instructionOffset) }

    mutating func push(_ type: ValueType?, _ location: OperandLocation = .ownSlot) {
        if case .local(let index) = location { localReferences[index, default: []].append(operands.count) }
        operands.append(Operand(type: type, location: location, height: operands.count))
        if operands.count > maximumHeight { maximumHeight = operands.count }
    }

    /// Removes the top operand. A local's references are pushed in increasing height, so the top one
    /// is the last of its list.
    @discardableResult
    mutating func removeTopOperand() -> Operand {
        let operand = operands.removeLast()
        if case .local(let index) = operand.location { localReferences[index]!.removeLast() }
        return operand
    }

    mutating func popAny() throws(ModuleError) -> Operand {
        freshResult = nil
        let frame = frames[frames.count - 1]
        if operands.count == frame.height {
            guard frame.isUnreachable else { throw typeMismatch() }
            return Operand(type: nil, location: .ownSlot, height: operands.count)
        }
        return removeTopOperand()
    }

    mutating func pop(_ expected: ValueType) throws(ModuleError) -> Operand {
        let operand = try popAny()
        if let type = operand.type, !type.matches(expected, equivalence) { throw typeMismatch() }
        return operand
    }

    /// A reference operand (of any reference type, or Unknown).
    mutating func popReference() throws(ModuleError) -> Operand {
        let operand = try popAny()
        if let type = operand.type, !type.isReference { throw typeMismatch() }
        return operand
    }

    /// Whether values of `types` are also values of `others`, type by type.
    func typesMatch(_ types: [ValueType], _ others: [ValueType]) -> Bool {
        types.count == others.count && zip(types, others).allSatisfy { $0.matches($1, equivalence) }
    }

    /// Pops values of `types` (the last type on top) and returns them bottom first.
    mutating func popValues(_ types: [ValueType]) throws(ModuleError) -> [Operand] {
        var popped: [Operand] = []
        popped.reserveCapacity(types.count)
        for type in types.reversed() { popped.append(try pop(type)) }
        return popped.reversed()
    }

    /// Pushes back popped values, keeping their locations but giving them `types` (Unknown becomes known).
    mutating func pushValues(_ values: [Operand], as types: [ValueType]) {
        for (value, type) in zip(values, types) { push(type, value.location) }
    }

    /// Checks that the top values have `types` (as a branch or `end` needs) and leaves them in place,
    /// Unknown ones now typed, so the code for the branch can read their locations.
    mutating func checkTopValues(_ types: [ValueType]) throws(ModuleError) {
        pushValues(try popValues(types), as: types)
    }

    mutating func pushResults(_ types: [ValueType]) {
        for type in types { push(type) }
    }

    /// Ends validation of the current frame at its `end` (or `else`): its results must be exactly what is left.
    mutating func checkFrameResults() throws(ModuleError) {
        let frame = frames[frames.count - 1]
        _ = try popValues(frame.resultTypes)
        guard operands.count == frame.height else { throw typeMismatch() }
    }

    /// After `br`, `br_table`, `return` and `unreachable`: the rest of the frame is dead and polymorphic.
    mutating func markUnreachable() {
        let frameIndex = frames.count - 1
        while operands.count > frames[frameIndex].height { removeTopOperand() }
        frames[frameIndex].isUnreachable = true
        isLive = false
        freshResult = nil
    }

    /// The frame that label `depth` names ("unknown label" when there is none).
    func labelFrame(_ depth: UInt32) throws(ModuleError) -> Int {
        guard depth < UInt32(frames.count) else { throw .unknownLabel(at: instructionOffset) }
        return frames.count - 1 - Int(depth)
    }
}
