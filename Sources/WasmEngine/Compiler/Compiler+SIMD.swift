/// The SIMD instructions (see `SIMDInstruction` for their shapes and `Opcode`'s SIMD section for operand layouts).
/// A v128 is two operand entries (see `slotTypes`), so `v128.const` stays a pair of deferred constants and a v128 read
/// from a local names the local's slots.
extension FunctionTranslator {
    mutating func translateSIMD(_ subopcode: UInt32, _ body: inout BinaryReader) throws(ModuleError) {
        if subopcode == 0x0C {
            let low = try body.readFixedU64()
            let high = try body.readFixedU64()
            return pushVector(low: .constant(low), high: .constant(high))
        }
        guard let instruction = SIMDInstruction.decode(subopcode) else { throw .illegalOpcode(at: instructionOffset) }
        var features: WasmFeatures = []  // the validator's to record
        let immediates = try instruction.readImmediates(
            &body, memories: module.memories, features: &features, instructionOffset: instructionOffset)
        let opcode = instruction.opcode
        let laneByte = instruction.laneByte(immediates.lane)
        let memoryArgument = immediates.memoryArgument
        switch instruction.shape {
        case .load:
            let address = try pop(memoryArgument.addressType)
            let addressSlot = source(address)
            let offset = enterMemory(memoryArgument, addressSlot: addressSlot)
            emitVectorResult(opcode, addressSlot, offset)
            leaveMemory(memoryArgument.memory)
        case .store:
            let value = try popVector()
            let address = try pop(memoryArgument.addressType)
            let valueSlot = vectorSource(value)
            let addressSlot = source(address)
            let offset = enterMemory(memoryArgument, addressSlot: addressSlot)
            emit(opcode, valueSlot, addressSlot, offset)
            leaveMemory(memoryArgument.memory)
        case .loadLane, .storeLane:
            let vector = try popVector()
            let address = try pop(memoryArgument.addressType)
            // The address's own slot, free now, holds the effective address.
            let addressSlot = slot(address.height)
            let vectorSlot = vectorSource(vector)
            let addressSource = source(address)
            let offset = enterMemory(memoryArgument, addressSlot: addressSource)
            emit(.effectiveAddress, addressSlot, addressSource, offset)
            if instruction.shape == .loadLane {
                emitVectorResult(opcode, addressSlot, vectorSlot | laneByte << Instruction.laneShift)
            } else {
                emit(opcode, vectorSlot, addressSlot, laneByte)
            }
            leaveMemory(memoryArgument.memory)
        case .shuffle:
            let second = try popVector()
            let first = try popVector()
            let firstSlot = vectorSource(first)
            emitVectorResult(opcode, firstSlot, vectorSource(second))
            let lanes = immediates.lanes.u32x4
            emit(.shuffleLanes, lanes[0], lanes[1], lanes[2])
            emit(.shuffleLanes, lanes[3])
        case .splatI32, .splatI64, .splatF32, .splatF64:
            let scalar = try pop(instruction.laneType)
            emitVectorResult(opcode, source(scalar))
        case .extractI32, .extractI64, .extractF32, .extractF64:
            let vector = try popVector()
            emitResult(opcode, instruction.laneType, vectorSource(vector), laneByte)
        case .replaceI32, .replaceI64, .replaceF32, .replaceF64:
            let scalar = try pop(instruction.laneType)
            let vector = try popVector()
            let vectorSlot = vectorSource(vector)
            // Its own slot, not a pool slot: a pool slot's provisional number does not fit beside a lane.
            emitVectorResult(opcode, vectorSlot, materialize(scalar) | laneByte << Instruction.laneShift)
        case .unary:
            let operand = try popVector()
            emitVectorResult(opcode, vectorSource(operand))
        case .binary:
            let right = try popVector()
            let left = try popVector()
            let leftSlot = vectorSource(left)
            emitVectorResult(opcode, leftSlot, vectorSource(right))
        case .ternary:
            let third = try popVector()
            let second = try popVector()
            let first = try popVector()
            emitVectorResult(opcode, materialize(first, second, third))
        case .test, .bitmask:
            let operand = try popVector()
            emitResult(opcode, .i32, vectorSource(operand))
        case .shift:
            let count = try pop(.i32)
            let operand = try popVector()
            let operandSlot = vectorSource(operand)
            emitVectorResult(opcode, operandSlot, source(count))
        }
    }

    /// Emits an instruction whose destination `a` is the slots of a new v128 operand, and pushes it. Remembered as a
    /// fresh vector result, so a following `local.set` can make the instruction write the local (every handler reads
    /// its operands before it writes).
    mutating func emitVectorResult(_ opcode: Opcode, _ b: UInt32 = 0, _ c: UInt32 = 0) {
        let height = operands.count
        emit(opcode, slot(height), b, c)
        pushVector()
        freshResult = nil
        freshVectorResult = isLive ? (code.count - 1, height) : nil
    }

    /// The instruction that just wrote the v128 on top into its own slots, if nothing has happened since (but the lane
    /// words of a shuffle).
    func freshVectorResultInstruction() -> Int? {
        guard let fresh = freshVectorResult, fresh.height == operands.count - 2,
            code[(fresh.instruction + 1)...].allSatisfy({ $0.opcode == .shuffleLanes }),
            operands[operands.count - 1].location == .ownSlot, operands[operands.count - 2].location == .ownSlot
        else { return nil }
        return fresh.instruction
    }

    /// The first of two consecutive slots that hold `vector`: a local's or its own; other halves (constants, or halves
    /// of different locals) are written to its own slots.
    mutating func vectorSource(_ vector: (low: Operand, high: Operand)) -> UInt32 {
        if let low = slotNamed(by: vector.low), let high = slotNamed(by: vector.high), high == low + 1 { return low }
        let own = slot(vector.low.height)
        write(vector.low, to: own)
        write(vector.high, to: own + 1)
        return own
    }

    /// Puts popped v128s, consecutive on the stack, in their own slots, for instructions that read their operands at
    /// fixed distances (the ternary ones); returns the first slot.
    mutating func materialize(_ vectors: (low: Operand, high: Operand)...) -> UInt32 {
        for vector in vectors {
            materialize(vector.low)
            materialize(vector.high)
        }
        return slot(vectors[0].low.height)
    }
}
