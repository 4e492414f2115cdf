import Testing
@testable import WasmEngine

/// One module that must be rejected, and exactly how. In a module whose first section has fewer than 128
/// bytes of content, that content starts at offset 10.
struct RejectedModule: CustomTestStringConvertible, Sendable {
    var label: String
    var bytes: [UInt8]
    var error: ModuleError
    var testDescription: String { label }

    init(_ label: String, _ bytes: [UInt8], _ error: ModuleError) {
        self.label = label
        self.bytes = bytes
        self.error = error
    }
}

private let voidType = (Section.type, vector(functionType([], [])))
private let oneFunction = (Section.function, vector([0x00]))
private let oneBody = (Section.code, vector(emptyBody))

@Suite struct DecoderValidationTests {
    static let preambleAndSections: [RejectedModule] = [
        RejectedModule("empty input", [], .malformed(at: 0, "unexpected end")),
        RejectedModule("short magic", [0x00, 0x61, 0x73], .malformed(at: 0, "unexpected end")),
        RejectedModule("wrong magic", [0x00, 0x41, 0x53, 0x4D, 1, 0, 0, 0], .malformed(at: 0, "magic header not detected")),
        RejectedModule("short version", [0x00, 0x61, 0x73, 0x6D, 1], .malformed(at: 4, "unexpected end")),
        RejectedModule("version 2", [0x00, 0x61, 0x73, 0x6D, 2, 0, 0, 0], .malformed(at: 4, "unknown binary version")),
        RejectedModule("section id 14", wasmHeader + [0x0E, 0x00], .malformed(at: 8, "malformed section id")),
        RejectedModule("junk byte after the last section", wasmHeader + [0xFF], .malformed(at: 8, "malformed section id")),
        RejectedModule("section header cut short", wasmHeader + [0x01], .malformed(at: 9, "unexpected end")),
        RejectedModule(
            "section larger than the module", wasmHeader + [0x01, 0x05, 0x00],
            .malformed(at: 9, "length out of bounds")),
        RejectedModule(
            "section size 2^32 - 1", wasmHeader + [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
            .malformed(at: 9, "length out of bounds")),
        RejectedModule(
            "section content shorter than its size", wasmModule((.type, [0x00, 0x00])),
            .malformed(at: 11, "section size mismatch")),
        RejectedModule(
            "section content longer than its size", wasmModule((.type, [0x01, 0x60, 0x00])),
            .malformed(at: 13, "unexpected end of section or function")),
        RejectedModule(
            "sections out of order", wasmModule((.memory, vector([0x00, 0x00])), voidType),
            .malformed(at: 13, "unexpected content after last section")),
        RejectedModule(
            "section repeated", wasmModule(voidType, voidType),
            .malformed(at: 14, "unexpected content after last section")),
        RejectedModule(
            "data count after code", wasmModule(voidType, oneFunction, oneBody, (.dataCount, [0x00])),
            .malformed(at: 24, "unexpected content after last section")),
        RejectedModule(
            "custom section with a bad UTF-8 name", wasmModule((.custom, [0x01, 0xFF])),
            .malformed(at: 11, "malformed UTF-8 encoding")),
        RejectedModule(
            "custom section name longer than the section", wasmModule((.custom, [0x05, 0x61])),
            .malformed(at: 10, "length out of bounds")),
    ]

    static let typesAndImports: [RejectedModule] = [
        RejectedModule(
            "function type form 0x61", wasmModule((.type, vector([0x61, 0x00, 0x00]))),
            .malformed(at: 11, "malformed function type")),
        RejectedModule(
            "function type form as a long LEB128", wasmModule((.type, vector([0xE0, 0x7F, 0x00, 0x00]))),
            .malformed(at: 11, "integer representation too long")),
        RejectedModule(
            "unknown value type", wasmModule((.type, vector([0x60, 0x01, 0x40, 0x00]))),
            .malformed(at: 13, "malformed value type")),
        RejectedModule(
            "import kind 5", wasmModule((.import, vector(name("m") + name("x") + [0x05, 0x00]))),
            .malformed(at: 15, "malformed import kind")),
        RejectedModule(
            "import of an unknown type", wasmModule((.import, vector(name("m") + name("f") + [0x00, 0x00]))),
            .invalid(at: 16, "unknown type 0")),
        RejectedModule(
            "import name with bad UTF-8", wasmModule((.import, vector([0x01, 0xC0] + name("f") + [0x00, 0x00]))),
            .malformed(at: 12, "malformed UTF-8 encoding")),
        RejectedModule(
            "global import mutability 2", wasmModule((.import, vector(name("m") + name("g") + [0x03, 0x7F, 0x02]))),
            .malformed(at: 17, "malformed mutability")),
        RejectedModule(
            "function of an unknown type", wasmModule(voidType, (.function, vector([0x01]))),
            .invalid(at: 17, "unknown type 1")),
    ]

    static let tablesMemoriesGlobals: [RejectedModule] = [
        RejectedModule(
            "table minimum above maximum", wasmModule((.table, vector([0x70, 0x01, 0x02, 0x01]))),
            .invalid(at: 12, "size minimum must not be greater than maximum")),
        RejectedModule(
            "table of i32", wasmModule((.table, vector([0x7F, 0x00, 0x00]))),
            .malformed(at: 11, "malformed reference type")),
        RejectedModule(
            "limits flag 2", wasmModule((.table, vector([0x70, 0x02, 0x00]))),
            .malformed(at: 12, "integer too large")),
        RejectedModule(
            "limits flag as a long LEB128", wasmModule((.memory, vector([0x81, 0x00, 0x00]))),
            .malformed(at: 11, "integer representation too long")),
        RejectedModule(
            "limits flag 6 (shared and 64-bit)", wasmModule((.memory, vector([0x06, 0x00]))),
            .malformed(at: 11, "integer too large")),
        RejectedModule(
            "memory of 65537 pages", wasmModule((.memory, vector([0x00] + encodeU32(65537)))),
            .invalid(at: 11, "memory size must be at most 65536 pages (4GiB)")),
        RejectedModule(
            "memory maximum of 2^32 - 1 pages", wasmModule((.memory, vector([0x01, 0x00] + encodeU32(.max)))),
            .invalid(at: 11, "memory size must be at most 65536 pages (4GiB)")),
        RejectedModule(
            "memory minimum above maximum", wasmModule((.memory, vector([0x01, 0x02, 0x01]))),
            .invalid(at: 11, "size minimum must not be greater than maximum")),
        RejectedModule(
            "global initialized by nop", wasmModule((.global, vector([0x7F, 0x00, 0x01, 0x0B]))),
            .invalid(at: 13, "constant expression required")),
        RejectedModule(
            "global initialized by i32.add of an i64 (extended constant expressions)",
            wasmModule((.global, vector([0x7F, 0x00, 0x41, 0x01, 0x42, 0x02, 0x6A, 0x0B]))),
            .invalid(at: 17, "type mismatch")),
        RejectedModule(
            "global initialized by memory.init", wasmModule((.global, vector([0x7F, 0x00, 0xFC, 0x08, 0x00, 0x00, 0x0B]))),
            .invalid(at: 13, "constant expression required")),
        RejectedModule(
            "global initialized by an illegal opcode", wasmModule((.global, vector([0x7F, 0x00, 0x06, 0x0B]))),
            .malformed(at: 13, "illegal opcode")),
        RejectedModule(
            "i32 global initialized by v128.const",
            wasmModule((.global, vector([0x7F, 0x00, 0xFD, 0x0C] + [UInt8](repeating: 0, count: 16) + [0x0B]))),
            .invalid(at: 31, "type mismatch")),
        RejectedModule(
            "global initialized by v128.not", wasmModule((.global, vector([0x7B, 0x00, 0xFD, 0x4D, 0x0B]))),
            .invalid(at: 13, "constant expression required")),
        RejectedModule(
            "global initializer of the wrong type", wasmModule((.global, vector([0x7F, 0x00, 0x42, 0x00, 0x0B]))),
            .invalid(at: 15, "type mismatch")),
        RejectedModule(
            "empty global initializer", wasmModule((.global, vector([0x7F, 0x00, 0x0B]))),
            .invalid(at: 13, "type mismatch")),
        RejectedModule(
            "global initializer leaving two values", wasmModule((.global, vector([0x7F, 0x00, 0x41, 0x00, 0x41, 0x00, 0x0B]))),
            .invalid(at: 17, "type mismatch")),
        RejectedModule(
            "global initializer without end", wasmModule((.global, vector([0x7F, 0x00, 0x41, 0x00]))),
            .malformed(at: 15, "unexpected end of section or function")),
        RejectedModule(
            "global.get of a global defined later",
            wasmModule((.global, vector([0x7F, 0x00, 0x23, 0x01, 0x0B], [0x7F, 0x00] + i32Constant(0)))),
            .invalid(at: 14, "unknown global 1")),
        RejectedModule(
            "global.get of a mutable import",
            wasmModule((.import, vector(name("m") + name("g") + [0x03, 0x7F, 0x01])), (.global, vector([0x7F, 0x00, 0x23, 0x00, 0x0B]))),
            .invalid(at: 23, "constant expression required")),
        RejectedModule(
            "global.get of the wrong type",
            wasmModule((.import, vector(name("m") + name("g") + [0x03, 0x6F, 0x00])), (.global, vector([0x70, 0x00, 0x23, 0x00, 0x0B]))),
            .invalid(at: 25, "type mismatch")),
        RejectedModule(
            "ref.func of an unknown function", wasmModule((.global, vector([0x70, 0x00, 0xD2, 0x00, 0x0B]))),
            .invalid(at: 14, "unknown function 0")),
        RejectedModule(
            "ref.null of a number type", wasmModule((.global, vector([0x70, 0x00, 0xD0, 0x7F, 0x0B]))),
            .malformed(at: 14, "malformed heap type")),
    ]

    static let exportsAndStart: [RejectedModule] = [
        RejectedModule(
            "duplicate export name",
            wasmModule((.memory, vector([0x00, 0x00])), (.export, vector(name("a") + [0x02, 0x00], name("a") + [0x02, 0x00]))),
            .invalid(at: 20, "duplicate export name")),
        RejectedModule(
            "export kind 5", wasmModule((.export, vector(name("a") + [0x05, 0x00]))),
            .malformed(at: 13, "malformed export kind")),
        RejectedModule(
            "export of an unknown function", wasmModule((.export, vector(name("a") + [0x00, 0x00]))),
            .invalid(at: 14, "unknown function 0")),
        RejectedModule(
            "export of an unknown table", wasmModule((.export, vector(name("a") + [0x01, 0x00]))),
            .invalid(at: 14, "unknown table 0")),
        RejectedModule(
            "export of an unknown memory", wasmModule((.export, vector(name("a") + [0x02, 0x01]))),
            .invalid(at: 14, "unknown memory 1")),
        RejectedModule(
            "export of an unknown global", wasmModule((.export, vector(name("a") + [0x03, 0x00]))),
            .invalid(at: 14, "unknown global 0")),
        RejectedModule(
            "start of an unknown function", wasmModule((.start, [0x00])),
            .invalid(at: 10, "unknown function 0")),
        RejectedModule(
            "start function with a parameter",
            wasmModule((.type, vector(functionType([.i32], []))), oneFunction, (.start, [0x00]), oneBody),
            .invalid(at: 21, "start function")),
    ]

    static let segmentsAndCode: [RejectedModule] = [
        RejectedModule(
            "element segment for a missing table",
            wasmModule(voidType, oneFunction, (.element, vector([0x00] + i32Constant(0) + vector([0x00]))), oneBody),
            .invalid(at: 22, "unknown table 0")),
        RejectedModule(
            "function references into an externref table",
            wasmModule(
                voidType, oneFunction, (.table, vector([0x6F, 0x00, 0x01])),
                (.element, vector([0x02, 0x00] + i32Constant(0) + [0x00] + vector([0x00]))), oneBody),
            .invalid(at: 28, "type mismatch")),
        RejectedModule(
            "element of an unknown function", wasmModule((.element, vector([0x01, 0x00] + vector([0x00])))),
            .invalid(at: 14, "unknown function 0")),
        RejectedModule(
            "element segment flags 8", wasmModule((.element, vector([0x08]))),
            .malformed(at: 11, "malformed elements segment kind")),
        RejectedModule(
            "element kind 1", wasmModule((.element, vector([0x01, 0x01, 0x00]))),
            .malformed(at: 12, "malformed element kind")),
        RejectedModule(
            "element offset of type i64",
            wasmModule((.table, vector([0x70, 0x00, 0x00])), (.element, vector([0x00, 0x42, 0x00, 0x0B, 0x00]))),
            .invalid(at: 20, "type mismatch")),
        RejectedModule(
            "element expression of the wrong type", wasmModule((.element, vector([0x05, 0x70] + vector([0xD0, 0x6F, 0x0B])))),
            .invalid(at: 16, "type mismatch")),
        RejectedModule(
            "element expression that is not a reference", wasmModule((.element, vector([0x05, 0x70] + vector(i32Constant(0))))),
            .invalid(at: 16, "type mismatch")),
        RejectedModule(
            "data segment without memory", wasmModule((.data, vector([0x00] + i32Constant(0) + vector()))),
            .invalid(at: 11, "unknown memory 0")),
        RejectedModule(
            "data segment for memory 1",
            wasmModule((.memory, vector([0x00, 0x00])), (.data, vector([0x02, 0x01] + i32Constant(0) + vector()))),
            .invalid(at: 17, "unknown memory 1")),
        RejectedModule(
            "data segment flags 3", wasmModule((.data, vector([0x03]))),
            .malformed(at: 11, "malformed data segment kind")),
        RejectedModule(
            "data count above the data segments",
            wasmModule((.memory, vector([0x00, 0x00])), (.dataCount, [0x02]), (.data, vector([0x01] + vector()))),
            .malformed(at: 18, "data count and data section have inconsistent lengths")),
        RejectedModule(
            "data count without data section", wasmModule((.dataCount, [0x01])),
            .malformed(at: 11, "data count and data section have inconsistent lengths")),
        RejectedModule(
            "function section without code section", wasmModule(voidType, oneFunction),
            .malformed(at: 18, "function and code section have inconsistent lengths")),
        RejectedModule(
            "code section without function section", wasmModule(voidType, oneBody),
            .malformed(at: 16, "function and code section have inconsistent lengths")),
        RejectedModule(
            "body larger than the code section", wasmModule(voidType, oneFunction, (.code, vector([0x05] + emptyBody))),
            .malformed(at: 21, "length out of bounds")),
    ]

    @Test(arguments: preambleAndSections)
    func preambleAndSectionStructure(_ rejected: RejectedModule) {
        #expect(decodingError(rejected.bytes) == rejected.error)
    }

    @Test(arguments: typesAndImports)
    func typeImportAndFunctionSections(_ rejected: RejectedModule) {
        #expect(decodingError(rejected.bytes) == rejected.error)
    }

    @Test(arguments: tablesMemoriesGlobals)
    func tableMemoryAndGlobalSections(_ rejected: RejectedModule) {
        #expect(decodingError(rejected.bytes) == rejected.error)
    }

    @Test(arguments: exportsAndStart)
    func exportAndStartSections(_ rejected: RejectedModule) {
        #expect(decodingError(rejected.bytes) == rejected.error)
    }

    @Test(arguments: segmentsAndCode)
    func segmentAndCodeSections(_ rejected: RejectedModule) {
        #expect(decodingError(rejected.bytes) == rejected.error)
    }
}
