// The interpreter's machine state and the small operations every handler shares.

// Embedded Swift needs the import in every file that calls Atomic's methods, not only where the type is declared.
import Synchronization

/// A handler: runs the instruction at `pc` (the first argument), then tail-calls the handler of the instruction
/// that runs next with the registers as its arguments, so the machine registers carry them from handler to
/// handler. The call chain ends where an instruction leaves the interpreter; its `LoopExit` code is returned
/// all the way up. The arguments are `Registers`' fields in order.
typealias Handler = @convention(thin) (
    UnsafePointer<LinkedInstruction>, UnsafeMutablePointer<UInt64>, UnsafeMutableRawPointer,
    UnsafeMutablePointer<MachineState>, UInt64, UnsafePointer<LinkedInstruction>, Double
) -> Int

/// An instruction of a store's linked code: the compiled instruction behind the address of its handler, so a
/// dispatch is one load and one jump.
struct LinkedInstruction {
    let handler: Handler
    var instruction: Instruction

    /// Where `linkCalls` puts a `callDefined`'s callee record: the instruction's `b` and `c`.
    static let calleeOffset = MemoryLayout<Handler>.stride + 8
}

/// The interpreter's registers, passed from handler to handler in machine registers (see `Handler`); each
/// handler's operations below are inlined into it. Everything is a raw pointer into store-owned memory that
/// outlives the run.
struct Registers {
    /// The instruction being executed.
    var pc: UnsafePointer<LinkedInstruction>
    /// The current frame: operand `n` is `fp[n]`.
    var fp: UnsafeMutablePointer<UInt64>
    /// The current instance's memory base: the record may move `base` on growth, so it is reloaded after
    /// `memory.grow`, host calls, returns and calls into another instance.
    var memoryBase: UnsafeMutableRawPointer
    /// The state in memory: what only calls, returns, back-edges and exits use.
    let state: UnsafeMutablePointer<MachineState>
    /// The forwarding register: the value the last value-producing instruction wrote to its destination
    /// slot (every `set...` below leaves it here). A `...Fwd` instruction reads its forwarded operand from
    /// here, in a machine register, instead of loading the slot that was stored just before.
    var forwarded: UInt64
    /// The target of the loop back-edge taken last. A loop takes the same back-edge again and again; when
    /// the target is this one, the next instruction's address comes from this register instead of waiting
    /// for the load of the branch's offset (see `branch`).
    var backEdgeTarget: UnsafePointer<LinkedInstruction>
    /// The same value when an f64 operation produced it, kept in a floating-point register: moving it
    /// between integer and floating-point registers would add latency to every link of a float chain.
    var forwardedFloat: Double

    /// The fuel each instruction costs, in `fuel`'s unit.
    static let fuelUnit = MemoryLayout<LinkedInstruction>.stride

    /// The registers a handler receives, in `Handler`'s argument order.
    @inline(__always)
    init(
        _ pc: UnsafePointer<LinkedInstruction>, _ fp: UnsafeMutablePointer<UInt64>, _ memoryBase: UnsafeMutableRawPointer,
        _ state: UnsafeMutablePointer<MachineState>, _ forwarded: UInt64, _ backEdgeTarget: UnsafePointer<LinkedInstruction>,
        _ forwardedFloat: Double
    ) {
        self.pc = pc
        self.fp = fp
        self.memoryBase = memoryBase
        self.state = state
        self.forwarded = forwarded
        self.backEdgeTarget = backEdgeTarget
        self.forwardedFloat = forwardedFloat
    }

