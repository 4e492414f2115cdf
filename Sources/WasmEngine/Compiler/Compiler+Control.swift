/// Blocks, branches, calls and returns.
///
/// At every merge point (a block's end, a loop's header) a frame's values live in their own slots, so
/// every path agrees: branches copy their values into the target's slots, fall-through materializes them.
extension FunctionTranslator {
    /// A branch condition, possibly fused with the i32 comparison that computed it.
    enum BranchCondition {
        case nonZero(UInt32)
        case zero(UInt32)
        /// An i32 or i64 comparison opcode (`i32Eq...i32GeU`, `i64Eq...i64GeU`) and its operand slots.
        case compare(Opcode, UInt32, UInt32)
        /// An i32 comparison with a constant (`i32EqImm...i32GeUImm`), its operand slot and the constant.
        case compareImmediate(Opcode, UInt32, UInt32)
        /// The reference in the slot is null, or is not.
        case null(UInt32)
        case nonNull(UInt32)
    }

    mutating func readBlockType(_ body: inout BinaryReader) throws(ModuleError) -> FuncType {
        switch try body.readBlockType(typeCount: module.types.count, equivalence, instructionOffset: instructionOffset) {
        case .empty: FuncType(parameters: [], results: [])
        case .value(let type): FuncType(parameters: [], results: Self.slotTypes([type]))
        case .typeIndex(let index):
            FuncType(parameters: Self.slotTypes(module.types[Int(index)].parameters), results: Self.slotTypes(module.types[Int(index)].results))
        }
    }

    mutating func beginBlock(_ kind: ControlFrame.Kind, _ body: inout BinaryReader) throws(ModuleError) {
        try openBlock(kind, try readBlockType(&body))
    }

    mutating func openBlock(_ kind: ControlFrame.Kind, _ type: FuncType) throws(ModuleError) {
        let condition = kind == .if ? try popCondition() : nil
        pushValues(try popValues(type.parameters), as: type.parameters)
        freshResult = nil
        // Paths inside may set locals that stack operands still refer to: pin those values now.
        materializeLocalReferences(to: nil)
        // Loop back-edges and an if's missing else deliver the parameters in their own slots.
        if kind != .block { materializeTop(type.parameters.count) }
        var frame = ControlFrame(
            kind: kind, parameterTypes: type.parameters, resultTypes: type.results,
            height: operands.count - type.parameters.count, wasLiveAtEntry: isLive)
        frame.initializationMark = localInitialization.mark
        if kind == .loop {
            frame.loopHeader = code.count
            lastLabel = code.count
            loopDepth += 1
            zeroLocals = []
        }
        if let condition, isLive {
            emitConditionalBranch(condition, negated: true)
            frame.elseBranch = code.count - 1
        }
        if kind == .if { frame.parameters = Array(operands.suffix(type.parameters.count)) }
        frames.append(frame)
    }

    mutating func translateElse() throws(ModuleError) {
        let frameIndex = frames.count - 1
        guard frames[frameIndex].kind == .if else { throw .elseWithoutIf(at: instructionOffset) }
        try endArm(of: frameIndex)
        if let elseBranch = frames[frameIndex].elseBranch { patchBranch(elseBranch, to: code.count) }
        lastLabel = code.count
        frames[frameIndex].elseBranch = nil
        frames[frameIndex].kind = .else
        frames[frameIndex].isUnreachable = false
        isLive = frames[frameIndex].wasLiveAtEntry
        localInitialization.forget(downTo: frames[frameIndex].initializationMark)
        for parameter in frames[frameIndex].parameters { push(parameter.type, parameter.location) }
        freshResult = nil
    }

    /// Ends the code of the innermost frame `frames[index]` before an `else` (or a legacy `catch`): its results in their
    /// slots, then (where code reaches) a jump to its end.
    mutating func endArm(of index: Int) throws(ModuleError) {
        try checkTopValues(frames[index].resultTypes)
        materializeTop(frames[index].resultTypes.count)
        try checkFrameResults()
        if isLive {
            emit(.br)
            frames[index].pendingBranches.append(code.count - 1)
        }
    }

