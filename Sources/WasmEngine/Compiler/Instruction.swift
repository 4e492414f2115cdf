/// The internal code: register-based, three-address, with branch targets resolved.
///
/// A function runs in a *frame* of 64-bit slots. Slots `0..<parameterCount` hold the arguments, then come
/// the declared locals (zeroed by the call), then the operand-stack temporaries. An operand names a slot
/// of the current frame by index. Slot contents:
/// - i32: the low 32 bits. Every reader truncates, so the upper half may hold anything: `i32.wrap_i64`
///   emits no code and leaves the i64 in the slot. i32 instructions still write `UInt64(UInt32)`.
/// - i64: as is. f32: its bit pattern, zero-extended. f64: its bit pattern.
/// - funcref / externref: 0 is null; any other value is a runtime-defined reference.
///
/// Every instruction is 16 bytes: an opcode and three 32-bit operands `a`, `b`, `c`. (A store's linked copy
/// puts its handler's address in front of each: see `LinkedInstruction`.)
/// Conventions unless an opcode says otherwise:
/// - unary:  `a` = destination slot, `b` = source slot.
/// - binary: `a` = destination slot, `b` = left slot, `c` = right slot.
/// - load:   `a` = destination slot, `b` = address slot, `c` = static offset (memarg offset); memory 0.
/// - store:  `a` = value slot, `b` = address slot, `c` = static offset; memory 0.
/// - branch targets are absolute instruction indices in the function's `code`.
/// A branch whose target is at or before the branch itself is a loop back-edge: there the interpreter polls
/// the interruption flag and fuel, so a runaway loop can always be stopped.
/// Destination and source slots may coincide.
public struct Instruction: Equatable, Sendable {
    /// Where a lane index sits in an operand that also names a slot (slots stay below 2^24: see
    /// `FunctionCompiler.maximumLocalCount` and `maximumStackHeight`).
    static let laneShift: UInt32 = 24
    /// The slot beside a lane index.
    static let slotMask: UInt32 = 1 << laneShift - 1

    public var opcode: Opcode
    public var a: UInt32
    public var b: UInt32
    public var c: UInt32

    public init(_ opcode: Opcode, _ a: UInt32 = 0, _ b: UInt32 = 0, _ c: UInt32 = 0) {
        self.opcode = opcode
        self.a = a
        self.b = b
        self.c = c
    }
}

public enum Opcode: UInt16, Sendable {
    // MARK: Control
    /// Trap "unreachable".
    case unreachable
    /// Jump to `a`.
    case br
    /// Jump to `a` if the i32 in slot `b` is non-zero.
    case brIf
    /// Jump to `a` if the i32 in slot `b` is zero.
    case brIfNot
    /// Fused compare-and-branch: jump to `a` if `slot[b] <op> slot[c]` holds for i32 operands.
    case brIfI32Eq, brIfI32Ne, brIfI32LtS, brIfI32LtU, brIfI32GtS, brIfI32GtU
    case brIfI32LeS, brIfI32LeU, brIfI32GeS, brIfI32GeU
    /// Fused compare-and-branch with a constant: jump to `a` if `slot[b] <op> c` holds for i32 operands.
    case brIfI32EqImm, brIfI32NeImm, brIfI32LtSImm, brIfI32LtUImm, brIfI32GtSImm, brIfI32GtUImm
    case brIfI32LeSImm, brIfI32LeUImm, brIfI32GeSImm, brIfI32GeUImm
    /// The same for i64 operands.
    case brIfI64Eq, brIfI64Ne, brIfI64LtS, brIfI64LtU, brIfI64GtS, brIfI64GtU
    case brIfI64LeS, brIfI64LeU, brIfI64GeS, brIfI64GeU
    /// Jump table. `a` = index slot (i32), `b` = number of labels N excluding the default. The N + 1
    /// instructions that follow are the entries (each a `br`); execution continues at entry
    /// `min(index, N)`, i.e. instruction `pc + 1 + min(index, N)`.
    case brTable
    /// Return from the function. Results are already in slots `0..<resultCount`.
    case `return`
    /// Call function `a` (module function index space, imports included). Arguments are in slots
    /// `b..<b + parameterCount`; the callee's frame starts at slot `b`, and its results come back in
    /// slots `b..<b + resultCount`.
    case call
    /// `call` of a function the module defines (not imports): wasm code of the same instance, so the call
    /// needs no test for a host function or for a change of instance. Operands as for `call`; an
    /// instance's copy of the code names the callee directly instead (see `Store.linkCalls`): `a` = frame
    /// start, `b` and `c` = the address of its function record (low and high halves).
    case callDefined
    /// `call_indirect`: `a` = expected type index, `b` = frame start as for `call`, `c` = table index.
    /// The i32 element index is in slot `b + parameterCount`.
    case callIndirect