    /// The fuel slice (see `MachineState.fuel`).
    var fuel: Int {
        @inline(__always) get { state.pointee.fuel }
        @inline(__always) nonmutating set { state.pointee.fuel = newValue }
    }
    var callFrame: UnsafeMutablePointer<CallFrame> {
        @inline(__always) get { state.pointee.callFrame }
        @inline(__always) nonmutating set { state.pointee.callFrame = newValue }
    }
    var entryCallFrame: UnsafeMutablePointer<CallFrame> { @inline(__always) get { state.pointee.entryCallFrame } }
    var instance: UnsafeMutablePointer<InstanceRecord> {
        @inline(__always) get { state.pointee.instance }
        @inline(__always) nonmutating set { state.pointee.instance = newValue }
    }
    /// The current memory's byte count, read where the memory keeps it: just below its base (see
    /// `MemoryRecord.lastFittingOffsetField`).
    var memorySize: UInt64 {
        // SAFETY: every memory buffer has these words just below `base`.
        @inline(__always) get { UInt64(memoryBase.load(fromByteOffset: MemoryRecord.lastFittingOffsetField(accessSize: 1), as: Int.self) + 1) }
    }
    var fuelBank: UInt64 {
        @inline(__always) get { state.pointee.fuelBank }
        @inline(__always) nonmutating set { state.pointee.fuelBank = newValue }
    }

    @inline(__always)
    mutating func reloadMemory() {
        memoryBase = instance.pointee.memory.pointee.base
    }

    // MARK: Dispatch and exits

    /// Runs the instruction at `pc`: a tail call of its handler.
    @inline(__always)
    func dispatch() -> Int {
        pc.pointee.handler(pc, fp, memoryBase, state, forwarded, backEdgeTarget, forwardedFloat)
    }

    /// Steps to the next instruction and runs it.
    @inline(__always)
    mutating func next() -> Int {
        pc += 1
        return dispatch()
    }

    /// Leaves the interpreter for `Store.execute` with `exit`: the registers are kept in `state` for it.
    @inline(__always)
    func leave(_ exit: LoopExit, callee: UnsafeMutablePointer<FunctionRecord>? = nil) -> Int {
        state.pointee.saved = self
        state.pointee.callee = callee
        return exit.rawValue
    }


    // MARK: Slots (i32 and f32 live zero-extended in the low half)

    @inline(__always) func i32(_ slot: UInt32) -> UInt32 { UInt32(truncatingIfNeeded: fp[Int(slot)]) }
    @inline(__always) func s32(_ slot: UInt32) -> Int32 { Int32(truncatingIfNeeded: fp[Int(slot)]) }
    @inline(__always) func i64(_ slot: UInt32) -> UInt64 { fp[Int(slot)] }
    @inline(__always) func s64(_ slot: UInt32) -> Int64 { Int64(bitPattern: fp[Int(slot)]) }
    @inline(__always) func f32(_ slot: UInt32) -> Float { Float(bitPattern: i32(slot)) }
    @inline(__always) func f64(_ slot: UInt32) -> Double { Double(bitPattern: fp[Int(slot)]) }

    @inline(__always) mutating func setI64(_ slot: UInt32, _ value: UInt64) {
        fp[Int(slot)] = value
        forwarded = value
    }
    @inline(__always) mutating func setI32(_ slot: UInt32, _ value: UInt32) { setI64(slot, UInt64(value)) }
    @inline(__always) mutating func setS32(_ slot: UInt32, _ value: Int32) { setI32(slot, UInt32(bitPattern: value)) }
    @inline(__always) mutating func setS64(_ slot: UInt32, _ value: Int64) { setI64(slot, UInt64(bitPattern: value)) }
    @inline(__always) mutating func setBool(_ slot: UInt32, _ value: Bool) { setI64(slot, value ? 1 : 0) }
    @inline(__always) mutating func setF32(_ slot: UInt32, _ value: Float) { setI32(slot, value.bitPattern) }
    /// An f64 result is forwarded in the floating-point register only: a move to the integer register too
    /// would cost every f64 handler an instruction, for the rare integer use of a float's bits.
    @inline(__always) mutating func setF64(_ slot: UInt32, _ value: Double) {
        fp[Int(slot)] = value.bitPattern
        forwardedFloat = value
    }
    /// A 64-bit load's value is forwarded in both registers: an i64 or an f64 instruction may use it.
    @inline(__always) mutating func setLoaded64(_ slot: UInt32, _ bits: UInt64) {
        setI64(slot, bits)
        forwardedFloat = Double(bitPattern: bits)
    }

