/// The export and start sections (spec §5.5.10, §5.5.11).
extension ModuleDecoder {
    mutating func readExportSection() throws(ModuleError) {
        let count = try reader.readCount()
        for _ in 0..<count {
            let nameOffset = reader.offset
            let name = try reader.readName()
            let kindOffset = reader.offset
            let kind = try reader.readByte()
            let indexOffset = reader.offset
            let index = try reader.readU32()
            let descriptor: Export.Descriptor
            let isKnown: Bool
            let space: String
            switch kind {
            case 0x00:
                descriptor = .function(index)
                isKnown = Int(index) < functionCount
                space = "function"
            case 0x01:
                descriptor = .table(index)
                isKnown = Int(index) < module.tables.count
                space = "table"
            case 0x02:
                descriptor = .memory(index)
                isKnown = Int(index) < module.memories.count
                space = "memory"
            case 0x03:
                descriptor = .global(index)
                isKnown = Int(index) < module.globals.count
                space = "global"
            case 0x04:
                descriptor = .tag(index)
                isKnown = Int(index) < module.tagTypeIndices.count
                space = "tag"
            default:
                throw .malformed(at: kindOffset, "malformed export kind")
            }
            guard isKnown else { throw .invalid(at: indexOffset, "unknown \(space) \(index)") }
            guard exportNames.insert(Array(name.utf8)).inserted else {
                throw .invalid(at: nameOffset, "duplicate export name")
            }
            if case .function(let function) = descriptor { declareFunctionReference(function) }
            module.exports.append(Export(name: name, descriptor: descriptor))
        }
    }

    mutating func readStartSection() throws(ModuleError) {
        let at = reader.offset
        let index = try reader.readU32()
        guard Int(index) < functionCount else { throw .invalid(at: at, "unknown function \(index)") }
        let type = module.functionType(ofFunction: index)
        guard type.parameters.isEmpty && type.results.isEmpty else {
            throw .invalid(at: at, "start function")
        }
        module.start = index
    }
}