    /// Zeroes slots `a..<a + b`: the declared locals past the first four, which every call zeroes itself.
    /// The first instruction of a function that declares more.
    case zeroLocals
    /// What a function's record names as its code until the function is first called (an instance's stand-in, never
    /// emitted by the translator): translates function `a` (module function index space) of the current instance,
    /// points its record at the translation and runs it in the frame the call set up (`Store.translateOnFirstCall`).
    case translateFunction

    // MARK: Moves and constants
    /// `slot[a] = slot[b]` (64 bits).
    case copy
    /// `slot[a] = UInt64(b)` (an i32 or f32 bit pattern).
    case const32
    /// `slot[a] = UInt64(b) | UInt64(c) << 32` (an i64 or f64 bit pattern, or a null reference).
    case const64
    /// `select`: if the i32 in slot `c` is zero, `slot[a] = slot[b]`; otherwise `slot[a]` keeps its value
    /// (the compiler first copies the first operand there).
    case select
    /// `slot[a] = value of global b` (instance global index space).
    case globalGet
    /// `global b = slot[a]`.
    case globalSet

    // MARK: References
    /// `slot[a] = reference to function b` (module function index space).
    case refFunc
    /// `slot[a] = slot[b] == 0 ? 1 : 0`.
    case refIsNull

    // MARK: Tables (`c` or `b` is the table index as noted)
    /// `slot[a] = table c [slot[b]]`.
    case tableGet
    /// `table c [slot[a]] = slot[b]`.
    case tableSet
    /// `slot[a] = size of table b`.
    case tableSize
    /// `slot[a] = table.grow` on table c, with the init value in slot `b` and the delta in slot `b + 1`.
    case tableGrow
    /// `table.fill` on table b with destination, value, count in slots `a`, `a + 1`, `a + 2`.
    case tableFill
    /// `table.copy` from table c into table b; destination, source, count in slots `a`, `a + 1`, `a + 2`.
    case tableCopy
    /// `table.init` of table b from element segment c; destination, source, count in slots `a...a + 2`.
    case tableInit
    /// `elem.drop` of element segment `a`.
    case elemDrop

    // MARK: Memory
    /// `slot[a] = memory.size` in pages.
    case memorySize
    /// `slot[a] = memory.grow(slot[b])` of memory `c`: old size in pages, or -1 (of the memory's address type) on
    /// failure.
    case memoryGrow
    /// `memory.fill`: destination, value, count in slots `a`, `b`, `c`.
    case memoryFill
    /// `memory.copy`: destination, source, count in slots `a`, `b`, `c`.
    case memoryCopy
    /// `memory.init` from data segment b: destination, source, count in slots `a`, `a + 1`, `a + 2`. (`memory.size`,
    /// `memory.fill`, `memory.copy` and `memory.init` act on the memory whose base is in the register: see `useMemory`.)
    case memoryInit
    /// `data.drop` of data segment `a`.
    case dataDrop

    case i32Load, i64Load, i32Load8S, i32Load8U, i32Load16S, i32Load16U
    case i64Load8S, i64Load8U, i64Load16S, i64Load16U, i64Load32S, i64Load32U
    case i32Store, i64Store, i32Store8, i32Store16, i64Store8, i64Store16, i64Store32
    /// A load with no static offset whose address is an `i32.add` of slot `b` and the constant `c`, wrapping
    /// at 32 bits as `i32.add` does: `slot[a] = load(UInt32(slot[b]) &+ c)`.
    case i32LoadAddImm, i64LoadAddImm
    /// An array element load, `base[index]`, with no static offset: the address is slot `b` plus slot `c`
    /// times the access size (4 or 8), all wrapping at 32 bits as the `i32.shl` and `i32.add` it replaces.
    case i32LoadScaled, i64LoadScaled

