/// Constant expressions (spec §3.3.10): decoded and type-checked like a tiny function body, because the
/// spec's rules are phrased that way ("constant expression required" for any other instruction, "type
/// mismatch" unless exactly one value of the expected type is left at `end`).
extension ModuleDecoder {
    /// In WebAssembly 2.0 a constant expression is one instruction, and the globals it may read are the imported,
    /// immutable ones. Extended constant expressions (WebAssembly 3.0, `WasmFeatures.extendedConstant`) add integer
    /// `add`, `sub` and `mul`, and reading any immutable global defined before.
    mutating func readConstantExpression(of expected: ValueType) throws(ModuleError) -> ConstantExpression {
        var operations: [ConstantOperation] = []
        var types: [ValueType] = []
        while true {
            let opcodeOffset = reader.offset
            let opcode = try reader.readByte()
            var value: (expression: ConstantExpression, type: ValueType)
            switch opcode {
            case 0x0B:
                guard types.count == 1, types[0].matches(expected, module.typeEquivalence) else {
                    throw .invalid(at: opcodeOffset, "type mismatch")
                }
                if operations.count == 1, case .push(let expression) = operations[0] { return expression }
                return .arithmetic(operations)
            case 0x41: value = (.i32(UInt32(bitPattern: try reader.readS32())), .i32)
            case 0x42: value = (.i64(UInt64(bitPattern: try reader.readS64())), .i64)
            case 0x43: value = (.f32(bits: try reader.readFixedU32()), .f32)
            case 0x44: value = (.f64(bits: try reader.readFixedU64()), .f64)
            case 0xD0:
                let heapType = try reader.readHeapType(typeCount: module.types.count)
                if heapType.typeIndex != nil || heapType == HeapType.bottom(ofTop: module.typeEquivalence.top(heapType)) {
                    module.requiredFeatures.insert(.functionReferences)
                }
                let type = ValueType.reference(to: heapType)
                if type.needsGC { module.requiredFeatures.insert(.gc) }
                value = (.nullReference(type), type)
            case 0xD2:
                let function = try readFunctionIndex()
                value = (.functionReference(function), functionReferenceType(function))
            case 0x23:
                let indexOffset = reader.offset
                let index = try reader.readU32()
                // `module.globals` holds the globals defined so far (see `readGlobalSection`).
                guard Int(index) < module.globals.count else { throw .invalid(at: indexOffset, "unknown global \(index)") }
                if Int(index) >= module.importedGlobalCount { module.requiredFeatures.insert(.extendedConstant) }
                let global = module.globals[Int(index)]
                guard !global.isMutable else { throw .invalid(at: opcodeOffset, "constant expression required") }
                value = (.globalGet(index), global.valueType)
            case 0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E:
                let type: ValueType = opcode < 0x7C ? .i32 : .i64
                guard types.suffix(2) == [type, type] else { throw .invalid(at: opcodeOffset, "type mismatch") }
                types.removeLast()
                let operation: ConstantOperation =
                    switch opcode {
                    case 0x6A: .i32Add
                    case 0x6B: .i32Sub
                    case 0x6C: .i32Mul
                    case 0x7C: .i64Add
                    case 0x7D: .i64Sub
                    default: .i64Mul
                    }
                operations.append(operation)
                module.requiredFeatures.insert(.extendedConstant)
                continue
            case 0xFB:
                let (instruction, operandTypes, result) = try readGCConstant(try reader.readU32(), types.last, at: opcodeOffset)
                // The evaluation keeps one slot per value (see `Store.evaluate`).
                guard !operandTypes.contains(.v128) else {
                    throw .unsupported(at: opcodeOffset, "a v128 operand of a GC constant expression")
                }
                guard types.count >= operandTypes.count,
                    zip(types.suffix(operandTypes.count), operandTypes).allSatisfy({ $0.matches($1, module.typeEquivalence) })
                else { throw .invalid(at: opcodeOffset, "type mismatch") }
                types.removeLast(operandTypes.count)
                types.append(result)
                operations.append(.gc(instruction, operandCount: operandTypes.count))
                module.requiredFeatures.insert(.gc)
                continue
            case 0xFD:
                let subopcode = try reader.readU32()
                guard subopcode == 0x0C else {
                    guard SIMDInstruction.decode(subopcode) != nil else {
                        throw .malformed(at: opcodeOffset, "illegal opcode")
                    }
                    throw .invalid(at: opcodeOffset, "constant expression required")
                }
                let low = try reader.readFixedU64()
                value = (.v128(V128(low: low, high: try reader.readFixedU64())), .v128)
            default:
                guard try isInstruction(opcode) else { throw .malformed(at: opcodeOffset, "illegal opcode") }
                throw .invalid(at: opcodeOffset, "constant expression required")
            }
            operations.append(.push(value.expression))
            types.append(value.type)
        }
    }