    mutating func translateEnd() throws(ModuleError) {
        let frame = frames[frames.count - 1]
        if frame.kind == .if && !typesMatch(frame.parameterTypes, frame.resultTypes) { throw typeMismatch() }
        let resultProducer = freshResultInstruction()
        try checkTopValues(frame.resultTypes)
        if frame.kind == .function {
            emitReturn(resultProducer: resultProducer)
        } else if isLive {
            materializeTop(frame.resultTypes.count)
        }
        try checkFrameResults()
        if frame.tryBodyStart != nil { try endTryBody(frames.count - 1) }
        localInitialization.forget(downTo: frame.initializationMark)
        frames.removeLast()
        if frame.kind == .loop { loopDepth -= 1 }
        for branch in frame.pendingBranches { patchBranch(branch, to: code.count) }
        lastLabel = code.count
        if let elseBranch = frame.elseBranch { patchBranch(elseBranch, to: code.count) }
        isLive = isLive || !frame.pendingBranches.isEmpty || frame.elseBranch != nil
        if !frames.isEmpty { pushResults(frame.resultTypes) }
        if frame.holdsException { removeExceptionSlot(under: frame.resultTypes) }
        freshResult = nil
    }

    // MARK: Branches

    mutating func translateBr(_ target: Int) throws(ModuleError) {
        try checkTopValues(frames[target].labelTypes)
        emitBranch(to: target)
        markUnreachable()
    }

    mutating func translateBrIf(_ target: Int) throws(ModuleError) {
        let condition = try popCondition()
        try checkTopValues(frames[target].labelTypes)
        branch(to: target, if: condition)
    }

    /// A conditional branch carrying the top label values (in place, checked) to `target`.
    mutating func branch(to target: Int, if condition: BranchCondition) {
        guard isLive else { return }
        if frames[target].kind != .function && !needsBranchCopies(to: target) {
            emitConditionalBranch(condition, negated: false)
            linkBranch(code.count - 1, to: target)
        } else {
            let skip = code.count
            emitConditionalBranch(condition, negated: true)
            emitBranch(to: target)
            patchBranch(skip, to: code.count)
        }
    }

    mutating func translateBrTable(_ body: inout BinaryReader) throws(ModuleError) {
        let count = try body.readCount()
        var targets: [Int] = []
        targets.reserveCapacity(count + 1)
        for _ in 0...count { targets.append(try labelFrame(try body.readU32())) }
        let index = try pop(.i32)
        let defaultTarget = targets[count]
        let arity = frames[defaultTarget].labelTypes.count
        for target in targets.dropLast() {
            let labelTypes = frames[target].labelTypes
            guard labelTypes.count == arity else { throw typeMismatch() }
            // The spec pushes back what it popped: Unknown values stay Unknown for the next label.
            for value in try popValues(labelTypes) { push(value.type, value.location) }
        }
        try checkTopValues(frames[defaultTarget].labelTypes)
        if isLive { emitBranchTable(index: source(index), targets: targets) }
        markUnreachable()
    }

    /// `brTable` and its entries; targets needing copies go through one shared stub per target after them.
    private mutating func emitBranchTable(index: UInt32, targets: [Int]) {
        emit(.brTable, index, UInt32(targets.count - 1))
        let firstEntry = code.count
        for _ in targets { emit(.br) }
        // Decided once per distinct target: a table may repeat a few labels many times.
        var stubs: [Int: Int] = [:]
        var directTargets: Set<Int> = []
        for (entry, target) in targets.enumerated() {
            let branch = firstEntry + entry
            if let stub = stubs[target] {
                patchBranch(branch, to: stub)
            } else if directTargets.contains(target)
                || (frames[target].kind != .function && !needsBranchCopies(to: target))
            {
                directTargets.insert(target)
                linkBranch(branch, to: target)
            } else {
                stubs[target] = code.count
                patchBranch(branch, to: code.count)
                emitBranch(to: target)
            }
        }
    }

    mutating func translateReturn() throws(ModuleError) {
        let resultProducer = freshResultInstruction()
        try checkTopValues(resultTypes)
        emitReturn(resultProducer: resultProducer)
        markUnreachable()
    }

    /// Whether the label values on top of the stack are not already where a branch to `target` delivers them.
    func needsBranchCopies(to target: Int) -> Bool {
        let labelTypes = frames[target].labelTypes
        let base = operands.count - labelTypes.count
        for offset in labelTypes.indices {
            let operand = operands[base + offset]
            if operand.location != .ownSlot || operand.height != frames[target].height + offset { return true }
        }
        return false
    }

    /// Unconditional branch carrying the top label values: copies them into the target's slots (or the
    /// result slots, for the function's label), then jumps.
    mutating func emitBranch(to target: Int) {
        guard isLive else { return }
        if frames[target].kind == .function {
            emitReturn()
            return
        }
        let arity = frames[target].labelTypes.count
        let base = operands.count - arity
        // Ascending order is safe: a value never sits below its destination.
        for offset in 0..<arity { write(operands[base + offset], to: slot(frames[target].height + offset)) }
        emit(.br)
        linkBranch(code.count - 1, to: target)
    }