    // MARK: Numeric (f32.load/store and f64.load/store use the i32/i64 forms: the bits are the same)
    case i32Eqz, i32Eq, i32Ne, i32LtS, i32LtU, i32GtS, i32GtU, i32LeS, i32LeU, i32GeS, i32GeU
    case i64Eqz, i64Eq, i64Ne, i64LtS, i64LtU, i64GtS, i64GtU, i64LeS, i64LeU, i64GeS, i64GeU
    case f32Eq, f32Ne, f32Lt, f32Gt, f32Le, f32Ge
    case f64Eq, f64Ne, f64Lt, f64Gt, f64Le, f64Ge

    case i32Clz, i32Ctz, i32Popcnt
    case i32Add, i32Sub, i32Mul, i32DivS, i32DivU, i32RemS, i32RemU
    case i32And, i32Or, i32Xor, i32Shl, i32ShrS, i32ShrU, i32Rotl, i32Rotr
    case i64Clz, i64Ctz, i64Popcnt
    case i64Add, i64Sub, i64Mul, i64DivS, i64DivU, i64RemS, i64RemU
    case i64And, i64Or, i64Xor, i64Shl, i64ShrS, i64ShrU, i64Rotl, i64Rotr
    /// A `select` of two integers on their own comparison (`x < y ? x : y` and the like): `slot[a]` is the
    /// minimum or maximum of `slot[b]` and `slot[c]`.
    case i32MinS, i32MinU, i32MaxS, i32MaxU, i64MinS, i64MinU, i64MaxS, i64MaxU

    case f32Abs, f32Neg, f32Ceil, f32Floor, f32Trunc, f32Nearest, f32Sqrt
    case f32Add, f32Sub, f32Mul, f32Div, f32Min, f32Max, f32Copysign
    case f64Abs, f64Neg, f64Ceil, f64Floor, f64Trunc, f64Nearest, f64Sqrt
    case f64Add, f64Sub, f64Mul, f64Div, f64Min, f64Max, f64Copysign

    case i32WrapI64
    case i32TruncF32S, i32TruncF32U, i32TruncF64S, i32TruncF64U
    case i64ExtendI32S, i64ExtendI32U
    case i64TruncF32S, i64TruncF32U, i64TruncF64S, i64TruncF64U
    case f32ConvertI32S, f32ConvertI32U, f32ConvertI64S, f32ConvertI64U, f32DemoteF64
    case f64ConvertI32S, f64ConvertI32U, f64ConvertI64S, f64ConvertI64U, f64PromoteF32
    // Reinterpretations are `copy`: slots hold bit patterns.

    case i32Extend8S, i32Extend16S, i64Extend8S, i64Extend16S, i64Extend32S

    case i32TruncSatF32S, i32TruncSatF32U, i32TruncSatF64S, i32TruncSatF64U
    case i64TruncSatF32S, i64TruncSatF32U, i64TruncSatF64S, i64TruncSatF64U

    // MARK: Immediate forms: `a` = destination, `b` = source slot, `c` = the constant operand
    /// `c` is the i32 constant.
    case i32AddImm, i32AndImm, i32OrImm, i32XorImm, i32ShlImm, i32ShrSImm, i32ShrUImm
    /// `c` is an i32 constant sign-extended to i64.
    case i64AddImm
    /// i32 comparisons: `slot[a] = slot[b] <op> c ? 1 : 0`.
    case i32EqImm, i32NeImm, i32LtSImm, i32LtUImm, i32GtSImm, i32GtUImm, i32LeSImm, i32LeUImm, i32GeSImm, i32GeUImm
    /// The xorshift step `x ^ (x << c)` and `x ^ (x >>> c)`: `slot[a] = slot[b] ^ (slot[b] <op> c)`.
    case i32XorShlImm, i32XorShrUImm

