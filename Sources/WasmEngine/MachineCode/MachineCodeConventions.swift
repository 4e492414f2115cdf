// The compiler tier (issue 17): an instance's functions as x86-64 machine code, translated from the same internal
// code the interpreter runs (before the interpreter's own fusions), in the same frames of 64-bit slots, so compiled
// code shares the interpreter's value stack, traps, fuel and host calls, and falls back to an interpreter handler
// for any instruction it has no machine code for. This file: the conventions machine code and Swift agree on.

import X64Assembler

/// The registers compiled code keeps its state in, for the whole run.
enum PinnedRegister {
    /// The current frame: slot `n` is at `[frame + 8n]` (callee-saved in the System V ABI, so a call into Swift
    /// keeps it).
    static let frame = Register.rbx
    /// The instance's memory 0 base; its bounds words lie just below it (see `MemoryRecord`).
    static let memoryBase = Register.r15
    /// The run's `MachineCodeContext` words.
    static let context = Register.r14
    /// Where a call into Swift keeps the stack pointer while it aligns it to 16 bytes.
    static let savedStackPointer = Register.r13
    /// The fuel slice (`ContextWord.fuel` while Swift runs): a register, because every loop back-edge charges it,
    /// and a count kept in memory would put a store-to-load delay into every iteration.
    static let fuel = Register.r12
}

/// A register that holds one slot's value for a whole function (see `MachineCodeGenerator.slotHomes`).
enum SlotHome: Equatable {
    case general(Register)
    case vector(XMMRegister)

    /// The registers compiled code leaves to slots: none of them is pinned or used by an instruction's own code
    /// (rax, rcx, rdx; xmm0, xmm1). A call clobbers them all (Swift's convention saves none of the vector ones).
    static let generalRegisters: [Register] = [.rbp, .rsi, .rdi, .r8, .r9, .r10, .r11]
    static let vectorRegisters: [XMMRegister] = XMMRegister.allCases.filter { $0 != .xmm0 && $0 != .xmm1 }
}

/// The words of a run's context that compiled code reads at `[context + 8 * word]`.
enum ContextWord: Int32, CaseIterable {
    /// The stack pointer just before the entry called the function: a trap returns to it.
    case entryStackPointer
    /// A function entered with the stack pointer below this traps "call stack exhausted".
    case stackFloor
    /// The fuel slice, as `MachineState.fuel` counts it, while Swift runs (machine code keeps it in
    /// `PinnedRegister.fuel`).
    case fuel
    /// The end of the value stack: a frame must end at or before it.
    case valueStackEnd
    /// The instance's memory record (its `base` moves when the memory grows).
    case memoryRecord
    /// `Unmanaged<Store>`.
    case store
    /// The run's `MachineState`, for the instructions an interpreter handler runs.
    case state
    /// The Swift functions machine code calls (`MachineCodeBridge`).
    case executeInstruction, callFunction, refuel, compileFunction

    var displacement: Int32 { rawValue * 8 }
}

/// What the entry returns: 0 when the function returned, else why it stopped.
enum MachineCodeExit {
    /// An `InterpreterTrap` raised by machine code or by a handler: its raw value plus one.
    static func code(of trap: InterpreterTrap) -> Int { Int(trap.rawValue) + 1 }
    /// A Swift function machine code called threw: the error is the store's `pendingMachineCodeTrap`.
    static let pendingTrap = 255
}

/// The byte offset of `field` within the record at `base` (Embedded Swift has no key paths to ask for it).
func fieldOffset<Record, Field>(_ field: UnsafeMutablePointer<Field>, in base: UnsafeMutablePointer<Record>) -> Int32 {
    Int32(UnsafeMutableRawPointer(field) - UnsafeMutableRawPointer(base))
}
