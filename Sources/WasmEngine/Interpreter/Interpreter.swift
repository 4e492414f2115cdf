// The interpreter: one dispatch loop over the internal code (see `Instruction.swift` for its contract).
//
// Machine model: `r.pc` walks an `UnsafePointer<Instruction>`; each instruction's opcode is loaded and
// dispatched by a `switch` on its opcode (a jump table). Operands are slot indices into the frame `r.fp`.
// A simple handler is about ten machine instructions: load its operand fields, load/compute/store slots,
// `pc += 16`, then its own copy of the dispatch (load the next opcode, load the jump-table entry, jump):
// LLVM duplicates the dispatch into every handler (see Package.swift and `InstructionOperands`), so each
// handler's indirect jump is predicted from its own history. Every value a handler writes also stays in
// `r.forwarded` (and `r.forwardedFloat` for f64 arithmetic), a machine register; the `...Fwd` forms that
// `forwardResults` makes read it there instead of reloading the slot just stored, so a dependent chain
// does not pay a store-to-load round trip per link.
// Wasm→wasm calls push the caller's registers on the explicit call-frame stack and continue in the same loop,
// so wasm recursion never grows the host stack; only host functions (and an `invoke` they make) nest on it.
// The loop itself (`run`) makes no calls: a host call, a trap, and the few instructions that need a library
// call leave it through a `LoopExit` for `execute`, then the loop resumes. Calls anywhere in the loop would
// pin its registers in callee-saved registers or on the stack in every handler.
// The loop touches only raw pointers into store-owned buffers and value types held in locals: no retain,
// release, allocation, existential or exclusivity check happens per instruction.

extension Store {
    /// Fuel drawn per slice (see `Registers.poll`): it bounds how long running code goes without reading
    /// the interruption flag (tens of microseconds of simple instructions).
    static let fuelSliceSize: UInt64 = 1 << 16
    /// `fuelRemaining` when fuel is unlimited (it could not run out in practice anyway).
    static let unlimitedFuel = UInt64.max

    /// Runs the wasm function `entry` whose frame (arguments in place, locals zeroed) starts at `frame`.
    /// On return its results are in `frame[0..<resultCount]`.
    func execute(_ entry: UnsafeMutablePointer<FunctionRecord>, frame: UnsafeMutablePointer<UInt64>) throws(Trap) {
        // Locals, not `self.` reads, inside the loop: a class property read may carry an exclusivity check.
        let limits = StackLimits(valueStackEnd: valueStackEnd!, callFramesEnd: callFramesEnd!)
        let interruptHandle = self.interruptHandle
        let entryCallFrame = callFrameTop!
        let code = UnsafePointer(entry.pointee.code.unsafelyUnwrapped)
        let context = UnsafeMutablePointer<ExecutionContext>.allocate(capacity: 1)
        defer { context.deallocate() }
        // SAFETY: freshly allocated for this run; every field is a trivial value.
        context.initialize(
            to: ExecutionContext(
                instance: entry.pointee.instance.unsafelyUnwrapped, fuelBank: fuelRemaining))
        var r = Registers(
            pc: code, fp: frame, memoryBase: placeholderMemory.pointee.base, callFrame: entryCallFrame,
            // True of any back-edge at `code`: jumping backwards from the first instruction lands on it.
            lastBackEdge: code, context: context)
        r.reloadMemory()
        // While the loop runs, the fuel it holds (`r.fuelBank` and `r.fuel`) is out of `fuelRemaining`.
        let fuelIsLimited = fuelRemaining != Store.unlimitedFuel
        if fuelIsLimited { fuelRemaining = 0 }
        defer { if fuelIsLimited { fuelRemaining = r.fuelBank &+ r.fuelInstructions } }
        try r.poll(cost: 1, interruptHandle: interruptHandle)

        while true {
            switch run(&r, limits, interruptHandle, entryCallFrame) {
            case .returned:
                return
            case .trapped(let trap):
                throw trap
            case .callHost(let callee):
                // The host may run wasm code too (through `invoke`), which spends the store's fuel; and it may
                // raise the interruption flag, which the emptied slice makes the next poll read.
                if fuelIsLimited {
                    fuelRemaining = r.fuelBank &+ r.fuelInstructions
                    r.fuelBank = 0
                }
                r.fuel = 0
                try callHostFunction(
                    callee, frame: r.fp + Int(r.pc.pointee.b), callerInstance: r.instance, callFrameTop: r.callFrame)
                if fuelIsLimited {
                    r.fuelBank = fuelRemaining
                    fuelRemaining = 0
                }
                r.reloadMemory()
                r.pc += 1
            case .outOfLine:
                try executeOutOfLine(&r)
            }
        }
    }

    /// Why `run` left the dispatch loop: to finish, or for work that calls out of the engine.
    enum LoopExit {
        /// The instruction at `pc` (the payload) is one `executeOutOfLine` runs. The out-of-line opcodes' jump
        /// table entries lead straight to the loop's exit, so whatever this case needs in registers, every
        /// dispatch sets up before its indirect jump: the pc is there already, a constant payload would cost
        /// one instruction in every handler.
        case outOfLine(UnsafePointer<Instruction>)
        case returned
        case trapped(Trap)
        /// The `call` or `call_indirect` at `pc` calls this host function.
        case callHost(UnsafeMutablePointer<FunctionRecord>)
    }

    /// The dispatch loop. It makes no calls: every instruction that would call a function (a host function,
    /// libm, `memset`, a memory or table growth) leaves it through a `LoopExit` for `execute` to handle, and
    /// traps leave it the same way. So LLVM keeps the registers in machine registers across the whole loop:
    /// any call in it, even on a cold path, would make them live across that call and push some onto the
    /// stack in every handler.
    @inline(never)
    private func run(
        _ registers: inout Registers, _ limits: StackLimits, _ interruptHandle: InterruptHandle,
        _ entryCallFrame: UnsafeMutablePointer<CallFrame>
    ) -> LoopExit {
        // A local copy, not the `inout` itself: stores to slots could alias it, so LLVM would reload it.
        var r = registers
        do throws(Trap) {
            let exit = try dispatch(&r, limits, interruptHandle, entryCallFrame)
            registers = r
            return exit
        } catch {
            // A trap ends the run, which needs only the fuel left. Every `throw` calls the runtime's
            // `swift_willThrowTyped` hook: the less that must outlive that call, the less LLVM keeps in
            // callee-saved registers or on the stack throughout the loop.
            registers.fuel = r.fuel
            return .trapped(error)
        }
    }