    // The forwarded operand, read as each type reads a slot.
    @inline(__always) var forwardedI32: UInt32 { UInt32(truncatingIfNeeded: forwarded) }
    @inline(__always) var forwardedS32: Int32 { Int32(truncatingIfNeeded: forwarded) }
    @inline(__always) var forwardedS64: Int64 { Int64(bitPattern: forwarded) }
    /// Valid only after an instruction that wrote its result with `setF64` or `setLoaded64`
    /// (`producesForwardedFloat`); `forwarded` is not valid after `setF64`.
    @inline(__always) var forwardedF64: Double { forwardedFloat }
    /// Its bits, for a store. (Written at a handler, the `bitPattern` call once escaped the inliner; in this
    /// small getter it is inlined first.)
    @inline(__always) var forwardedF64Bits: UInt64 { forwardedFloat.bitPattern }

    // MARK: Memory access: a software bounds check on every access

    /// The checked byte offset of an access of `size` bytes at `address + offset`, or nil when it does not
    /// fit. The sum is computed in 64 bits, so it cannot wrap; the limit is the memory's last offset where
    /// `size` bytes fit.
    @inline(__always)
    func effectiveAddress(_ address: UInt32, offset: UInt32, size: Int) -> Int? {
        let start = Int(truncatingIfNeeded: UInt64(address) &+ UInt64(offset))
        // SAFETY: every memory buffer has its limits just below `base` (see `MemoryRecord`).
        let lastFittingOffset = memoryBase.load(
            fromByteOffset: MemoryRecord.lastFittingOffsetField(accessSize: size), as: Int.self)
        guard start <= lastFittingOffset else { return nil }
        return start
    }

    /// Loads a `T` at `address` plus `offset`; nil when out of bounds.
    @inline(__always)
    func load<T: FixedWidthInteger>(_ type: T.Type, at address: UInt32, offset: UInt32 = 0) -> T? {
        guard let start = effectiveAddress(address, offset: offset, size: MemoryLayout<T>.size) else { return nil }
        // SAFETY: `start + size` ≤ the memory's byte count, checked just above.
        return T(littleEndian: memoryBase.loadUnaligned(fromByteOffset: start, as: T.self))
    }

    /// Loads a `T` at `address` plus the instruction's static offset `c`.
    @inline(__always)
    func load<T: FixedWidthInteger>(_ instruction: InstructionOperands, at address: UInt32, as type: T.Type) -> T? {
        load(T.self, at: address, offset: instruction.c)
    }

    /// Loads a `T` at the address in slot `b` plus the static offset `c`.
    @inline(__always)
    func load<T: FixedWidthInteger>(_ instruction: InstructionOperands, as type: T.Type) -> T? {
        load(instruction, at: i32(instruction.b), as: T.self)
    }

    /// Stores `value` at the address in slot `b` plus the static offset `c`; false when out of bounds.
    @inline(__always)
    func store<T: FixedWidthInteger>(_ instruction: InstructionOperands, _ value: T) -> Bool {
        guard let start = effectiveAddress(i32(instruction.b), offset: instruction.c, size: MemoryLayout<T>.size)
        else { return false }
        // SAFETY: `start + size` ≤ the memory's byte count, checked just above.
        memoryBase.storeBytes(of: value.littleEndian, toByteOffset: start, as: T.self)
        return true
    }

    // MARK: Control

    /// Takes the branch whose offset is `offset`, `word` instructions past `pc` (a fused instruction's branch
    /// is in a later word), and runs its target. The store's copy of the code holds a forward branch's target
    /// as its positive byte distance from the branch, and a backward branch's (a loop back-edge's) as minus
    /// the bytes from the target through the branch: that is the fuel the back-edge charges. When this
    /// instruction's back-edge was the last one taken, its target is `backEdgeTarget`, in a register: the
    /// next instruction's operands are then read through it, not through the result of the offset's load.
    @inline(__always)
    mutating func jump(by offset: UInt32, fromWord word: Int = 0) -> Int {
        let offset = Int(Int32(bitPattern: offset))
        guard offset < 0 else {
            pc = UnsafeRawPointer(pc + word).advanced(by: offset).assumingMemoryBound(to: LinkedInstruction.self)
            return dispatch()
        }
        if _fastPath(pc == state.pointee.lastBackEdge) {
            pc = backEdgeTarget
        } else {
            state.pointee.lastBackEdge = pc
            backEdgeTarget = UnsafeRawPointer(pc + word + 1).advanced(by: offset)
                .assumingMemoryBound(to: LinkedInstruction.self)
            pc = backEdgeTarget
        }
        return dispatchCharging(bytes: 0 &- offset)
    }

