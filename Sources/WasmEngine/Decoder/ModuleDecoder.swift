extension Module {
    /// Decodes and validates a binary module in one pass. Function bodies are translated later, each on its first call.
    public init(bytes: ModuleBytes, bodies: BodyValidation = .eager) throws(ModuleError) {
        var decoder = ModuleDecoder(bytes: bytes, scope: .whole)
        decoder.bodyValidation = bodies
        do {
            self = try decoder.decode()
        } catch {
            var error = error
            error.usedFeatures.formUnion(decoder.module.requiredFeatures)
            throw error
        }
    }

    /// Decodes a copy of `bytes`.
    public init(bytes: [UInt8]) throws(ModuleError) {
        try self.init(bytes: ModuleBytes(copying: bytes))
    }
}

/// How `Module(bytes:bodies:)` treats function bodies.
public enum BodyValidation: Sendable {
    /// Validates every body while decoding, as the spec requires of a module.
    case eager
    /// Only finds each body: these exact bytes passed validation by this engine before (a module cache says so).
    /// A body is still validated when it is translated, on its first call, so a wrong claim can only make a
    /// function fail at its first call ("cannot be translated"), never run an invalid body.
    case alreadyValidated
}

extension ModuleInterface {
    /// Reads and validates the declaration sections (types, imports, functions, tables, memories, globals,
    /// exports); the sections after them, function bodies included, are skipped by their declared size.
    public init(bytes: [UInt8]) throws(ModuleError) {
        try self.init(bytes: ModuleBytes(copying: bytes))
    }

    public init(bytes: ModuleBytes) throws(ModuleError) {
        var decoder = ModuleDecoder(bytes: bytes, scope: .declarations)
        let module = try decoder.decode()
        self.init(
            types: module.types, imports: module.imports, functionTypeIndices: module.functionTypeIndices,
            exports: module.exports)
    }
}

/// The sections of a binary module (spec §5.5.2).
enum SectionID: UInt8 {
    case custom = 0
    case type = 1
    case `import` = 2
    case function = 3
    case table = 4
    case memory = 5
    case global = 6
    case export = 7
    case start = 8
    case element = 9
    case code = 10
    case data = 11
    case dataCount = 12
    case tag = 13

    /// Position in the required order; the data count section sits between element and code, the tag section
    /// between memory and global.
    var rank: Int {
        switch self {
        case .dataCount: 2 * Int(SectionID.element.rawValue) + 1
        case .tag: 2 * Int(SectionID.memory.rawValue) + 1
        default: 2 * Int(rawValue)
        }
    }
}

/// The state of one module's decoding: the reader and the module as decoded so far.
///
/// Entries are appended as they decode, never reserved from a declared count: a count is only bounded by
/// the input's size, and reserving from it could allocate tens of bytes per input byte before anything
/// has been validated.
struct ModuleDecoder {
    /// How much of the module a decoding reads.
    enum Scope {
        /// Every section, each function body validated (and found, for translation on its first call).
        case whole
        /// The sections up to and including the export section, all of which declare; later ones are skipped.
        case declarations

        func includes(_ section: SectionID) -> Bool {
            switch self {
            case .whole: true
            case .declarations: section != .custom && section.rank <= SectionID.export.rank
            }
        }
    }

    var reader: BinaryReader
    let scope: Scope
    var bodyValidation = BodyValidation.eager
    var module = Module()
    /// Entries of the function section, which the code section must match.
    var definedFunctionCount = 0
    var codeSectionCount = 0
    var dataSectionCount = 0
    /// Export names as bytes: names are compared without Unicode normalization.
    var exportNames: Set<[UInt8]> = []

    init(bytes: ModuleBytes, scope: Scope) {
        reader = BinaryReader(bytes: bytes)
        self.scope = scope
        module.bytes = bytes
    }

    var functionCount: Int { module.functionTypeIndices.count }