    /// A GC instruction allowed in constant expressions: the instruction to run, its operands' types and its result's.
    /// `top` is the type of the value on top, whose nullability a conversion keeps.
    private mutating func readGCConstant(
        _ subopcode: UInt32, _ top: ValueType?, at offset: Int
    ) throws(ModuleError) -> (Instruction, [ValueType], ValueType) {
        func typeIndex() throws(ModuleError) -> UInt32 {
            let at = reader.offset
            let index = try reader.readU32()
            guard Int(index) < module.typeDefinitions.count else { throw .unknownType(Int64(index), at: at) }
            return index
        }
        func composite(_ index: UInt32) -> CompositeType { module.typeDefinitions[Int(index)].composite }
        let mismatch = ModuleError.invalid(at: offset, "type mismatch")
        let nullable = top?.isNullable ?? true
        switch subopcode {
        case 0, 1:
            let index = try typeIndex()
            guard case .structure(let fields) = composite(index) else { throw mismatch }
            let result = ValueType.reference(to: .concrete(index), nullable: false)
            if subopcode == 1 {
                guard fields.allSatisfy({ $0.type.isDefaultable }) else { throw mismatch }
                return (Instruction(.structNewDefault, 0, index), [], result)
            }
            return (Instruction(.structNew, 0, index), fields.map { $0.type }, result)
        case 6, 7, 8:
            let index = try typeIndex()
            guard case .array(let element) = composite(index) else { throw mismatch }
            let result = ValueType.reference(to: .concrete(index), nullable: false)
            switch subopcode {
            case 6: return (Instruction(.arrayNew, 0, index), [element.type, .i32], result)
            case 7:
                guard element.type.isDefaultable else { throw mismatch }
                return (Instruction(.arrayNewDefault, 0, index), [.i32], result)
            default:
                let count = try reader.readU32()
                guard count <= UInt32(FunctionCompiler.maximumStackHeight) else { throw mismatch }
                return (
                    Instruction(.arrayNewFixed, 0, index, count), Array(repeating: element.type, count: Int(count)), result
                )
            }
        case 26:
            return (Instruction(.anyConvertExtern), [.externref], .reference(to: .any, nullable: nullable))
        case 27:
            return (Instruction(.externConvertAny), [.reference(to: .any)], .reference(to: .extern, nullable: nullable))
        case 28:
            return (Instruction(.refI31), [.i32], .reference(to: .i31, nullable: false))
        case 0...30:
            throw .invalid(at: offset, "constant expression required")
        default:
            throw .malformed(at: offset, "illegal opcode")
        }
    }

    /// Whether `opcode` starts some WebAssembly 2.0 instruction (or a tail call), so a non-constant one is told apart from
    /// bytes that are no instruction at all.
    private mutating func isInstruction(_ opcode: UInt8) throws(ModuleError) -> Bool {
        switch opcode {
        case 0x00...0x05, 0x0B...0x13, 0x1A...0x1C, 0x20...0x26, 0x28...0xC4, 0xD0...0xD2:
            return true
        case 0xFC:
            // Saturating truncations (0–7) and bulk memory and table instructions (8–17).
            return try reader.readU32() <= 17
        default:
            return false
        }
    }
}
