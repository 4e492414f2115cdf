/// The typing rules that an opcode alone decides (spec §3.3): the numeric instructions' operand and result types,
/// and each load's and store's value type and width. One table each, read by the translator (`FunctionTranslator`)
/// and the validator (`FunctionValidator`), so the two cannot type an instruction differently.

/// A numeric instruction's type: `[operand] -> [result]`, or `[operand operand] -> [result]` when binary.
struct NumericSignature {
    var operand: ValueType
    var result: ValueType
    var isBinary: Bool

    /// Opcodes 0x45 (`i32.eqz`) ... 0xC4 (`i64.extend32_s`), in order. A literal of constants, so the compiler
    /// lays it out in the binary: no lazy initialization to check on every numeric instruction.
    static let table: [NumericSignature] = [
        // 0x45 i32.eqz
        .unary(.i32, .i32),
        // 0x46 i32.eq ... 0x4F i32.ge_u
        .binary(.i32, .i32), .binary(.i32, .i32), .binary(.i32, .i32),
        .binary(.i32, .i32), .binary(.i32, .i32), .binary(.i32, .i32),
        .binary(.i32, .i32), .binary(.i32, .i32), .binary(.i32, .i32),
        .binary(.i32, .i32),
        // 0x50 i64.eqz
        .unary(.i64, .i32),
        // 0x51 i64.eq ... 0x5A i64.ge_u
        .binary(.i64, .i32), .binary(.i64, .i32), .binary(.i64, .i32),
        .binary(.i64, .i32), .binary(.i64, .i32), .binary(.i64, .i32),
        .binary(.i64, .i32), .binary(.i64, .i32), .binary(.i64, .i32),
        .binary(.i64, .i32),
        // 0x5B f32.eq ... 0x60 f32.ge
        .binary(.f32, .i32), .binary(.f32, .i32), .binary(.f32, .i32),
        .binary(.f32, .i32), .binary(.f32, .i32), .binary(.f32, .i32),
        // 0x61 f64.eq ... 0x66 f64.ge
        .binary(.f64, .i32), .binary(.f64, .i32), .binary(.f64, .i32),
        .binary(.f64, .i32), .binary(.f64, .i32), .binary(.f64, .i32),
        // 0x67 i32.clz, i32.ctz, i32.popcnt
        .unary(.i32, .i32), .unary(.i32, .i32), .unary(.i32, .i32),
        // 0x6A i32.add ... 0x78 i32.rotr
        .binary(.i32, .i32), .binary(.i32, .i32), .binary(.i32, .i32),
        .binary(.i32, .i32), .binary(.i32, .i32), .binary(.i32, .i32),
        .binary(.i32, .i32), .binary(.i32, .i32), .binary(.i32, .i32),
        .binary(.i32, .i32), .binary(.i32, .i32), .binary(.i32, .i32),
        .binary(.i32, .i32), .binary(.i32, .i32), .binary(.i32, .i32),
        // 0x79 i64.clz, i64.ctz, i64.popcnt
        .unary(.i64, .i64), .unary(.i64, .i64), .unary(.i64, .i64),
        // 0x7C i64.add ... 0x8A i64.rotr
        .binary(.i64, .i64), .binary(.i64, .i64), .binary(.i64, .i64),
        .binary(.i64, .i64), .binary(.i64, .i64), .binary(.i64, .i64),
        .binary(.i64, .i64), .binary(.i64, .i64), .binary(.i64, .i64),
        .binary(.i64, .i64), .binary(.i64, .i64), .binary(.i64, .i64),
        .binary(.i64, .i64), .binary(.i64, .i64), .binary(.i64, .i64),
        // 0x8B f32.abs ... 0x91 f32.sqrt
        .unary(.f32, .f32), .unary(.f32, .f32), .unary(.f32, .f32),
        .unary(.f32, .f32), .unary(.f32, .f32), .unary(.f32, .f32),
        .unary(.f32, .f32),
        // 0x92 f32.add ... 0x98 f32.copysign
        .binary(.f32, .f32), .binary(.f32, .f32), .binary(.f32, .f32),
        .binary(.f32, .f32), .binary(.f32, .f32), .binary(.f32, .f32),
        .binary(.f32, .f32),
        // 0x99 f64.abs ... 0x9F f64.sqrt
        .unary(.f64, .f64), .unary(.f64, .f64), .unary(.f64, .f64),
        .unary(.f64, .f64), .unary(.f64, .f64), .unary(.f64, .f64),
        .unary(.f64, .f64),
        // 0xA0 f64.add ... 0xA6 f64.copysign
        .binary(.f64, .f64), .binary(.f64, .f64), .binary(.f64, .f64),
        .binary(.f64, .f64), .binary(.f64, .f64), .binary(.f64, .f64),
        .binary(.f64, .f64),
        // 0xA7 i32.wrap_i64
        .unary(.i64, .i32),
        // 0xA8 i32.trunc_f32_s, _u
        .unary(.f32, .i32), .unary(.f32, .i32),
        // 0xAA i32.trunc_f64_s, _u
        .unary(.f64, .i32), .unary(.f64, .i32),
        // 0xAC i64.extend_i32_s, _u
        .unary(.i32, .i64), .unary(.i32, .i64),
        // 0xAE i64.trunc_f32_s, _u
        .unary(.f32, .i64), .unary(.f32, .i64),
        // 0xB0 i64.trunc_f64_s, _u
        .unary(.f64, .i64), .unary(.f64, .i64),
        // 0xB2 f32.convert_i32_s, _u
        .unary(.i32, .f32), .unary(.i32, .f32),
        // 0xB4 f32.convert_i64_s, _u
        .unary(.i64, .f32), .unary(.i64, .f32),
        // 0xB6 f32.demote_f64
        .unary(.f64, .f32),
        // 0xB7 f64.convert_i32_s, _u
        .unary(.i32, .f64), .unary(.i32, .f64),
        // 0xB9 f64.convert_i64_s, _u
        .unary(.i64, .f64), .unary(.i64, .f64),
        // 0xBB f64.promote_f32
        .unary(.f32, .f64),
        // 0xBC i32.reinterpret_f32
        .unary(.f32, .i32),
        // 0xBD i64.reinterpret_f64
        .unary(.f64, .i64),
        // 0xBE f32.reinterpret_i32
        .unary(.i32, .f32),
        // 0xBF f64.reinterpret_i64
        .unary(.i64, .f64),
        // 0xC0 i32.extend8_s, i32.extend16_s
        .unary(.i32, .i32), .unary(.i32, .i32),
        // 0xC2 i64.extend8_s, extend16_s, extend32_s
        .unary(.i64, .i64), .unary(.i64, .i64), .unary(.i64, .i64),
    ]