    // MARK: Forwarded forms (made by `forwardResults` after translation, never by the translator itself)
    // Each is its base opcode (the name without `Fwd`) except that one operand is the value the instruction
    // just before wrote to its destination slot: the interpreter keeps that value in a machine register, so
    // a dependent chain skips the store-to-load round trip through the frame. The forwarded operand is `b`,
    // except: stores forward the value `a`, `select` its condition `c`, and `...FwdC` forms their right `c`.
    case brIfFwd, brIfNotFwd
    case brIfI32EqFwd, brIfI32NeFwd, brIfI32LtSFwd, brIfI32LtUFwd, brIfI32GtSFwd, brIfI32GtUFwd
    case brIfI32LeSFwd, brIfI32LeUFwd, brIfI32GeSFwd, brIfI32GeUFwd
    case brIfI64EqFwd, brIfI64NeFwd, brIfI64LtSFwd, brIfI64LtUFwd, brIfI64GtSFwd, brIfI64GtUFwd
    case brIfI64LeSFwd, brIfI64LeUFwd, brIfI64GeSFwd, brIfI64GeUFwd
    case brIfI32EqImmFwd, brIfI32NeImmFwd, brIfI32LtSImmFwd, brIfI32LtUImmFwd, brIfI32GtSImmFwd, brIfI32GtUImmFwd
    case brIfI32LeSImmFwd, brIfI32LeUImmFwd, brIfI32GeSImmFwd, brIfI32GeUImmFwd
    case selectFwd
    case i32LoadFwd, i64LoadFwd, i32Load8UFwd
    case i32StoreFwd, i64StoreFwd, i32Store8Fwd
    /// `i64StoreFwd` of an f64 result, which is forwarded in the floating-point register only.
    case f64StoreFwd
    case i32EqzFwd, i64EqzFwd
    case i64EqFwd, i64NeFwd, i64LtSFwd, i64LtUFwd, i64GtSFwd, i64GtUFwd, i64LeSFwd, i64LeUFwd, i64GeSFwd, i64GeUFwd
    case i32AddFwd, i32SubFwd, i32MulFwd, i32AndFwd, i32OrFwd, i32XorFwd, i32ShlFwd, i32ShrSFwd, i32ShrUFwd
    case i64AddFwd, i64SubFwd, i64MulFwd, i64AndFwd, i64OrFwd, i64XorFwd, i64ShlFwd, i64ShrSFwd, i64ShrUFwd
    case f64AddFwd, f64SubFwd, f64MulFwd, f64DivFwd
    case i32SubFwdC, i32ShlFwdC, i32ShrUFwdC, f64SubFwdC, f64DivFwdC, i32LoadScaledFwdC
    case i32AddImmFwd, i32AndImmFwd, i32OrImmFwd, i32XorImmFwd, i32ShlImmFwd, i32ShrSImmFwd, i32ShrUImmFwd
    case i32XorShlImmFwd, i32XorShrUImmFwd
    case i64AddImmFwd
    case f64SqrtFwd, i32WrapI64Fwd, i64ExtendI32SFwd, i64ExtendI32UFwd, f64ConvertI32SFwd

    // MARK: Loop steps (made by `forwardResults` from a forwarded pair, never by the translator itself)
    // An addition (the name's first part) whose next instruction is the named forwarded compare-and-branch
    // on its result: one dispatch runs both, typically a loop's counter step and back-edge. The addition's
    // operands are its own; the branch stays in place as the second word, supplying the target and the
    // other comparison operand, and is skipped when not taken.
    case i32AddImmBrIfI32NeFwd, i32AddImmBrIfI32LtSFwd, i32AddImmBrIfI32LtUFwd
    case i32AddImmBrIfI32NeImmFwd, i32AddImmBrIfI32LtSImmFwd, i32AddImmBrIfI32LtUImmFwd, i32AddImmBrIfI32GtUImmFwd
    case i64AddBrIfI64LtUFwd, i64AddBrIfI64NeFwd, i64AddImmBrIfI64NeFwd, i64AddImmBrIfI64LtUFwd
    /// A count-down loop's step: the branch is `brIfFwd` (continue while the counter is not zero).
    case i32AddImmBrIfFwd

