/// Emitting code and deciding where operand values live.
extension FunctionTranslator {
    /// Appends an instruction unless the code here can never run.
    mutating func emit(_ opcode: Opcode, _ a: UInt32 = 0, _ b: UInt32 = 0, _ c: UInt32 = 0) {
        guard isLive else { return }
        code.append(Instruction(opcode, a, b, c))
    }

    /// Emits an instruction whose destination `a` is the slot of a new operand of `type`, and pushes it.
    /// Remembered as a fresh result so a following `local.set` can make the instruction write the local.
    mutating func emitResult(_ opcode: Opcode, _ type: ValueType?, _ b: UInt32 = 0, _ c: UInt32 = 0) {
        let height = operands.count
        emit(opcode, slot(height), b, c)
        push(type)
        if isLive { freshResult = (code.count - 1, height) }
    }

    /// The instruction that just wrote the top operand into its own slot, if nothing has happened since.
    func freshResultInstruction() -> Int? {
        guard let fresh = freshResult, fresh.instruction == code.count - 1, fresh.height == operands.count - 1,
            operands[operands.count - 1].location == .ownSlot
        else { return nil }
        return fresh.instruction
    }

    mutating func emitConstant(_ bits: UInt64, into slot: UInt32) {
        if bits <= UInt64(UInt32.max) {
            emit(.const32, slot, UInt32(bits))
        } else {
            emit(.const64, slot, UInt32(truncatingIfNeeded: bits), UInt32(truncatingIfNeeded: bits >> 32))
        }
    }

    /// The slot an instruction can read `operand` from; a deferred constant is written to its own slot.
    mutating func source(_ operand: Operand) -> UInt32 {
        switch operand.location {
        case .ownSlot: return slot(operand.height)
        case .local(let index): return index
        case .constant(let bits):
            if usesConstantPool { return poolSlot(for: bits) }
            emitConstant(bits, into: slot(operand.height))
            return slot(operand.height)
        }
    }

    /// The slot that holds `operand`'s value now, without emitting anything: nil for a deferred constant.
    func slotNamed(by operand: Operand) -> UInt32? {
        switch operand.location {
        case .ownSlot: slot(operand.height)
        case .local(let index): index
        case .constant: nil
        }
    }

    /// Puts `operand`'s value in its own slot (for instructions that need consecutive operands).
    @discardableResult
    mutating func materialize(_ operand: Operand) -> UInt32 {
        let own = slot(operand.height)
        write(operand, to: own)
        return own
    }

    /// Emits whatever puts `operand`'s value into `destination`; nothing when it is already there.
    mutating func write(_ operand: Operand, to destination: UInt32) {
        switch operand.location {
        case .ownSlot:
            if slot(operand.height) != destination { emit(.copy, destination, slot(operand.height)) }
        case .local(let index):
            if index != destination { emit(.copy, destination, index) }
        case .constant(let bits):
            emitConstant(bits, into: destination)
        }
    }

    /// Moves the top `count` operands into their own slots, as merge points and calls expect.
    mutating func materializeTop(_ count: Int) {
        // From the top down: each local reference met is then the last of its local's list.
        for height in (max(operands.count - count, 0)..<operands.count).reversed() {
            let operand = operands[height]
            guard operand.location != .ownSlot else { continue }
            materialize(operand)
            if case .local(let index) = operand.location { localReferences[index]!.removeLast() }
            operands[height].location = .ownSlot
        }
    }

    /// Copies stack operands that still refer to `local` (every local when `nil`) into their own slots,
    /// before the local changes or before a merge point where paths must agree on where values live.
    /// Each reference is materialized at most once, so this stays linear in the body however deep the stack.
    mutating func materializeLocalReferences(to local: UInt32?) {
        let locals = local.map { [$0] } ?? Array(localReferences.keys)
        for index in locals {
            for height in localReferences[index] ?? [] {
                materialize(operands[height])
                operands[height].location = .ownSlot
            }
            localReferences[index] = nil
        }
    }

    func hasLocalReferences(to local: UInt32) -> Bool {
        localReferences[local]?.isEmpty == false
    }

    mutating func patchBranch(_ instruction: Int, to target: Int) {
        code[instruction].a = UInt32(target)
    }
}
