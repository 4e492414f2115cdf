import Synchronization

// The interpreter's machine state and the small operations every handler shares.

// Embedded Swift needs the import in every file that calls Atomic's methods, not only where the type is declared.
import Synchronization

/// The interpreter's registers. The dispatch loop keeps them in one local struct and every method here is
/// inlined, so the optimizer holds the fields in machine registers: no load through `self`, no retain.
/// Everything is a raw pointer into store-owned memory that outlives the run.
struct Registers {
    /// The instruction being executed.
    var pc: UnsafePointer<Instruction>
    /// The current function's first instruction; branch targets are relative to it.
    var codeBase: UnsafePointer<Instruction>
    /// The current frame: operand `n` is `fp[n]`.
    var fp: UnsafeMutablePointer<UInt64>
    var instance: UnsafeMutablePointer<InstanceRecord>
    /// The current instance's memory, cached: the record may move `base` on growth, so these are reloaded
    /// after every call, return and `memory.grow`.
    var memoryBase: UnsafeMutableRawPointer
    var memorySize: UInt64
    /// The next free entry of the call-frame stack.
    var callFrame: UnsafeMutablePointer<CallFrame>
    var fuel: UInt64

    @inline(__always)
    mutating func reloadMemory() {
        let memory = instance.pointee.memory
        memoryBase = memory.pointee.base
        memorySize = UInt64(memory.pointee.byteCount)
    }

    // MARK: Slots (i32 and f32 live zero-extended in the low half)

    @inline(__always) func i32(_ slot: UInt32) -> UInt32 { UInt32(truncatingIfNeeded: fp[Int(slot)]) }
    @inline(__always) func s32(_ slot: UInt32) -> Int32 { Int32(truncatingIfNeeded: fp[Int(slot)]) }
    @inline(__always) func i64(_ slot: UInt32) -> UInt64 { fp[Int(slot)] }
    @inline(__always) func s64(_ slot: UInt32) -> Int64 { Int64(bitPattern: fp[Int(slot)]) }
    @inline(__always) func f32(_ slot: UInt32) -> Float { Float(bitPattern: i32(slot)) }
    @inline(__always) func f64(_ slot: UInt32) -> Double { Double(bitPattern: fp[Int(slot)]) }

    @inline(__always) func setI32(_ slot: UInt32, _ value: UInt32) { fp[Int(slot)] = UInt64(value) }
    @inline(__always) func setS32(_ slot: UInt32, _ value: Int32) { fp[Int(slot)] = UInt64(UInt32(bitPattern: value)) }
    @inline(__always) func setI64(_ slot: UInt32, _ value: UInt64) { fp[Int(slot)] = value }
    @inline(__always) func setS64(_ slot: UInt32, _ value: Int64) { fp[Int(slot)] = UInt64(bitPattern: value) }
    @inline(__always) func setBool(_ slot: UInt32, _ value: Bool) { fp[Int(slot)] = value ? 1 : 0 }
    @inline(__always) func setF32(_ slot: UInt32, _ value: Float) { fp[Int(slot)] = UInt64(value.bitPattern) }
    @inline(__always) func setF64(_ slot: UInt32, _ value: Double) { fp[Int(slot)] = value.bitPattern }

    // MARK: Memory access: a software bounds check on every access

    /// The checked byte offset of an access of `size` bytes at `slot[addressSlot] + offset`. The sum is
    /// computed in 64 bits, so it cannot wrap.
    @inline(__always)
    func effectiveAddress(_ addressSlot: UInt32, offset: UInt32, size: UInt64) throws(Trap) -> Int {
        let address = UInt64(i32(addressSlot)) &+ UInt64(offset)
        guard address &+ size <= memorySize else { throw Trap(.memoryOutOfBounds) }
        return Int(address)
    }

    @inline(__always)
    func load<T: FixedWidthInteger>(_ instruction: Instruction, as type: T.Type) throws(Trap) -> T {
        let address = try effectiveAddress(
            instruction.b, offset: instruction.c, size: UInt64(MemoryLayout<T>.size))
        // SAFETY: `address + size` ≤ the memory's byte count, checked just above.
        return T(littleEndian: memoryBase.loadUnaligned(fromByteOffset: address, as: T.self))
    }

    @inline(__always)
    func store<T: FixedWidthInteger>(_ instruction: Instruction, _ value: T) throws(Trap) {
        let address = try effectiveAddress(
            instruction.b, offset: instruction.c, size: UInt64(MemoryLayout<T>.size))
        // SAFETY: `address + size` ≤ the memory's byte count, checked just above.
        memoryBase.storeBytes(of: value.littleEndian, toByteOffset: address, as: T.self)
    }

    // MARK: Control

    /// Polls the interruption flag and charges fuel; runs at calls and loop back-edges only.
    @inline(__always)
    mutating func poll(cost: UInt64, interruptHandle: InterruptHandle) throws(Trap) {
        if interruptHandle.flag.load(ordering: .relaxed) {
            interruptHandle.flag.store(false, ordering: .relaxed)
            throw Trap(.interrupted)
        }
        guard fuel >= cost else {
            fuel = 0
            throw Trap(.outOfFuel)
        }
        fuel &-= cost
    }

    /// Jumps to instruction `target`; a jump backwards (or onto itself) is a loop back-edge and polls.
    @inline(__always)
    mutating func branch(to target: UInt32, interruptHandle: InterruptHandle) throws(Trap) {
        let destination = codeBase + Int(target)
        if destination <= pc {
            try poll(cost: UInt64(pc - destination) &+ 1, interruptHandle: interruptHandle)
        }
        pc = destination
    }
}

/// Where the current run's stacks end; a call beyond them traps "call stack exhausted".
struct StackLimits {
    let valueStackEnd: UnsafeMutablePointer<UInt64>
    let callFramesEnd: UnsafeMutablePointer<CallFrame>
}