    // MARK: Pairs (made by `forwardResults` after the loop steps, never by the translator itself)
    // The named first instruction, whose next instruction is the named second one: one dispatch runs both.
    // Each keeps its own operands; the second stays in place as the next word (so a branch may still land on
    // it and run it alone), and the pair continues after it. If the first traps, the second does not run.
    /// `i32.store8`, then an `i32.add` (a loop's address step: `*p = v; p += stride`).
    case i32Store8ThenI32Add
    /// Two induction-variable steps.
    case i32AddImmThenI32Add, i32AddImmThenI32AddImm
    /// An induction-variable step, then a loop step (a three-word pair: the loop step's branch is the third).
    case i32AddImmThenI32AddImmBrIfFwd, i32AddImmThenI64AddImmBrIfI64NeFwd
    /// A sum computed into a result slot, then `return` (a function's last expression).
    case i32AddThenReturn
    /// An `i32.load` whose value the next `i32.store` (forwarded) writes: a word copy.
    case i32LoadThenI32StoreFwd
    /// A product of products (`x * y * z`), and f64 arithmetic whose result is stored at once.
    case f64MulThenF64MulFwd, f64AddFwdThenF64StoreFwd, f64SubFwdCThenF64StoreFwd
    /// A loaded f64 that the next operation takes: a difference from it (`a - p->x`) or a product with it.
    case i64LoadFwdThenF64SubFwdC, i64LoadAddImmThenF64SubFwdC, i64LoadAddImmThenF64MulFwd
    /// Links of a floating-point expression: a scaled difference (`(a - b) * c`), a multiply-add
    /// (`a * b + c`), a norm (`sqrt(s + t)`) and a quotient by a product (`d / (a * b)`).
    case f64SubFwdCThenF64MulFwd, f64MulFwdThenF64AddFwd, f64AddFwdThenF64SqrtFwd, f64MulFwdThenF64DivFwdC
    /// The copy of a local that a `local.tee` keeps, then the load or `select` that reads the old value.
    case copyThenI32LoadScaledFwdC, copyThenSelect
    /// A comparison added to a counter (branch-free code: `left += a <= b`).
    case i32GtUThenI32AddFwd, i32LeUThenI32AddFwd
    /// A comparison kept in a local (`local.tee`) and branched on: the pair then branches as its second word
    /// does, or continues after it.
    case i32GeUThenBrIfFwd
    /// A byte loaded (its address forwarded) and branched on: a flag array's test.
    case i32Load8UFwdThenBrIfFwd
    /// A `copy` (a `local.tee` of a value read from another local, such as a wrapped i64 index) whose
    /// result is the address of the next word, an `i32Load8UFwdThenBrIfFwd`: three words in one dispatch.
    case copyThenI32Load8UFwdThenBrIfFwd