    mutating func decode() throws(ModuleError) -> Module {
        try readPreamble()
        var lastRank = 0
        while !reader.isAtEnd {
            let idOffset = reader.offset
            guard let section = SectionID(rawValue: try reader.readByte()) else {
                throw .malformed(at: idOffset, "malformed section id")
            }
            let sizeOffset = reader.offset
            let size = Int(try reader.readU32())
            guard size <= reader.remaining else { throw .malformed(at: sizeOffset, "length out of bounds") }
            if section != .custom {
                guard section.rank > lastRank else {
                    throw .malformed(at: idOffset, "unexpected content after last section")
                }
                lastRank = section.rank
            }
            let fileEnd = reader.end
            reader.end = reader.offset + size
            if scope.includes(section) {
                do {
                    try decodeSection(section)
                } catch where error.reason.utf8.elementsEqual("unexpected end".utf8) {
                    // (Compared as bytes: String `==` would pull Unicode normalization tables into the Embedded
                    // kernel.) The reader only knows its bound; the spec words the end of a section or body apart
                    // from the end of the module.
                    throw .malformed(at: error.offset, "unexpected end of section or function")
                }
            } else {
                reader.offset = reader.end
            }
            guard reader.offset == reader.end else {
                throw .malformed(at: reader.offset, "section size mismatch")
            }
            reader.end = fileEnd
            sizeFunctionReferences()
        }
        if scope == .whole { try checkSectionCounts() }
        if module.types.contains(where: { $0.parameters.contains(.v128) || $0.results.contains(.v128) })
            || module.globals.contains(where: { $0.valueType == .v128 })
        {
            module.requiredFeatures.insert(.simd)
        }
        if !module.tagTypeIndices.isEmpty
            || module.types.contains(where: { $0.parameters.contains(.exnref) || $0.results.contains(.exnref) })
            || module.globals.contains(where: { $0.valueType == .exnref })
            || module.tables.contains(where: { $0.elementType == .exnref })
        {
            module.requiredFeatures.insert(.exceptions)
        }
        return module
    }

    private mutating func readPreamble() throws(ModuleError) {
        let magic = try reader.readBytes(4)
        guard magic.elementsEqual([0x00, 0x61, 0x73, 0x6D]) else {
            throw .malformed(at: 0, "magic header not detected")
        }
        let version = try reader.readBytes(4)
        guard version.elementsEqual([0x01, 0x00, 0x00, 0x00]) else {
            throw .malformed(at: 4, "unknown binary version")
        }
    }

    private mutating func decodeSection(_ section: SectionID) throws(ModuleError) {
        switch section {
        case .custom: try readCustomSection()
        case .type: try readTypeSection()
        case .import: try readImportSection()
        case .function: try readFunctionSection()
        case .table: try readTableSection()
        case .memory: try readMemorySection()
        case .global: try readGlobalSection()
        case .export: try readExportSection()
        case .start: try readStartSection()
        case .element: try readElementSection()
        case .dataCount: module.dataCount = try reader.readU32()
        case .tag: try readTagSection()
        case .code: try readCodeSection()
        case .data: try readDataSection()
        }
    }

    /// Custom sections carry no semantics here; only their name must be well-formed.
    private mutating func readCustomSection() throws(ModuleError) {
        _ = try reader.readName()
        reader.offset = reader.end
    }

    /// Absent sections count as empty, so these checks wait for the end of the module.
    private func checkSectionCounts() throws(ModuleError) {
        if definedFunctionCount != codeSectionCount {
            throw .malformed(at: reader.offset, "function and code section have inconsistent lengths")
        }
        if let dataCount = module.dataCount, Int(dataCount) != dataSectionCount {
            throw .malformed(at: reader.offset, "data count and data section have inconsistent lengths")
        }
    }

    /// Keeps `declaredFunctionReferences` one entry per function once imports and the function
    /// section have fixed the function index space.
    private mutating func sizeFunctionReferences() {
        let missing = functionCount - module.declaredFunctionReferences.count
        if missing > 0 {
            module.declaredFunctionReferences.append(contentsOf: repeatElement(false, count: missing))
        }
    }

    mutating func declareFunctionReference(_ index: UInt32) {
        module.declaredFunctionReferences[Int(index)] = true
    }
}
