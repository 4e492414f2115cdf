/// The sections that declare the module's index spaces: types, imports, functions, tables, memories,
/// globals (spec §5.5.4–§5.5.9).
extension ModuleDecoder {
    /// Each type may refer to the earlier ones and to itself; each is interned in `module.typeEquivalence`.
    mutating func readTypeSection() throws(ModuleError) {
        let countOffset = reader.offset
        let count = try reader.readCount()
        guard count < Int(HeapType.maximumTypeIndex) else { throw .malformed(at: countOffset, "too many types") }
        var firstIndices: [FuncType: UInt32] = [:]
        for _ in 0..<count {
            let index = UInt32(module.types.count)
            let type = try reader.readFunctionType(typeCount: module.types.count + 1)
            let key = module.typeEquivalence.key(of: type, index: index)
            module.typeEquivalence.canonicalIndices.append(firstIndices[key, default: index])
            if firstIndices[key] == nil { firstIndices[key] = index }
            if type.parameters.contains(where: { $0.needsFunctionReferences })
                || type.results.contains(where: { $0.needsFunctionReferences })
            {
                module.requiredFeatures.insert(.functionReferences)
            }
            module.types.append(type)
        }
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

    private mutating func readTypeIndex() throws(ModuleError) -> UInt32 {
        let at = reader.offset
        let index = try reader.readU32()
        guard Int(index) < module.types.count else { throw .invalid(at: at, "unknown type \(index)") }
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
        return type
    }

    private mutating func readGlobalType() throws(ModuleError) -> GlobalType {
        let type = try reader.readGlobalType(typeCount: module.types.count)
        if type.valueType.needsFunctionReferences { module.requiredFeatures.insert(.functionReferences) }
        return type
    }
}
