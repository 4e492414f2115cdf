// The SIMD instructions' handlers (see `Handlers.swift` for the pattern each follows). A v128 lives in two slots, low
// half first; the lane operations are `V128`'s (SIMD/V128+*.swift), which the compiler lowers to vector instructions.
// Lane loads, stores, extracts and replaces reach a single lane through memory at its byte offset in the frame, so
// the lane index (an immediate) never becomes a variable index into a vector register.

extension Opcode {
    /// The handler of a SIMD opcode (`handler` hands every opcode it does not list here).
    var simdHandler: Handler {
        switch self {
        case .i8x16Swizzle:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16Swizzle(operand: UnsafeRawPointer(r.fp + Int(i.b)), r.v128(i.c)))
                return r.next()
            }
        case .i8x16Eq:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16Eq(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16Ne:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16Ne(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16LtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16LtS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16LtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16LtU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16GtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16GtS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16GtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16GtU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16LeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16LeS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16LeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16LeU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16GeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16GeS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16GeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16GeU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8Eq:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8Eq(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8Ne:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8Ne(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8LtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8LtS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8LtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8LtU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8GtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8GtS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8GtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8GtU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8LeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8LeS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8LeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8LeU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8GeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8GeS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8GeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8GeU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4Eq:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4Eq(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4Ne:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4Ne(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4LtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4LtS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4LtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4LtU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4GtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4GtS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4GtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4GtU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4LeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4LeS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4LeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4LeU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4GeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4GeS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4GeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4GeU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Eq:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Eq(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Ne:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Ne(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Lt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Lt(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Gt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Gt(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Le:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Le(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Ge:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Ge(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Eq:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Eq(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Ne:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Ne(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Lt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Lt(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Gt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Gt(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Le:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Le(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Ge:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Ge(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .v128Not:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.v128Not(r.v128(i.b)))
                return r.next()
            }
        case .v128And:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.v128And(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .v128Andnot:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.v128Andnot(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .v128Or:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.v128Or(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .v128Xor:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.v128Xor(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .v128Bitselect:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.v128Bitselect(r.v128(i.b), r.v128(i.b &+ 2), r.v128(i.b &+ 4)))
                return r.next()
            }
        case .v128AnyTrue:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, V128.v128AnyTrue(r.v128(i.b)))
                return r.next()
            }
        case .f32x4DemoteF64x2Zero:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4DemoteF64x2Zero(r.v128(i.b)))
                return r.next()
            }
        case .f64x2PromoteLowF32x4:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2PromoteLowF32x4(r.v128(i.b)))
                return r.next()
            }
        case .i8x16Abs:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16Abs(r.v128(i.b)))
                return r.next()
            }
        case .i8x16Neg:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16Neg(r.v128(i.b)))
                return r.next()
            }
        case .i8x16Popcnt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16Popcnt(r.v128(i.b)))
                return r.next()
            }
        case .i8x16AllTrue:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, V128.i8x16AllTrue(r.v128(i.b)))
                return r.next()
            }
        case .i8x16Bitmask:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, V128.i8x16Bitmask(r.v128(i.b)))
                return r.next()
            }
        case .i8x16NarrowI16x8S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16NarrowI16x8S(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16NarrowI16x8U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16NarrowI16x8U(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Ceil:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Ceil(r.v128(i.b)))
                return r.next()
            }
        case .f32x4Floor:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Floor(r.v128(i.b)))
                return r.next()
            }
        case .f32x4Trunc:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Trunc(r.v128(i.b)))
                return r.next()
            }
        case .f32x4Nearest:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Nearest(r.v128(i.b)))
                return r.next()
            }
        case .i8x16Shl:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16Shl(r.v128(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i8x16ShrS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16ShrS(r.v128(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i8x16ShrU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16ShrU(r.v128(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i8x16Add:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16Add(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16AddSatS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16AddSatS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16AddSatU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16AddSatU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16Sub:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16Sub(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16SubSatS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16SubSatS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16SubSatU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16SubSatU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Ceil:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Ceil(r.v128(i.b)))
                return r.next()
            }
        case .f64x2Floor:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Floor(r.v128(i.b)))
                return r.next()
            }
        case .i8x16MinS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16MinS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16MinU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16MinU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16MaxS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16MaxS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i8x16MaxU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16MaxU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Trunc:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Trunc(r.v128(i.b)))
                return r.next()
            }
        case .i8x16AvgrU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16AvgrU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8ExtaddPairwiseI8x16S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8ExtaddPairwiseI8x16S(r.v128(i.b)))
                return r.next()
            }
        case .i16x8ExtaddPairwiseI8x16U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8ExtaddPairwiseI8x16U(r.v128(i.b)))
                return r.next()
            }
        case .i32x4ExtaddPairwiseI16x8S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4ExtaddPairwiseI16x8S(r.v128(i.b)))
                return r.next()
            }
        case .i32x4ExtaddPairwiseI16x8U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4ExtaddPairwiseI16x8U(r.v128(i.b)))
                return r.next()
            }
        case .i16x8Abs:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8Abs(r.v128(i.b)))
                return r.next()
            }
        case .i16x8Neg:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8Neg(r.v128(i.b)))
                return r.next()
            }
        case .i16x8Q15mulrSatS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8Q15mulrSatS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8AllTrue:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, V128.i16x8AllTrue(r.v128(i.b)))
                return r.next()
            }
        case .i16x8Bitmask:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, V128.i16x8Bitmask(r.v128(i.b)))
                return r.next()
            }
        case .i16x8NarrowI32x4S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8NarrowI32x4S(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8NarrowI32x4U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8NarrowI32x4U(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8ExtendLowI8x16S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8ExtendLowI8x16S(r.v128(i.b)))
                return r.next()
            }
        case .i16x8ExtendHighI8x16S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8ExtendHighI8x16S(r.v128(i.b)))
                return r.next()
            }
        case .i16x8ExtendLowI8x16U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8ExtendLowI8x16U(r.v128(i.b)))
                return r.next()
            }
        case .i16x8ExtendHighI8x16U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8ExtendHighI8x16U(r.v128(i.b)))
                return r.next()
            }
        case .i16x8Shl:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8Shl(r.v128(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i16x8ShrS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8ShrS(r.v128(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i16x8ShrU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8ShrU(r.v128(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i16x8Add:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8Add(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8AddSatS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8AddSatS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8AddSatU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8AddSatU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8Sub:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8Sub(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8SubSatS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8SubSatS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8SubSatU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8SubSatU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Nearest:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Nearest(r.v128(i.b)))
                return r.next()
            }
        case .i16x8Mul:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8Mul(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8MinS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8MinS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8MinU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8MinU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8MaxS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8MaxS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8MaxU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8MaxU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8AvgrU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8AvgrU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8ExtmulLowI8x16S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8ExtmulLowI8x16S(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8ExtmulHighI8x16S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8ExtmulHighI8x16S(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8ExtmulLowI8x16U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8ExtmulLowI8x16U(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8ExtmulHighI8x16U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8ExtmulHighI8x16U(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4Abs:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4Abs(r.v128(i.b)))
                return r.next()
            }
        case .i32x4Neg:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4Neg(r.v128(i.b)))
                return r.next()
            }
        case .i32x4AllTrue:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, V128.i32x4AllTrue(r.v128(i.b)))
                return r.next()
            }
        case .i32x4Bitmask:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, V128.i32x4Bitmask(r.v128(i.b)))
                return r.next()
            }
        case .i32x4ExtendLowI16x8S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4ExtendLowI16x8S(r.v128(i.b)))
                return r.next()
            }
        case .i32x4ExtendHighI16x8S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4ExtendHighI16x8S(r.v128(i.b)))
                return r.next()
            }
        case .i32x4ExtendLowI16x8U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4ExtendLowI16x8U(r.v128(i.b)))
                return r.next()
            }
        case .i32x4ExtendHighI16x8U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4ExtendHighI16x8U(r.v128(i.b)))
                return r.next()
            }
        case .i32x4Shl:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4Shl(r.v128(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i32x4ShrS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4ShrS(r.v128(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i32x4ShrU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4ShrU(r.v128(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i32x4Add:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4Add(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4Sub:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4Sub(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4Mul:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4Mul(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4MinS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4MinS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4MinU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4MinU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4MaxS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4MaxS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4MaxU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4MaxU(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4DotI16x8S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4DotI16x8S(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4ExtmulLowI16x8S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4ExtmulLowI16x8S(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4ExtmulHighI16x8S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4ExtmulHighI16x8S(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4ExtmulLowI16x8U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4ExtmulLowI16x8U(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4ExtmulHighI16x8U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4ExtmulHighI16x8U(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i64x2Abs:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2Abs(r.v128(i.b)))
                return r.next()
            }
        case .i64x2Neg:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2Neg(r.v128(i.b)))
                return r.next()
            }
        case .i64x2AllTrue:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, V128.i64x2AllTrue(r.v128(i.b)))
                return r.next()
            }
        case .i64x2Bitmask:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, V128.i64x2Bitmask(r.v128(i.b)))
                return r.next()
            }
        case .i64x2ExtendLowI32x4S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2ExtendLowI32x4S(r.v128(i.b)))
                return r.next()
            }
        case .i64x2ExtendHighI32x4S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2ExtendHighI32x4S(r.v128(i.b)))
                return r.next()
            }
        case .i64x2ExtendLowI32x4U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2ExtendLowI32x4U(r.v128(i.b)))
                return r.next()
            }
        case .i64x2ExtendHighI32x4U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2ExtendHighI32x4U(r.v128(i.b)))
                return r.next()
            }
        case .i64x2Shl:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2Shl(r.v128(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i64x2ShrS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2ShrS(r.v128(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i64x2ShrU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2ShrU(r.v128(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i64x2Add:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2Add(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i64x2Sub:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2Sub(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i64x2Mul:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2Mul(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i64x2Eq:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2Eq(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i64x2Ne:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2Ne(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i64x2LtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2LtS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i64x2GtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2GtS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i64x2LeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2LeS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i64x2GeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2GeS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i64x2ExtmulLowI32x4S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2ExtmulLowI32x4S(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i64x2ExtmulHighI32x4S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2ExtmulHighI32x4S(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i64x2ExtmulLowI32x4U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2ExtmulLowI32x4U(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i64x2ExtmulHighI32x4U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2ExtmulHighI32x4U(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Abs:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Abs(r.v128(i.b)))
                return r.next()
            }
        case .f32x4Neg:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Neg(r.v128(i.b)))
                return r.next()
            }
        case .f32x4Sqrt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Sqrt(r.v128(i.b)))
                return r.next()
            }
        case .f32x4Add:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Add(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Sub:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Sub(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Mul:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Mul(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Div:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Div(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Min:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Min(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Max:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Max(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Pmin:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Pmin(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4Pmax:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4Pmax(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Abs:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Abs(r.v128(i.b)))
                return r.next()
            }
        case .f64x2Neg:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Neg(r.v128(i.b)))
                return r.next()
            }
        case .f64x2Sqrt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Sqrt(r.v128(i.b)))
                return r.next()
            }
        case .f64x2Add:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Add(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Sub:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Sub(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Mul:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Mul(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Div:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Div(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Min:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Min(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Max:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Max(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Pmin:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Pmin(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2Pmax:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2Pmax(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4TruncSatF32x4S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4TruncSatF32x4S(r.v128(i.b)))
                return r.next()
            }
        case .i32x4TruncSatF32x4U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4TruncSatF32x4U(r.v128(i.b)))
                return r.next()
            }
        case .f32x4ConvertI32x4S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4ConvertI32x4S(r.v128(i.b)))
                return r.next()
            }
        case .f32x4ConvertI32x4U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4ConvertI32x4U(r.v128(i.b)))
                return r.next()
            }
        case .i32x4TruncSatF64x2SZero:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4TruncSatF64x2SZero(r.v128(i.b)))
                return r.next()
            }
        case .i32x4TruncSatF64x2UZero:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4TruncSatF64x2UZero(r.v128(i.b)))
                return r.next()
            }
        case .f64x2ConvertLowI32x4S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2ConvertLowI32x4S(r.v128(i.b)))
                return r.next()
            }
        case .f64x2ConvertLowI32x4U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2ConvertLowI32x4U(r.v128(i.b)))
                return r.next()
            }
        case .i8x16RelaxedSwizzle:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16RelaxedSwizzle(operand: UnsafeRawPointer(r.fp + Int(i.b)), r.v128(i.c)))
                return r.next()
            }
        case .i32x4RelaxedTruncF32x4S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4RelaxedTruncF32x4S(r.v128(i.b)))
                return r.next()
            }
        case .i32x4RelaxedTruncF32x4U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4RelaxedTruncF32x4U(r.v128(i.b)))
                return r.next()
            }
        case .i32x4RelaxedTruncF64x2SZero:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4RelaxedTruncF64x2SZero(r.v128(i.b)))
                return r.next()
            }
        case .i32x4RelaxedTruncF64x2UZero:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4RelaxedTruncF64x2UZero(r.v128(i.b)))
                return r.next()
            }
        case .f32x4RelaxedMadd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4RelaxedMadd(r.v128(i.b), r.v128(i.b &+ 2), r.v128(i.b &+ 4)))
                return r.next()
            }
        case .f32x4RelaxedNmadd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4RelaxedNmadd(r.v128(i.b), r.v128(i.b &+ 2), r.v128(i.b &+ 4)))
                return r.next()
            }
        case .f64x2RelaxedMadd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2RelaxedMadd(r.v128(i.b), r.v128(i.b &+ 2), r.v128(i.b &+ 4)))
                return r.next()
            }
        case .f64x2RelaxedNmadd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2RelaxedNmadd(r.v128(i.b), r.v128(i.b &+ 2), r.v128(i.b &+ 4)))
                return r.next()
            }
        case .i8x16RelaxedLaneselect:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i8x16RelaxedLaneselect(r.v128(i.b), r.v128(i.b &+ 2), r.v128(i.b &+ 4)))
                return r.next()
            }
        case .i16x8RelaxedLaneselect:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8RelaxedLaneselect(r.v128(i.b), r.v128(i.b &+ 2), r.v128(i.b &+ 4)))
                return r.next()
            }
        case .i32x4RelaxedLaneselect:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4RelaxedLaneselect(r.v128(i.b), r.v128(i.b &+ 2), r.v128(i.b &+ 4)))
                return r.next()
            }
        case .i64x2RelaxedLaneselect:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i64x2RelaxedLaneselect(r.v128(i.b), r.v128(i.b &+ 2), r.v128(i.b &+ 4)))
                return r.next()
            }
        case .f32x4RelaxedMin:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4RelaxedMin(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f32x4RelaxedMax:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f32x4RelaxedMax(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2RelaxedMin:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2RelaxedMin(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .f64x2RelaxedMax:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.f64x2RelaxedMax(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8RelaxedQ15mulrS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8RelaxedQ15mulrS(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i16x8RelaxedDotI8x16I7x16S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i16x8RelaxedDotI8x16I7x16S(r.v128(i.b), r.v128(i.c)))
                return r.next()
            }
        case .i32x4RelaxedDotI8x16I7x16AddS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128.i32x4RelaxedDotI8x16I7x16AddS(r.v128(i.b), r.v128(i.b &+ 2), r.v128(i.b &+ 4)))
                return r.next()
            }
        case .v128Load:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let start = r.vectorAccessStart(r.i32(i.b), offset: i.c) else { return r.trap(.memoryOutOfBounds) }
                // SAFETY: `start + 16` ≤ the memory's byte count, checked just above.
                r.setV128(i.a, r.memoryBase.loadUnaligned(fromByteOffset: start, as: V128.self))
                return r.next()
            }
        case .v128Load8x8S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let bits = r.load(i, as: UInt64.self) else { return r.trap(.memoryOutOfBounds) }
                r.setV128(i.a, V128.i16x8ExtendLowI8x16S(V128(low: bits, high: 0)))
                return r.next()
            }
        case .v128Load8x8U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let bits = r.load(i, as: UInt64.self) else { return r.trap(.memoryOutOfBounds) }
                r.setV128(i.a, V128.i16x8ExtendLowI8x16U(V128(low: bits, high: 0)))
                return r.next()
            }
        case .v128Load16x4S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let bits = r.load(i, as: UInt64.self) else { return r.trap(.memoryOutOfBounds) }
                r.setV128(i.a, V128.i32x4ExtendLowI16x8S(V128(low: bits, high: 0)))
                return r.next()
            }
        case .v128Load16x4U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let bits = r.load(i, as: UInt64.self) else { return r.trap(.memoryOutOfBounds) }
                r.setV128(i.a, V128.i32x4ExtendLowI16x8U(V128(low: bits, high: 0)))
                return r.next()
            }
        case .v128Load32x2S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let bits = r.load(i, as: UInt64.self) else { return r.trap(.memoryOutOfBounds) }
                r.setV128(i.a, V128.i64x2ExtendLowI32x4S(V128(low: bits, high: 0)))
                return r.next()
            }
        case .v128Load32x2U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let bits = r.load(i, as: UInt64.self) else { return r.trap(.memoryOutOfBounds) }
                r.setV128(i.a, V128.i64x2ExtendLowI32x4U(V128(low: bits, high: 0)))
                return r.next()
            }
        case .v128Load8Splat:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let bits = r.load(i, as: UInt8.self) else { return r.trap(.memoryOutOfBounds) }
                r.setV128(i.a, V128(bytes: SIMD16(repeating: bits)))
                return r.next()
            }
        case .v128Load16Splat:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let bits = r.load(i, as: UInt16.self) else { return r.trap(.memoryOutOfBounds) }
                r.setV128(i.a, V128(u16x8: SIMD8(repeating: bits)))
                return r.next()
            }
        case .v128Load32Splat:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let bits = r.load(i, as: UInt32.self) else { return r.trap(.memoryOutOfBounds) }
                r.setV128(i.a, V128(u32x4: SIMD4(repeating: bits)))
                return r.next()
            }
        case .v128Load64Splat:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let bits = r.load(i, as: UInt64.self) else { return r.trap(.memoryOutOfBounds) }
                r.setV128(i.a, V128(u64x2: SIMD2(repeating: bits)))
                return r.next()
            }
        case .v128Load32Zero:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let bits = r.load(i, as: UInt32.self) else { return r.trap(.memoryOutOfBounds) }
                r.setV128(i.a, V128(low: UInt64(bits), high: 0))
                return r.next()
            }
        case .v128Load64Zero:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let bits = r.load(i, as: UInt64.self) else { return r.trap(.memoryOutOfBounds) }
                r.setV128(i.a, V128(low: bits, high: 0))
                return r.next()
            }
        case .v128Store:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let start = r.vectorAccessStart(r.i32(i.b), offset: i.c) else { return r.trap(.memoryOutOfBounds) }
                // SAFETY: `start + 16` ≤ the memory's byte count, checked just above.
                r.memoryBase.storeBytes(of: r.v128(i.a), toByteOffset: start, as: V128.self)
                return r.next()
            }
        case .v128Load8Lane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let start = r.laneAccessStart(r.i64(i.b), size: 1) else { return r.trap(.memoryOutOfBounds) }
                // SAFETY: `start + 1` ≤ the memory's byte count, checked just above.
                let lane = r.memoryBase.loadUnaligned(fromByteOffset: start, as: UInt8.self)
                r.setV128(i.a, r.v128(i.c & Instruction.slotMask))
                r.setLane(of: i.a, atByte: i.c >> Instruction.laneShift, lane)
                return r.next()
            }
        case .v128Store8Lane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let start = r.laneAccessStart(r.i64(i.b), size: 1) else { return r.trap(.memoryOutOfBounds) }
                // SAFETY: `start + 1` ≤ the memory's byte count, checked just above.
                r.memoryBase.storeBytes(of: r.lane(of: i.a, atByte: i.c, as: UInt8.self), toByteOffset: start, as: UInt8.self)
                return r.next()
            }
        case .v128Load16Lane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let start = r.laneAccessStart(r.i64(i.b), size: 2) else { return r.trap(.memoryOutOfBounds) }
                // SAFETY: `start + 2` ≤ the memory's byte count, checked just above.
                let lane = r.memoryBase.loadUnaligned(fromByteOffset: start, as: UInt16.self)
                r.setV128(i.a, r.v128(i.c & Instruction.slotMask))
                r.setLane(of: i.a, atByte: i.c >> Instruction.laneShift, lane)
                return r.next()
            }
        case .v128Store16Lane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let start = r.laneAccessStart(r.i64(i.b), size: 2) else { return r.trap(.memoryOutOfBounds) }
                // SAFETY: `start + 2` ≤ the memory's byte count, checked just above.
                r.memoryBase.storeBytes(of: r.lane(of: i.a, atByte: i.c, as: UInt16.self), toByteOffset: start, as: UInt16.self)
                return r.next()
            }
        case .v128Load32Lane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let start = r.laneAccessStart(r.i64(i.b), size: 4) else { return r.trap(.memoryOutOfBounds) }
                // SAFETY: `start + 4` ≤ the memory's byte count, checked just above.
                let lane = r.memoryBase.loadUnaligned(fromByteOffset: start, as: UInt32.self)
                r.setV128(i.a, r.v128(i.c & Instruction.slotMask))
                r.setLane(of: i.a, atByte: i.c >> Instruction.laneShift, lane)
                return r.next()
            }
        case .v128Store32Lane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let start = r.laneAccessStart(r.i64(i.b), size: 4) else { return r.trap(.memoryOutOfBounds) }
                // SAFETY: `start + 4` ≤ the memory's byte count, checked just above.
                r.memoryBase.storeBytes(of: r.lane(of: i.a, atByte: i.c, as: UInt32.self), toByteOffset: start, as: UInt32.self)
                return r.next()
            }
        case .v128Load64Lane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let start = r.laneAccessStart(r.i64(i.b), size: 8) else { return r.trap(.memoryOutOfBounds) }
                // SAFETY: `start + 8` ≤ the memory's byte count, checked just above.
                let lane = r.memoryBase.loadUnaligned(fromByteOffset: start, as: UInt64.self)
                r.setV128(i.a, r.v128(i.c & Instruction.slotMask))
                r.setLane(of: i.a, atByte: i.c >> Instruction.laneShift, lane)
                return r.next()
            }
        case .v128Store64Lane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let start = r.laneAccessStart(r.i64(i.b), size: 8) else { return r.trap(.memoryOutOfBounds) }
                // SAFETY: `start + 8` ≤ the memory's byte count, checked just above.
                r.memoryBase.storeBytes(of: r.lane(of: i.a, atByte: i.c, as: UInt64.self), toByteOffset: start, as: UInt64.self)
                return r.next()
            }
        case .i8x16Splat:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128(bytes: SIMD16(repeating: UInt8(truncatingIfNeeded: r.i64(i.b)))))
                return r.next()
            }
        case .i16x8Splat:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128(u16x8: SIMD8(repeating: UInt16(truncatingIfNeeded: r.i64(i.b)))))
                return r.next()
            }
        case .i32x4Splat:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128(u32x4: SIMD4(repeating: r.i32(i.b))))
                return r.next()
            }
        case .f32x4Splat:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128(u32x4: SIMD4(repeating: r.i32(i.b))))
                return r.next()
            }
        case .i64x2Splat:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128(u64x2: SIMD2(repeating: r.i64(i.b))))
                return r.next()
            }
        case .f64x2Splat:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, V128(u64x2: SIMD2(repeating: r.i64(i.b))))
                return r.next()
            }
        case .i8x16ExtractLaneS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS32(i.a, Int32(r.lane(of: i.b, atByte: i.c, as: Int8.self)))
                return r.next()
            }
        case .i8x16ExtractLaneU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, UInt32(r.lane(of: i.b, atByte: i.c, as: UInt8.self)))
                return r.next()
            }
        case .i16x8ExtractLaneS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS32(i.a, Int32(r.lane(of: i.b, atByte: i.c, as: Int16.self)))
                return r.next()
            }
        case .i16x8ExtractLaneU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, UInt32(r.lane(of: i.b, atByte: i.c, as: UInt16.self)))
                return r.next()
            }
        case .i32x4ExtractLane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.lane(of: i.b, atByte: i.c, as: UInt32.self))
                return r.next()
            }
        case .f32x4ExtractLane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.lane(of: i.b, atByte: i.c, as: UInt32.self))
                return r.next()
            }
        case .i64x2ExtractLane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.lane(of: i.b, atByte: i.c, as: UInt64.self))
                return r.next()
            }
        case .f64x2ExtractLane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, Double(bitPattern: r.lane(of: i.b, atByte: i.c, as: UInt64.self)))
                return r.next()
            }
        case .i8x16ReplaceLane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let lane = UInt8(truncatingIfNeeded: r.i64(i.c & Instruction.slotMask))
                r.setV128(i.a, r.v128(i.b))
                r.setLane(of: i.a, atByte: i.c >> Instruction.laneShift, lane)
                return r.next()
            }
        case .i16x8ReplaceLane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let lane = UInt16(truncatingIfNeeded: r.i64(i.c & Instruction.slotMask))
                r.setV128(i.a, r.v128(i.b))
                r.setLane(of: i.a, atByte: i.c >> Instruction.laneShift, lane)
                return r.next()
            }
        case .i32x4ReplaceLane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let lane = r.i32(i.c & Instruction.slotMask)
                r.setV128(i.a, r.v128(i.b))
                r.setLane(of: i.a, atByte: i.c >> Instruction.laneShift, lane)
                return r.next()
            }
        case .f32x4ReplaceLane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let lane = r.i32(i.c & Instruction.slotMask)
                r.setV128(i.a, r.v128(i.b))
                r.setLane(of: i.a, atByte: i.c >> Instruction.laneShift, lane)
                return r.next()
            }
        case .i64x2ReplaceLane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let lane = r.i64(i.c & Instruction.slotMask)
                r.setV128(i.a, r.v128(i.b))
                r.setLane(of: i.a, atByte: i.c >> Instruction.laneShift, lane)
                return r.next()
            }
        case .f64x2ReplaceLane:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let lane = r.i64(i.c & Instruction.slotMask)
                r.setV128(i.a, r.v128(i.b))
                r.setLane(of: i.a, atByte: i.c >> Instruction.laneShift, lane)
                return r.next()
            }
        case .i8x16Shuffle:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let words = InstructionOperands(r.pc + 1)
                let lanes = V128(u32x4: SIMD4(words.a, words.b, words.c, InstructionOperands(r.pc + 2).a))
                let result = V128.i8x16Shuffle(
                    first: UnsafeRawPointer(r.fp + Int(i.b)), second: UnsafeRawPointer(r.fp + Int(i.c)), lanes: lanes)
                r.setV128(i.a, result)
                r.pc += 2
                return r.next()
            }
        case .globalGetV128:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let global = r.instance.pointee.globals[Int(i.b)]
                r.setV128(i.a, V128(low: global.pointee.value, high: global.pointee.high))
                return r.next()
            }
        case .globalSetV128:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let value = r.v128(i.a)
                let global = r.instance.pointee.globals[Int(i.b)]
                global.pointee.value = value.low
                global.pointee.high = value.high
                return r.next()
            }
        case .effectiveAddress:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, UInt64(r.i32(i.b)) &+ UInt64(i.c))
                return r.next()
            }
        case .shuffleLanes:
            return {
                let r = Registers($0, $1, $2, $3, $4, $5, $6)
                // Never reached: the shuffle before it steps over its lane words.
                return r.trap(.unreachable)
            }
        case .copyV128:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setV128(i.a, r.v128(i.b))
                return r.next()
            }
        default:
            preconditionFailure("\(self) has no handler")
        }
    }
}

