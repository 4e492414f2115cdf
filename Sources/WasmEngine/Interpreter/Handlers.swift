// The interpreter's handlers, one function per opcode: each runs its instruction and tail-calls the next one's
// handler (see `Interpreter.swift` for the machine model and `Registers` for the operations they share).
// Each handler spells out its own `Registers` and operands rather than handing its body as a closure to a
// shared helper: such a closure was not always inlined, and the call it left made every instruction of that
// kind take host stack.

extension Opcode {
    /// This opcode's handler, which the store's linked code holds in each of its instructions.
    var handler: Handler {
        switch self {
        // MARK: Control
        case .unreachable:
            return {
                let r = Registers($0, $1, $2, $3, $4, $5, $6)
                return r.trap(.unreachable)
            }
        case .br:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                return r.jump(by: i.a)
            }
        case .brIf:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) != 0 {
                    return r.jump(by: i.a)
                }
                return r.next()
            }
        case .brIfNot:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) == 0 {
                    return r.jump(by: i.a)
                }
                return r.next()
            }
        case .brIfI32Eq:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) == r.i32(i.c) {
                    return r.jump(by: i.a)
                }
                return r.next()
            }
        case .brIfI32Ne:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) != r.i32(i.c) {
                    return r.jump(by: i.a)
                }
                return r.next()
            }
        case .brIfI32LtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.s32(i.b) < r.s32(i.c) {
                    return r.jump(by: i.a)
                }
                return r.next()
            }
        case .brIfI32LtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) < r.i32(i.c) {
                    return r.jump(by: i.a)
                }
                return r.next()
            }
        case .brIfI32GtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.s32(i.b) > r.s32(i.c) {
                    return r.jump(by: i.a)
                }
                return r.next()
            }
        case .brIfI32GtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) > r.i32(i.c) {
                    return r.jump(by: i.a)
                }
                return r.next()
            }
        case .brIfI32LeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.s32(i.b) <= r.s32(i.c) {
                    return r.jump(by: i.a)
                }
                return r.next()
            }
        case .brIfI32LeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) <= r.i32(i.c) {
                    return r.jump(by: i.a)
                }
                return r.next()
            }
        case .brIfI32GeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.s32(i.b) >= r.s32(i.c) {
                    return r.jump(by: i.a)
                }
                return r.next()
            }
        case .brIfI32GeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) >= r.i32(i.c) {
                    return r.jump(by: i.a)
                }
                return r.next()
            }
        case .brIfI32EqImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) == i.c { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32NeImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) != i.c { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32LtSImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.s32(i.b) < Int32(bitPattern: i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32LtUImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) < i.c { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32GtSImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.s32(i.b) > Int32(bitPattern: i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32GtUImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) > i.c { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32LeSImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.s32(i.b) <= Int32(bitPattern: i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32LeUImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) <= i.c { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32GeSImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.s32(i.b) >= Int32(bitPattern: i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32GeUImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i32(i.b) >= i.c { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64Eq:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i64(i.b) == r.i64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64Ne:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i64(i.b) != r.i64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64LtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.s64(i.b) < r.s64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64LtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i64(i.b) < r.i64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64GtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.s64(i.b) > r.s64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64GtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i64(i.b) > r.i64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64LeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.s64(i.b) <= r.s64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64LeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i64(i.b) <= r.i64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64GeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.s64(i.b) >= r.s64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64GeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.i64(i.b) >= r.i64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brTable:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                // Land on the selected entry, itself a `br` executed next.
                r.pc += 1 + Int(Numeric.smaller(r.i32(i.a), i.b))
                return r.dispatch()
            }
        case .i32AddThenReturn:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &+ r.i32(i.c))
                return r.returnToCaller()
            }
        case .return:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                return r.returnToCaller()
            }
        case .call:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let callee = r.instance.pointee.functions[Int(i.a)]
                guard let code = callee.pointee.code else { return r.leave(.callHost, callee: callee) }
                guard r.call(callee, code: code, frameStart: i.b) else { return r.trap(.callStackExhausted) }
                return r.dispatchCharging(bytes: Registers.fuelUnit)
            }
        case .callDefined:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                // SAFETY: `linkCalls` stored the address of the callee's record in `b` and `c`.
                let callee = UnsafeMutablePointer<FunctionRecord>(
                    bitPattern: UnsafeRawPointer(r.pc).loadUnaligned(fromByteOffset: LinkedInstruction.calleeOffset, as: UInt.self))
                    .unsafelyUnwrapped
                guard r.enter(callee, code: callee.pointee.code.unsafelyUnwrapped, frameStart: i.a) else {
                    return r.trap(.callStackExhausted)
                }
                return r.dispatchCharging(bytes: Registers.fuelUnit)
            }
        case .callIndirect:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let callee = r.indirectCallee(i) else { return r.leave(.trapped) }
                guard let code = callee.pointee.code else { return r.leave(.callHost, callee: callee) }
                guard r.call(callee, code: code, frameStart: i.b) else { return r.trap(.callStackExhausted) }
                return r.dispatchCharging(bytes: Registers.fuelUnit)
            }
        case .returnCall:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let callee = r.instance.pointee.functions[Int(i.a)]
                // A host function is called as by `call`; the code after this instruction returns its results.
                guard let code = callee.pointee.code else { return r.leave(.callHost, callee: callee) }
                guard r.replaceFrame(callee, code: code, argumentStart: i.b) else { return r.trap(.callStackExhausted) }
                return r.dispatchCharging(bytes: Registers.fuelUnit)
            }
        case .returnCallIndirect:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let callee = r.indirectCallee(i) else { return r.leave(.trapped) }
                guard let code = callee.pointee.code else { return r.leave(.callHost, callee: callee) }
                guard r.replaceFrame(callee, code: code, argumentStart: i.b) else { return r.trap(.callStackExhausted) }
                return r.dispatchCharging(bytes: Registers.fuelUnit)
            }
        case .zeroLocals:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                // A few locals more than the call zeroed: straight stores (the value stack has slack past its
                // end for the ones past the frame); a `memset` call would cost the handler a frame.
                guard i.b <= Store.localsZeroedInHandler else { return r.leave(.outOfLine) }
                let locals = r.fp + Int(i.a)
                locals[0] = 0
                locals[1] = 0
                locals[2] = 0
                locals[3] = 0
                locals[4] = 0
                locals[5] = 0
                locals[6] = 0
                locals[7] = 0
                return r.next()
            }
        // MARK: Moves and constants
        case .copy:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b))
                return r.next()
            }
        case .const32:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, UInt64(i.b))
                return r.next()
            }
        case .const64:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, UInt64(i.b) | UInt64(i.c) << 32)
                return r.next()
            }
        case .select:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                // Branch-free (an unconditional store lets the compiler use a conditional move): the
                // condition is data, often unpredictable, and a mispredicted branch costs ~15 cycles.
                let kept = r.fp[Int(i.a)]
                let other = r.fp[Int(i.b)]
                r.setI64(i.a, r.i32(i.c) == 0 ? other : kept)
                return r.next()
            }
        case .selectFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let kept = r.fp[Int(i.a)]
                let other = r.fp[Int(i.b)]
                r.setI64(i.a, r.forwardedI32 == 0 ? other : kept)
                return r.next()
            }
        case .globalGet:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.instance.pointee.globals[Int(i.b)].pointee.value)
                return r.next()
            }
        case .globalSet:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.instance.pointee.globals[Int(i.b)].pointee.value = r.fp[Int(i.a)]
                return r.next()
            }
        // MARK: References
        case .refFunc:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.fp[Int(i.a)] = UInt64(UInt(bitPattern: r.instance.pointee.functions[Int(i.b)]))
                return r.next()
            }
        case .refIsNull:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.fp[Int(i.b)] == 0)
                return r.next()
            }
        case .callRef:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let callee = r.referencedCallee(i) else { return r.leave(.trapped) }
                guard let code = callee.pointee.code else { return r.leave(.callHost, callee: callee) }
                guard r.call(callee, code: code, frameStart: i.b) else { return r.trap(.callStackExhausted) }
                return r.dispatchCharging(bytes: Registers.fuelUnit)
            }
        case .returnCallRef:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let callee = r.referencedCallee(i) else { return r.leave(.trapped) }
                guard let code = callee.pointee.code else { return r.leave(.callHost, callee: callee) }
                guard r.replaceFrame(callee, code: code, argumentStart: i.b) else { return r.trap(.callStackExhausted) }
                return r.dispatchCharging(bytes: Registers.fuelUnit)
            }
        case .refAsNonNull:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.fp[Int(i.a)] == 0 { return r.trap(.nullReference) }
                return r.next()
            }
        case .brOnNull:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.fp[Int(i.b)] == 0 { return r.jump(by: i.a) }
                return r.next()
            }
        case .brOnNonNull:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.fp[Int(i.b)] != 0 { return r.jump(by: i.a) }
                return r.next()
            }
        // MARK: GC's fields, elements and lengths (see `Store+GC.swift`)
        case .structGet:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let reference = r.fp[Int(i.a)]
                guard reference != 0 else { return r.trap(.nullStructureReference) }
                FieldAccess(rawValue: i.c).unsafelyUnwrapped.load(
                    at: GCObject(bits: reference).payload + Int(i.b), into: r.fp + Int(i.a))
                return r.next()
            }
        case .structSet:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let reference = r.fp[Int(i.a)]
                guard reference != 0 else { return r.trap(.nullStructureReference) }
                FieldAccess(rawValue: i.c).unsafelyUnwrapped.store(
                    at: GCObject(bits: reference).payload + Int(i.b), from: r.fp + Int(i.a) + 1)
                return r.next()
            }
        case .arrayGet:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let reference = r.fp[Int(i.a)]
                guard reference != 0 else { return r.trap(.nullArrayReference) }
                let array = GCObject(bits: reference)
                let index = Int(r.i32(i.a &+ 1))
                guard index < array.count else { return r.trap(.arrayOutOfBounds) }
                let access = FieldAccess(rawValue: i.c).unsafelyUnwrapped
                access.load(at: array.payload + index &* access.byteSize, into: r.fp + Int(i.a))
                return r.next()
            }
        case .arraySet:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let reference = r.fp[Int(i.a)]
                guard reference != 0 else { return r.trap(.nullArrayReference) }
                let array = GCObject(bits: reference)
                let index = Int(r.i32(i.a &+ 1))
                guard index < array.count else { return r.trap(.arrayOutOfBounds) }
                let access = FieldAccess(rawValue: i.c).unsafelyUnwrapped
                access.store(at: array.payload + index &* access.byteSize, from: r.fp + Int(i.a) + 2)
                return r.next()
            }
        case .arrayLen:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let reference = r.fp[Int(i.a)]
                guard reference != 0 else { return r.trap(.nullArrayReference) }
                r.setI64(i.a, UInt64(GCObject(bits: reference).count))
                return r.next()
            }
        // MARK: Out of line (see `executeOutOfLine`)
        case .tableGet, .tableSet, .tableSize, .tableGrow, .tableFill, .tableCopy, .tableInit, .elemDrop,
            .memoryFill, .memoryCopy, .memoryInit, .dataDrop, .memoryGrow, .translateFunction, .memoryCopyBetween,
            .f32Ceil, .f32Floor, .f32Trunc, .f32Nearest, .f64Ceil, .f64Floor, .f64Trunc, .f64Nearest,
            .throw, .throwRef, .tryRegion, .catchClause, .catchRefClause, .legacyCatchClause, .delegateClause,
            .structNew, .structNewDefault, .arrayNew, .arrayNewDefault, .arrayNewFixed, .arrayNewData, .arrayNewElem,
            .arrayInitData, .arrayInitElem, .arrayFill, .arrayCopy, .refI31, .i31Get, .refEq, .refTest, .refCast,
            .anyConvertExtern, .externConvertAny:
            return {
                let r = Registers($0, $1, $2, $3, $4, $5, $6)
                return r.leave(.outOfLine)
            }
        case .memorySize:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, UInt32(truncatingIfNeeded: r.memorySize / wasmPageSize))
                return r.next()
            }
        // MARK: Loads and stores
        case .i32Load:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, as: UInt32.self) else { return r.trap(.memoryOutOfBounds) }
                r.setI32(i.a, value)
                return r.next()
            }
        // 64-bit loads also fill the float forwarding register: an f64 load's value then feeds f64 arithmetic
        // from a floating-point register (an i64 load pays one register move for it).
        case .i64Load:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, as: UInt64.self) else { return r.trap(.memoryOutOfBounds) }
                r.setLoaded64(i.a, value)
                return r.next()
            }
        case .i32Load8S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, as: Int8.self) else { return r.trap(.memoryOutOfBounds) }
                r.setS32(i.a, Int32(value))
                return r.next()
            }
        case .i32Load8U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, as: UInt8.self) else { return r.trap(.memoryOutOfBounds) }
                r.setI32(i.a, UInt32(value))
                return r.next()
            }
        case .i32Load16S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, as: Int16.self) else { return r.trap(.memoryOutOfBounds) }
                r.setS32(i.a, Int32(value))
                return r.next()
            }
        case .i32Load16U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, as: UInt16.self) else { return r.trap(.memoryOutOfBounds) }
                r.setI32(i.a, UInt32(value))
                return r.next()
            }
        case .i64Load8S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, as: Int8.self) else { return r.trap(.memoryOutOfBounds) }
                r.setS64(i.a, Int64(value))
                return r.next()
            }
        case .i64Load8U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, as: UInt8.self) else { return r.trap(.memoryOutOfBounds) }
                r.setI64(i.a, UInt64(value))
                return r.next()
            }
        case .i64Load16S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, as: Int16.self) else { return r.trap(.memoryOutOfBounds) }
                r.setS64(i.a, Int64(value))
                return r.next()
            }
        case .i64Load16U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, as: UInt16.self) else { return r.trap(.memoryOutOfBounds) }
                r.setI64(i.a, UInt64(value))
                return r.next()
            }
        case .i64Load32S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, as: Int32.self) else { return r.trap(.memoryOutOfBounds) }
                r.setS64(i.a, Int64(value))
                return r.next()
            }
        case .i64Load32U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, as: UInt32.self) else { return r.trap(.memoryOutOfBounds) }
                r.setI64(i.a, UInt64(value))
                return r.next()
            }
        case .i32LoadAddImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(UInt32.self, at: r.i32(i.b) &+ i.c) else { return r.trap(.memoryOutOfBounds) }
                r.setI32(i.a, value)
                return r.next()
            }
        case .i64LoadAddImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(UInt64.self, at: r.i32(i.b) &+ i.c) else { return r.trap(.memoryOutOfBounds) }
                r.setLoaded64(i.a, value)
                return r.next()
            }
        case .i32LoadScaled:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(UInt32.self, at: r.i32(i.b) &+ r.i32(i.c) &<< 2) else { return r.trap(.memoryOutOfBounds) }
                r.setI32(i.a, value)
                return r.next()
            }
        case .i64LoadScaled:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(UInt64.self, at: r.i32(i.b) &+ r.i32(i.c) &<< 3) else { return r.trap(.memoryOutOfBounds) }
                r.setLoaded64(i.a, value)
                return r.next()
            }
        case .i32Store:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard r.store(i, r.i32(i.a)) else { return r.trap(.memoryOutOfBounds) }
                return r.next()
            }
        case .i64Store:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard r.store(i, r.i64(i.a)) else { return r.trap(.memoryOutOfBounds) }
                return r.next()
            }
        case .i32Store8, .i64Store8:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard r.store(i, UInt8(truncatingIfNeeded: r.fp[Int(i.a)])) else { return r.trap(.memoryOutOfBounds) }
                return r.next()
            }
        case .i32Store16, .i64Store16:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard r.store(i, UInt16(truncatingIfNeeded: r.fp[Int(i.a)])) else { return r.trap(.memoryOutOfBounds) }
                return r.next()
            }
        case .i64Store32:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard r.store(i, UInt32(truncatingIfNeeded: r.fp[Int(i.a)])) else { return r.trap(.memoryOutOfBounds) }
                return r.next()
            }
        // MARK: Comparisons
        case .i32Eqz:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) == 0)
                return r.next()
            }
        case .i32Eq:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) == r.i32(i.c))
                return r.next()
            }
        case .i32Ne:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) != r.i32(i.c))
                return r.next()
            }
        case .i32LtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.s32(i.b) < r.s32(i.c))
                return r.next()
            }
        case .i32LtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) < r.i32(i.c))
                return r.next()
            }
        case .i32GtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.s32(i.b) > r.s32(i.c))
                return r.next()
            }
        case .i32GtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) > r.i32(i.c))
                return r.next()
            }
        case .i32LeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.s32(i.b) <= r.s32(i.c))
                return r.next()
            }
        case .i32LeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) <= r.i32(i.c))
                return r.next()
            }
        case .i32GeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.s32(i.b) >= r.s32(i.c))
                return r.next()
            }
        case .i32GeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) >= r.i32(i.c))
                return r.next()
            }
        case .i64Eqz:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i64(i.b) == 0)
                return r.next()
            }
        case .i64Eq:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i64(i.b) == r.i64(i.c))
                return r.next()
            }
        case .i64Ne:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i64(i.b) != r.i64(i.c))
                return r.next()
            }
        case .i64LtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.s64(i.b) < r.s64(i.c))
                return r.next()
            }
        case .i64LtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i64(i.b) < r.i64(i.c))
                return r.next()
            }
        case .i64GtS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.s64(i.b) > r.s64(i.c))
                return r.next()
            }
        case .i64GtU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i64(i.b) > r.i64(i.c))
                return r.next()
            }
        case .i64LeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.s64(i.b) <= r.s64(i.c))
                return r.next()
            }
        case .i64LeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i64(i.b) <= r.i64(i.c))
                return r.next()
            }
        case .i64GeS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.s64(i.b) >= r.s64(i.c))
                return r.next()
            }
        case .i64GeU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i64(i.b) >= r.i64(i.c))
                return r.next()
            }
        case .f32Eq:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.f32(i.b) == r.f32(i.c))
                return r.next()
            }
        case .f32Ne:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.f32(i.b) != r.f32(i.c))
                return r.next()
            }
        case .f32Lt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.f32(i.b) < r.f32(i.c))
                return r.next()
            }
        case .f32Gt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.f32(i.b) > r.f32(i.c))
                return r.next()
            }
        case .f32Le:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.f32(i.b) <= r.f32(i.c))
                return r.next()
            }
        case .f32Ge:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.f32(i.b) >= r.f32(i.c))
                return r.next()
            }
        case .f64Eq:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.f64(i.b) == r.f64(i.c))
                return r.next()
            }
        case .f64Ne:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.f64(i.b) != r.f64(i.c))
                return r.next()
            }
        case .f64Lt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.f64(i.b) < r.f64(i.c))
                return r.next()
            }
        case .f64Gt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.f64(i.b) > r.f64(i.c))
                return r.next()
            }
        case .f64Le:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.f64(i.b) <= r.f64(i.c))
                return r.next()
            }
        case .f64Ge:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.f64(i.b) >= r.f64(i.c))
                return r.next()
            }
        // MARK: i32 arithmetic
        case .i32Clz:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, UInt32(r.i32(i.b).leadingZeroBitCount))
                return r.next()
            }
        case .i32Ctz:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, UInt32(r.i32(i.b).trailingZeroBitCount))
                return r.next()
            }
        case .i32Popcnt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, UInt32(r.i32(i.b).nonzeroBitCount))
                return r.next()
            }
        case .i32Add:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &+ r.i32(i.c))
                return r.next()
            }
        case .i32Sub:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &- r.i32(i.c))
                return r.next()
            }
        case .i32Mul:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &* r.i32(i.c))
                return r.next()
            }
        case .i32DivS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.divS(r.s32(i.b), r.s32(i.c))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setS32(i.a, value)
                return r.next()
            }
        case .i32DivU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.divU(r.i32(i.b), r.i32(i.c))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setI32(i.a, value)
                return r.next()
            }
        case .i32RemS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.remS(r.s32(i.b), r.s32(i.c))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setS32(i.a, value)
                return r.next()
            }
        case .i32RemU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.remU(r.i32(i.b), r.i32(i.c))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setI32(i.a, value)
                return r.next()
            }
        case .i32And:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) & r.i32(i.c))
                return r.next()
            }
        case .i32Or:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) | r.i32(i.c))
                return r.next()
            }
        case .i32Xor:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) ^ r.i32(i.c))
                return r.next()
            }
        case .i32Shl:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &<< r.i32(i.c))
                return r.next()
            }
        case .i32ShrS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS32(i.a, r.s32(i.b) &>> r.s32(i.c))
                return r.next()
            }
        case .i32ShrU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &>> r.i32(i.c))
                return r.next()
            }
        case .i32Rotl:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, Numeric.rotateLeft(r.i32(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i32Rotr:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, Numeric.rotateRight(r.i32(i.b), r.i32(i.c)))
                return r.next()
            }
        // MARK: i64 arithmetic
        case .i64Clz:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, UInt64(r.i64(i.b).leadingZeroBitCount))
                return r.next()
            }
        case .i64Ctz:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, UInt64(r.i64(i.b).trailingZeroBitCount))
                return r.next()
            }
        case .i64Popcnt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, UInt64(r.i64(i.b).nonzeroBitCount))
                return r.next()
            }
        case .i64Add:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b) &+ r.i64(i.c))
                return r.next()
            }
        case .i64Sub:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b) &- r.i64(i.c))
                return r.next()
            }
        case .i64Mul:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b) &* r.i64(i.c))
                return r.next()
            }
        case .i64DivS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.divS(r.s64(i.b), r.s64(i.c))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setS64(i.a, value)
                return r.next()
            }
        case .i64DivU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.divU(r.i64(i.b), r.i64(i.c))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setI64(i.a, value)
                return r.next()
            }
        case .i64RemS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.remS(r.s64(i.b), r.s64(i.c))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setS64(i.a, value)
                return r.next()
            }
        case .i64RemU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.remU(r.i64(i.b), r.i64(i.c))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setI64(i.a, value)
                return r.next()
            }
        case .i64And:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b) & r.i64(i.c))
                return r.next()
            }
        case .i64Or:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b) | r.i64(i.c))
                return r.next()
            }
        case .i64Xor:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b) ^ r.i64(i.c))
                return r.next()
            }
        case .i64Shl:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b) &<< r.i64(i.c))
                return r.next()
            }
        case .i64ShrS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS64(i.a, r.s64(i.b) &>> r.s64(i.c))
                return r.next()
            }
        case .i64ShrU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b) &>> r.i64(i.c))
                return r.next()
            }
        case .i64Rotl:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, Numeric.rotateLeft(r.i64(i.b), r.i64(i.c)))
                return r.next()
            }
        case .i64Rotr:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, Numeric.rotateRight(r.i64(i.b), r.i64(i.c)))
                return r.next()
            }
        case .i32MinS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, UInt32(bitPattern: Numeric.smaller(r.s32(i.b), r.s32(i.c))))
                return r.next()
            }
        case .i32MinU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, Numeric.smaller(r.i32(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i32MaxS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, UInt32(bitPattern: Numeric.larger(r.s32(i.b), r.s32(i.c))))
                return r.next()
            }
        case .i32MaxU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, Numeric.larger(r.i32(i.b), r.i32(i.c)))
                return r.next()
            }
        case .i64MinS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, UInt64(bitPattern: Numeric.smaller(r.s64(i.b), r.s64(i.c))))
                return r.next()
            }
        case .i64MinU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, Numeric.smaller(r.i64(i.b), r.i64(i.c)))
                return r.next()
            }
        case .i64MaxS:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, UInt64(bitPattern: Numeric.larger(r.s64(i.b), r.s64(i.c))))
                return r.next()
            }
        case .i64MaxU:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, Numeric.larger(r.i64(i.b), r.i64(i.c)))
                return r.next()
            }
        // MARK: f32 arithmetic (abs, neg, copysign on bits: NaN payloads unchanged)
        case .f32Abs:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) & ~Numeric.f32SignBit)
                return r.next()
            }
        case .f32Neg:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) ^ Numeric.f32SignBit)
                return r.next()
            }
        case .f32Copysign:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) & ~Numeric.f32SignBit | r.i32(i.c) & Numeric.f32SignBit)
                return r.next()
            }
        case .f32Sqrt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF32(i.a, r.f32(i.b).squareRoot())
                return r.next()
            }
        case .f32Add:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF32(i.a, r.f32(i.b) + r.f32(i.c))
                return r.next()
            }
        case .f32Sub:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF32(i.a, r.f32(i.b) - r.f32(i.c))
                return r.next()
            }
        case .f32Mul:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF32(i.a, r.f32(i.b) * r.f32(i.c))
                return r.next()
            }
        case .f32Div:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF32(i.a, r.f32(i.b) / r.f32(i.c))
                return r.next()
            }
        case .f32Min:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF32(i.a, Numeric.minimum(r.f32(i.b), r.f32(i.c)))
                return r.next()
            }
        case .f32Max:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF32(i.a, Numeric.maximum(r.f32(i.b), r.f32(i.c)))
                return r.next()
            }
        // MARK: f64 arithmetic
        case .f64Abs:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b) & ~Numeric.f64SignBit)
                return r.next()
            }
        case .f64Neg:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b) ^ Numeric.f64SignBit)
                return r.next()
            }
        case .f64Copysign:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b) & ~Numeric.f64SignBit | r.i64(i.c) & Numeric.f64SignBit)
                return r.next()
            }
        case .f64Sqrt:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.f64(i.b).squareRoot())
                return r.next()
            }
        case .f64Add:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.f64(i.b) + r.f64(i.c))
                return r.next()
            }
        case .f64Sub:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.f64(i.b) - r.f64(i.c))
                return r.next()
            }
        case .f64Mul:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.f64(i.b) * r.f64(i.c))
                return r.next()
            }
        case .f64Div:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.f64(i.b) / r.f64(i.c))
                return r.next()
            }
        case .f64Min:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, Numeric.minimum(r.f64(i.b), r.f64(i.c)))
                return r.next()
            }
        case .f64Max:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, Numeric.maximum(r.f64(i.b), r.f64(i.c)))
                return r.next()
            }
        // MARK: Conversions
        case .i32WrapI64:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b))
                return r.next()
            }
        case .i32TruncF32S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.truncateToI32S(Double(r.f32(i.b)))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setI32(i.a, value)
                return r.next()
            }
        case .i32TruncF32U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.truncateToI32U(Double(r.f32(i.b)))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setI32(i.a, value)
                return r.next()
            }
        case .i32TruncF64S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.truncateToI32S(r.f64(i.b))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setI32(i.a, value)
                return r.next()
            }
        case .i32TruncF64U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.truncateToI32U(r.f64(i.b))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setI32(i.a, value)
                return r.next()
            }
        case .i64ExtendI32S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS64(i.a, Int64(r.s32(i.b)))
                return r.next()
            }
        case .i64ExtendI32U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, UInt64(r.i32(i.b)))
                return r.next()
            }
        case .i64TruncF32S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.truncateToI64S(Double(r.f32(i.b)))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setI64(i.a, value)
                return r.next()
            }
        case .i64TruncF32U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.truncateToI64U(Double(r.f32(i.b)))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setI64(i.a, value)
                return r.next()
            }
        case .i64TruncF64S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.truncateToI64S(r.f64(i.b))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setI64(i.a, value)
                return r.next()
            }
        case .i64TruncF64U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let valueResult = Numeric.truncateToI64U(r.f64(i.b))
                guard let value = valueResult.value else { return r.trap(valueResult.trap) }
                r.setI64(i.a, value)
                return r.next()
            }
        case .f32ConvertI32S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF32(i.a, Float(r.s32(i.b)))
                return r.next()
            }
        case .f32ConvertI32U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF32(i.a, Float(r.i32(i.b)))
                return r.next()
            }
        case .f32ConvertI64S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF32(i.a, Float(r.s64(i.b)))
                return r.next()
            }
        case .f32ConvertI64U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF32(i.a, Float(r.i64(i.b)))
                return r.next()
            }
        case .f32DemoteF64:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF32(i.a, Float(r.f64(i.b)))
                return r.next()
            }
        case .f64ConvertI32S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, Double(r.s32(i.b)))
                return r.next()
            }
        case .f64ConvertI32U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, Double(r.i32(i.b)))
                return r.next()
            }
        case .f64ConvertI64S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, Double(r.s64(i.b)))
                return r.next()
            }
        case .f64ConvertI64U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, Double(r.i64(i.b)))
                return r.next()
            }
        case .f64PromoteF32:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, Double(r.f32(i.b)))
                return r.next()
            }
        case .i32Extend8S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS32(i.a, Int32(Int8(truncatingIfNeeded: r.i32(i.b))))
                return r.next()
            }
        case .i32Extend16S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS32(i.a, Int32(Int16(truncatingIfNeeded: r.i32(i.b))))
                return r.next()
            }
        case .i64Extend8S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS64(i.a, Int64(Int8(truncatingIfNeeded: r.i64(i.b))))
                return r.next()
            }
        case .i64Extend16S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS64(i.a, Int64(Int16(truncatingIfNeeded: r.i64(i.b))))
                return r.next()
            }
        case .i64Extend32S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS64(i.a, Int64(Int32(truncatingIfNeeded: r.i64(i.b))))
                return r.next()
            }
        case .i32TruncSatF32S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, Numeric.saturateToI32S(Double(r.f32(i.b))))
                return r.next()
            }
        case .i32TruncSatF32U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, Numeric.saturateToI32U(Double(r.f32(i.b))))
                return r.next()
            }
        case .i32TruncSatF64S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, Numeric.saturateToI32S(r.f64(i.b)))
                return r.next()
            }
        case .i32TruncSatF64U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, Numeric.saturateToI32U(r.f64(i.b)))
                return r.next()
            }
        case .i64TruncSatF32S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, Numeric.saturateToI64S(Double(r.f32(i.b))))
                return r.next()
            }
        case .i64TruncSatF32U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, Numeric.saturateToI64U(Double(r.f32(i.b))))
                return r.next()
            }
        case .i64TruncSatF64S:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, Numeric.saturateToI64S(r.f64(i.b)))
                return r.next()
            }
        case .i64TruncSatF64U:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, Numeric.saturateToI64U(r.f64(i.b)))
                return r.next()
            }
        // MARK: Immediate forms
        case .i32AddImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &+ i.c)
                return r.next()
            }
        case .i32AndImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) & i.c)
                return r.next()
            }
        case .i32OrImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) | i.c)
                return r.next()
            }
        case .i32XorImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) ^ i.c)
                return r.next()
            }
        case .i32ShlImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &<< i.c)
                return r.next()
            }
        case .i32ShrSImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS32(i.a, r.s32(i.b) &>> Int32(bitPattern: i.c))
                return r.next()
            }
        case .i32ShrUImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &>> i.c)
                return r.next()
            }
        case .i64AddImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b) &+ UInt64(bitPattern: Int64(Int32(bitPattern: i.c))))
                return r.next()
            }
        case .i32EqImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) == i.c)
                return r.next()
            }
        case .i32NeImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) != i.c)
                return r.next()
            }
        case .i32LtSImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.s32(i.b) < Int32(bitPattern: i.c))
                return r.next()
            }
        case .i32LtUImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) < i.c)
                return r.next()
            }
        case .i32GtSImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.s32(i.b) > Int32(bitPattern: i.c))
                return r.next()
            }
        case .i32GtUImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) > i.c)
                return r.next()
            }
        case .i32LeSImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.s32(i.b) <= Int32(bitPattern: i.c))
                return r.next()
            }
        case .i32LeUImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) <= i.c)
                return r.next()
            }
        case .i32GeSImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.s32(i.b) >= Int32(bitPattern: i.c))
                return r.next()
            }
        case .i32XorShlImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let x = r.i32(i.b)
                r.setI32(i.a, x ^ x &<< i.c)
                return r.next()
            }
        case .i32XorShrUImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let x = r.i32(i.b)
                r.setI32(i.a, x ^ x &>> i.c)
                return r.next()
            }
        case .i32GeUImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) >= i.c)
                return r.next()
            }
        // MARK: Forwarded forms: the forwarded operand comes from `r.forwarded` (see `forwardResults`)
        case .brIfFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 != 0 { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfNotFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 == 0 { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32EqFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 == r.i32(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32NeFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 != r.i32(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32LtSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedS32 < r.s32(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32LtUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 < r.i32(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32GtSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedS32 > r.s32(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32GtUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 > r.i32(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32LeSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedS32 <= r.s32(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32LeUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 <= r.i32(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32GeSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedS32 >= r.s32(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32GeUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 >= r.i32(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64EqFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwarded == r.i64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64NeFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwarded != r.i64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64LtSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedS64 < r.s64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64LtUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwarded < r.i64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64GtSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedS64 > r.s64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64GtUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwarded > r.i64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64LeSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedS64 <= r.s64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64LeUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwarded <= r.i64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64GeSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedS64 >= r.s64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI64GeUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwarded >= r.i64(i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32EqImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 == i.c { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32NeImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 != i.c { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32LtSImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedS32 < Int32(bitPattern: i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32LtUImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 < i.c { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32GtSImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedS32 > Int32(bitPattern: i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32GtUImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 > i.c { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32LeSImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedS32 <= Int32(bitPattern: i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32LeUImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 <= i.c { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32GeSImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedS32 >= Int32(bitPattern: i.c) { return r.jump(by: i.a) }
                return r.next()
            }
        case .brIfI32GeUImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                if r.forwardedI32 >= i.c { return r.jump(by: i.a) }
                return r.next()
            }
        case .i32LoadFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, at: r.forwardedI32, as: UInt32.self) else { return r.trap(.memoryOutOfBounds) }
                r.setI32(i.a, value)
                return r.next()
            }
        case .i32LoadScaledFwdC:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(UInt32.self, at: r.i32(i.b) &+ r.forwardedI32 &<< 2) else { return r.trap(.memoryOutOfBounds) }
                r.setI32(i.a, value)
                return r.next()
            }
        case .i64LoadFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, at: r.forwardedI32, as: UInt64.self) else { return r.trap(.memoryOutOfBounds) }
                r.setLoaded64(i.a, value)
                return r.next()
            }
        case .i32Load8UFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, at: r.forwardedI32, as: UInt8.self) else { return r.trap(.memoryOutOfBounds) }
                r.setI32(i.a, UInt32(value))
                return r.next()
            }
        case .i32StoreFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard r.store(i, r.forwardedI32) else { return r.trap(.memoryOutOfBounds) }
                return r.next()
            }
        case .i64StoreFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard r.store(i, r.forwarded) else { return r.trap(.memoryOutOfBounds) }
                return r.next()
            }
        case .f64StoreFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard r.store(i, r.forwardedF64Bits) else { return r.trap(.memoryOutOfBounds) }
                return r.next()
            }
        case .i32Store8Fwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard r.store(i, UInt8(truncatingIfNeeded: r.forwarded)) else { return r.trap(.memoryOutOfBounds) }
                return r.next()
            }
        case .i32EqzFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.forwardedI32 == 0)
                return r.next()
            }
        case .i64EqzFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.forwarded == 0)
                return r.next()
            }
        case .i64EqFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.forwarded == r.i64(i.c))
                return r.next()
            }
        case .i64NeFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.forwarded != r.i64(i.c))
                return r.next()
            }
        case .i64LtSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.forwardedS64 < r.s64(i.c))
                return r.next()
            }
        case .i64LtUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.forwarded < r.i64(i.c))
                return r.next()
            }
        case .i64GtSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.forwardedS64 > r.s64(i.c))
                return r.next()
            }
        case .i64GtUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.forwarded > r.i64(i.c))
                return r.next()
            }
        case .i64LeSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.forwardedS64 <= r.s64(i.c))
                return r.next()
            }
        case .i64LeUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.forwarded <= r.i64(i.c))
                return r.next()
            }
        case .i64GeSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.forwardedS64 >= r.s64(i.c))
                return r.next()
            }
        case .i64GeUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.forwarded >= r.i64(i.c))
                return r.next()
            }
        case .i32AddFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 &+ r.i32(i.c))
                return r.next()
            }
        case .i32SubFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 &- r.i32(i.c))
                return r.next()
            }
        case .i32MulFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 &* r.i32(i.c))
                return r.next()
            }
        case .i32AndFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 & r.i32(i.c))
                return r.next()
            }
        case .i32OrFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 | r.i32(i.c))
                return r.next()
            }
        case .i32XorFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 ^ r.i32(i.c))
                return r.next()
            }
        case .i32ShlFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 &<< r.i32(i.c))
                return r.next()
            }
        case .i32ShrSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS32(i.a, r.forwardedS32 &>> r.s32(i.c))
                return r.next()
            }
        case .i32ShrUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 &>> r.i32(i.c))
                return r.next()
            }
        case .i64AddFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.forwarded &+ r.i64(i.c))
                return r.next()
            }
        case .i64SubFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.forwarded &- r.i64(i.c))
                return r.next()
            }
        case .i64MulFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.forwarded &* r.i64(i.c))
                return r.next()
            }
        case .i64AndFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.forwarded & r.i64(i.c))
                return r.next()
            }
        case .i64OrFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.forwarded | r.i64(i.c))
                return r.next()
            }
        case .i64XorFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.forwarded ^ r.i64(i.c))
                return r.next()
            }
        case .i64ShlFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.forwarded &<< r.i64(i.c))
                return r.next()
            }
        case .i64ShrSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS64(i.a, r.forwardedS64 &>> r.s64(i.c))
                return r.next()
            }
        case .i64ShrUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.forwarded &>> r.i64(i.c))
                return r.next()
            }
        case .f64AddFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.forwardedF64 + r.f64(i.c))
                return r.next()
            }
        case .f64SubFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.forwardedF64 - r.f64(i.c))
                return r.next()
            }
        case .f64MulFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.forwardedF64 * r.f64(i.c))
                return r.next()
            }
        case .f64DivFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.forwardedF64 / r.f64(i.c))
                return r.next()
            }
        case .i32SubFwdC:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &- r.forwardedI32)
                return r.next()
            }
        case .i32ShlFwdC:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &<< r.forwardedI32)
                return r.next()
            }
        case .i32ShrUFwdC:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &>> r.forwardedI32)
                return r.next()
            }
        case .f64SubFwdC:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.f64(i.b) - r.forwardedF64)
                return r.next()
            }
        case .f64DivFwdC:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.f64(i.b) / r.forwardedF64)
                return r.next()
            }
        case .i32AddImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 &+ i.c)
                return r.next()
            }
        case .i32AndImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 & i.c)
                return r.next()
            }
        case .i32OrImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 | i.c)
                return r.next()
            }
        case .i32XorImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 ^ i.c)
                return r.next()
            }
        case .i32ShlImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 &<< i.c)
                return r.next()
            }
        case .i32ShrSImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS32(i.a, r.forwardedS32 &>> Int32(bitPattern: i.c))
                return r.next()
            }
        case .i32ShrUImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 &>> i.c)
                return r.next()
            }
        case .i32XorShlImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 ^ r.forwardedI32 &<< i.c)
                return r.next()
            }
        case .i32XorShrUImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32 ^ r.forwardedI32 &>> i.c)
                return r.next()
            }
        case .i64AddImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.forwarded &+ UInt64(bitPattern: Int64(Int32(bitPattern: i.c))))
                return r.next()
            }
        case .f64SqrtFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.forwardedF64.squareRoot())
                return r.next()
            }
        case .i32WrapI64Fwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.forwardedI32)
                return r.next()
            }
        case .i64ExtendI32SFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setS64(i.a, Int64(r.forwardedS32))
                return r.next()
            }
        case .i64ExtendI32UFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, UInt64(r.forwardedI32))
                return r.next()
            }
        case .f64ConvertI32SFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, Double(r.forwardedS32))
                return r.next()
            }
        // MARK: Loop steps: the addition, then the branch in the next word (skipped when not taken)
        case .i32AddImmBrIfI32NeFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum != r.i32(branch.c) { return r.jump(by: branch.a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .i32AddImmBrIfI32LtSFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if Int32(bitPattern: sum) < r.s32(branch.c) { return r.jump(by: branch.a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .i32AddImmBrIfI32LtUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum < r.i32(branch.c) { return r.jump(by: branch.a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .i32AddImmBrIfI32NeImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum != branch.c { return r.jump(by: branch.a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .i32AddImmBrIfI32LtSImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if Int32(bitPattern: sum) < Int32(bitPattern: branch.c) { return r.jump(by: branch.a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .i32AddImmBrIfI32LtUImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum < branch.c { return r.jump(by: branch.a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .i32AddImmBrIfI32GtUImmFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum > branch.c { return r.jump(by: branch.a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .i64AddBrIfI64LtUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let sum = r.i64(i.b) &+ r.i64(i.c)
                r.setI64(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum < r.i64(branch.c) { return r.jump(by: branch.a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .i64AddBrIfI64NeFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let sum = r.i64(i.b) &+ r.i64(i.c)
                r.setI64(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum != r.i64(branch.c) { return r.jump(by: branch.a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .i64AddImmBrIfI64NeFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let sum = r.i64(i.b) &+ UInt64(bitPattern: Int64(Int32(bitPattern: i.c)))
                r.setI64(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum != r.i64(branch.c) { return r.jump(by: branch.a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .i64AddImmBrIfI64LtUFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let sum = r.i64(i.b) &+ UInt64(bitPattern: Int64(Int32(bitPattern: i.c)))
                r.setI64(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum < r.i64(branch.c) { return r.jump(by: branch.a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .i32AddImmBrIfFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                if sum != 0 { return r.jump(by: InstructionOperands(r.pc + 1).a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .i32AddImmThenI32AddImmBrIfFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &+ i.c)
                let step = InstructionOperands(r.pc + 1)
                let sum = r.i32(step.b) &+ step.c
                r.setI32(step.a, sum)
                if sum != 0 { return r.jump(by: InstructionOperands(r.pc + 2).a, fromWord: 2) }
                r.pc += 3
                return r.dispatch()
            }
        case .i32AddImmThenI64AddImmBrIfI64NeFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &+ i.c)
                let step = InstructionOperands(r.pc + 1)
                let sum = r.i64(step.b) &+ UInt64(bitPattern: Int64(Int32(bitPattern: step.c)))
                r.setI64(step.a, sum)
                let branch = InstructionOperands(r.pc + 2)
                if sum != r.i64(branch.c) { return r.jump(by: branch.a, fromWord: 2) }
                r.pc += 3
                return r.dispatch()
            }
        // MARK: Pairs: the first instruction, then the second (the next word), then on after both
        case .i32Store8ThenI32Add:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard r.store(i, UInt8(truncatingIfNeeded: r.fp[Int(i.a)])) else { return r.trap(.memoryOutOfBounds) }
                let next = InstructionOperands(r.pc + 1)
                r.setI32(next.a, r.i32(next.b) &+ r.i32(next.c))
                r.pc += 2
                return r.dispatch()
            }
        case .i32AddImmThenI32Add:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &+ i.c)
                let next = InstructionOperands(r.pc + 1)
                r.setI32(next.a, r.i32(next.b) &+ r.i32(next.c))
                r.pc += 2
                return r.dispatch()
            }
        case .i32AddImmThenI32AddImm:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI32(i.a, r.i32(i.b) &+ i.c)
                let next = InstructionOperands(r.pc + 1)
                r.setI32(next.a, r.i32(next.b) &+ next.c)
                r.pc += 2
                return r.dispatch()
            }
        case .i32LoadThenI32StoreFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, as: UInt32.self) else { return r.trap(.memoryOutOfBounds) }
                r.setI32(i.a, value)
                guard r.store(InstructionOperands(r.pc + 1), value) else { return r.trap(.memoryOutOfBounds) }
                r.pc += 2
                return r.dispatch()
            }
        case .i64LoadFwdThenF64SubFwdC:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, at: r.forwardedI32, as: UInt64.self) else { return r.trap(.memoryOutOfBounds) }
                r.setLoaded64(i.a, value)
                let next = InstructionOperands(r.pc + 1)
                r.setF64(next.a, r.f64(next.b) - r.forwardedF64)
                r.pc += 2
                return r.dispatch()
            }
        case .i64LoadAddImmThenF64SubFwdC:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(UInt64.self, at: r.i32(i.b) &+ i.c) else { return r.trap(.memoryOutOfBounds) }
                r.setLoaded64(i.a, value)
                let next = InstructionOperands(r.pc + 1)
                r.setF64(next.a, r.f64(next.b) - r.forwardedF64)
                r.pc += 2
                return r.dispatch()
            }
        case .i64LoadAddImmThenF64MulFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(UInt64.self, at: r.i32(i.b) &+ i.c) else { return r.trap(.memoryOutOfBounds) }
                r.setLoaded64(i.a, value)
                let next = InstructionOperands(r.pc + 1)
                r.setF64(next.a, r.forwardedF64 * r.f64(next.c))
                r.pc += 2
                return r.dispatch()
            }
        case .f64SubFwdCThenF64MulFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.f64(i.b) - r.forwardedF64)
                let next = InstructionOperands(r.pc + 1)
                r.setF64(next.a, r.forwardedF64 * r.f64(next.c))
                r.pc += 2
                return r.dispatch()
            }
        case .f64MulFwdThenF64AddFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.forwardedF64 * r.f64(i.c))
                let next = InstructionOperands(r.pc + 1)
                r.setF64(next.a, r.forwardedF64 + r.f64(next.c))
                r.pc += 2
                return r.dispatch()
            }
        case .f64AddFwdThenF64SqrtFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.forwardedF64 + r.f64(i.c))
                r.setF64(InstructionOperands(r.pc + 1).a, r.forwardedF64.squareRoot())
                r.pc += 2
                return r.dispatch()
            }
        case .f64MulFwdThenF64DivFwdC:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.forwardedF64 * r.f64(i.c))
                let next = InstructionOperands(r.pc + 1)
                r.setF64(next.a, r.f64(next.b) / r.forwardedF64)
                r.pc += 2
                return r.dispatch()
            }
        case .f64MulThenF64MulFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.f64(i.b) * r.f64(i.c))
                r.setF64(InstructionOperands(r.pc + 1).a, r.forwardedF64 * r.f64(InstructionOperands(r.pc + 1).c))
                r.pc += 2
                return r.dispatch()
            }
        case .f64AddFwdThenF64StoreFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.forwardedF64 + r.f64(i.c))
                guard r.store(InstructionOperands(r.pc + 1), r.forwardedF64Bits) else { return r.trap(.memoryOutOfBounds) }
                r.pc += 2
                return r.dispatch()
            }
        case .f64SubFwdCThenF64StoreFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setF64(i.a, r.f64(i.b) - r.forwardedF64)
                guard r.store(InstructionOperands(r.pc + 1), r.forwardedF64Bits) else { return r.trap(.memoryOutOfBounds) }
                r.pc += 2
                return r.dispatch()
            }
        case .copyThenI32LoadScaledFwdC:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b))
                let next = InstructionOperands(r.pc + 1)
                guard let value = r.load(UInt32.self, at: r.i32(next.b) &+ r.forwardedI32 &<< 2) else { return r.trap(.memoryOutOfBounds) }
                r.setI32(next.a, value)
                r.pc += 2
                return r.dispatch()
            }
        case .copyThenSelect:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setI64(i.a, r.i64(i.b))
                let next = InstructionOperands(r.pc + 1)
                let kept = r.fp[Int(next.a)]
                let other = r.fp[Int(next.b)]
                r.setI64(next.a, r.i32(next.c) == 0 ? other : kept)
                r.pc += 2
                return r.dispatch()
            }
        case .i32GtUThenI32AddFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) > r.i32(i.c))
                let next = InstructionOperands(r.pc + 1)
                r.setI32(next.a, r.forwardedI32 &+ r.i32(next.c))
                r.pc += 2
                return r.dispatch()
            }
        case .i32LeUThenI32AddFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.setBool(i.a, r.i32(i.b) <= r.i32(i.c))
                let next = InstructionOperands(r.pc + 1)
                r.setI32(next.a, r.forwardedI32 &+ r.i32(next.c))
                r.pc += 2
                return r.dispatch()
            }
        case .i32GeUThenBrIfFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let condition = r.i32(i.b) >= r.i32(i.c)
                r.setBool(i.a, condition)
                if condition { return r.jump(by: InstructionOperands(r.pc + 1).a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .i32Load8UFwdThenBrIfFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard let value = r.load(i, at: r.forwardedI32, as: UInt8.self) else { return r.trap(.memoryOutOfBounds) }
                let byte = value
                r.setI32(i.a, UInt32(byte))
                if byte != 0 { return r.jump(by: InstructionOperands(r.pc + 1).a, fromWord: 1) }
                r.pc += 2
                return r.dispatch()
            }
        case .copyThenI32Load8UFwdThenBrIfFwd:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                let address = r.i64(i.b)
                r.setI64(i.a, address)
                let load = InstructionOperands(r.pc + 1)
                guard let value = r.load(load, at: UInt32(truncatingIfNeeded: address), as: UInt8.self) else { return r.trap(.memoryOutOfBounds) }
                let byte = value
                r.setI32(load.a, UInt32(byte))
                if byte != 0 { return r.jump(by: InstructionOperands(r.pc + 2).a, fromWord: 2) }
                r.pc += 3
                return r.dispatch()
            }
        // MARK: Multiple and 64-bit memories
        case .useMemory:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                r.memoryBase = r.instance.pointee.memories[Int(i.a)].pointee.base
                return r.next()
            }
        case .requireLow32:
            return {
                var r = Registers($0, $1, $2, $3, $4, $5, $6)
                let i = InstructionOperands(r.pc)
                guard UInt32(truncatingIfNeeded: r.i64(i.a) >> 32) | i.b == 0 else {
                    return r.trap(InterpreterTrap(rawValue: UInt8(truncatingIfNeeded: i.c)).unsafelyUnwrapped)
                }
                return r.next()
            }
        default:
            return simdHandler
        }
    }
}