    /// Charges fuel, in bytes of code (at calls and loop back-edges only), then runs the instruction at `pc`.
    /// The cost comes out of the slice in `fuel` in one subtraction; only when that overdraws the slice does
    /// `refuelThenDispatch` poll the interruption flag and draw the next slice, in a tail call: a call
    /// anywhere in a handler would make it save registers on every run.
    @inline(__always)
    func dispatchCharging(bytes cost: Int) -> Int {
        let left = fuel &- cost
        fuel = left
        if _slowPath(left < 0) {
            return refuelThenDispatch(pc, fp, memoryBase, state, forwarded, backEdgeTarget, forwardedFloat)
        }
        return dispatch()
    }

    /// Leaves the interpreter with a trap.
    @inline(__always)
    func trap(_ trap: InterpreterTrap) -> Int {
        state.pointee.trapCode = trap
        return leave(.trapped)
    }

    // MARK: Calls

    /// `return`: pops the caller's registers and continues after its call, or leaves the interpreter when the
    /// entry function returns.
    @inline(__always)
    mutating func returnToCaller() -> Int {
        if callFrame == entryCallFrame { return leave(.returned) }
        callFrame -= 1
        let caller = callFrame.pointee
        pc = caller.returnPC
        fp = caller.framePointer
        // The callee may have grown (and so moved) the memory: reloaded unconditionally, since these loads are
        // off the critical path and a test for a change of instance would not be.
        instance = caller.instance
        reloadMemory()
        return dispatch()
    }

    /// `call` and `call_indirect` once the callee is known to be a wasm function, with its `code`: it gets
    /// a new frame at `fp + frameStart`. False when the stacks are full.
    @inline(__always)
    mutating func call(
        _ callee: UnsafeMutablePointer<FunctionRecord>, code: UnsafeMutablePointer<LinkedInstruction>, frameStart: UInt32
    ) -> Bool {
        guard enter(callee, code: code, frameStart: frameStart) else { return false }
        switchInstance(to: callee)
        return true
    }

    /// Makes `callee`'s instance the current one. Within one instance the cached memory is current (every grow
    /// reloads it): only a call into another instance must fetch that instance's memory.
    @inline(__always)
    mutating func switchInstance(to callee: UnsafeMutablePointer<FunctionRecord>) {
        let calleeInstance = callee.pointee.instance.unsafelyUnwrapped
        if calleeInstance != instance {
            instance = calleeInstance
            reloadMemory()
        }
    }

    /// `return_call` and `return_call_indirect` once the callee is known to be a wasm function, with its `code`: the
    /// callee takes over the current frame, its arguments moved down from `fp + argumentStart` to the frame's start,
    /// and returns where this function would have. No call frame is pushed, so a chain of tail calls of any length
    /// runs in constant space. False when the callee's frame does not fit on the value stack.
    @inline(__always)
    mutating func replaceFrame(
        _ callee: UnsafeMutablePointer<FunctionRecord>, code: UnsafeMutablePointer<LinkedInstruction>, argumentStart: UInt32
    ) -> Bool {
        guard fp + callee.pointee.frameSize <= state.pointee.limits.valueStackEnd else { return false }
        let arguments = fp + Int(argumentStart)
        // Ascending order is safe: the arguments sit above their destinations (they are operands past the locals).
        let count = callee.pointee.parameterCount
        var slot = 0
        while slot < count {
            fp[slot] = arguments[slot]
            slot += 1
        }
        zeroFirstLocals(of: callee, frame: fp)
        pc = UnsafePointer(code)
        switchInstance(to: callee)
        return true
    }

