/// GC's instructions (the 0xFB prefix, and `ref.eq`), validated here (`FunctionValidator` leaves bodies that use them
/// to this translation). Each takes its operands in consecutive slots and leaves its result where its first operand
/// was; field and element accesses and `array.len` run in their handlers, the rest out of line (`Store.executeGC`).
extension FunctionTranslator {
    mutating func translateGC(_ opcode: UInt32, _ body: inout BinaryReader) throws(ModuleError) {
        switch opcode {
        case 0: try translateStructNew(try body.readU32(), isDefault: false)
        case 1: try translateStructNew(try body.readU32(), isDefault: true)
        case 2...4: try translateStructGet(try body.readU32(), field: try body.readU32(), extension: opcode - 2)
        case 5: try translateStructSet(try body.readU32(), field: try body.readU32())
        case 6:
            let index = try body.readU32()
            let element = try arrayElement(index)
            try emitGC(.arrayNew, [element.type, .i32], result: index, b: index)
        case 7:
            let index = try body.readU32()
            guard try arrayElement(index).type.isDefaultable else { throw typeMismatch() }
            try emitGC(.arrayNewDefault, [.i32], result: index, b: index)
        case 8:
            let index = try body.readU32()
            let element = try arrayElement(index)
            let count = try body.readU32()
            guard count <= UInt32(FunctionCompiler.maximumStackHeight) else { throw typeMismatch() }
            try emitGC(.arrayNewFixed, Array(repeating: element.type, count: Int(count)), result: index, b: index, c: count)
        case 9:
            let index = try body.readU32()
            let segment = try body.readU32()
            guard !(try arrayElement(index).type.isReference) else { throw notNumeric() }
            try requireDataSegment(segment)
            try emitGC(.arrayNewData, [.i32, .i32], result: index, b: index, c: segment)
        case 10:
            let index = try body.readU32()
            let segment = try body.readU32()
            guard try elementType(ofSegment: segment).matches(try arrayElement(index).type, equivalence) else {
                throw typeMismatch()
            }
            try emitGC(.arrayNewElem, [.i32, .i32], result: index, b: index, c: segment)
        case 11...13:
            let index = try body.readU32()
            let element = try arrayElement(index)
            guard (element.packing == .none) == (opcode == 11) else { throw typeMismatch() }
            try emitGC(
                .arrayGet, [.reference(to: .concrete(index)), .i32], resultType: element.type,
                c: FieldAccess(element, signed: opcode == 12).rawValue)
        case 14:
            let index = try body.readU32()
            let element = try mutableArrayElement(index)
            try emitGC(.arraySet, [.reference(to: .concrete(index)), .i32, element.type], c: FieldAccess(element).rawValue)
        case 15: try emitGC(.arrayLen, [.reference(to: .array)], resultType: .i32)
        case 16:
            let index = try body.readU32()
            let element = try mutableArrayElement(index)
            try emitGC(.arrayFill, [.reference(to: .concrete(index)), .i32, element.type, .i32], b: index)
        case 17:
            let destination = try body.readU32()
            let source = try body.readU32()
            let destinationElement = try mutableArrayElement(destination)
            let sourceElement = try arrayElement(source)
            guard sourceElement.packing == destinationElement.packing,
                sourceElement.type.matches(destinationElement.type, equivalence)
            else { throw .invalid(at: instructionOffset, "array types do not match") }
            try emitGC(
                .arrayCopy, [.reference(to: .concrete(destination)), .i32, .reference(to: .concrete(source)), .i32, .i32],
                b: destination, c: source)
        case 18:
            let index = try body.readU32()
            let segment = try body.readU32()
            guard !(try mutableArrayElement(index).type.isReference) else { throw notNumeric() }
            try requireDataSegment(segment)
            try emitGC(.arrayInitData, [.reference(to: .concrete(index)), .i32, .i32, .i32], b: index, c: segment)
        case 19:
            let index = try body.readU32()
            let segment = try body.readU32()
            guard try elementType(ofSegment: segment).matches(try mutableArrayElement(index).type, equivalence) else {
                throw typeMismatch()
            }
            try emitGC(.arrayInitElem, [.reference(to: .concrete(index)), .i32, .i32, .i32], b: index, c: segment)
        case 20, 21:
            let type = ValueType.reference(to: try readHeapType(&body), nullable: opcode == 21)
            let reference = try popReference(inHierarchyOf: type)
            emitResult(.refTest, .i32, source(reference), type.rawValue)
        case 22, 23:
            let type = ValueType.reference(to: try readHeapType(&body), nullable: opcode == 23)
            let reference = try popReference(inHierarchyOf: type)
            emit(.refCast, materialize(reference), 0, type.rawValue)
            push(type)
        case 24, 25: try translateBrOnCast(&body, onFailure: opcode == 25)
        case 26, 27:
            let (from, to): (HeapType, HeapType) = opcode == 26 ? (.extern, .any) : (.any, .extern)
            let reference = try pop(.reference(to: from))
            let nullable = reference.type?.isNullable ?? true
            emitResult(opcode == 26 ? .anyConvertExtern : .externConvertAny, .reference(to: to, nullable: nullable), source(reference))
        case 28: try emitGC(.refI31, [.i32], resultType: .reference(to: .i31, nullable: false))
        case 29, 30:
            try emitGC(.i31Get, [.reference(to: .i31)], resultType: .i32, c: opcode == 29 ? Opcode.signedFlag : 0)
        default: throw .illegalOpcode(at: instructionOffset)
        }
    }

