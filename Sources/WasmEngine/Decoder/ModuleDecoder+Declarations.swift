/// The sections that declare the module's index spaces: types, imports, functions, tables, memories,
/// globals (spec §5.5.4–§5.5.9).
extension ModuleDecoder {
    /// The recursion groups (a type outside `rec` is a group of its own): a type may refer to the types of earlier
    /// groups and of its own; each group is interned in `module.typeEquivalence` (iso-recursive equivalence), and each
    /// declared supertype checked.
    mutating func readTypeSection() throws(ModuleError) {
        let countOffset = reader.offset
        let count = try reader.readCount()
        var firstIndices: [[SubType]: UInt32] = [:]
        for _ in 0..<count {
            let groupStart = UInt32(module.types.count)
            var groupSize = 1
            if try reader.peekByte() == 0x4E {
                reader.offset += 1
                groupSize = try reader.readCount()
                module.requiredFeatures.insert(.gc)
            }
            guard module.types.count + groupSize < Int(HeapType.maximumTypeIndex) / 2 else {
                throw .malformed(at: countOffset, "too many types")
            }
            var group: [SubType] = []
            var offsets: [Int] = []
            for position in 0..<groupSize {
                offsets.append(reader.offset)
                let type = try reader.readSubType(
                    typeCount: Int(groupStart) + groupSize, supertypeCount: Int(groupStart) + position)
                noteFeatures(of: type)
                module.typeDefinitions.append(type)
                module.types.append(type.functionType)
                module.typeEquivalence.declare(type)
                group.append(type)
            }
            // Checked once the whole group is declared: a type may refer to those after it in its group.
            for (type, offset) in zip(group, offsets) { try checkSupertype(of: type, at: offset) }
            let key = group.map { $0.key(groupStart: groupStart) { module.typeEquivalence.canonicalIndex($0) } }
            let first = firstIndices[key, default: groupStart]
            if firstIndices[key] == nil { firstIndices[key] = groupStart }
            for position in 0..<UInt32(groupSize) { module.typeEquivalence.canonicalIndices.append(first + position) }
            module.recursionGroupEnds.append(module.types.count)
        }
    }

    private mutating func noteFeatures(of type: SubType) {
        let valueTypes: [ValueType]
        switch type.composite {
        case .function(let function): valueTypes = function.parameters + function.results
        case .structure(let fields): valueTypes = fields.map { $0.type }
        case .array(let element): valueTypes = [element.type]
        }
        if type.composite.kind != .function || type.supertype != nil || !type.isFinal
            || valueTypes.contains(where: { $0.needsGC })
        {
            module.requiredFeatures.insert(.gc)
        }
        if valueTypes.contains(where: { $0.needsFunctionReferences }) { module.requiredFeatures.insert(.functionReferences) }
    }

    /// A declared supertype must not be final, and the type must match it (spec §3.2.6): a function type with
    /// contravariant parameters and covariant results, a struct type extending its fields, an array type's element
    /// as a field of it. A mutable field is invariant, an immutable one covariant.
    private func checkSupertype(of type: SubType, at offset: Int) throws(ModuleError) {
        guard let supertypeIndex = type.supertype else { return }
        let supertype = module.typeDefinitions[Int(supertypeIndex)]
        let equivalence = module.typeEquivalence
        func fieldMatches(_ field: FieldType, _ other: FieldType) -> Bool {
            guard field.packing == other.packing, field.isMutable == other.isMutable else { return false }
            return other.isMutable
                ? field.type.matches(other.type, equivalence) && other.type.matches(field.type, equivalence)
                : field.type.matches(other.type, equivalence)
        }
        let matches: Bool
        switch (type.composite, supertype.composite) {
        case (.function(let function), .function(let other)):
            matches =
                function.parameters.count == other.parameters.count && function.results.count == other.results.count
                && zip(other.parameters, function.parameters).allSatisfy { $0.matches($1, equivalence) }
                && zip(function.results, other.results).allSatisfy { $0.matches($1, equivalence) }
        case (.structure(let fields), .structure(let others)):
            matches = fields.count >= others.count && zip(fields, others).allSatisfy { fieldMatches($0, $1) }
        case (.array(let element), .array(let other)):
            matches = fieldMatches(element, other)
        default:
            matches = false
        }
        guard !supertype.isFinal, matches else { throw .invalid(at: offset, "sub type") }
    }