    /// Zeroes the first four locals of `callee`'s new `frame`: most functions have few locals, and four straight stores
    /// beat a `memset` call. Slots past the locals are the callee's temporaries or dead space, and the stack has slack
    /// past its end. The rest are left to the callee's `zeroLocals` instruction.
    @inline(__always)
    func zeroFirstLocals(of callee: UnsafeMutablePointer<FunctionRecord>, frame: UnsafeMutablePointer<UInt64>) {
        let locals = frame + callee.pointee.parameterCount
        locals[0] = 0
        locals[1] = 0
        locals[2] = 0
        locals[3] = 0
    }

    /// The callee of `callRef` or `returnCallRef`: the function the reference in slot `c` names (validation proved its
    /// type). A null reference records its trap and gives nil.
    @inline(__always)
    func referencedCallee(_ i: InstructionOperands) -> UnsafeMutablePointer<FunctionRecord>? {
        // SAFETY: a non-null function reference is the address of one of this store's function records.
        guard let callee = UnsafeMutablePointer<FunctionRecord>(bitPattern: UInt(fp[Int(i.c)])) else {
            state.pointee.trapCode = .nullFunctionReference
            return nil
        }
        return callee
    }

    /// The callee of the `call_indirect` or `return_call_indirect` `i` (`a` = type, `b` = frame start, `c` = table),
    /// checked: nil when there is none or its type differs, with the trap left in `state` for `leave(.trapped)`.
    @inline(__always)
    func indirectCallee(_ i: InstructionOperands) -> UnsafeMutablePointer<FunctionRecord>? {
        let type = instance.pointee.types[Int(i.a)]
        let table = instance.pointee.tables[Int(i.c)]
        let elementIndex = Int(i32(i.b &+ UInt32(truncatingIfNeeded: type.parameterCount)))
        guard elementIndex < table.pointee.count else {
            state.pointee.trapCode = .undefinedElement
            return nil
        }
        // SAFETY: a non-null funcref slot is the address of one of this store's function records.
        guard let callee = UnsafeMutablePointer<FunctionRecord>(bitPattern: UInt(table.pointee.elements[elementIndex])) else {
            state.pointee.trapCode = .uninitializedElement
            return nil
        }
        guard callee.pointee.typeID == type.id || callee.pointee.hasSupertype(type.id) else {
            state.pointee.trapCode = .indirectCallTypeMismatch
            return nil
        }
        return callee
    }

    /// Pushes the caller's registers and starts the wasm function `callee` (whose `code` is given) in a new
    /// frame at `fp + frameStart`, in the current instance. Its locals past the first four are left to its
    /// `zeroLocals` instruction: a `memset` call is not worth it for a few. False when the stacks are full.
    @inline(__always)
    mutating func enter(
        _ callee: UnsafeMutablePointer<FunctionRecord>, code: UnsafeMutablePointer<LinkedInstruction>, frameStart: UInt32
    ) -> Bool {
        let calleeFrame = fp + Int(frameStart)
        let frameEnd = calleeFrame + callee.pointee.frameSize
        let limits = state.pointee.limits
        let frame = callFrame
        guard frame < limits.callFramesEnd, frameEnd <= limits.valueStackEnd else { return false }
        // SAFETY: `frame` < `callFramesEnd` and the callee's frame fits below `valueStackEnd` (checked).
        frame.initialize(to: CallFrame(returnPC: pc + 1, framePointer: fp, instance: instance))
        callFrame = frame + 1
        zeroFirstLocals(of: callee, frame: calleeFrame)
        fp = calleeFrame
        pc = UnsafePointer(code)
        return true
    }
}

/// The slow path of `Registers.dispatchCharging`, a handler of its own: settles the overdrawn slice (see
/// `MachineState.refuel`), then runs the instruction at `pc`, or leaves with the trap.
@inline(never)
func refuelThenDispatch(
    _ pc: UnsafePointer<LinkedInstruction>, _ fp: UnsafeMutablePointer<UInt64>, _ memoryBase: UnsafeMutableRawPointer,
    _ state: UnsafeMutablePointer<MachineState>, _ forwarded: UInt64, _ backEdgeTarget: UnsafePointer<LinkedInstruction>,
    _ forwardedFloat: Double
) -> Int {
    let r = Registers(pc, fp, memoryBase, state, forwarded, backEdgeTarget, forwardedFloat)
    if let trap = state.pointee.refuel() { return r.trap(trap) }
    return r.dispatch()
}