    mutating func translateRefEq() throws(ModuleError) {
        try emitGC(.refEq, [.reference(to: .eq), .reference(to: .eq)], resultType: .i32)
    }

    /// Pops `types` (a value type each; a v128 takes two slots) into consecutive slots, emits `opcode` on them, and
    /// pushes its result there: `resultType`, or a non-null reference to type `result`.
    private mutating func emitGC(
        _ opcode: Opcode, _ types: [ValueType], result: UInt32? = nil, resultType: ValueType? = nil, b: UInt32 = 0,
        c: UInt32 = 0
    ) throws(ModuleError) {
        let operands = try popValues(Self.slotTypes(types))
        for operand in operands { materialize(operand) }
        emit(opcode, slot(operands.first?.height ?? self.operands.count), b, c)
        if let result { push(.reference(to: .concrete(result), nullable: false)) }
        if let resultType { pushResults(Self.slotTypes([resultType])) }
    }

    private mutating func translateStructNew(_ index: UInt32, isDefault: Bool) throws(ModuleError) {
        let fields = try structFields(index)
        if isDefault {
            guard fields.allSatisfy({ $0.type.isDefaultable }) else { throw typeMismatch() }
            try emitGC(.structNewDefault, [], result: index, b: index)
        } else {
            try emitGC(.structNew, fields.map { $0.type }, result: index, b: index)
        }
    }

    /// `struct.get` (`extension` 0), `struct.get_s` (1) or `struct.get_u` (2): only a packed field is read with one.
    private mutating func translateStructGet(_ index: UInt32, field: UInt32, extension: UInt32) throws(ModuleError) {
        let fields = try structFields(index)
        guard field < UInt32(fields.count) else { throw .invalid(at: instructionOffset, "unknown field \(field)") }
        guard (fields[Int(field)].packing == .none) == (`extension` == 0) else { throw typeMismatch() }
        try emitGC(
            .structGet, [.reference(to: .concrete(index))], resultType: fields[Int(field)].type,
            b: UInt32(Store.fieldOffset(fields, Int(field))), c: FieldAccess(fields[Int(field)], signed: `extension` == 1).rawValue)
    }

