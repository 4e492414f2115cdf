// The interpreter's machine state and the small operations every handler shares.

// Embedded Swift needs the import in every file that calls Atomic's methods, not only where the type is declared.
import Synchronization

/// The interpreter's registers. The dispatch loop keeps them in one local struct and every method here is
/// inlined, so the optimizer holds the fields in machine registers: no load through `self`, no retain.
/// Everything is a raw pointer into store-owned memory that outlives the run.
struct Registers {
    /// The instruction being executed.
    var pc: UnsafePointer<Instruction>
    /// The current frame: operand `n` is `fp[n]`.
    var fp: UnsafeMutablePointer<UInt64>
    /// The current instance's memory base: the record may move `base` on growth, so it is reloaded after
    /// `memory.grow`, host calls, returns and calls into another instance.
    var memoryBase: UnsafeMutableRawPointer
    /// The next free entry of the call-frame stack.
    var callFrame: UnsafeMutablePointer<CallFrame>
    /// The fuel slice: what may run before the next slow poll (see `charge`), in bytes of code, so that a
    /// back-edge's charge is its byte distance as it stands in the code. Never negative between
    /// instructions. The run's fuel is `fuelInstructions` plus `fuelBank`, or unlimited when `fuelBank` is
    /// `Store.unlimitedFuel`.
    var fuel = 0
    /// The fuel each instruction costs, in `fuel`'s unit.
    static let fuelUnit = MemoryLayout<Instruction>.stride
    /// The fuel slice in instructions.
    var fuelInstructions: UInt64 { UInt64(truncatingIfNeeded: fuel / Registers.fuelUnit) }
    /// The forwarding register: the value the last value-producing instruction wrote to its destination
    /// slot (every `set...` below leaves it here). A `...Fwd` instruction reads its forwarded operand from
    /// here, in a machine register, instead of loading the slot that was stored just before.
    var forwarded: UInt64 = 0
    /// The instruction whose loop back-edge (a backward branch) was taken last, and the distance from it to
    /// the loop's start: a loop takes the same back-edge again and again, and its distance is then in a
    /// register (see `branch`).
    var lastBackEdge: UnsafePointer<Instruction>
    var lastBackEdgeDistance = 0
    /// The same value when an f64 operation produced it, kept in a floating-point register: moving it
    /// between integer and floating-point registers would add latency to every link of a float chain.
    var forwardedFloat: Double = 0
    /// The state only calls, returns and a few rare instructions use, in memory rather than in registers:
    /// the fewer values the loop carries, the fewer LLVM spills and reloads in every handler.
    let context: UnsafeMutablePointer<ExecutionContext>

    var instance: UnsafeMutablePointer<InstanceRecord> {
        @inline(__always) get { context.pointee.instance }
        @inline(__always) nonmutating set { context.pointee.instance = newValue }
    }
    /// The current memory's byte count, read where the memory keeps it: just below its base (see
    /// `MemoryRecord.lastFittingOffsetField`).
    var memorySize: UInt64 {
        // SAFETY: every memory buffer has these words just below `base`.
        @inline(__always) get { UInt64(memoryBase.load(fromByteOffset: MemoryRecord.lastFittingOffsetField(accessSize: 1), as: Int.self) + 1) }
    }
    var fuelBank: UInt64 {
        @inline(__always) get { context.pointee.fuelBank }
        @inline(__always) nonmutating set { context.pointee.fuelBank = newValue }
    }

