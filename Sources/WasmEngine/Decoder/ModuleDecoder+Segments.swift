/// The element and data sections (spec §5.5.12, §5.5.14).
extension ModuleDecoder {
    mutating func readElementSection() throws(ModuleError) {
        let count = try reader.readCount()
        for _ in 0..<count { module.elements.append(try readElementSegment()) }
    }

    /// The flags' bits: 0 = passive or declarative (else active), 1 = explicit table index (active) or
    /// declarative (otherwise), 2 = items are expressions (else function indices).
    private mutating func readElementSegment() throws(ModuleError) -> ElementSegment {
        let flagsOffset = reader.offset
        let flags = try reader.readU32()
        guard flags <= 7 else { throw .malformed(at: flagsOffset, "malformed elements segment kind") }
        let isActive = flags & 1 == 0
        let hasExplicitTableOrIsDeclarative = flags & 2 != 0
        let usesExpressions = flags & 4 != 0

        var activeTable: (index: UInt32, offset: Int, expression: ConstantExpression)?
        if isActive {
            let tableOffset = reader.offset
            let table = hasExplicitTableOrIsDeclarative ? try reader.readU32() : 0
            let addressType = Int(table) < module.tables.count ? module.tables[Int(table)].addressType : .i32
            activeTable = (table, tableOffset, try readConstantExpression(of: addressType))
        }

        // Function indices are references to functions, never null; expressions without a type are funcref ones.
        let type: ValueType
        if isActive && !hasExplicitTableOrIsDeclarative {
            type = usesExpressions ? .funcref : .reference(to: .func, nullable: false)
        } else if usesExpressions {
            type = try reader.readReferenceType(typeCount: module.types.count)
            if type.needsFunctionReferences { module.requiredFeatures.insert(.functionReferences) }
        } else {
            let kindOffset = reader.offset
            guard try reader.readByte() == 0x00 else { throw .malformed(at: kindOffset, "malformed element kind") }
            type = .reference(to: .func, nullable: false)
        }

        let itemCount = try reader.readCount()
        var items: [ConstantExpression] = []
        for _ in 0..<itemCount {
            if usesExpressions {
                items.append(try readConstantExpression(of: type))
            } else {
                items.append(.functionReference(try readFunctionIndex()))
            }
        }

        let mode: ElementSegment.Mode
        if let activeTable {
            guard Int(activeTable.index) < module.tables.count else {
                throw .invalid(at: activeTable.offset, "unknown table \(activeTable.index)")
            }
            guard type.matches(module.tables[Int(activeTable.index)].elementType, module.typeEquivalence) else {
                throw .invalid(at: activeTable.offset, "type mismatch")
            }
            mode = .active(table: activeTable.index, offset: activeTable.expression)
        } else {
            mode = hasExplicitTableOrIsDeclarative ? .declarative : .passive
        }
        return ElementSegment(type: type, items: items, mode: mode)
    }

    /// The type of `ref.func function`: a non-null reference to the function's type.
    func functionReferenceType(_ function: UInt32) -> ValueType {
        .reference(to: .concrete(module.functionTypeIndices[Int(function)]), nullable: false)
    }

    /// A function index that is also declared for `ref.func` in bodies.
    mutating func readFunctionIndex() throws(ModuleError) -> UInt32 {
        let at = reader.offset
        let index = try reader.readU32()
        guard Int(index) < functionCount else { throw .invalid(at: at, "unknown function \(index)") }
        declareFunctionReference(index)
        return index
    }

    mutating func readDataSection() throws(ModuleError) {
        let countOffset = reader.offset
        let count = try reader.readCount()
        if let dataCount = module.dataCount, Int(dataCount) != count {
            throw .malformed(at: countOffset, "data count and data section have inconsistent lengths")
        }
        dataSectionCount = count
        for _ in 0..<count { module.dataSegments.append(try readDataSegment()) }
    }

    /// Flags 0: active in memory 0; 1: passive; 2: active with an explicit memory index.
    private mutating func readDataSegment() throws(ModuleError) -> DataSegment {
        let flagsOffset = reader.offset
        let flags = try reader.readU32()
        var active: (memory: UInt32, offset: Int, expression: ConstantExpression)?
        switch flags {
        case 0:
            active = (0, flagsOffset, try readConstantExpression(of: addressType(ofMemory: 0)))
        case 1:
            break
        case 2:
            let memoryOffset = reader.offset
            let memory = try reader.readU32()
            active = (memory, memoryOffset, try readConstantExpression(of: addressType(ofMemory: memory)))
        default:
            throw .malformed(at: flagsOffset, "malformed data segment kind")
        }
        let length = try reader.readCount()
        let range = try reader.skipBytes(length)
        guard let active else { return DataSegment(source: reader.bytes, range: range, mode: .passive) }
        guard Int(active.memory) < module.memories.count else {
            throw .invalid(at: active.offset, "unknown memory \(active.memory)")
        }
        return DataSegment(source: reader.bytes, range: range, mode: .active(memory: active.memory, offset: active.expression))
    }

    /// The type of an active segment's offset into memory `index` (i32 when there is no such memory, which is
    /// reported once the segment is read).
    private func addressType(ofMemory index: UInt32) -> ValueType {
        Int(index) < module.memories.count ? module.memories[Int(index)].addressType : .i32
    }
}