    private mutating func translateStructSet(_ index: UInt32, field: UInt32) throws(ModuleError) {
        let fields = try structFields(index)
        guard field < UInt32(fields.count) else { throw .invalid(at: instructionOffset, "unknown field \(field)") }
        guard fields[Int(field)].isMutable else { throw .invalid(at: instructionOffset, "immutable field") }
        try emitGC(
            .structSet, [.reference(to: .concrete(index)), fields[Int(field)].type],
            b: UInt32(Store.fieldOffset(fields, Int(field))), c: FieldAccess(fields[Int(field)]).rawValue)
    }

    /// `br_on_cast` (or `br_on_cast_fail`, `onFailure`): a flags byte (bit 0: the operand type is nullable, bit 1: the
    /// target type is), the label, the operand's heap type and the target's. The branch carries the reference as the
    /// label's last value, cast when it succeeds (fails); the other path keeps it, cast otherwise.
    private mutating func translateBrOnCast(_ body: inout BinaryReader, onFailure: Bool) throws(ModuleError) {
        let flagsOffset = body.offset
        let flags = try body.readByte()
        guard flags <= 3 else { throw .malformed(at: flagsOffset, "malformed br_on_cast flags") }
        let target = try labelFrame(try body.readU32())
        let operandType = ValueType.reference(to: try readHeapType(&body), nullable: flags & 1 != 0)
        let castType = ValueType.reference(to: try readHeapType(&body), nullable: flags & 2 != 0)
        guard castType.matches(operandType, equivalence) else { throw typeMismatch() }
        // What the reference is known to be when the cast fails: null is excluded when the cast type has it.
        let failedType = castType.isNullable ? operandType.nonNullable : operandType
        let labelTypes = frames[target].labelTypes
        guard labelTypes.last?.isReference == true else { throw typeMismatch() }
        let reference = try pop(operandType)
        push(onFailure ? failedType : castType, reference.location)
        try checkTopValues(labelTypes)
        let testSlot = slot(operands.count)
        // The test's result takes a slot above the operands for the branch to read.
        push(.i32)
        removeTopOperand()
        emit(.refTest, testSlot, source(operands[operands.count - 1]), castType.rawValue)
        branch(to: target, if: onFailure ? .zero(testSlot) : .nonZero(testSlot))
        let kept = removeTopOperand()
        push(onFailure ? castType : failedType, kept.location)
    }

    private mutating func readHeapType(_ body: inout BinaryReader) throws(ModuleError) -> HeapType {
        try body.readHeapType(typeCount: module.types.count)
    }

    /// A reference operand of the same hierarchy as `type` (Unknown passes).
    private mutating func popReference(inHierarchyOf type: ValueType) throws(ModuleError) -> Operand {
        let reference = try popReference()
        if let actual = reference.type?.heapType, equivalence.top(actual) != equivalence.top(type.heapType!) {
            throw typeMismatch()
        }
        return reference
    }

    /// `array.new_data` and `array.init_data` of an array of references.
    private func notNumeric() -> ModuleError { .invalid(at: instructionOffset, "array type is not numeric or vector") }

    private func structFields(_ index: UInt32) throws(ModuleError) -> [FieldType] {
        guard index < UInt32(module.typeDefinitions.count) else { throw .unknownType(Int64(index), at: instructionOffset) }
        guard case .structure(let fields) = module.typeDefinitions[Int(index)].composite else { throw typeMismatch() }
        return fields
    }

    private func arrayElement(_ index: UInt32) throws(ModuleError) -> FieldType {
        guard index < UInt32(module.typeDefinitions.count) else { throw .unknownType(Int64(index), at: instructionOffset) }
        guard case .array(let element) = module.typeDefinitions[Int(index)].composite else { throw typeMismatch() }
        return element
    }

    private func mutableArrayElement(_ index: UInt32) throws(ModuleError) -> FieldType {
        let element = try arrayElement(index)
        guard element.isMutable else { throw .invalid(at: instructionOffset, "immutable array") }
        return element
    }
}