    // MARK: SIMD (see `SIMDInstruction`). A v128 operand names the first of the two slots that hold it (low half
    // first). Unless noted, operands follow the conventions above; `ternary` shapes read their operands from slots
    // `b`, `b + 2` and `b + 4`; a lane index travels in the top byte of `c` (`Instruction.laneShift`) beside a slot.
    /// Not an instruction: the lane indices of the `i8x16Shuffle` before it, four bytes in each of `a`, `b` and `c`
    /// of the first word and in `a` of the second; the shuffle steps over both.
    case shuffleLanes
    /// `slot[a..a+1] = slot[b..b+1]`, as one 16-byte move: two `copy`s that move a v128's halves. (A v128 read right
    /// after two 8-byte stores of its halves waits for both to reach memory; read after one 16-byte store, it does not.)
    case copyV128
    /// `slot[a..a+1] = global b` (a v128 global).
    case globalGetV128
    /// `global b = slot[a..a+1]`.
    case globalSetV128
    /// `slot[a] = UInt64(UInt32(slot[b])) + UInt64(c)`: a memarg's effective address in 64 bits, for the lane loads
    /// and stores, whose own operands leave no room for the static offset.
    case effectiveAddress
    /// Lane loads: `a` = destination, `b` = effective-address slot, `c` = vector slot, lane index in the top byte.
    /// Lane stores: `a` = vector slot, `b` = effective-address slot, `c` = lane index.
    /// Extract lane: `c` = lane index. Replace lane: `b` = vector slot, `c` = scalar slot, lane index in the top byte.
    /// Shuffle: operands at `b` and `c`; its sixteen lane indices in the two `shuffleLanes` words that follow.
    case v128Load, v128Load8x8S, v128Load8x8U, v128Load16x4S, v128Load16x4U, v128Load32x2S, v128Load32x2U
    case v128Load8Splat, v128Load16Splat, v128Load32Splat, v128Load64Splat, v128Store, i8x16Shuffle
    case i8x16Swizzle, i8x16Splat, i16x8Splat, i32x4Splat, i64x2Splat, f32x4Splat, f64x2Splat, i8x16ExtractLaneS
    case i8x16ExtractLaneU, i8x16ReplaceLane, i16x8ExtractLaneS, i16x8ExtractLaneU, i16x8ReplaceLane
    case i32x4ExtractLane, i32x4ReplaceLane, i64x2ExtractLane, i64x2ReplaceLane, f32x4ExtractLane, f32x4ReplaceLane
    case f64x2ExtractLane, f64x2ReplaceLane, i8x16Eq, i8x16Ne, i8x16LtS, i8x16LtU, i8x16GtS, i8x16GtU, i8x16LeS
    case i8x16LeU, i8x16GeS, i8x16GeU, i16x8Eq, i16x8Ne, i16x8LtS, i16x8LtU, i16x8GtS, i16x8GtU, i16x8LeS, i16x8LeU
    case i16x8GeS, i16x8GeU, i32x4Eq, i32x4Ne, i32x4LtS, i32x4LtU, i32x4GtS, i32x4GtU, i32x4LeS, i32x4LeU, i32x4GeS
    case i32x4GeU, f32x4Eq, f32x4Ne, f32x4Lt, f32x4Gt, f32x4Le, f32x4Ge, f64x2Eq, f64x2Ne, f64x2Lt, f64x2Gt, f64x2Le
    case f64x2Ge, v128Not, v128And, v128Andnot, v128Or, v128Xor, v128Bitselect, v128AnyTrue, v128Load8Lane
    case v128Load16Lane, v128Load32Lane, v128Load64Lane, v128Store8Lane, v128Store16Lane, v128Store32Lane
    case v128Store64Lane, v128Load32Zero, v128Load64Zero, f32x4DemoteF64x2Zero, f64x2PromoteLowF32x4, i8x16Abs
    case i8x16Neg, i8x16Popcnt, i8x16AllTrue, i8x16Bitmask, i8x16NarrowI16x8S, i8x16NarrowI16x8U, f32x4Ceil
    case f32x4Floor, f32x4Trunc, f32x4Nearest, i8x16Shl, i8x16ShrS, i8x16ShrU, i8x16Add, i8x16AddSatS, i8x16AddSatU
    case i8x16Sub, i8x16SubSatS, i8x16SubSatU, f64x2Ceil, f64x2Floor, i8x16MinS, i8x16MinU, i8x16MaxS, i8x16MaxU
    case f64x2Trunc, i8x16AvgrU, i16x8ExtaddPairwiseI8x16S, i16x8ExtaddPairwiseI8x16U, i32x4ExtaddPairwiseI16x8S
    case i32x4ExtaddPairwiseI16x8U, i16x8Abs, i16x8Neg, i16x8Q15mulrSatS, i16x8AllTrue, i16x8Bitmask
    case i16x8NarrowI32x4S, i16x8NarrowI32x4U, i16x8ExtendLowI8x16S, i16x8ExtendHighI8x16S, i16x8ExtendLowI8x16U
    case i16x8ExtendHighI8x16U, i16x8Shl, i16x8ShrS, i16x8ShrU, i16x8Add, i16x8AddSatS, i16x8AddSatU, i16x8Sub
    case i16x8SubSatS, i16x8SubSatU, f64x2Nearest, i16x8Mul, i16x8MinS, i16x8MinU, i16x8MaxS, i16x8MaxU, i16x8AvgrU
    case i16x8ExtmulLowI8x16S, i16x8ExtmulHighI8x16S, i16x8ExtmulLowI8x16U, i16x8ExtmulHighI8x16U, i32x4Abs
    case i32x4Neg, i32x4AllTrue, i32x4Bitmask, i32x4ExtendLowI16x8S, i32x4ExtendHighI16x8S, i32x4ExtendLowI16x8U
    case i32x4ExtendHighI16x8U, i32x4Shl, i32x4ShrS, i32x4ShrU, i32x4Add, i32x4Sub, i32x4Mul, i32x4MinS, i32x4MinU
    case i32x4MaxS, i32x4MaxU, i32x4DotI16x8S, i32x4ExtmulLowI16x8S, i32x4ExtmulHighI16x8S, i32x4ExtmulLowI16x8U
    case i32x4ExtmulHighI16x8U, i64x2Abs, i64x2Neg, i64x2AllTrue, i64x2Bitmask, i64x2ExtendLowI32x4S
    case i64x2ExtendHighI32x4S, i64x2ExtendLowI32x4U, i64x2ExtendHighI32x4U, i64x2Shl, i64x2ShrS, i64x2ShrU
    case i64x2Add, i64x2Sub, i64x2Mul, i64x2Eq, i64x2Ne, i64x2LtS, i64x2GtS, i64x2LeS, i64x2GeS
    case i64x2ExtmulLowI32x4S, i64x2ExtmulHighI32x4S, i64x2ExtmulLowI32x4U, i64x2ExtmulHighI32x4U, f32x4Abs
    case f32x4Neg, f32x4Sqrt, f32x4Add, f32x4Sub, f32x4Mul, f32x4Div, f32x4Min, f32x4Max, f32x4Pmin, f32x4Pmax
    case f64x2Abs, f64x2Neg, f64x2Sqrt, f64x2Add, f64x2Sub, f64x2Mul, f64x2Div, f64x2Min, f64x2Max, f64x2Pmin
    case f64x2Pmax, i32x4TruncSatF32x4S, i32x4TruncSatF32x4U, f32x4ConvertI32x4S, f32x4ConvertI32x4U
    case i32x4TruncSatF64x2SZero, i32x4TruncSatF64x2UZero, f64x2ConvertLowI32x4S, f64x2ConvertLowI32x4U
    case i8x16RelaxedSwizzle, i32x4RelaxedTruncF32x4S, i32x4RelaxedTruncF32x4U, i32x4RelaxedTruncF64x2SZero
    case i32x4RelaxedTruncF64x2UZero, f32x4RelaxedMadd, f32x4RelaxedNmadd, f64x2RelaxedMadd, f64x2RelaxedNmadd
    case i8x16RelaxedLaneselect, i16x8RelaxedLaneselect, i32x4RelaxedLaneselect, i64x2RelaxedLaneselect
    case f32x4RelaxedMin, f32x4RelaxedMax, f64x2RelaxedMin, f64x2RelaxedMax, i16x8RelaxedQ15mulrS
    case i16x8RelaxedDotI8x16I7x16S, i32x4RelaxedDotI8x16I7x16AddS