    static func unary(_ operand: ValueType, _ result: ValueType) -> NumericSignature {
        NumericSignature(operand: operand, result: result, isBinary: false)
    }

    static func binary(_ operand: ValueType, _ result: ValueType) -> NumericSignature {
        NumericSignature(operand: operand, result: result, isBinary: true)
    }

    /// - Precondition: `opcode` is in 0x45...0xC4.
    static func of(_ opcode: UInt8) -> NumericSignature { table[Int(opcode &- 0x45)] }

    /// The saturating truncations, 0xFC 0 (`i32.trunc_sat_f32_s`) ... 0xFC 7 (`i64.trunc_sat_f64_u`).
    /// - Precondition: `opcode` is in 0...7.
    static func saturatingTruncation(_ opcode: UInt32) -> NumericSignature {
        NumericSignature(operand: opcode & 2 == 0 ? .f32 : .f64, result: opcode < 4 ? .i32 : .i64, isBinary: false)
    }
}

/// A load or store (opcodes 0x28...0x3E): memory 0, an i32 address, a value of `valueType`.
extension ValueType {
    /// The smaller of two address types (memory64): a copy's count between ranges of these types.
    func minimumAddressType(_ other: ValueType) -> ValueType { self == .i64 && other == .i64 ? .i64 : .i32 }
}

