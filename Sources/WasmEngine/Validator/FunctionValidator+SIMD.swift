/// The SIMD instructions' typing (see `SIMDInstruction`, which the translator reads too).
extension FunctionValidator {
    mutating func validateSIMD(_ subopcode: UInt32, _ body: inout BinaryReader) throws(ModuleError) {
        usedFeatures.insert(subopcode >= 0x100 ? [.simd, .relaxedSIMD] : .simd)
        if subopcode == 0x0C {
            _ = try body.readFixedU64()
            _ = try body.readFixedU64()
            return push(.v128)
        }
        guard let instruction = SIMDInstruction.decode(subopcode) else { throw .illegalOpcode(at: instructionOffset) }
        let immediates = try instruction.readImmediates(
            &body, memories: memories, features: &usedFeatures, instructionOffset: instructionOffset)
        let addressType = immediates.memoryArgument.addressType
        switch instruction.shape {
        case .load:
            try pop(addressType)
            push(.v128)
        case .store, .storeLane:
            try pop(.v128)
            try pop(addressType)
        case .loadLane:
            try pop(.v128)
            try pop(addressType)
            push(.v128)
        case .splatI32, .splatI64, .splatF32, .splatF64:
            try pop(instruction.laneType)
            push(.v128)
        case .extractI32, .extractI64, .extractF32, .extractF64:
            try pop(.v128)
            push(instruction.laneType)
        case .replaceI32, .replaceI64, .replaceF32, .replaceF64:
            try pop(instruction.laneType)
            try pop(.v128)
            push(.v128)
        case .unary:
            try pop(.v128)
            push(.v128)
        case .binary, .shuffle:
            try pop(.v128)
            try pop(.v128)
            push(.v128)
        case .ternary:
            try pop(.v128)
            try pop(.v128)
            try pop(.v128)
            push(.v128)
        case .test, .bitmask:
            try pop(.v128)
            push(.i32)
        case .shift:
            try pop(.i32)
            try pop(.v128)
            push(.v128)
        }
    }
}