    @inline(__always)
    mutating func reloadMemory() {
        memoryBase = instance.pointee.memory.pointee.base
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
    /// Its bits, for a store. (Written at a handler, the `bitPattern` call escaped the inliner, whose budget
    /// the dispatch loop exceeds; in this small getter it is inlined first.)
    @inline(__always) var forwardedF64Bits: UInt64 { forwardedFloat.bitPattern }

    // MARK: Memory access: a software bounds check on every access

    /// The checked byte offset of an access of `size` bytes at `address + offset`. The sum is computed in
    /// 64 bits, so it cannot wrap; the limit is the memory's last offset where `size` bytes fit.
    @inline(__always)
    func effectiveAddress(_ address: UInt32, offset: UInt32, size: Int) throws(Trap) -> Int {
        let start = Int(truncatingIfNeeded: UInt64(address) &+ UInt64(offset))
        // SAFETY: every memory buffer has its limits just below `base` (see `MemoryRecord`).
        let lastFittingOffset = memoryBase.load(
            fromByteOffset: MemoryRecord.lastFittingOffsetField(accessSize: size), as: Int.self)
        guard start <= lastFittingOffset else { throw Trap(.memoryOutOfBounds) }
        return start
    }

    /// Loads a `T` at `address` plus `offset`.
    @inline(__always)
    func load<T: FixedWidthInteger>(_ type: T.Type, at address: UInt32, offset: UInt32 = 0) throws(Trap) -> T {
        let start = try effectiveAddress(address, offset: offset, size: MemoryLayout<T>.size)
        // SAFETY: `start + size` ≤ the memory's byte count, checked just above.
        return T(littleEndian: memoryBase.loadUnaligned(fromByteOffset: start, as: T.self))
    }

    /// Loads a `T` at `address` plus the instruction's static offset `c`.
    @inline(__always)
    func load<T: FixedWidthInteger>(_ instruction: InstructionOperands, at address: UInt32, as type: T.Type) throws(Trap) -> T {
        try load(T.self, at: address, offset: instruction.c)
    }

    /// Loads a `T` at the address in slot `b` plus the static offset `c`.
    @inline(__always)
    func load<T: FixedWidthInteger>(_ instruction: InstructionOperands, as type: T.Type) throws(Trap) -> T {
        try load(instruction, at: i32(instruction.b), as: T.self)
    }

    /// Stores `value` at the address in slot `b` plus the static offset `c`.
    @inline(__always)
    func store<T: FixedWidthInteger>(_ instruction: InstructionOperands, _ value: T) throws(Trap) {
        let start = try effectiveAddress(
            i32(instruction.b), offset: instruction.c, size: MemoryLayout<T>.size)
        // SAFETY: `start + size` ≤ the memory's byte count, checked just above.
        memoryBase.storeBytes(of: value.littleEndian, toByteOffset: start, as: T.self)
    }

    // MARK: Control

    /// Charges `cost` instructions' fuel (see `charge`).
    @inline(__always)
    mutating func poll(cost: UInt64, interruptHandle: InterruptHandle) throws(Trap) {
        try charge(bytes: Int(truncatingIfNeeded: cost) &* Registers.fuelUnit, interruptHandle: interruptHandle)
    }

    /// Charges fuel, in bytes of code; runs at calls and loop back-edges only. The cost comes out of the
    /// slice in `fuel`, a machine register, in one subtraction; only when that overdraws the slice does
    /// the slow path poll the interruption flag and settle the overdraft from `fuelBank` while drawing the
    /// next slice. The slow path is inline: a call there (even a cold one) would make LLVM keep the
    /// registers in memory across the whole loop. It is marked cold: otherwise LLVM weighs it like any
    /// handler and, short of registers, keeps `fuel` on the stack instead of a value the slow path uses.
    @inline(__always)
    mutating func charge(bytes cost: Int, interruptHandle: InterruptHandle) throws(Trap) {
        fuel &-= cost
        if _fastPath(fuel >= 0) { return }
        if interruptHandle.flag.load(ordering: .relaxed) {
            interruptHandle.flag.store(false, ordering: .relaxed)
            fuel &+= cost
            throw Trap(.interrupted)
        }
        let slice = Int(truncatingIfNeeded: Store.fuelSliceSize) &* Registers.fuelUnit
        if fuelBank == Store.unlimitedFuel {
            fuel = slice
            return
        }
        let overdraft = UInt64(truncatingIfNeeded: (0 &- fuel) / Registers.fuelUnit)
        guard fuelBank >= overdraft else {
            fuelBank = 0
            fuel = 0
            throw Trap(.outOfFuel)
        }
        let left = fuelBank &- overdraft
        let drawn = Swift.min(left, Store.fuelSliceSize)
        fuelBank = left &- drawn
        fuel = Int(truncatingIfNeeded: drawn) &* Registers.fuelUnit
    }

    /// Takes the branch whose offset is `offset`, `word` instructions past `pc` (a fused instruction's
    /// branch is in a later word). The store's copy of the code holds a forward branch's target as its
    /// positive byte distance from the branch, and a backward branch's (a loop back-edge's) as minus the
    /// bytes from the target through the branch: that is the fuel the back-edge charges, taken with one
    /// addition. A back-edge also takes its distance from `lastBackEdgeDistance` when `pc` is
    /// `lastBackEdge`. The next instruction's operands are read through the new `pc`, so how soon `pc` is
    /// known bounds how fast a loop runs: from the loaded offset, it waits for the load (five cycles or
    /// so); from the register, one addition, since the comparison only feeds a predicted branch. (The cache
    /// holds the distance, not the target, so that a hit computes something: a hit that only picked a
    /// register would reach the dispatch straight from a conditional branch, and LLVM would then route every
    /// loop through one shared indirect jump instead of copying the dispatch into each handler.)
    @inline(__always)
    mutating func branch(by offset: UInt32, fromWord word: Int = 0, interruptHandle: InterruptHandle) throws(Trap) {
        let offset = Int(Int32(bitPattern: offset))
        guard offset < 0 else {
            pc = UnsafeRawPointer(pc + word).advanced(by: offset).assumingMemoryBound(to: Instruction.self)
            return
        }
        try charge(bytes: 0 &- offset, interruptHandle: interruptHandle)
        if _fastPath(pc == lastBackEdge) {
            pc = UnsafeRawPointer(pc).advanced(by: lastBackEdgeDistance).assumingMemoryBound(to: Instruction.self)
            return
        }
        // From `pc`: the branch word's distance, plus the offset, plus the branch word itself.
        let distance = (word &+ 1) &* MemoryLayout<Instruction>.stride &+ offset
        lastBackEdge = pc
        lastBackEdgeDistance = distance
        pc = UnsafeRawPointer(pc).advanced(by: distance).assumingMemoryBound(to: Instruction.self)
    }
}

/// The instruction at `pc`, each operand read from memory where a handler uses it. Were the whole
/// instruction loaded before the `switch`, LLVM would widen the operands there once for all handlers; the
/// dispatch block would then be too large for LLVM to copy into every handler, and all handlers would share
/// one indirect jump, which the branch predictor handles far worse than one jump per handler.
struct InstructionOperands {
    let pc: UnsafePointer<Instruction>

    @inline(__always) init(_ pc: UnsafePointer<Instruction>) { self.pc = pc }

    @inline(__always) var opcode: Opcode { pc.pointee.opcode }
    @inline(__always) var a: UInt32 { pc.pointee.a }
    @inline(__always) var b: UInt32 { pc.pointee.b }
    @inline(__always) var c: UInt32 { pc.pointee.c }
}

/// The interpreter's rarely used mutable state (see `Registers.context`). It lives in allocated memory, not
/// in a local: LLVM would promote a local's fields back into registers.
struct ExecutionContext {
    var instance: UnsafeMutablePointer<InstanceRecord>
    var fuelBank: UInt64
}

/// Where the current run's stacks end; a call beyond them traps "call stack exhausted".
struct StackLimits {
    let valueStackEnd: UnsafeMutablePointer<UInt64>
    let callFramesEnd: UnsafeMutablePointer<CallFrame>
}