struct MemoryAccess {
    /// The internal opcode the translator emits. f32/f64 use the i32/i64 forms: slots hold bit patterns.
    var opcode: Opcode
    var valueType: ValueType
    /// log2 of the access width in bytes: the largest alignment allowed.
    var naturalAlignment: UInt32
    var isStore: Bool

    /// Opcodes 0x28 (`i32.load`) ... 0x3E (`i64.store32`), in order.
    static let table: [MemoryAccess] = [
        MemoryAccess(opcode: .i32Load, valueType: .i32, naturalAlignment: 2, isStore: false),
        MemoryAccess(opcode: .i64Load, valueType: .i64, naturalAlignment: 3, isStore: false),
        MemoryAccess(opcode: .i32Load, valueType: .f32, naturalAlignment: 2, isStore: false),
        MemoryAccess(opcode: .i64Load, valueType: .f64, naturalAlignment: 3, isStore: false),
        MemoryAccess(opcode: .i32Load8S, valueType: .i32, naturalAlignment: 0, isStore: false),
        MemoryAccess(opcode: .i32Load8U, valueType: .i32, naturalAlignment: 0, isStore: false),
        MemoryAccess(opcode: .i32Load16S, valueType: .i32, naturalAlignment: 1, isStore: false),
        MemoryAccess(opcode: .i32Load16U, valueType: .i32, naturalAlignment: 1, isStore: false),
        MemoryAccess(opcode: .i64Load8S, valueType: .i64, naturalAlignment: 0, isStore: false),
        MemoryAccess(opcode: .i64Load8U, valueType: .i64, naturalAlignment: 0, isStore: false),
        MemoryAccess(opcode: .i64Load16S, valueType: .i64, naturalAlignment: 1, isStore: false),
        MemoryAccess(opcode: .i64Load16U, valueType: .i64, naturalAlignment: 1, isStore: false),
        MemoryAccess(opcode: .i64Load32S, valueType: .i64, naturalAlignment: 2, isStore: false),
        MemoryAccess(opcode: .i64Load32U, valueType: .i64, naturalAlignment: 2, isStore: false),
        MemoryAccess(opcode: .i32Store, valueType: .i32, naturalAlignment: 2, isStore: true),
        MemoryAccess(opcode: .i64Store, valueType: .i64, naturalAlignment: 3, isStore: true),
        MemoryAccess(opcode: .i32Store, valueType: .f32, naturalAlignment: 2, isStore: true),
        MemoryAccess(opcode: .i64Store, valueType: .f64, naturalAlignment: 3, isStore: true),
        MemoryAccess(opcode: .i32Store8, valueType: .i32, naturalAlignment: 0, isStore: true),
        MemoryAccess(opcode: .i32Store16, valueType: .i32, naturalAlignment: 1, isStore: true),
        MemoryAccess(opcode: .i64Store8, valueType: .i64, naturalAlignment: 0, isStore: true),
        MemoryAccess(opcode: .i64Store16, valueType: .i64, naturalAlignment: 1, isStore: true),
        MemoryAccess(opcode: .i64Store32, valueType: .i64, naturalAlignment: 2, isStore: true),
    ]

    /// - Precondition: `opcode` is in 0x28...0x3E.
    static func of(_ opcode: UInt8) -> MemoryAccess { table[Int(opcode &- 0x28)] }
}

/// A block's type immediate (spec §5.4.1).
enum BlockType: Equatable {
    /// `[] -> []`.
    case empty
    /// `[] -> [type]`.
    case value(ValueType)
    /// The function type at this index of the type section (checked to exist).
    case typeIndex(UInt32)
}