extension Registers {
    @inline(__always) func v128(_ slot: UInt32) -> V128 {
        // SAFETY: a v128 operand's two slots lie in the frame (the translator counts both in the frame size).
        UnsafeRawPointer(fp + Int(slot)).loadUnaligned(as: V128.self)
    }

    /// Writes both slots. A v128 result is not forwarded: no `...Fwd` form reads one.
    @inline(__always) func setV128(_ slot: UInt32, _ value: V128) {
        UnsafeMutableRawPointer(fp + Int(slot)).storeBytes(of: value, as: V128.self)
    }

    /// The lane at byte offset `byte` of the v128 in `slot`.
    @inline(__always) func lane<T: FixedWidthInteger>(of slot: UInt32, atByte byte: UInt32, as type: T.Type) -> T {
        UnsafeRawPointer(fp + Int(slot)).loadUnaligned(fromByteOffset: Int(byte), as: T.self)
    }

    @inline(__always) func setLane<T: FixedWidthInteger>(of slot: UInt32, atByte byte: UInt32, _ value: T) {
        UnsafeMutableRawPointer(fp + Int(slot)).storeBytes(of: value, toByteOffset: Int(byte), as: T.self)
    }

    /// The checked byte offset of a 16-byte access at `address + offset`, or nil when it does not fit: the 8-byte
    /// limit less 8 (the buffer header keeps one limit word per scalar access size).
    @inline(__always)
    func vectorAccessStart(_ address: UInt32, offset: UInt32) -> Int? {
        let start = Int(truncatingIfNeeded: UInt64(address) &+ UInt64(offset))
        // SAFETY: every memory buffer has its limits just below `base` (see `MemoryRecord`).
        let lastFittingOffset = memoryBase.load(
            fromByteOffset: MemoryRecord.lastFittingOffsetField(accessSize: 8), as: Int.self) &- 8
        guard start <= lastFittingOffset else { return nil }
        return start
    }

    /// The checked byte offset of a `size`-byte access at the effective address `address` (an `effectiveAddress`
    /// result, below 2^33), or nil when it does not fit.
    @inline(__always)
    func laneAccessStart(_ address: UInt64, size: Int) -> Int? {
        let start = Int(truncatingIfNeeded: address)
        // SAFETY: every memory buffer has its limits just below `base` (see `MemoryRecord`).
        let lastFittingOffset = memoryBase.load(
            fromByteOffset: MemoryRecord.lastFittingOffsetField(accessSize: size), as: Int.self)
        guard start <= lastFittingOffset else { return nil }
        return start
    }
}