    /// Points branch instruction `branch` at `target`'s label: a loop's header now, a block's end later.
    mutating func linkBranch(_ branch: Int, to target: Int) {
        if frames[target].kind == .loop {
            patchBranch(branch, to: frames[target].loopHeader)
        } else {
            frames[target].pendingBranches.append(branch)
        }
    }

    /// Copies the top result values to slots `0..<resultCount` and returns. A single result that the
    /// instruction `resultProducer` just computed is computed straight into slot 0 instead.
    mutating func emitReturn(resultProducer: Int? = nil) {
        guard isLive else { return }
        if resultTypes.count == 1, let resultProducer {
            code[resultProducer].a = 0
            emit(.return)
            return
        }
        let base = operands.count - resultTypes.count
        var values = Array(operands[base...])
        // A result still in a local that an earlier result's copy overwrites is saved in its own slot first.
        for (offset, value) in values.enumerated() {
            if case .local(let index) = value.location, index < UInt32(offset) {
                materialize(value)
                values[offset].location = .ownSlot
            }
        }
        for (offset, value) in values.enumerated() { write(value, to: UInt32(offset)) }
        emit(.return)
    }

    /// Pops the i32 condition; an i32 or i64 comparison or `i32.eqz` that just computed it is removed and fused.
    mutating func popCondition() throws(ModuleError) -> BranchCondition {
        if let producer = freshResultInstruction(), operands[operands.count - 1].type == .i32 {
            let instruction = code[producer]
            let opcode = instruction.opcode.rawValue
            if instruction.opcode == .i32Eqz || Opcode.i32Eq.rawValue...Opcode.i32GeU.rawValue ~= opcode
                || Opcode.i64Eq.rawValue...Opcode.i64GeU.rawValue ~= opcode
                || Opcode.i32EqImm.rawValue...Opcode.i32GeUImm.rawValue ~= opcode
            {
                _ = try popAny()
                code.removeLast()
                if instruction.opcode == .i32Eqz { return .zero(instruction.b) }
                if opcode >= Opcode.i32EqImm.rawValue {
                    return .compareImmediate(instruction.opcode, instruction.b, instruction.c)
                }
                return .compare(instruction.opcode, instruction.b, instruction.c)
            }
        }
        let condition = try pop(.i32)
        return .nonZero(source(condition))
    }

    /// Emits a branch taken when the condition holds (fails, if `negated`); the caller links its target.
    mutating func emitConditionalBranch(_ condition: BranchCondition, negated: Bool) {
        switch condition {
        case .nonZero(let slot): emit(negated ? .brIfNot : .brIf, 0, slot)
        case .zero(let slot): emit(negated ? .brIf : .brIfNot, 0, slot)
        case .compare(let comparison, let left, let right):
            let fused =
                comparison.rawValue >= Opcode.i64Eq.rawValue
                ? Opcode(rawValue: comparison.rawValue - Opcode.i64Eq.rawValue + Opcode.brIfI64Eq.rawValue)!
                : Opcode(rawValue: comparison.rawValue - Opcode.i32Eq.rawValue + Opcode.brIfI32Eq.rawValue)!
            emit(negated ? fused.negatedComparison : fused, 0, left, right)
        case .compareImmediate(let comparison, let slot, let constant):
            let fused = Opcode(rawValue: comparison.rawValue - Opcode.i32EqImm.rawValue + Opcode.brIfI32EqImm.rawValue)!
            emit(negated ? fused.negatedComparison : fused, 0, slot, constant)
        case .null(let slot): emit(negated ? .brOnNonNull : .brOnNull, 0, slot)
        case .nonNull(let slot): emit(negated ? .brOnNull : .brOnNonNull, 0, slot)
        }
    }

    // MARK: Calls

    /// `call`, or `return_call` when `isTailCall`.
    mutating func translateCall(_ function: UInt32, isTailCall: Bool = false) throws(ModuleError) {
        guard function < UInt32(module.functionTypeIndices.count) else {
            throw .unknownFunction(function, at: instructionOffset)
        }
        let type = module.functionType(ofFunction: function)
        let arguments = try popValues(Self.slotTypes(type.parameters))
        if isTailCall { try checkTailCallResults(type.results) }
        for argument in arguments { materialize(argument) }
        let opcode: Opcode = isTailCall ? .returnCall : function < UInt32(module.importedFunctionCount) ? .call : .callDefined
        emit(opcode, function, slot(operands.count))
        pushResults(Self.slotTypes(type.results))
        if isTailCall { endTailCall() }
    }

