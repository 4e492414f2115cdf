/// The SIMD instructions (prefix 0xFD, spec §5.4.8): for each sub-opcode, its internal opcode and the shape that
/// decides its operand types, immediates and operand layout. One table, read by the translator
/// (`FunctionTranslator.translateSIMD`) and the validator (`FunctionValidator.validateSIMD`), so the two cannot type
/// an instruction differently. `v128.const` (0x0C) is not here: the translator keeps it as two deferred constants.
struct SIMDInstruction {
    enum Shape {
        /// `[i32] -> [v128]`, a memarg; `width` is the bytes read (a load that extends, splats or zero-fills reads
        /// fewer than 16).
        case load
        /// `[i32 v128] -> []`, a memarg.
        case store
        /// `[i32 v128] -> [v128]`, a memarg and a lane index; `width` bytes.
        case loadLane
        /// `[i32 v128] -> []`, a memarg and a lane index; `width` bytes.
        case storeLane
        /// `[v128 v128] -> [v128]` and sixteen lane indices below 32.
        case shuffle
        /// `[t] -> [v128]`.
        case splatI32, splatI64, splatF32, splatF64
        /// `[v128] -> [t]` and a lane index below `width` (the lane count).
        case extractI32, extractI64, extractF32, extractF64
        /// `[v128 t] -> [v128]` and a lane index below `width` (the lane count).
        case replaceI32, replaceI64, replaceF32, replaceF64
        /// `[v128] -> [v128]`.
        case unary
        /// `[v128 v128] -> [v128]`.
        case binary
        /// `[v128 v128 v128] -> [v128]`.
        case ternary
        /// `[v128] -> [i32]`, a truth value.
        case test
        /// `[v128] -> [i32]`, a bit per lane.
        case bitmask
        /// `[v128 i32] -> [v128]`.
        case shift
    }

    let opcode: Opcode
    let shape: Shape
    /// Bytes accessed by a memory shape; the lane count of a lane shape; 0 otherwise.
    let width: UInt8

    init(_ opcode: Opcode, _ shape: Shape, _ width: UInt8 = 0) {
        self.opcode = opcode
        self.shape = shape
        self.width = width
    }

    /// The scalar type a splat, extract or replace shape moves into or out of a lane.
    var laneType: ValueType {
        switch shape {
        case .splatI64, .extractI64, .replaceI64: .i64
        case .splatF32, .extractF32, .replaceF32: .f32
        case .splatF64, .extractF64, .replaceF64: .f64
        default: .i32
        }
    }

    /// Where lane `lane` starts in a v128, in bytes, for the shapes that name a lane.
    func laneByte(_ lane: UInt8) -> UInt32 {
        switch shape {
        case .loadLane, .storeLane: UInt32(lane) * UInt32(width)
        case .extractI32, .extractI64, .extractF32, .extractF64, .replaceI32, .replaceI64, .replaceF32, .replaceF64:
            UInt32(lane) * (16 / UInt32(width))
        default: 0
        }
    }

    /// The immediates after the sub-opcode, checked against the module where their encoding alone cannot be.
    func readImmediates(
        _ body: inout BinaryReader, memories: [MemoryType], features: inout WasmFeatures, instructionOffset: Int
    ) throws(ModuleError) -> SIMDImmediates {
        var immediates = SIMDImmediates()
        func readLane(below count: Int) throws(ModuleError) -> UInt8 {
            let lane = try body.readByte()
            guard lane < count else { throw .invalid(at: instructionOffset, "invalid lane index") }
            return lane
        }
        switch shape {
        case .load, .store, .loadLane, .storeLane:
            immediates.memoryArgument = try body.readMemoryArgument(
                naturalAlignment: UInt32(width.trailingZeroBitCount), memories: memories, features: &features,
                instructionOffset: instructionOffset)
            if shape == .loadLane || shape == .storeLane { immediates.lane = try readLane(below: 16 / Int(width)) }
        case .extractI32, .extractI64, .extractF32, .extractF64, .replaceI32, .replaceI64, .replaceF32, .replaceF64:
            immediates.lane = try readLane(below: Int(width))
        case .shuffle:
            for index in 0..<16 { immediates.lanes.bytes[index] = try readLane(below: 32) }
        case .splatI32, .splatI64, .splatF32, .splatF64, .unary, .binary, .ternary, .test, .bitmask, .shift:
            break
        }
        return immediates
    }