    @inline(__always)
    private func dispatch(
        _ r: inout Registers, _ limits: StackLimits, _ interruptHandle: InterruptHandle,
        _ entryCallFrame: UnsafeMutablePointer<CallFrame>
    ) throws(Trap) -> LoopExit {
        while true {
            // Only the opcode is read here; each handler reads the operands it uses (see `InstructionOperands`).
            let i = InstructionOperands(r.pc)
            switch i.opcode {
            // MARK: Control
            case .unreachable:
                throw Trap(.unreachable)
            case .br:
                try r.branch(by: i.a, interruptHandle: interruptHandle)
                continue
            case .brIf:
                if r.i32(i.b) != 0 {
                    try r.branch(by: i.a, interruptHandle: interruptHandle)
                    continue
                }
            case .brIfNot:
                if r.i32(i.b) == 0 {
                    try r.branch(by: i.a, interruptHandle: interruptHandle)
                    continue
                }
            case .brIfI32Eq:
                if r.i32(i.b) == r.i32(i.c) {
                    try r.branch(by: i.a, interruptHandle: interruptHandle)
                    continue
                }
            case .brIfI32Ne:
                if r.i32(i.b) != r.i32(i.c) {
                    try r.branch(by: i.a, interruptHandle: interruptHandle)
                    continue
                }
            case .brIfI32LtS:
                if r.s32(i.b) < r.s32(i.c) {
                    try r.branch(by: i.a, interruptHandle: interruptHandle)
                    continue
                }
            case .brIfI32LtU:
                if r.i32(i.b) < r.i32(i.c) {
                    try r.branch(by: i.a, interruptHandle: interruptHandle)
                    continue
                }
            case .brIfI32GtS:
                if r.s32(i.b) > r.s32(i.c) {
                    try r.branch(by: i.a, interruptHandle: interruptHandle)
                    continue
                }
            case .brIfI32GtU:
                if r.i32(i.b) > r.i32(i.c) {
                    try r.branch(by: i.a, interruptHandle: interruptHandle)
                    continue
                }
            case .brIfI32LeS:
                if r.s32(i.b) <= r.s32(i.c) {
                    try r.branch(by: i.a, interruptHandle: interruptHandle)
                    continue
                }
            case .brIfI32LeU:
                if r.i32(i.b) <= r.i32(i.c) {
                    try r.branch(by: i.a, interruptHandle: interruptHandle)
                    continue
                }
            case .brIfI32GeS:
                if r.s32(i.b) >= r.s32(i.c) {
                    try r.branch(by: i.a, interruptHandle: interruptHandle)
                    continue
                }
            case .brIfI32GeU:
                if r.i32(i.b) >= r.i32(i.c) {
                    try r.branch(by: i.a, interruptHandle: interruptHandle)
                    continue
                }
            case .brIfI32EqImm:
                if r.i32(i.b) == i.c { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32NeImm:
                if r.i32(i.b) != i.c { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32LtSImm:
                if r.s32(i.b) < Int32(bitPattern: i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32LtUImm:
                if r.i32(i.b) < i.c { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32GtSImm:
                if r.s32(i.b) > Int32(bitPattern: i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32GtUImm:
                if r.i32(i.b) > i.c { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32LeSImm:
                if r.s32(i.b) <= Int32(bitPattern: i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32LeUImm:
                if r.i32(i.b) <= i.c { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32GeSImm:
                if r.s32(i.b) >= Int32(bitPattern: i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32GeUImm:
                if r.i32(i.b) >= i.c { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64Eq:
                if r.i64(i.b) == r.i64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64Ne:
                if r.i64(i.b) != r.i64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64LtS:
                if r.s64(i.b) < r.s64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64LtU:
                if r.i64(i.b) < r.i64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64GtS:
                if r.s64(i.b) > r.s64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64GtU:
                if r.i64(i.b) > r.i64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64LeS:
                if r.s64(i.b) <= r.s64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64LeU:
                if r.i64(i.b) <= r.i64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64GeS:
                if r.s64(i.b) >= r.s64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64GeU:
                if r.i64(i.b) >= r.i64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brTable:
                // Land on the selected entry, itself a `br` executed next.
                r.pc += 1 + Int(Numeric.smaller(r.i32(i.a), i.b))
                continue
            case .i32AddThenReturn:
                r.setI32(i.a, r.i32(i.b) &+ r.i32(i.c))
                fallthrough
            case .return:
                if r.callFrame == entryCallFrame { return .returned }
                r.callFrame -= 1
                let caller = r.callFrame.pointee
                r.pc = caller.returnPC
                r.fp = caller.framePointer
                // The callee may have grown (and so moved) the memory. Unconditionally, not only on a return
                // into another instance: with a branch here LLVM merged this path with others (an extra jump
                // and register shuffles), which cost more than these loads, which are off the critical path.
                r.instance = caller.instance
                r.reloadMemory()
                continue
            case .call:
                let callee = r.instance.pointee.functions[Int(i.a)]
                guard let code = callee.pointee.code else { return .callHost(callee) }
                try call(callee, code: code, frameStart: i.b, &r, limits, interruptHandle)
                continue
            case .callDefined:
                // SAFETY: `linkCalls` stored the address of the callee's record in `b` and `c`.
                let callee = UnsafeMutablePointer<FunctionRecord>(
                    bitPattern: UnsafeRawPointer(r.pc).loadUnaligned(fromByteOffset: 8, as: UInt.self))
                    .unsafelyUnwrapped
                try r.poll(cost: 1, interruptHandle: interruptHandle)
                try enter(callee, code: callee.pointee.code.unsafelyUnwrapped, frameStart: i.a, &r, limits)
                continue
            case .callIndirect:
                let type = r.instance.pointee.types[Int(i.a)]
                let table = r.instance.pointee.tables[Int(i.c)]
                let elementIndex = Int(r.i32(i.b &+ UInt32(truncatingIfNeeded: type.parameterCount)))
                guard elementIndex < table.pointee.count else { throw Trap(.undefinedElement) }
                // SAFETY: a non-null funcref slot is the address of one of this store's function records.
                guard let callee = UnsafeMutablePointer<FunctionRecord>(
                    bitPattern: UInt(table.pointee.elements[elementIndex]))
                else { throw Trap(.uninitializedElement) }
                guard callee.pointee.typeID == type.id else { throw Trap(.indirectCallTypeMismatch) }
                guard let code = callee.pointee.code else { return .callHost(callee) }
                try call(callee, code: code, frameStart: i.b, &r, limits, interruptHandle)
                continue

            case .zeroLocals:
                // A few locals more than the call zeroed: straight stores (the value stack has slack past its
                // end for the ones past the frame); a `memset` call has no place in the loop.
                guard i.b <= Store.localsZeroedInLoop else { return .outOfLine(r.pc) }
                let locals = r.fp + Int(i.a)
                locals[0] = 0
                locals[1] = 0
                locals[2] = 0
                locals[3] = 0
                locals[4] = 0
                locals[5] = 0
                locals[6] = 0
                locals[7] = 0

            // MARK: Moves and constants
            case .copy: r.setI64(i.a, r.i64(i.b))
            case .const32: r.setI64(i.a, UInt64(i.b))
            case .const64: r.setI64(i.a, UInt64(i.b) | UInt64(i.c) << 32)
            case .select:
                // Branch-free (an unconditional store lets the compiler use a conditional move): the
                // condition is data, often unpredictable, and a mispredicted branch costs ~15 cycles.
                let kept = r.fp[Int(i.a)]
                let other = r.fp[Int(i.b)]
                r.setI64(i.a, r.i32(i.c) == 0 ? other : kept)
            case .selectFwd:
                let kept = r.fp[Int(i.a)]
                let other = r.fp[Int(i.b)]
                r.setI64(i.a, r.forwardedI32 == 0 ? other : kept)
            case .globalGet: r.setI64(i.a, r.instance.pointee.globals[Int(i.b)].pointee.value)
            case .globalSet: r.instance.pointee.globals[Int(i.b)].pointee.value = r.fp[Int(i.a)]

            // MARK: References
            case .refFunc: r.fp[Int(i.a)] = UInt64(UInt(bitPattern: r.instance.pointee.functions[Int(i.b)]))
            case .refIsNull: r.setBool(i.a, r.fp[Int(i.b)] == 0)

            // MARK: Out of line (see `executeOutOfLine`)
            case .tableGet, .tableSet, .tableSize, .tableGrow, .tableFill, .tableCopy, .tableInit, .elemDrop,
                .memoryFill, .memoryCopy, .memoryInit, .dataDrop, .memoryGrow,
                .f32Ceil, .f32Floor, .f32Trunc, .f32Nearest, .f64Ceil, .f64Floor, .f64Trunc, .f64Nearest:
                return .outOfLine(r.pc)
            case .memorySize: r.setI32(i.a, UInt32(truncatingIfNeeded: r.memorySize / wasmPageSize))

            // MARK: Loads and stores
            case .i32Load: r.setI32(i.a, try r.load(i, as: UInt32.self))
            // 64-bit loads also fill the float forwarding register: an f64 load's value then feeds f64 arithmetic
            // from a floating-point register (an i64 load pays one register move for it).
            case .i64Load: r.setLoaded64(i.a, try r.load(i, as: UInt64.self))
            case .i32Load8S: r.setS32(i.a, Int32(try r.load(i, as: Int8.self)))
            case .i32Load8U: r.setI32(i.a, UInt32(try r.load(i, as: UInt8.self)))
            case .i32Load16S: r.setS32(i.a, Int32(try r.load(i, as: Int16.self)))
            case .i32Load16U: r.setI32(i.a, UInt32(try r.load(i, as: UInt16.self)))
            case .i64Load8S: r.setS64(i.a, Int64(try r.load(i, as: Int8.self)))
            case .i64Load8U: r.setI64(i.a, UInt64(try r.load(i, as: UInt8.self)))
            case .i64Load16S: r.setS64(i.a, Int64(try r.load(i, as: Int16.self)))
            case .i64Load16U: r.setI64(i.a, UInt64(try r.load(i, as: UInt16.self)))
            case .i64Load32S: r.setS64(i.a, Int64(try r.load(i, as: Int32.self)))
            case .i64Load32U: r.setI64(i.a, UInt64(try r.load(i, as: UInt32.self)))
            case .i32LoadAddImm: r.setI32(i.a, try r.load(UInt32.self, at: r.i32(i.b) &+ i.c))
            case .i64LoadAddImm: r.setLoaded64(i.a, try r.load(UInt64.self, at: r.i32(i.b) &+ i.c))
            case .i32LoadScaled: r.setI32(i.a, try r.load(UInt32.self, at: r.i32(i.b) &+ r.i32(i.c) &<< 2))
            case .i64LoadScaled: r.setLoaded64(i.a, try r.load(UInt64.self, at: r.i32(i.b) &+ r.i32(i.c) &<< 3))
            case .i32Store: try r.store(i, r.i32(i.a))
            case .i64Store: try r.store(i, r.i64(i.a))
            case .i32Store8, .i64Store8: try r.store(i, UInt8(truncatingIfNeeded: r.fp[Int(i.a)]))
            case .i32Store16, .i64Store16: try r.store(i, UInt16(truncatingIfNeeded: r.fp[Int(i.a)]))
            case .i64Store32: try r.store(i, UInt32(truncatingIfNeeded: r.fp[Int(i.a)]))

            // MARK: Comparisons
            case .i32Eqz: r.setBool(i.a, r.i32(i.b) == 0)
            case .i32Eq: r.setBool(i.a, r.i32(i.b) == r.i32(i.c))
            case .i32Ne: r.setBool(i.a, r.i32(i.b) != r.i32(i.c))
            case .i32LtS: r.setBool(i.a, r.s32(i.b) < r.s32(i.c))
            case .i32LtU: r.setBool(i.a, r.i32(i.b) < r.i32(i.c))
            case .i32GtS: r.setBool(i.a, r.s32(i.b) > r.s32(i.c))
            case .i32GtU: r.setBool(i.a, r.i32(i.b) > r.i32(i.c))
            case .i32LeS: r.setBool(i.a, r.s32(i.b) <= r.s32(i.c))
            case .i32LeU: r.setBool(i.a, r.i32(i.b) <= r.i32(i.c))
            case .i32GeS: r.setBool(i.a, r.s32(i.b) >= r.s32(i.c))
            case .i32GeU: r.setBool(i.a, r.i32(i.b) >= r.i32(i.c))
            case .i64Eqz: r.setBool(i.a, r.i64(i.b) == 0)
            case .i64Eq: r.setBool(i.a, r.i64(i.b) == r.i64(i.c))
            case .i64Ne: r.setBool(i.a, r.i64(i.b) != r.i64(i.c))
            case .i64LtS: r.setBool(i.a, r.s64(i.b) < r.s64(i.c))
            case .i64LtU: r.setBool(i.a, r.i64(i.b) < r.i64(i.c))
            case .i64GtS: r.setBool(i.a, r.s64(i.b) > r.s64(i.c))
            case .i64GtU: r.setBool(i.a, r.i64(i.b) > r.i64(i.c))
            case .i64LeS: r.setBool(i.a, r.s64(i.b) <= r.s64(i.c))
            case .i64LeU: r.setBool(i.a, r.i64(i.b) <= r.i64(i.c))
            case .i64GeS: r.setBool(i.a, r.s64(i.b) >= r.s64(i.c))
            case .i64GeU: r.setBool(i.a, r.i64(i.b) >= r.i64(i.c))
            case .f32Eq: r.setBool(i.a, r.f32(i.b) == r.f32(i.c))
            case .f32Ne: r.setBool(i.a, r.f32(i.b) != r.f32(i.c))
            case .f32Lt: r.setBool(i.a, r.f32(i.b) < r.f32(i.c))
            case .f32Gt: r.setBool(i.a, r.f32(i.b) > r.f32(i.c))
            case .f32Le: r.setBool(i.a, r.f32(i.b) <= r.f32(i.c))
            case .f32Ge: r.setBool(i.a, r.f32(i.b) >= r.f32(i.c))
            case .f64Eq: r.setBool(i.a, r.f64(i.b) == r.f64(i.c))
            case .f64Ne: r.setBool(i.a, r.f64(i.b) != r.f64(i.c))
            case .f64Lt: r.setBool(i.a, r.f64(i.b) < r.f64(i.c))
            case .f64Gt: r.setBool(i.a, r.f64(i.b) > r.f64(i.c))
            case .f64Le: r.setBool(i.a, r.f64(i.b) <= r.f64(i.c))
            case .f64Ge: r.setBool(i.a, r.f64(i.b) >= r.f64(i.c))

            // MARK: i32 arithmetic
            case .i32Clz: r.setI32(i.a, UInt32(r.i32(i.b).leadingZeroBitCount))
            case .i32Ctz: r.setI32(i.a, UInt32(r.i32(i.b).trailingZeroBitCount))
            case .i32Popcnt: r.setI32(i.a, UInt32(r.i32(i.b).nonzeroBitCount))
            case .i32Add: r.setI32(i.a, r.i32(i.b) &+ r.i32(i.c))
            case .i32Sub: r.setI32(i.a, r.i32(i.b) &- r.i32(i.c))
            case .i32Mul: r.setI32(i.a, r.i32(i.b) &* r.i32(i.c))
            case .i32DivS: r.setS32(i.a, try Numeric.divS(r.s32(i.b), r.s32(i.c)))
            case .i32DivU: r.setI32(i.a, try Numeric.divU(r.i32(i.b), r.i32(i.c)))
            case .i32RemS: r.setS32(i.a, try Numeric.remS(r.s32(i.b), r.s32(i.c)))
            case .i32RemU: r.setI32(i.a, try Numeric.remU(r.i32(i.b), r.i32(i.c)))
            case .i32And: r.setI32(i.a, r.i32(i.b) & r.i32(i.c))
            case .i32Or: r.setI32(i.a, r.i32(i.b) | r.i32(i.c))
            case .i32Xor: r.setI32(i.a, r.i32(i.b) ^ r.i32(i.c))
            case .i32Shl: r.setI32(i.a, r.i32(i.b) &<< r.i32(i.c))
            case .i32ShrS: r.setS32(i.a, r.s32(i.b) &>> r.s32(i.c))
            case .i32ShrU: r.setI32(i.a, r.i32(i.b) &>> r.i32(i.c))
            case .i32Rotl: r.setI32(i.a, Numeric.rotateLeft(r.i32(i.b), r.i32(i.c)))
            case .i32Rotr: r.setI32(i.a, Numeric.rotateRight(r.i32(i.b), r.i32(i.c)))

            // MARK: i64 arithmetic
            case .i64Clz: r.setI64(i.a, UInt64(r.i64(i.b).leadingZeroBitCount))
            case .i64Ctz: r.setI64(i.a, UInt64(r.i64(i.b).trailingZeroBitCount))
            case .i64Popcnt: r.setI64(i.a, UInt64(r.i64(i.b).nonzeroBitCount))
            case .i64Add: r.setI64(i.a, r.i64(i.b) &+ r.i64(i.c))
            case .i64Sub: r.setI64(i.a, r.i64(i.b) &- r.i64(i.c))
            case .i64Mul: r.setI64(i.a, r.i64(i.b) &* r.i64(i.c))
            case .i64DivS: r.setS64(i.a, try Numeric.divS(r.s64(i.b), r.s64(i.c)))
            case .i64DivU: r.setI64(i.a, try Numeric.divU(r.i64(i.b), r.i64(i.c)))
            case .i64RemS: r.setS64(i.a, try Numeric.remS(r.s64(i.b), r.s64(i.c)))
            case .i64RemU: r.setI64(i.a, try Numeric.remU(r.i64(i.b), r.i64(i.c)))
            case .i64And: r.setI64(i.a, r.i64(i.b) & r.i64(i.c))
            case .i64Or: r.setI64(i.a, r.i64(i.b) | r.i64(i.c))
            case .i64Xor: r.setI64(i.a, r.i64(i.b) ^ r.i64(i.c))
            case .i64Shl: r.setI64(i.a, r.i64(i.b) &<< r.i64(i.c))
            case .i64ShrS: r.setS64(i.a, r.s64(i.b) &>> r.s64(i.c))
            case .i64ShrU: r.setI64(i.a, r.i64(i.b) &>> r.i64(i.c))
            case .i64Rotl: r.setI64(i.a, Numeric.rotateLeft(r.i64(i.b), r.i64(i.c)))
            case .i64Rotr: r.setI64(i.a, Numeric.rotateRight(r.i64(i.b), r.i64(i.c)))
            case .i32MinS: r.setI32(i.a, UInt32(bitPattern: Numeric.smaller(r.s32(i.b), r.s32(i.c))))
            case .i32MinU: r.setI32(i.a, Numeric.smaller(r.i32(i.b), r.i32(i.c)))
            case .i32MaxS: r.setI32(i.a, UInt32(bitPattern: Numeric.larger(r.s32(i.b), r.s32(i.c))))
            case .i32MaxU: r.setI32(i.a, Numeric.larger(r.i32(i.b), r.i32(i.c)))
            case .i64MinS: r.setI64(i.a, UInt64(bitPattern: Numeric.smaller(r.s64(i.b), r.s64(i.c))))
            case .i64MinU: r.setI64(i.a, Numeric.smaller(r.i64(i.b), r.i64(i.c)))
            case .i64MaxS: r.setI64(i.a, UInt64(bitPattern: Numeric.larger(r.s64(i.b), r.s64(i.c))))
            case .i64MaxU: r.setI64(i.a, Numeric.larger(r.i64(i.b), r.i64(i.c)))

            // MARK: f32 arithmetic (abs, neg, copysign on bits: NaN payloads unchanged)
            case .f32Abs: r.setI32(i.a, r.i32(i.b) & ~Numeric.f32SignBit)
            case .f32Neg: r.setI32(i.a, r.i32(i.b) ^ Numeric.f32SignBit)
            case .f32Copysign:
                r.setI32(i.a, r.i32(i.b) & ~Numeric.f32SignBit | r.i32(i.c) & Numeric.f32SignBit)
            case .f32Sqrt: r.setF32(i.a, r.f32(i.b).squareRoot())
            case .f32Add: r.setF32(i.a, r.f32(i.b) + r.f32(i.c))
            case .f32Sub: r.setF32(i.a, r.f32(i.b) - r.f32(i.c))
            case .f32Mul: r.setF32(i.a, r.f32(i.b) * r.f32(i.c))
            case .f32Div: r.setF32(i.a, r.f32(i.b) / r.f32(i.c))
            case .f32Min: r.setF32(i.a, Numeric.minimum(r.f32(i.b), r.f32(i.c)))
            case .f32Max: r.setF32(i.a, Numeric.maximum(r.f32(i.b), r.f32(i.c)))

            // MARK: f64 arithmetic
            case .f64Abs: r.setI64(i.a, r.i64(i.b) & ~Numeric.f64SignBit)
            case .f64Neg: r.setI64(i.a, r.i64(i.b) ^ Numeric.f64SignBit)
            case .f64Copysign:
                r.setI64(i.a, r.i64(i.b) & ~Numeric.f64SignBit | r.i64(i.c) & Numeric.f64SignBit)
            case .f64Sqrt: r.setF64(i.a, r.f64(i.b).squareRoot())
            case .f64Add: r.setF64(i.a, r.f64(i.b) + r.f64(i.c))
            case .f64Sub: r.setF64(i.a, r.f64(i.b) - r.f64(i.c))
            case .f64Mul: r.setF64(i.a, r.f64(i.b) * r.f64(i.c))
            case .f64Div: r.setF64(i.a, r.f64(i.b) / r.f64(i.c))
            case .f64Min: r.setF64(i.a, Numeric.minimum(r.f64(i.b), r.f64(i.c)))
            case .f64Max: r.setF64(i.a, Numeric.maximum(r.f64(i.b), r.f64(i.c)))

            // MARK: Conversions
            case .i32WrapI64: r.setI32(i.a, r.i32(i.b))
            case .i32TruncF32S: r.setI32(i.a, try Numeric.truncateToI32S(Double(r.f32(i.b))))
            case .i32TruncF32U: r.setI32(i.a, try Numeric.truncateToI32U(Double(r.f32(i.b))))
            case .i32TruncF64S: r.setI32(i.a, try Numeric.truncateToI32S(r.f64(i.b)))
            case .i32TruncF64U: r.setI32(i.a, try Numeric.truncateToI32U(r.f64(i.b)))
            case .i64ExtendI32S: r.setS64(i.a, Int64(r.s32(i.b)))
            case .i64ExtendI32U: r.setI64(i.a, UInt64(r.i32(i.b)))
            case .i64TruncF32S: r.setI64(i.a, try Numeric.truncateToI64S(Double(r.f32(i.b))))
            case .i64TruncF32U: r.setI64(i.a, try Numeric.truncateToI64U(Double(r.f32(i.b))))
            case .i64TruncF64S: r.setI64(i.a, try Numeric.truncateToI64S(r.f64(i.b)))
            case .i64TruncF64U: r.setI64(i.a, try Numeric.truncateToI64U(r.f64(i.b)))
            case .f32ConvertI32S: r.setF32(i.a, Float(r.s32(i.b)))
            case .f32ConvertI32U: r.setF32(i.a, Float(r.i32(i.b)))
            case .f32ConvertI64S: r.setF32(i.a, Float(r.s64(i.b)))
            case .f32ConvertI64U: r.setF32(i.a, Float(r.i64(i.b)))
            case .f32DemoteF64: r.setF32(i.a, Float(r.f64(i.b)))
            case .f64ConvertI32S: r.setF64(i.a, Double(r.s32(i.b)))
            case .f64ConvertI32U: r.setF64(i.a, Double(r.i32(i.b)))
            case .f64ConvertI64S: r.setF64(i.a, Double(r.s64(i.b)))
            case .f64ConvertI64U: r.setF64(i.a, Double(r.i64(i.b)))
            case .f64PromoteF32: r.setF64(i.a, Double(r.f32(i.b)))

            case .i32Extend8S: r.setS32(i.a, Int32(Int8(truncatingIfNeeded: r.i32(i.b))))
            case .i32Extend16S: r.setS32(i.a, Int32(Int16(truncatingIfNeeded: r.i32(i.b))))
            case .i64Extend8S: r.setS64(i.a, Int64(Int8(truncatingIfNeeded: r.i64(i.b))))
            case .i64Extend16S: r.setS64(i.a, Int64(Int16(truncatingIfNeeded: r.i64(i.b))))
            case .i64Extend32S: r.setS64(i.a, Int64(Int32(truncatingIfNeeded: r.i64(i.b))))

            case .i32TruncSatF32S: r.setI32(i.a, Numeric.saturateToI32S(Double(r.f32(i.b))))
            case .i32TruncSatF32U: r.setI32(i.a, Numeric.saturateToI32U(Double(r.f32(i.b))))
            case .i32TruncSatF64S: r.setI32(i.a, Numeric.saturateToI32S(r.f64(i.b)))
            case .i32TruncSatF64U: r.setI32(i.a, Numeric.saturateToI32U(r.f64(i.b)))
            case .i64TruncSatF32S: r.setI64(i.a, Numeric.saturateToI64S(Double(r.f32(i.b))))
            case .i64TruncSatF32U: r.setI64(i.a, Numeric.saturateToI64U(Double(r.f32(i.b))))
            case .i64TruncSatF64S: r.setI64(i.a, Numeric.saturateToI64S(r.f64(i.b)))
            case .i64TruncSatF64U: r.setI64(i.a, Numeric.saturateToI64U(r.f64(i.b)))

            // MARK: Immediate forms
            case .i32AddImm: r.setI32(i.a, r.i32(i.b) &+ i.c)
            case .i32AndImm: r.setI32(i.a, r.i32(i.b) & i.c)
            case .i32OrImm: r.setI32(i.a, r.i32(i.b) | i.c)
            case .i32XorImm: r.setI32(i.a, r.i32(i.b) ^ i.c)
            case .i32ShlImm: r.setI32(i.a, r.i32(i.b) &<< i.c)
            case .i32ShrSImm: r.setS32(i.a, r.s32(i.b) &>> Int32(bitPattern: i.c))
            case .i32ShrUImm: r.setI32(i.a, r.i32(i.b) &>> i.c)
            case .i64AddImm: r.setI64(i.a, r.i64(i.b) &+ UInt64(bitPattern: Int64(Int32(bitPattern: i.c))))
            case .i32EqImm: r.setBool(i.a, r.i32(i.b) == i.c)
            case .i32NeImm: r.setBool(i.a, r.i32(i.b) != i.c)
            case .i32LtSImm: r.setBool(i.a, r.s32(i.b) < Int32(bitPattern: i.c))
            case .i32LtUImm: r.setBool(i.a, r.i32(i.b) < i.c)
            case .i32GtSImm: r.setBool(i.a, r.s32(i.b) > Int32(bitPattern: i.c))
            case .i32GtUImm: r.setBool(i.a, r.i32(i.b) > i.c)
            case .i32LeSImm: r.setBool(i.a, r.s32(i.b) <= Int32(bitPattern: i.c))
            case .i32LeUImm: r.setBool(i.a, r.i32(i.b) <= i.c)
            case .i32GeSImm: r.setBool(i.a, r.s32(i.b) >= Int32(bitPattern: i.c))
            case .i32XorShlImm:
                let x = r.i32(i.b)
                r.setI32(i.a, x ^ x &<< i.c)
            case .i32XorShrUImm:
                let x = r.i32(i.b)
                r.setI32(i.a, x ^ x &>> i.c)
            case .i32GeUImm: r.setBool(i.a, r.i32(i.b) >= i.c)

            // MARK: Forwarded forms: the forwarded operand comes from `r.forwarded` (see `forwardResults`)
            case .brIfFwd:
                if r.forwardedI32 != 0 { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfNotFwd:
                if r.forwardedI32 == 0 { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32EqFwd:
                if r.forwardedI32 == r.i32(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32NeFwd:
                if r.forwardedI32 != r.i32(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32LtSFwd:
                if r.forwardedS32 < r.s32(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32LtUFwd:
                if r.forwardedI32 < r.i32(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32GtSFwd:
                if r.forwardedS32 > r.s32(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32GtUFwd:
                if r.forwardedI32 > r.i32(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32LeSFwd:
                if r.forwardedS32 <= r.s32(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32LeUFwd:
                if r.forwardedI32 <= r.i32(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32GeSFwd:
                if r.forwardedS32 >= r.s32(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32GeUFwd:
                if r.forwardedI32 >= r.i32(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64EqFwd:
                if r.forwarded == r.i64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64NeFwd:
                if r.forwarded != r.i64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64LtSFwd:
                if r.forwardedS64 < r.s64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64LtUFwd:
                if r.forwarded < r.i64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64GtSFwd:
                if r.forwardedS64 > r.s64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64GtUFwd:
                if r.forwarded > r.i64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64LeSFwd:
                if r.forwardedS64 <= r.s64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64LeUFwd:
                if r.forwarded <= r.i64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64GeSFwd:
                if r.forwardedS64 >= r.s64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI64GeUFwd:
                if r.forwarded >= r.i64(i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32EqImmFwd:
                if r.forwardedI32 == i.c { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32NeImmFwd:
                if r.forwardedI32 != i.c { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32LtSImmFwd:
                if r.forwardedS32 < Int32(bitPattern: i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32LtUImmFwd:
                if r.forwardedI32 < i.c { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32GtSImmFwd:
                if r.forwardedS32 > Int32(bitPattern: i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32GtUImmFwd:
                if r.forwardedI32 > i.c { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32LeSImmFwd:
                if r.forwardedS32 <= Int32(bitPattern: i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32LeUImmFwd:
                if r.forwardedI32 <= i.c { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32GeSImmFwd:
                if r.forwardedS32 >= Int32(bitPattern: i.c) { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .brIfI32GeUImmFwd:
                if r.forwardedI32 >= i.c { try r.branch(by: i.a, interruptHandle: interruptHandle); continue }
            case .i32LoadFwd: r.setI32(i.a, try r.load(i, at: r.forwardedI32, as: UInt32.self))
            case .i32LoadScaledFwdC: r.setI32(i.a, try r.load(UInt32.self, at: r.i32(i.b) &+ r.forwardedI32 &<< 2))
            case .i64LoadFwd: r.setLoaded64(i.a, try r.load(i, at: r.forwardedI32, as: UInt64.self))
            case .i32Load8UFwd: r.setI32(i.a, UInt32(try r.load(i, at: r.forwardedI32, as: UInt8.self)))
            case .i32StoreFwd: try r.store(i, r.forwardedI32)
            case .i64StoreFwd: try r.store(i, r.forwarded)
            case .f64StoreFwd: try r.store(i, r.forwardedF64Bits)
            case .i32Store8Fwd: try r.store(i, UInt8(truncatingIfNeeded: r.forwarded))
            case .i32EqzFwd: r.setBool(i.a, r.forwardedI32 == 0)
            case .i64EqzFwd: r.setBool(i.a, r.forwarded == 0)
            case .i64EqFwd: r.setBool(i.a, r.forwarded == r.i64(i.c))
            case .i64NeFwd: r.setBool(i.a, r.forwarded != r.i64(i.c))
            case .i64LtSFwd: r.setBool(i.a, r.forwardedS64 < r.s64(i.c))
            case .i64LtUFwd: r.setBool(i.a, r.forwarded < r.i64(i.c))
            case .i64GtSFwd: r.setBool(i.a, r.forwardedS64 > r.s64(i.c))
            case .i64GtUFwd: r.setBool(i.a, r.forwarded > r.i64(i.c))
            case .i64LeSFwd: r.setBool(i.a, r.forwardedS64 <= r.s64(i.c))
            case .i64LeUFwd: r.setBool(i.a, r.forwarded <= r.i64(i.c))
            case .i64GeSFwd: r.setBool(i.a, r.forwardedS64 >= r.s64(i.c))
            case .i64GeUFwd: r.setBool(i.a, r.forwarded >= r.i64(i.c))
            case .i32AddFwd: r.setI32(i.a, r.forwardedI32 &+ r.i32(i.c))
            case .i32SubFwd: r.setI32(i.a, r.forwardedI32 &- r.i32(i.c))
            case .i32MulFwd: r.setI32(i.a, r.forwardedI32 &* r.i32(i.c))
            case .i32AndFwd: r.setI32(i.a, r.forwardedI32 & r.i32(i.c))
            case .i32OrFwd: r.setI32(i.a, r.forwardedI32 | r.i32(i.c))
            case .i32XorFwd: r.setI32(i.a, r.forwardedI32 ^ r.i32(i.c))
            case .i32ShlFwd: r.setI32(i.a, r.forwardedI32 &<< r.i32(i.c))
            case .i32ShrSFwd: r.setS32(i.a, r.forwardedS32 &>> r.s32(i.c))
            case .i32ShrUFwd: r.setI32(i.a, r.forwardedI32 &>> r.i32(i.c))
            case .i64AddFwd: r.setI64(i.a, r.forwarded &+ r.i64(i.c))
            case .i64SubFwd: r.setI64(i.a, r.forwarded &- r.i64(i.c))
            case .i64MulFwd: r.setI64(i.a, r.forwarded &* r.i64(i.c))
            case .i64AndFwd: r.setI64(i.a, r.forwarded & r.i64(i.c))
            case .i64OrFwd: r.setI64(i.a, r.forwarded | r.i64(i.c))
            case .i64XorFwd: r.setI64(i.a, r.forwarded ^ r.i64(i.c))
            case .i64ShlFwd: r.setI64(i.a, r.forwarded &<< r.i64(i.c))
            case .i64ShrSFwd: r.setS64(i.a, r.forwardedS64 &>> r.s64(i.c))
            case .i64ShrUFwd: r.setI64(i.a, r.forwarded &>> r.i64(i.c))
            case .f64AddFwd: r.setF64(i.a, r.forwardedF64 + r.f64(i.c))
            case .f64SubFwd: r.setF64(i.a, r.forwardedF64 - r.f64(i.c))
            case .f64MulFwd: r.setF64(i.a, r.forwardedF64 * r.f64(i.c))
            case .f64DivFwd: r.setF64(i.a, r.forwardedF64 / r.f64(i.c))
            case .i32SubFwdC: r.setI32(i.a, r.i32(i.b) &- r.forwardedI32)
            case .i32ShlFwdC: r.setI32(i.a, r.i32(i.b) &<< r.forwardedI32)
            case .i32ShrUFwdC: r.setI32(i.a, r.i32(i.b) &>> r.forwardedI32)
            case .f64SubFwdC: r.setF64(i.a, r.f64(i.b) - r.forwardedF64)
            case .f64DivFwdC: r.setF64(i.a, r.f64(i.b) / r.forwardedF64)
            case .i32AddImmFwd: r.setI32(i.a, r.forwardedI32 &+ i.c)
            case .i32AndImmFwd: r.setI32(i.a, r.forwardedI32 & i.c)
            case .i32OrImmFwd: r.setI32(i.a, r.forwardedI32 | i.c)
            case .i32XorImmFwd: r.setI32(i.a, r.forwardedI32 ^ i.c)
            case .i32ShlImmFwd: r.setI32(i.a, r.forwardedI32 &<< i.c)
            case .i32ShrSImmFwd: r.setS32(i.a, r.forwardedS32 &>> Int32(bitPattern: i.c))
            case .i32ShrUImmFwd: r.setI32(i.a, r.forwardedI32 &>> i.c)
            case .i32XorShlImmFwd: r.setI32(i.a, r.forwardedI32 ^ r.forwardedI32 &<< i.c)
            case .i32XorShrUImmFwd: r.setI32(i.a, r.forwardedI32 ^ r.forwardedI32 &>> i.c)
            case .i64AddImmFwd: r.setI64(i.a, r.forwarded &+ UInt64(bitPattern: Int64(Int32(bitPattern: i.c))))
            case .f64SqrtFwd: r.setF64(i.a, r.forwardedF64.squareRoot())
            case .i32WrapI64Fwd: r.setI32(i.a, r.forwardedI32)
            case .i64ExtendI32SFwd: r.setS64(i.a, Int64(r.forwardedS32))
            case .i64ExtendI32UFwd: r.setI64(i.a, UInt64(r.forwardedI32))
            case .f64ConvertI32SFwd: r.setF64(i.a, Double(r.forwardedS32))

            // MARK: Loop steps: the addition, then the branch in the next word (skipped when not taken)
            case .i32AddImmBrIfI32NeFwd:
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum != r.i32(branch.c) { try r.branch(by: branch.a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .i32AddImmBrIfI32LtSFwd:
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if Int32(bitPattern: sum) < r.s32(branch.c) { try r.branch(by: branch.a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .i32AddImmBrIfI32LtUFwd:
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum < r.i32(branch.c) { try r.branch(by: branch.a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .i32AddImmBrIfI32NeImmFwd:
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum != branch.c { try r.branch(by: branch.a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .i32AddImmBrIfI32LtSImmFwd:
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if Int32(bitPattern: sum) < Int32(bitPattern: branch.c) { try r.branch(by: branch.a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .i32AddImmBrIfI32LtUImmFwd:
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum < branch.c { try r.branch(by: branch.a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .i32AddImmBrIfI32GtUImmFwd:
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum > branch.c { try r.branch(by: branch.a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .i64AddBrIfI64LtUFwd:
                let sum = r.i64(i.b) &+ r.i64(i.c)
                r.setI64(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum < r.i64(branch.c) { try r.branch(by: branch.a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .i64AddBrIfI64NeFwd:
                let sum = r.i64(i.b) &+ r.i64(i.c)
                r.setI64(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum != r.i64(branch.c) { try r.branch(by: branch.a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .i64AddImmBrIfI64NeFwd:
                let sum = r.i64(i.b) &+ UInt64(bitPattern: Int64(Int32(bitPattern: i.c)))
                r.setI64(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum != r.i64(branch.c) { try r.branch(by: branch.a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .i64AddImmBrIfI64LtUFwd:
                let sum = r.i64(i.b) &+ UInt64(bitPattern: Int64(Int32(bitPattern: i.c)))
                r.setI64(i.a, sum)
                let branch = InstructionOperands(r.pc + 1)
                if sum < r.i64(branch.c) { try r.branch(by: branch.a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .i32AddImmBrIfFwd:
                let sum = r.i32(i.b) &+ i.c
                r.setI32(i.a, sum)
                if sum != 0 { try r.branch(by: InstructionOperands(r.pc + 1).a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .i32AddImmThenI32AddImmBrIfFwd:
                r.setI32(i.a, r.i32(i.b) &+ i.c)
                let step = InstructionOperands(r.pc + 1)
                let sum = r.i32(step.b) &+ step.c
                r.setI32(step.a, sum)
                if sum != 0 { try r.branch(by: InstructionOperands(r.pc + 2).a, fromWord: 2, interruptHandle: interruptHandle); continue }
                r.pc += 3
                continue
            case .i32AddImmThenI64AddImmBrIfI64NeFwd:
                r.setI32(i.a, r.i32(i.b) &+ i.c)
                let step = InstructionOperands(r.pc + 1)
                let sum = r.i64(step.b) &+ UInt64(bitPattern: Int64(Int32(bitPattern: step.c)))
                r.setI64(step.a, sum)
                let branch = InstructionOperands(r.pc + 2)
                if sum != r.i64(branch.c) { try r.branch(by: branch.a, fromWord: 2, interruptHandle: interruptHandle); continue }
                r.pc += 3
                continue

            // MARK: Pairs: the first instruction, then the second (the next word), then on after both
            case .i32Store8ThenI32Add:
                try r.store(i, UInt8(truncatingIfNeeded: r.fp[Int(i.a)]))
                let next = InstructionOperands(r.pc + 1)
                r.setI32(next.a, r.i32(next.b) &+ r.i32(next.c))
                r.pc += 2
                continue
            case .i32AddImmThenI32Add:
                r.setI32(i.a, r.i32(i.b) &+ i.c)
                let next = InstructionOperands(r.pc + 1)
                r.setI32(next.a, r.i32(next.b) &+ r.i32(next.c))
                r.pc += 2
                continue
            case .i32AddImmThenI32AddImm:
                r.setI32(i.a, r.i32(i.b) &+ i.c)
                let next = InstructionOperands(r.pc + 1)
                r.setI32(next.a, r.i32(next.b) &+ next.c)
                r.pc += 2
                continue
            case .i32LoadThenI32StoreFwd:
                let value = try r.load(i, as: UInt32.self)
                r.setI32(i.a, value)
                try r.store(InstructionOperands(r.pc + 1), value)
                r.pc += 2
                continue
            case .i64LoadFwdThenF64SubFwdC:
                r.setLoaded64(i.a, try r.load(i, at: r.forwardedI32, as: UInt64.self))
                let next = InstructionOperands(r.pc + 1)
                r.setF64(next.a, r.f64(next.b) - r.forwardedF64)
                r.pc += 2
                continue
            case .i64LoadAddImmThenF64SubFwdC:
                r.setLoaded64(i.a, try r.load(UInt64.self, at: r.i32(i.b) &+ i.c))
                let next = InstructionOperands(r.pc + 1)
                r.setF64(next.a, r.f64(next.b) - r.forwardedF64)
                r.pc += 2
                continue
            case .i64LoadAddImmThenF64MulFwd:
                r.setLoaded64(i.a, try r.load(UInt64.self, at: r.i32(i.b) &+ i.c))
                let next = InstructionOperands(r.pc + 1)
                r.setF64(next.a, r.forwardedF64 * r.f64(next.c))
                r.pc += 2
                continue
            case .f64SubFwdCThenF64MulFwd:
                r.setF64(i.a, r.f64(i.b) - r.forwardedF64)
                let next = InstructionOperands(r.pc + 1)
                r.setF64(next.a, r.forwardedF64 * r.f64(next.c))
                r.pc += 2
                continue
            case .f64MulFwdThenF64AddFwd:
                r.setF64(i.a, r.forwardedF64 * r.f64(i.c))
                let next = InstructionOperands(r.pc + 1)
                r.setF64(next.a, r.forwardedF64 + r.f64(next.c))
                r.pc += 2
                continue
            case .f64AddFwdThenF64SqrtFwd:
                r.setF64(i.a, r.forwardedF64 + r.f64(i.c))
                r.setF64(InstructionOperands(r.pc + 1).a, r.forwardedF64.squareRoot())
                r.pc += 2
                continue
            case .f64MulFwdThenF64DivFwdC:
                r.setF64(i.a, r.forwardedF64 * r.f64(i.c))
                let next = InstructionOperands(r.pc + 1)
                r.setF64(next.a, r.f64(next.b) / r.forwardedF64)
                r.pc += 2
                continue
            case .f64MulThenF64MulFwd:
                r.setF64(i.a, r.f64(i.b) * r.f64(i.c))
                r.setF64(InstructionOperands(r.pc + 1).a, r.forwardedF64 * r.f64(InstructionOperands(r.pc + 1).c))
                r.pc += 2
                continue
            case .f64AddFwdThenF64StoreFwd:
                r.setF64(i.a, r.forwardedF64 + r.f64(i.c))
                try r.store(InstructionOperands(r.pc + 1), r.forwardedF64Bits)
                r.pc += 2
                continue
            case .f64SubFwdCThenF64StoreFwd:
                r.setF64(i.a, r.f64(i.b) - r.forwardedF64)
                try r.store(InstructionOperands(r.pc + 1), r.forwardedF64Bits)
                r.pc += 2
                continue
            case .copyThenI32LoadScaledFwdC:
                r.setI64(i.a, r.i64(i.b))
                let next = InstructionOperands(r.pc + 1)
                r.setI32(next.a, try r.load(UInt32.self, at: r.i32(next.b) &+ r.forwardedI32 &<< 2))
                r.pc += 2
                continue
            case .copyThenSelect:
                r.setI64(i.a, r.i64(i.b))
                let next = InstructionOperands(r.pc + 1)
                let kept = r.fp[Int(next.a)]
                let other = r.fp[Int(next.b)]
                r.setI64(next.a, r.i32(next.c) == 0 ? other : kept)
                r.pc += 2
                continue
            case .i32GtUThenI32AddFwd:
                r.setBool(i.a, r.i32(i.b) > r.i32(i.c))
                let next = InstructionOperands(r.pc + 1)
                r.setI32(next.a, r.forwardedI32 &+ r.i32(next.c))
                r.pc += 2
                continue
            case .i32LeUThenI32AddFwd:
                r.setBool(i.a, r.i32(i.b) <= r.i32(i.c))
                let next = InstructionOperands(r.pc + 1)
                r.setI32(next.a, r.forwardedI32 &+ r.i32(next.c))
                r.pc += 2
                continue
            case .i32GeUThenBrIfFwd:
                let condition = r.i32(i.b) >= r.i32(i.c)
                r.setBool(i.a, condition)
                if condition { try r.branch(by: InstructionOperands(r.pc + 1).a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .i32Load8UFwdThenBrIfFwd:
                let byte = try r.load(i, at: r.forwardedI32, as: UInt8.self)
                r.setI32(i.a, UInt32(byte))
                if byte != 0 { try r.branch(by: InstructionOperands(r.pc + 1).a, fromWord: 1, interruptHandle: interruptHandle); continue }
                r.pc += 2
                continue
            case .copyThenI32Load8UFwdThenBrIfFwd:
                let address = r.i64(i.b)
                r.setI64(i.a, address)
                let load = InstructionOperands(r.pc + 1)
                let byte = try r.load(load, at: UInt32(truncatingIfNeeded: address), as: UInt8.self)
                r.setI32(load.a, UInt32(byte))
                if byte != 0 { try r.branch(by: InstructionOperands(r.pc + 2).a, fromWord: 2, interruptHandle: interruptHandle); continue }
                r.pc += 3
                continue
            }
            r.pc += 1
        }
    }

    /// `call` and `call_indirect` once the callee is known to be a wasm function, with its `code`: it gets
    /// a new frame at `fp + frameStart` and the loop continues in its code.
    @inline(__always)
    private func call(
        _ callee: UnsafeMutablePointer<FunctionRecord>, code: UnsafeMutablePointer<Instruction>,
        frameStart: UInt32, _ r: inout Registers, _ limits: StackLimits, _ interruptHandle: InterruptHandle
    ) throws(Trap) {
        try r.poll(cost: 1, interruptHandle: interruptHandle)
        try enter(callee, code: code, frameStart: frameStart, &r, limits)
        // Within one instance the cached memory is current (every grow reloads it): only a call into
        // another instance must fetch that instance's memory.
        let calleeInstance = callee.pointee.instance.unsafelyUnwrapped
        if calleeInstance != r.instance {
            r.instance = calleeInstance
            r.reloadMemory()
        }
    }

    /// Pushes the caller's registers and starts the wasm function `callee` (whose `code` is given) in a new
    /// frame at `fp + frameStart`, in the current instance. Its locals past the first four are left to its
    /// `zeroLocals` instruction: a `memset` call has no place in the loop.
    @inline(__always)
    private func enter(
        _ callee: UnsafeMutablePointer<FunctionRecord>, code: UnsafeMutablePointer<Instruction>, frameStart: UInt32,
        _ r: inout Registers, _ limits: StackLimits
    ) throws(Trap) {
        let calleeFrame = r.fp + Int(frameStart)
        let frameEnd = calleeFrame + callee.pointee.frameSize
        guard r.callFrame < limits.callFramesEnd, frameEnd <= limits.valueStackEnd else {
            throw Trap(.callStackExhausted)
        }
        // SAFETY: `r.callFrame` < `callFramesEnd` and the callee's frame fits below `valueStackEnd` (checked).
        r.callFrame.initialize(
            to: CallFrame(returnPC: r.pc + 1, framePointer: r.fp, instance: r.instance))
        r.callFrame += 1
        // Most functions have few locals: four straight stores beat a `memset` call. Slots past the locals
        // are the callee's temporaries or dead space, and the stack has slack past its end.
        let locals = calleeFrame + callee.pointee.parameterCount
        locals[0] = 0
        locals[1] = 0
        locals[2] = 0
        locals[3] = 0
        r.fp = calleeFrame
        r.pc = UnsafePointer(code)
    }
}