    /// A tail call's callee must return what this function returns (its results become this function's).
    func checkTailCallResults(_ results: [ValueType]) throws(ModuleError) {
        guard typesMatch(Self.slotTypes(results), resultTypes) else { throw typeMismatch() }
    }

    /// After a tail call whose results are pushed: returns them, which only a host callee reaches (a wasm callee
    /// returns from the frame it took over), and ends the reachable code as `return` does.
    mutating func endTailCall() {
        emitReturn()
        markUnreachable()
    }

    /// `call_indirect`, or `return_call_indirect` when `isTailCall`.
    mutating func translateCallIndirect(_ body: inout BinaryReader, isTailCall: Bool = false) throws(ModuleError) {
        let typeIndex = try body.readU32()
        let table = try body.readU32()
        guard try tableType(table).elementType.matches(.funcref, equivalence) else { throw typeMismatch() }
        guard typeIndex < UInt32(module.types.count) else {
            throw .unknownType(Int64(typeIndex), at: instructionOffset)
        }
        try equivalence.requireFunctionType(typeIndex, at: instructionOffset)
        let type = module.types[Int(typeIndex)]
        let addressType = module.tables[Int(table)].addressType
        let elementIndex = try pop(addressType)
        let arguments = try popValues(Self.slotTypes(type.parameters))
        if isTailCall { try checkTailCallResults(type.results) }
        for argument in arguments { materialize(argument) }
        let indexSlot = materialize(elementIndex)
        if addressType == .i64 { requireLow32(indexSlot, trap: .undefinedElement) }
        emit(isTailCall ? .returnCallIndirect : .callIndirect, typeIndex, slot(operands.count), table)
        pushResults(Self.slotTypes(type.results))
        if isTailCall { endTailCall() }
    }

    /// `call_ref`, or `return_call_ref` when `isTailCall`: the reference, on top of the arguments, stays where it is
    /// read from.
    mutating func translateCallReference(_ typeIndex: UInt32, isTailCall: Bool = false) throws(ModuleError) {
        guard typeIndex < UInt32(module.types.count) else { throw .unknownType(Int64(typeIndex), at: instructionOffset) }
        try equivalence.requireFunctionType(typeIndex, at: instructionOffset)
        let type = module.types[Int(typeIndex)]
        let reference = try pop(.reference(to: .concrete(typeIndex)))
        let arguments = try popValues(Self.slotTypes(type.parameters))
        if isTailCall { try checkTailCallResults(type.results) }
        for argument in arguments { materialize(argument) }
        let referenceSlot = materialize(reference)
        emit(isTailCall ? .returnCallRef : .callRef, typeIndex, slot(operands.count), referenceSlot)
        pushResults(Self.slotTypes(type.results))
        if isTailCall { endTailCall() }
    }
}

extension Opcode {
    /// The fused compare-and-branch that jumps exactly when this one does not.
    var negatedComparison: Opcode {
        switch self {
        case .brIfI32Eq: .brIfI32Ne
        case .brIfI32Ne: .brIfI32Eq
        case .brIfI32LtS: .brIfI32GeS
        case .brIfI32GeS: .brIfI32LtS
        case .brIfI32LtU: .brIfI32GeU
        case .brIfI32GeU: .brIfI32LtU
        case .brIfI32GtS: .brIfI32LeS
        case .brIfI32LeS: .brIfI32GtS
        case .brIfI32GtU: .brIfI32LeU
        case .brIfI32LeU: .brIfI32GtU
        case .brIfI32EqImm: .brIfI32NeImm
        case .brIfI32NeImm: .brIfI32EqImm
        case .brIfI32LtSImm: .brIfI32GeSImm
        case .brIfI32LtUImm: .brIfI32GeUImm
        case .brIfI32GtSImm: .brIfI32LeSImm
        case .brIfI32GtUImm: .brIfI32LeUImm
        case .brIfI32LeSImm: .brIfI32GtSImm
        case .brIfI32LeUImm: .brIfI32GtUImm
        case .brIfI32GeSImm: .brIfI32LtSImm
        case .brIfI32GeUImm: .brIfI32LtUImm
        case .brIfI64Eq: .brIfI64Ne
        case .brIfI64Ne: .brIfI64Eq
        case .brIfI64LtS: .brIfI64GeS
        case .brIfI64GeS: .brIfI64LtS
        case .brIfI64LtU: .brIfI64GeU
        case .brIfI64GeU: .brIfI64LtU
        case .brIfI64GtS: .brIfI64LeS
        case .brIfI64LeS: .brIfI64GtS
        case .brIfI64GtU: .brIfI64LeU
        case .brIfI64LeU: .brIfI64GtU
        default: self
        }
    }
}