    /// The instruction `subopcode` names; nil for `v128.const` and for numbers that are no SIMD instruction. A switch,
    /// not an array literal: it compiles to a jump table, with nothing to initialize at run time.
    static func decode(_ subopcode: UInt32) -> SIMDInstruction? {
        switch subopcode {
        case 0x00: SIMDInstruction(.v128Load, .load, 16)
        case 0x01: SIMDInstruction(.v128Load8x8S, .load, 8)
        case 0x02: SIMDInstruction(.v128Load8x8U, .load, 8)
        case 0x03: SIMDInstruction(.v128Load16x4S, .load, 8)
        case 0x04: SIMDInstruction(.v128Load16x4U, .load, 8)
        case 0x05: SIMDInstruction(.v128Load32x2S, .load, 8)
        case 0x06: SIMDInstruction(.v128Load32x2U, .load, 8)
        case 0x07: SIMDInstruction(.v128Load8Splat, .load, 1)
        case 0x08: SIMDInstruction(.v128Load16Splat, .load, 2)
        case 0x09: SIMDInstruction(.v128Load32Splat, .load, 4)
        case 0x0A: SIMDInstruction(.v128Load64Splat, .load, 8)
        case 0x0B: SIMDInstruction(.v128Store, .store, 16)
        case 0x0D: SIMDInstruction(.i8x16Shuffle, .shuffle)
        case 0x0E: SIMDInstruction(.i8x16Swizzle, .binary)
        case 0x0F: SIMDInstruction(.i8x16Splat, .splatI32)
        case 0x10: SIMDInstruction(.i16x8Splat, .splatI32)
        case 0x11: SIMDInstruction(.i32x4Splat, .splatI32)
        case 0x12: SIMDInstruction(.i64x2Splat, .splatI64)
        case 0x13: SIMDInstruction(.f32x4Splat, .splatF32)
        case 0x14: SIMDInstruction(.f64x2Splat, .splatF64)
        case 0x15: SIMDInstruction(.i8x16ExtractLaneS, .extractI32, 16)
        case 0x16: SIMDInstruction(.i8x16ExtractLaneU, .extractI32, 16)
        case 0x17: SIMDInstruction(.i8x16ReplaceLane, .replaceI32, 16)
        case 0x18: SIMDInstruction(.i16x8ExtractLaneS, .extractI32, 8)
        case 0x19: SIMDInstruction(.i16x8ExtractLaneU, .extractI32, 8)
        case 0x1A: SIMDInstruction(.i16x8ReplaceLane, .replaceI32, 8)
        case 0x1B: SIMDInstruction(.i32x4ExtractLane, .extractI32, 4)
        case 0x1C: SIMDInstruction(.i32x4ReplaceLane, .replaceI32, 4)
        case 0x1D: SIMDInstruction(.i64x2ExtractLane, .extractI64, 2)
        case 0x1E: SIMDInstruction(.i64x2ReplaceLane, .replaceI64, 2)
        case 0x1F: SIMDInstruction(.f32x4ExtractLane, .extractF32, 4)
        case 0x20: SIMDInstruction(.f32x4ReplaceLane, .replaceF32, 4)
        case 0x21: SIMDInstruction(.f64x2ExtractLane, .extractF64, 2)
        case 0x22: SIMDInstruction(.f64x2ReplaceLane, .replaceF64, 2)
        case 0x23: SIMDInstruction(.i8x16Eq, .binary)
        case 0x24: SIMDInstruction(.i8x16Ne, .binary)
        case 0x25: SIMDInstruction(.i8x16LtS, .binary)
        case 0x26: SIMDInstruction(.i8x16LtU, .binary)
        case 0x27: SIMDInstruction(.i8x16GtS, .binary)
        case 0x28: SIMDInstruction(.i8x16GtU, .binary)
        case 0x29: SIMDInstruction(.i8x16LeS, .binary)
        case 0x2A: SIMDInstruction(.i8x16LeU, .binary)
        case 0x2B: SIMDInstruction(.i8x16GeS, .binary)
        case 0x2C: SIMDInstruction(.i8x16GeU, .binary)
        case 0x2D: SIMDInstruction(.i16x8Eq, .binary)
        case 0x2E: SIMDInstruction(.i16x8Ne, .binary)
        case 0x2F: SIMDInstruction(.i16x8LtS, .binary)
        case 0x30: SIMDInstruction(.i16x8LtU, .binary)
        case 0x31: SIMDInstruction(.i16x8GtS, .binary)
        case 0x32: SIMDInstruction(.i16x8GtU, .binary)
        case 0x33: SIMDInstruction(.i16x8LeS, .binary)
        case 0x34: SIMDInstruction(.i16x8LeU, .binary)
        case 0x35: SIMDInstruction(.i16x8GeS, .binary)
        case 0x36: SIMDInstruction(.i16x8GeU, .binary)
        case 0x37: SIMDInstruction(.i32x4Eq, .binary)
        case 0x38: SIMDInstruction(.i32x4Ne, .binary)
        case 0x39: SIMDInstruction(.i32x4LtS, .binary)
        case 0x3A: SIMDInstruction(.i32x4LtU, .binary)
        case 0x3B: SIMDInstruction(.i32x4GtS, .binary)
        case 0x3C: SIMDInstruction(.i32x4GtU, .binary)
        case 0x3D: SIMDInstruction(.i32x4LeS, .binary)
        case 0x3E: SIMDInstruction(.i32x4LeU, .binary)
        case 0x3F: SIMDInstruction(.i32x4GeS, .binary)
        case 0x40: SIMDInstruction(.i32x4GeU, .binary)
        case 0x41: SIMDInstruction(.f32x4Eq, .binary)
        case 0x42: SIMDInstruction(.f32x4Ne, .binary)
        case 0x43: SIMDInstruction(.f32x4Lt, .binary)
        case 0x44: SIMDInstruction(.f32x4Gt, .binary)
        case 0x45: SIMDInstruction(.f32x4Le, .binary)
        case 0x46: SIMDInstruction(.f32x4Ge, .binary)
        case 0x47: SIMDInstruction(.f64x2Eq, .binary)
        case 0x48: SIMDInstruction(.f64x2Ne, .binary)
        case 0x49: SIMDInstruction(.f64x2Lt, .binary)
        case 0x4A: SIMDInstruction(.f64x2Gt, .binary)
        case 0x4B: SIMDInstruction(.f64x2Le, .binary)
        case 0x4C: SIMDInstruction(.f64x2Ge, .binary)
        case 0x4D: SIMDInstruction(.v128Not, .unary)
        case 0x4E: SIMDInstruction(.v128And, .binary)
        case 0x4F: SIMDInstruction(.v128Andnot, .binary)
        case 0x50: SIMDInstruction(.v128Or, .binary)
        case 0x51: SIMDInstruction(.v128Xor, .binary)
        case 0x52: SIMDInstruction(.v128Bitselect, .ternary)
        case 0x53: SIMDInstruction(.v128AnyTrue, .test)
        case 0x54: SIMDInstruction(.v128Load8Lane, .loadLane, 1)
        case 0x55: SIMDInstruction(.v128Load16Lane, .loadLane, 2)
        case 0x56: SIMDInstruction(.v128Load32Lane, .loadLane, 4)
        case 0x57: SIMDInstruction(.v128Load64Lane, .loadLane, 8)
        case 0x58: SIMDInstruction(.v128Store8Lane, .storeLane, 1)
        case 0x59: SIMDInstruction(.v128Store16Lane, .storeLane, 2)
        case 0x5A: SIMDInstruction(.v128Store32Lane, .storeLane, 4)
        case 0x5B: SIMDInstruction(.v128Store64Lane, .storeLane, 8)
        case 0x5C: SIMDInstruction(.v128Load32Zero, .load, 4)
        case 0x5D: SIMDInstruction(.v128Load64Zero, .load, 8)
        case 0x5E: SIMDInstruction(.f32x4DemoteF64x2Zero, .unary)
        case 0x5F: SIMDInstruction(.f64x2PromoteLowF32x4, .unary)
        case 0x60: SIMDInstruction(.i8x16Abs, .unary)
        case 0x61: SIMDInstruction(.i8x16Neg, .unary)
        case 0x62: SIMDInstruction(.i8x16Popcnt, .unary)
        case 0x63: SIMDInstruction(.i8x16AllTrue, .test)
        case 0x64: SIMDInstruction(.i8x16Bitmask, .bitmask)
        case 0x65: SIMDInstruction(.i8x16NarrowI16x8S, .binary)
        case 0x66: SIMDInstruction(.i8x16NarrowI16x8U, .binary)
        case 0x67: SIMDInstruction(.f32x4Ceil, .unary)
        case 0x68: SIMDInstruction(.f32x4Floor, .unary)
        case 0x69: SIMDInstruction(.f32x4Trunc, .unary)
        case 0x6A: SIMDInstruction(.f32x4Nearest, .unary)
        case 0x6B: SIMDInstruction(.i8x16Shl, .shift)
        case 0x6C: SIMDInstruction(.i8x16ShrS, .shift)
        case 0x6D: SIMDInstruction(.i8x16ShrU, .shift)
        case 0x6E: SIMDInstruction(.i8x16Add, .binary)
        case 0x6F: SIMDInstruction(.i8x16AddSatS, .binary)
        case 0x70: SIMDInstruction(.i8x16AddSatU, .binary)
        case 0x71: SIMDInstruction(.i8x16Sub, .binary)
        case 0x72: SIMDInstruction(.i8x16SubSatS, .binary)
        case 0x73: SIMDInstruction(.i8x16SubSatU, .binary)
        case 0x74: SIMDInstruction(.f64x2Ceil, .unary)
        case 0x75: SIMDInstruction(.f64x2Floor, .unary)
        case 0x76: SIMDInstruction(.i8x16MinS, .binary)
        case 0x77: SIMDInstruction(.i8x16MinU, .binary)
        case 0x78: SIMDInstruction(.i8x16MaxS, .binary)
        case 0x79: SIMDInstruction(.i8x16MaxU, .binary)
        case 0x7A: SIMDInstruction(.f64x2Trunc, .unary)
        case 0x7B: SIMDInstruction(.i8x16AvgrU, .binary)
        case 0x7C: SIMDInstruction(.i16x8ExtaddPairwiseI8x16S, .unary)
        case 0x7D: SIMDInstruction(.i16x8ExtaddPairwiseI8x16U, .unary)
        case 0x7E: SIMDInstruction(.i32x4ExtaddPairwiseI16x8S, .unary)
        case 0x7F: SIMDInstruction(.i32x4ExtaddPairwiseI16x8U, .unary)
        case 0x80: SIMDInstruction(.i16x8Abs, .unary)
        case 0x81: SIMDInstruction(.i16x8Neg, .unary)
        case 0x82: SIMDInstruction(.i16x8Q15mulrSatS, .binary)
        case 0x83: SIMDInstruction(.i16x8AllTrue, .test)
        case 0x84: SIMDInstruction(.i16x8Bitmask, .bitmask)
        case 0x85: SIMDInstruction(.i16x8NarrowI32x4S, .binary)
        case 0x86: SIMDInstruction(.i16x8NarrowI32x4U, .binary)
        case 0x87: SIMDInstruction(.i16x8ExtendLowI8x16S, .unary)
        case 0x88: SIMDInstruction(.i16x8ExtendHighI8x16S, .unary)
        case 0x89: SIMDInstruction(.i16x8ExtendLowI8x16U, .unary)
        case 0x8A: SIMDInstruction(.i16x8ExtendHighI8x16U, .unary)
        case 0x8B: SIMDInstruction(.i16x8Shl, .shift)
        case 0x8C: SIMDInstruction(.i16x8ShrS, .shift)
        case 0x8D: SIMDInstruction(.i16x8ShrU, .shift)
        case 0x8E: SIMDInstruction(.i16x8Add, .binary)
        case 0x8F: SIMDInstruction(.i16x8AddSatS, .binary)
        case 0x90: SIMDInstruction(.i16x8AddSatU, .binary)
        case 0x91: SIMDInstruction(.i16x8Sub, .binary)
        case 0x92: SIMDInstruction(.i16x8SubSatS, .binary)
        case 0x93: SIMDInstruction(.i16x8SubSatU, .binary)
        case 0x94: SIMDInstruction(.f64x2Nearest, .unary)
        case 0x95: SIMDInstruction(.i16x8Mul, .binary)
        case 0x96: SIMDInstruction(.i16x8MinS, .binary)
        case 0x97: SIMDInstruction(.i16x8MinU, .binary)
        case 0x98: SIMDInstruction(.i16x8MaxS, .binary)
        case 0x99: SIMDInstruction(.i16x8MaxU, .binary)
        case 0x9B: SIMDInstruction(.i16x8AvgrU, .binary)
        case 0x9C: SIMDInstruction(.i16x8ExtmulLowI8x16S, .binary)
        case 0x9D: SIMDInstruction(.i16x8ExtmulHighI8x16S, .binary)
        case 0x9E: SIMDInstruction(.i16x8ExtmulLowI8x16U, .binary)
        case 0x9F: SIMDInstruction(.i16x8ExtmulHighI8x16U, .binary)
        case 0xA0: SIMDInstruction(.i32x4Abs, .unary)
        case 0xA1: SIMDInstruction(.i32x4Neg, .unary)
        case 0xA3: SIMDInstruction(.i32x4AllTrue, .test)
        case 0xA4: SIMDInstruction(.i32x4Bitmask, .bitmask)
        case 0xA7: SIMDInstruction(.i32x4ExtendLowI16x8S, .unary)
        case 0xA8: SIMDInstruction(.i32x4ExtendHighI16x8S, .unary)
        case 0xA9: SIMDInstruction(.i32x4ExtendLowI16x8U, .unary)
        case 0xAA: SIMDInstruction(.i32x4ExtendHighI16x8U, .unary)
        case 0xAB: SIMDInstruction(.i32x4Shl, .shift)
        case 0xAC: SIMDInstruction(.i32x4ShrS, .shift)
        case 0xAD: SIMDInstruction(.i32x4ShrU, .shift)
        case 0xAE: SIMDInstruction(.i32x4Add, .binary)
        case 0xB1: SIMDInstruction(.i32x4Sub, .binary)
        case 0xB5: SIMDInstruction(.i32x4Mul, .binary)
        case 0xB6: SIMDInstruction(.i32x4MinS, .binary)
        case 0xB7: SIMDInstruction(.i32x4MinU, .binary)
        case 0xB8: SIMDInstruction(.i32x4MaxS, .binary)
        case 0xB9: SIMDInstruction(.i32x4MaxU, .binary)
        case 0xBA: SIMDInstruction(.i32x4DotI16x8S, .binary)
        case 0xBC: SIMDInstruction(.i32x4ExtmulLowI16x8S, .binary)
        case 0xBD: SIMDInstruction(.i32x4ExtmulHighI16x8S, .binary)
        case 0xBE: SIMDInstruction(.i32x4ExtmulLowI16x8U, .binary)
        case 0xBF: SIMDInstruction(.i32x4ExtmulHighI16x8U, .binary)
        case 0xC0: SIMDInstruction(.i64x2Abs, .unary)
        case 0xC1: SIMDInstruction(.i64x2Neg, .unary)
        case 0xC3: SIMDInstruction(.i64x2AllTrue, .test)
        case 0xC4: SIMDInstruction(.i64x2Bitmask, .bitmask)
        case 0xC7: SIMDInstruction(.i64x2ExtendLowI32x4S, .unary)
        case 0xC8: SIMDInstruction(.i64x2ExtendHighI32x4S, .unary)
        case 0xC9: SIMDInstruction(.i64x2ExtendLowI32x4U, .unary)
        case 0xCA: SIMDInstruction(.i64x2ExtendHighI32x4U, .unary)
        case 0xCB: SIMDInstruction(.i64x2Shl, .shift)
        case 0xCC: SIMDInstruction(.i64x2ShrS, .shift)
        case 0xCD: SIMDInstruction(.i64x2ShrU, .shift)
        case 0xCE: SIMDInstruction(.i64x2Add, .binary)
        case 0xD1: SIMDInstruction(.i64x2Sub, .binary)
        case 0xD5: SIMDInstruction(.i64x2Mul, .binary)
        case 0xD6: SIMDInstruction(.i64x2Eq, .binary)
        case 0xD7: SIMDInstruction(.i64x2Ne, .binary)
        case 0xD8: SIMDInstruction(.i64x2LtS, .binary)
        case 0xD9: SIMDInstruction(.i64x2GtS, .binary)
        case 0xDA: SIMDInstruction(.i64x2LeS, .binary)
        case 0xDB: SIMDInstruction(.i64x2GeS, .binary)
        case 0xDC: SIMDInstruction(.i64x2ExtmulLowI32x4S, .binary)
        case 0xDD: SIMDInstruction(.i64x2ExtmulHighI32x4S, .binary)
        case 0xDE: SIMDInstruction(.i64x2ExtmulLowI32x4U, .binary)
        case 0xDF: SIMDInstruction(.i64x2ExtmulHighI32x4U, .binary)
        case 0xE0: SIMDInstruction(.f32x4Abs, .unary)
        case 0xE1: SIMDInstruction(.f32x4Neg, .unary)
        case 0xE3: SIMDInstruction(.f32x4Sqrt, .unary)
        case 0xE4: SIMDInstruction(.f32x4Add, .binary)
        case 0xE5: SIMDInstruction(.f32x4Sub, .binary)
        case 0xE6: SIMDInstruction(.f32x4Mul, .binary)
        case 0xE7: SIMDInstruction(.f32x4Div, .binary)
        case 0xE8: SIMDInstruction(.f32x4Min, .binary)
        case 0xE9: SIMDInstruction(.f32x4Max, .binary)
        case 0xEA: SIMDInstruction(.f32x4Pmin, .binary)
        case 0xEB: SIMDInstruction(.f32x4Pmax, .binary)
        case 0xEC: SIMDInstruction(.f64x2Abs, .unary)
        case 0xED: SIMDInstruction(.f64x2Neg, .unary)
        case 0xEF: SIMDInstruction(.f64x2Sqrt, .unary)
        case 0xF0: SIMDInstruction(.f64x2Add, .binary)
        case 0xF1: SIMDInstruction(.f64x2Sub, .binary)
        case 0xF2: SIMDInstruction(.f64x2Mul, .binary)
        case 0xF3: SIMDInstruction(.f64x2Div, .binary)
        case 0xF4: SIMDInstruction(.f64x2Min, .binary)
        case 0xF5: SIMDInstruction(.f64x2Max, .binary)
        case 0xF6: SIMDInstruction(.f64x2Pmin, .binary)
        case 0xF7: SIMDInstruction(.f64x2Pmax, .binary)
        case 0xF8: SIMDInstruction(.i32x4TruncSatF32x4S, .unary)
        case 0xF9: SIMDInstruction(.i32x4TruncSatF32x4U, .unary)
        case 0xFA: SIMDInstruction(.f32x4ConvertI32x4S, .unary)
        case 0xFB: SIMDInstruction(.f32x4ConvertI32x4U, .unary)
        case 0xFC: SIMDInstruction(.i32x4TruncSatF64x2SZero, .unary)
        case 0xFD: SIMDInstruction(.i32x4TruncSatF64x2UZero, .unary)
        case 0xFE: SIMDInstruction(.f64x2ConvertLowI32x4S, .unary)
        case 0xFF: SIMDInstruction(.f64x2ConvertLowI32x4U, .unary)
        case 0x100: SIMDInstruction(.i8x16RelaxedSwizzle, .binary)
        case 0x101: SIMDInstruction(.i32x4RelaxedTruncF32x4S, .unary)
        case 0x102: SIMDInstruction(.i32x4RelaxedTruncF32x4U, .unary)
        case 0x103: SIMDInstruction(.i32x4RelaxedTruncF64x2SZero, .unary)
        case 0x104: SIMDInstruction(.i32x4RelaxedTruncF64x2UZero, .unary)
        case 0x105: SIMDInstruction(.f32x4RelaxedMadd, .ternary)
        case 0x106: SIMDInstruction(.f32x4RelaxedNmadd, .ternary)
        case 0x107: SIMDInstruction(.f64x2RelaxedMadd, .ternary)
        case 0x108: SIMDInstruction(.f64x2RelaxedNmadd, .ternary)
        case 0x109: SIMDInstruction(.i8x16RelaxedLaneselect, .ternary)
        case 0x10A: SIMDInstruction(.i16x8RelaxedLaneselect, .ternary)
        case 0x10B: SIMDInstruction(.i32x4RelaxedLaneselect, .ternary)
        case 0x10C: SIMDInstruction(.i64x2RelaxedLaneselect, .ternary)
        case 0x10D: SIMDInstruction(.f32x4RelaxedMin, .binary)
        case 0x10E: SIMDInstruction(.f32x4RelaxedMax, .binary)
        case 0x10F: SIMDInstruction(.f64x2RelaxedMin, .binary)
        case 0x110: SIMDInstruction(.f64x2RelaxedMax, .binary)
        case 0x111: SIMDInstruction(.i16x8RelaxedQ15mulrS, .binary)
        case 0x112: SIMDInstruction(.i16x8RelaxedDotI8x16I7x16S, .binary)
        case 0x113: SIMDInstruction(.i32x4RelaxedDotI8x16I7x16AddS, .ternary)
        default: nil
        }
    }
}

/// What a SIMD instruction's immediates say.
struct SIMDImmediates {
    /// A memarg.
    var memoryArgument = MemoryArgument(memory: 0, offset: 0, addressType: .i32)
    /// A lane index.
    var lane: UInt8 = 0
    /// A shuffle's sixteen lane indices.
    var lanes = V128.zero
}