    // MARK: Tail calls
    /// `return_call`: operands as for `call`. A wasm callee takes over the current frame, its arguments moved down to
    /// the frame's start (`Registers.replaceFrame`), and returns to this function's caller. A host callee is called as
    /// `call` calls it: the translator follows the instruction with the code that returns its results.
    case returnCall
    /// `return_call_indirect`: operands as for `callIndirect`, the call as for `returnCall`.
    case returnCallIndirect

    // MARK: Multiple and 64-bit memories
    /// Points the memory base register at memory `a` (instance memory index space). An access to a memory N other than
    /// 0 is `useMemory N`, the ordinary instruction (a load, a store, or memory.size/fill/copy/init, which all go
    /// through the base register and the bounds words below it), then `useMemory 0`: memory 0's code is unchanged.
    case useMemory
    /// Traps with `InterpreterTrap(rawValue: c)` unless the i64 in slot `a` fits in 32 bits and `b` is zero: a 64-bit
    /// address or index checked before the ordinary instruction that reads its low half (no memory or table here
    /// reaches 2^32). `b` is a memarg offset's high half.
    case requireLow32
    /// `memory.copy` between two memories, `b` the destination's and `c` the source's; destination, source, count in
    /// slots `a`, `a + 1`, `a + 2`.
    case memoryCopyBetween

