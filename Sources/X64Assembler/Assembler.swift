// The assembler's buffer, the one encoder every instruction goes through (prefixes, REX, opcode, ModRM, SIB,
// displacement), and labels.

/// Emits x86-64 machine code into a byte buffer. Operands are in Intel order: destination first.
public struct Assembler: Sendable {
    /// The code so far.
    public private(set) var bytes: [UInt8] = []
    /// Each label's offset in `bytes`, or nil while unbound.
    private var labelOffsets: [Int?] = []
    /// The labels in the order they were bound (what a rollback unbinds).
    private var boundLabels: [Label] = []
    /// The rel32 fields that named a label before it was bound, completed when the code is finished: where the
    /// field is, and the label. (Completing them at `bind` would scan them all for every label.)
    private var forwardJumps: [(field: Int, label: Label)] = []
    /// The 32-bit words that hold the distance between two labels, written when the code is finished.
    private var labelDistances: [(field: Int, target: Label, base: Label)] = []

    public init() {}

    /// The offset the next instruction will have.
    public var offset: Int { bytes.count }

    // MARK: Labels

    /// A position in the code, bound once, which jumps and calls may name before or after it is bound.
    public struct Label: Hashable, Sendable {
        fileprivate let index: Int
    }

    public mutating func makeLabel() -> Label {
        labelOffsets.append(nil)
        return Label(index: labelOffsets.count - 1)
    }

    /// Places `label` at the current offset.
    public mutating func bind(_ label: Label) {
        precondition(labelOffsets[label.index] == nil, "a label is bound once")
        labelOffsets[label.index] = offset
        boundLabels.append(label)
    }

    /// The bound offset of `label`, or nil while unbound.
    public func offset(of label: Label) -> Int? { labelOffsets[label.index] }

    /// What ``rollback(to:)`` returns to: the code, labels and references at one moment.
    public struct Checkpoint: Sendable {
        fileprivate let byteCount: Int
        fileprivate let labelCount: Int
        fileprivate let boundLabelCount: Int
        fileprivate let forwardJumpCount: Int
        fileprivate let labelDistanceCount: Int
    }

    public func checkpoint() -> Checkpoint {
        Checkpoint(
            byteCount: bytes.count, labelCount: labelOffsets.count, boundLabelCount: boundLabels.count,
            forwardJumpCount: forwardJumps.count, labelDistanceCount: labelDistances.count)
    }

    /// Forgets everything since `checkpoint`: the code emitted, the labels made, the labels bound; for code emitted
    /// once to learn from and then emitted again.
    public mutating func rollback(to checkpoint: Checkpoint) {
        for label in boundLabels[checkpoint.boundLabelCount...] where label.index < checkpoint.labelCount {
            labelOffsets[label.index] = nil
        }
        bytes.removeSubrange(checkpoint.byteCount...)
        labelOffsets.removeSubrange(checkpoint.labelCount...)
        boundLabels.removeSubrange(checkpoint.boundLabelCount...)
        forwardJumps.removeSubrange(checkpoint.forwardJumpCount...)
        labelDistances.removeSubrange(checkpoint.labelDistanceCount...)
    }

    /// The finished code: every label a jump or a distance names must have been bound.
    public mutating func finish() -> [UInt8] {
        for jump in forwardJumps {
            guard let target = labelOffsets[jump.label.index] else {
                preconditionFailure("a jump names a label that was never bound")
            }
            patchRelative32(at: jump.field, target: target)
        }
        forwardJumps = []
        for distance in labelDistances {
            guard let target = labelOffsets[distance.target.index], let base = labelOffsets[distance.base.index] else {
                preconditionFailure("a distance names a label that was never bound")
            }
            patch32(at: distance.field, UInt32(bitPattern: Int32(target - base)))
        }
        labelDistances = []
        return bytes
    }

    /// A 32-bit word holding `target`'s offset minus `base`'s: an entry of a jump table that is relative to the
    /// table, so the code runs wherever it is copied.
    public mutating func emitDistance(to target: Label, from base: Label) {
        labelDistances.append((offset, target, base))
        emit32(0)
    }

    /// Ends an instruction with a rel32 field that reaches `label`.
    mutating func emitRelative32(to label: Label) {
        let field = offset
        emit32(0)
        if let target = labelOffsets[label.index] {
            patchRelative32(at: field, target: target)
        } else {
            forwardJumps.append((field, label))
        }
    }

    private mutating func patchRelative32(at field: Int, target: Int) {
        // The displacement counts from the end of the field, which ends every instruction that has one.
        patch32(at: field, UInt32(bitPattern: Int32(target - (field + 4))))
    }

