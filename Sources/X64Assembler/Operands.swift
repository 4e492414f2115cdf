// x86-64 machine code: the encoding of instructions the compiler tier emits (issue 17), nothing about
// WebAssembly. Portable and Embedded-clean (no Foundation), so the guest kernel can compile with it too. This
// file: the operands an instruction names.

/// A general-purpose register, numbered as the encoding numbers it (REX extends 8...15).
public enum Register: UInt8, Sendable, CaseIterable {
    case rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15

    /// The three bits that go into ModRM, SIB or the opcode.
    var low: UInt8 { rawValue & 7 }
    /// The bit that goes into REX (R, X or B).
    var high: UInt8 { rawValue >> 3 }
    /// Whether its low byte is only reachable with a REX prefix (`spl`, `bpl`, `sil`, `dil`: without one,
    /// those encodings name `ah`, `ch`, `dh`, `bh`).
    var byteNeedsREX: Bool { (4...7).contains(rawValue) }
}

/// An SSE register.
public enum XMMRegister: UInt8, Sendable, CaseIterable {
    case xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14, xmm15
}

/// The width of an integer operation.
public enum OperandSize: Sendable {
    case bits32, bits64
}

/// A condition a flag-testing instruction (`jcc`, `setcc`, `cmovcc`) tests, numbered as its encoding.
public enum Condition: UInt8, Sendable, CaseIterable {
    case overflow, noOverflow, below, aboveOrEqual, equal, notEqual, belowOrEqual, above
    case sign, noSign, parity, noParity, less, greaterOrEqual, lessOrEqual, greater

    /// The condition that holds exactly when this one does not.
    public var negated: Condition { Condition(rawValue: rawValue ^ 1)! }
}

/// A memory operand: `[base + index * scale + displacement]`.
public struct MemoryOperand: Sendable, Equatable {
    public enum Scale: UInt8, Sendable {
        case one, two, four, eight
    }

    public var base: Register
    public var index: Register?
    public var scale: Scale
    public var displacement: Int32

    /// - Precondition: `index` is not `rsp` (the encoding has no way to name it).
    public init(base: Register, index: Register? = nil, scale: Scale = .one, displacement: Int32 = 0) {
        precondition(index != .rsp, "rsp cannot be an index register")
        self.base = base
        self.index = index
        self.scale = scale
        self.displacement = displacement
    }

    /// `[base + displacement]`.
    public static func at(_ base: Register, _ displacement: Int32 = 0) -> MemoryOperand {
        MemoryOperand(base: base, displacement: displacement)
    }
}

/// What an instruction's ModRM `r/m` field names.
enum RegisterOrMemory {
    case register(UInt8)
    case memory(MemoryOperand)
    /// The address of a label, relative to the instruction's end (`[rip + disp32]`).
    case instructionRelative(Assembler.Label)
}