    mutating func readImportSection() throws(ModuleError) {
        let count = try reader.readCount()
        for _ in 0..<count {
            let moduleName = try reader.readName()
            let name = try reader.readName()
            let kindOffset = reader.offset
            let descriptor: Import.Descriptor
            switch try reader.readByte() {
            case 0x00:
                let typeIndex = try readTypeIndex()
                module.functionTypeIndices.append(typeIndex)
                module.importedFunctionCount += 1
                descriptor = .function(typeIndex: typeIndex)
            case 0x01:
                let type = try readTableType()
                module.tables.append(type)
                module.importedTableCount += 1
                descriptor = .table(type)
            case 0x02:
                let type = try readMemoryType()
                module.memories.append(type)
                module.importedMemoryCount += 1
                descriptor = .memory(type)
            case 0x03:
                let type = try readGlobalType()
                module.globals.append(type)
                module.importedGlobalCount += 1
                descriptor = .global(type)
            case 0x04:
                let typeIndex = try readTagType()
                module.tagTypeIndices.append(typeIndex)
                module.importedTagCount += 1
                descriptor = .tag(typeIndex: typeIndex)
            default:
                throw .malformed(at: kindOffset, "malformed import kind")
            }
            module.imports.append(Import(module: moduleName, name: name, descriptor: descriptor))
        }
    }

    mutating func readFunctionSection() throws(ModuleError) {
        let count = try reader.readCount()
        for _ in 0..<count { module.functionTypeIndices.append(try readTypeIndex()) }
        definedFunctionCount = count
    }

    /// A table is a table type, or (typed function references) 0x40 0x00, a table type and an initializer for its
    /// elements; without one, its element type must have null.
    mutating func readTableSection() throws(ModuleError) {
        let count = try reader.readCount()
        for _ in 0..<count {
            let at = reader.offset
            if try reader.peekByte() == 0x40 {
                reader.offset += 1
                guard try reader.readByte() == 0x00 else { throw .malformed(at: at, "malformed table") }
                module.requiredFeatures.insert(.functionReferences)
                let type = try readTableType()
                module.tableInitializers.append(try readConstantExpression(of: type.elementType))
                module.tables.append(type)
            } else {
                let type = try readTableType()
                guard type.elementType.isNullable else { throw .invalid(at: at, "type mismatch") }
                module.tableInitializers.append(.nullReference(type.elementType))
                module.tables.append(type)
            }
        }
    }

    mutating func readMemorySection() throws(ModuleError) {
        let count = try reader.readCount()
        for _ in 0..<count { module.memories.append(try readMemoryType()) }
    }

    mutating func readGlobalSection() throws(ModuleError) {
        let count = try reader.readCount()
        for _ in 0..<count {
            let type = try readGlobalType()
            let initializer = try readConstantExpression(of: type.valueType)
            module.globals.append(type)
            module.globalInitializers.append(initializer)
        }
    }

    mutating func readTagSection() throws(ModuleError) {
        let count = try reader.readCount()
        for _ in 0..<count { module.tagTypeIndices.append(try readTagType()) }
    }

    /// A tag's attribute byte (0, an exception) and its function type, which must have no results.
    private mutating func readTagType() throws(ModuleError) -> UInt32 {
        let at = reader.offset
        guard try reader.readByte() == 0 else { throw .malformed(at: at, "malformed tag attribute") }
        let typeOffset = reader.offset
        let index = try readTypeIndex()
        guard module.types[Int(index)].results.isEmpty else {
            throw .invalid(at: typeOffset, "non-empty tag result type")
        }
        return index
    }

    /// The index of a function type.
    private mutating func readTypeIndex() throws(ModuleError) -> UInt32 {
        let at = reader.offset
        let index = try reader.readU32()
        guard Int(index) < module.types.count else { throw .invalid(at: at, "unknown type \(index)") }
        try module.typeEquivalence.requireFunctionType(index, at: at)
        return index
    }

    /// A memory type, noting the proposals it takes: a second memory (multi-memory), 64-bit limits (memory64).
    private mutating func readMemoryType() throws(ModuleError) -> MemoryType {
        if !module.memories.isEmpty { module.requiredFeatures.insert(.multiMemory) }
        return try reader.readMemoryType(features: &module.requiredFeatures)
    }

    private mutating func readTableType() throws(ModuleError) -> TableType {
        let type = try reader.readTableType(typeCount: module.types.count, features: &module.requiredFeatures)
        if type.elementType.needsFunctionReferences { module.requiredFeatures.insert(.functionReferences) }
        if type.elementType.needsGC { module.requiredFeatures.insert(.gc) }
        return type
    }

    private mutating func readGlobalType() throws(ModuleError) -> GlobalType {
        let type = try reader.readGlobalType(typeCount: module.types.count)
        if type.valueType.needsFunctionReferences { module.requiredFeatures.insert(.functionReferences) }
        if type.valueType.needsGC { module.requiredFeatures.insert(.gc) }
        return type
    }
}