/// The operands of the instruction at `pc`, each read from memory where a handler uses it (a fused
/// handler reads its later words' operands through one at `pc + 1`, `pc + 2`).
struct InstructionOperands {
    let pc: UnsafePointer<LinkedInstruction>

    @inline(__always) init(_ pc: UnsafePointer<LinkedInstruction>) { self.pc = pc }

    @inline(__always) var a: UInt32 { pc.pointee.instruction.a }
    @inline(__always) var b: UInt32 { pc.pointee.instruction.b }
    @inline(__always) var c: UInt32 { pc.pointee.instruction.c }
}

/// The interpreter's state in memory: what only calls, returns, back-edges and exits use (the fewer values
/// the handlers pass along, the more stay in machine registers), and, when the interpreter leaves, the
/// registers and why.
struct MachineState {
    var instance: UnsafeMutablePointer<InstanceRecord>
    var fuelBank: UInt64
    /// The fuel slice: what may run before the next slow poll (see `Registers.dispatchCharging`), in bytes of code, so
    /// that a back-edge's charge is its byte distance as it stands in the code. Never negative between
    /// instructions. The run's fuel is the slice (in instructions) plus `fuelBank`, or unlimited when
    /// `fuelBank` is `Store.unlimitedFuel`.
    var fuel: Int
    /// The run's fuel left, in instructions (meaningful only when fuel is limited).
    var fuelLeft: UInt64 { fuelBank &+ UInt64(truncatingIfNeeded: fuel / Registers.fuelUnit) }
    /// The next free entry of the call-frame stack.
    var callFrame: UnsafeMutablePointer<CallFrame>
    let entryCallFrame: UnsafeMutablePointer<CallFrame>
    let limits: StackLimits
    unowned(unsafe) let interruptHandle: InterruptHandle
    /// At an exit: the registers, the host function called (`LoopExit.callHost`) and the trap (`.trapped`).
    var saved: Registers?
    var callee: UnsafeMutablePointer<FunctionRecord>?
    var trapCode = InterpreterTrap.unreachable
    /// The instruction whose back-edge `Registers.backEdgeTarget` is the target of; before the first, an
    /// address no instruction has. (Not an optional: comparing one costs the back-edge five instructions.)
    var lastBackEdge = UnsafePointer<LinkedInstruction>(bitPattern: MemoryLayout<LinkedInstruction>.alignment)!

    /// The slow path of `Registers.dispatchCharging`, once `fuel` is overdrawn: settles the overdraft from the
    /// bank, draws the next slice, and polls the interruption flag. The trap, if the run must stop.
    mutating func refuel() -> InterpreterTrap? {
        let slice = Int(truncatingIfNeeded: Store.fuelSliceSize) &* Registers.fuelUnit
        if fuelBank == Store.unlimitedFuel {
            fuel = slice
            return interruption()
        }
        let overdraft = UInt64(truncatingIfNeeded: (0 &- fuel) / Registers.fuelUnit)
        guard fuelBank >= overdraft else {
            fuelBank = 0
            fuel = 0
            return .outOfFuel
        }
        let left = fuelBank &- overdraft
        let drawn = Swift.min(left, Store.fuelSliceSize)
        fuelBank = left &- drawn
        fuel = Int(truncatingIfNeeded: drawn) &* Registers.fuelUnit
        return interruption()
    }

    /// `.interrupted` if the host raised the flag (which this clears).
    private func interruption() -> InterpreterTrap? {
        guard interruptHandle.flag.load(ordering: .relaxed) else { return nil }
        interruptHandle.flag.store(false, ordering: .relaxed)
        return .interrupted
    }
}

/// Where the current run's stacks end; a call beyond them traps "call stack exhausted".
struct StackLimits {
    let valueStackEnd: UnsafeMutablePointer<UInt64>
    let callFramesEnd: UnsafeMutablePointer<CallFrame>
}