    // MARK: Exceptions (see `Compiler+Exceptions.swift` and `Store.raise`)
    // From here on, instructions machine code cannot run (see `Opcode.firstInterpreterOnly`): keep new ones it can
    // run above.
    /// `throw` of tag `b` (module tag index space) with its payload in slots from `a`.
    case `throw`
    /// `throw_ref` of the exnref in slot `a` (a null one traps).
    case throwRef
    /// Not an instruction (never reached): the end of a try's body, whose first instruction is `a`.
    case tryRegion
    /// Not an instruction (never reached): a catch clause of the `tryRegion` at `a`, whose landing pad is the next
    /// instruction. `b` = the tag index (`UInt32.max` catches all), `c` = the slot the payload goes to; a
    /// `catchRefClause` puts the exnref in the slot after the payload, a `legacyCatchClause` in the slot before it.
    case catchClause, catchRefClause, legacyCatchClause
    /// Not an instruction (never reached): after a `tryRegion`, sends what it does not catch to the `tryRegion` at `a`,
    /// or to the caller when `b` is 1.
    case delegateClause

    // MARK: Typed function references
    /// `call_ref`: `a` = the callee's type index, `b` = frame start as for `call`, `c` = the slot of the function
    /// reference (validation proved its type; a null one traps).
    case callRef
    /// `return_call_ref`: operands as for `callRef`, the call as for `returnCall`.
    case returnCallRef
    /// `ref.as_non_null`: traps if the reference in slot `a` is null.
    case refAsNonNull
    /// Jump to `a` if the reference in slot `b` is null (`br_on_null`), or is not (`brOnNonNull`).
    case brOnNull, brOnNonNull

    // MARK: GC
    // Each takes its operands from consecutive slots from `a` (a v128 in two) and leaves its result in `a`; `b` is the
    // type index of the struct or array type the instruction names, unless said otherwise. The field and element
    // accesses and `array.len` run in their handlers, the others out of line (`Store.executeGC`).
    /// `struct.get(_s/_u)`: `b` = the field's offset in the payload, `c` = its `FieldAccess`.
    case structGet
    /// `struct.set`: `b` and `c` as for `structGet`.
    case structSet
    /// `array.get(_s/_u)`, `array.set`: `c` = the element's `FieldAccess`.
    case arrayGet, arraySet
    case arrayLen
    /// `struct.new`, `struct.new_default`.
    case structNew, structNewDefault
    /// `array.new`, `array.new_default`; `array.new_fixed`: `c` = the element count.
    case arrayNew, arrayNewDefault, arrayNewFixed
    /// `array.new_data`, `array.new_elem`, `array.init_data`, `array.init_elem`: `c` = the segment index.
    case arrayNewData, arrayNewElem, arrayInitData, arrayInitElem
    case arrayFill, arrayCopy
    /// `ref.i31`; `i31.get_s/u`: `c` has `signedFlag` for `_s`.
    case refI31, i31Get
    case refEq
    /// `ref.test`: `a` = the destination, `b` = the reference's slot, `c` = the type (`ValueType.rawValue`, the
    /// module's type index for a concrete heap type).
    case refTest
    /// `ref.cast`: traps unless the reference in `a` is of type `c` (as for `refTest`).
    case refCast
    /// `any.convert_extern`, `extern.convert_any`: `a` = destination, `b` = source.
    case anyConvertExtern, externConvertAny
}

extension Opcode {
    /// In the `c` of `i31Get`: sign-extend the 31 bits.
    static let signedFlag: UInt32 = 1 << 31

    /// Whether it is a GC instruction that `Store.executeGC` runs.
    var isGC: Bool { Opcode.structNew.rawValue...Opcode.externConvertAny.rawValue ~= rawValue }
}

extension Opcode {
    /// The first of the instructions that unwind, or call or branch on a function reference: the compiler tier leaves
    /// every function using one of them (or any later opcode) to the interpreter.
    static let firstInterpreterOnly = Opcode.throw
}

/// One function's internal code, ready to run.
public struct CompiledFunction: Sendable {
    public var code: [Instruction]
    /// Slots the frame needs: parameters, locals and the deepest operand stack.
    public var frameSize: UInt32
    /// Parameters plus declared locals. The call zeroes slots `parameterCount..<localCount`.
    public var localCount: UInt32
    public var parameterCount: UInt32
    public var resultCount: UInt32
    public var typeIndex: UInt32

    public init(
        code: [Instruction], frameSize: UInt32, localCount: UInt32, parameterCount: UInt32,
        resultCount: UInt32, typeIndex: UInt32
    ) {
        self.code = code
        self.frameSize = frameSize
        self.localCount = localCount
        self.parameterCount = parameterCount
        self.resultCount = resultCount
        self.typeIndex = typeIndex
    }
}