    private mutating func patch32(at field: Int, _ value: UInt32) {
        for position in 0..<4 { bytes[field + position] = UInt8(truncatingIfNeeded: value >> (8 * position)) }
    }

    // MARK: Raw bytes

    mutating func emit8(_ byte: UInt8) { bytes.append(byte) }

    mutating func emit16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    mutating func emit32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func emit64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    // MARK: The encoder

    /// The opcode map an opcode byte belongs to: the escape bytes in front of it.
    enum OpcodeMap {
        case primary, escape0F, escape0F38, escape0F3A
    }

    /// Emits one instruction of the ModRM form:
    /// `[mandatory prefix] [REX] [escape] opcode ModRM [SIB] [displacement]`. `reg` is the ModRM reg field:
    /// a register number (0...15) or an opcode extension (`/digit`). `byteOperands` asks for a REX prefix when
    /// a byte register among the operands would otherwise name `ah`...`bh` (`regIsByteRegister` says whether
    /// `reg` names a register at all).
    mutating func emit(
        prefix: UInt8? = nil, wide: Bool, map: OpcodeMap = .primary, opcode: UInt8, reg: UInt8, rm: RegisterOrMemory,
        byteOperands: Bool = false, regIsByteRegister: Bool = false
    ) {
        if let prefix { emit8(prefix) }
        var rex: UInt8 = (wide ? 0b1000 : 0) | (reg >> 3) << 2
        var byteRegisterNeedsREX = byteOperands && regIsByteRegister && (4...7).contains(reg)
        switch rm {
        case .register(let number):
            rex |= number >> 3
            byteRegisterNeedsREX = byteRegisterNeedsREX || (byteOperands && (4...7).contains(number))
        case .memory(let memory):
            rex |= (memory.index?.high ?? 0) << 1 | memory.base.high
        case .instructionRelative:
            break
        }
        if rex != 0 || byteRegisterNeedsREX { emit8(0x40 | rex) }
        switch map {
        case .primary: break
        case .escape0F: emit8(0x0F)
        case .escape0F38: emit8(0x0F); emit8(0x38)
        case .escape0F3A: emit8(0x0F); emit8(0x3A)
        }
        emit8(opcode)
        switch rm {
        case .register(let number):
            emitModRM(mode: 0b11, reg: reg, rm: number)
        case .memory(let memory):
            emitAddress(memory, reg: reg)
        case .instructionRelative(let label):
            // Mode 00 with r/m 101: rip + disp32, where rip is the end of the instruction (no immediate follows
            // in the instructions that use this form).
            emitModRM(mode: 0b00, reg: reg, rm: 0b101)
            emitRelative32(to: label)
        }
    }

    private mutating func emitModRM(mode: UInt8, reg: UInt8, rm: UInt8) {
        emit8(mode << 6 | (reg & 7) << 3 | rm & 7)
    }

    /// ModRM, SIB and displacement for a memory operand.
    private mutating func emitAddress(_ memory: MemoryOperand, reg: UInt8) {
        let displacement = memory.displacement
        // Mode 00 with base rbp/r13 means RIP-relative (no SIB) or no base (SIB): those bases take a disp8 of 0.
        let mode: UInt8 =
            if displacement == 0 && memory.base.low != 0b101 { 0b00 }
            else if Int32(Int8(truncatingIfNeeded: displacement)) == displacement { 0b01 }
            else { 0b10 }
        // An r/m of 100 (rsp/r12) announces a SIB byte, so those bases need one even without an index.
        if memory.index == nil && memory.base.low != 0b100 {
            emitModRM(mode: mode, reg: reg, rm: memory.base.low)
        } else {
            emitModRM(mode: mode, reg: reg, rm: 0b100)
            // An index field of 100 means "no index".
            emit8(memory.scale.rawValue << 6 | (memory.index?.low ?? 0b100) << 3 | memory.base.low)
        }
        switch mode {
        case 0b01: emit8(UInt8(bitPattern: Int8(truncatingIfNeeded: displacement)))
        case 0b10: emit32(UInt32(bitPattern: displacement))
        default: break
        }
    }

    /// Emits an instruction whose register operand sits in the opcode's low three bits (`push`, `pop`,
    /// `mov r, imm`, `bswap`), with REX.B for r8...r15.
    mutating func emit(wide: Bool, map: OpcodeMap = .primary, opcodeBase: UInt8, register: Register) {
        let rex: UInt8 = (wide ? 0b1000 : 0) | register.high
        if rex != 0 { emit8(0x40 | rex) }
        if map == .escape0F { emit8(0x0F) }
        emit8(opcodeBase | register.low)
    }
}
