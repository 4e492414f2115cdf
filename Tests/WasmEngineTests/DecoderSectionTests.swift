import Testing
@testable import WasmEngine

// MARK: Building binary modules

/// Unsigned LEB128.
func encodeU32(_ value: UInt32) -> [UInt8] {
    var value = value
    var bytes: [UInt8] = []
    repeat {
        var byte = UInt8(value & 0x7F)
        value >>= 7
        if value != 0 { byte |= 0x80 }
        bytes.append(byte)
    } while value != 0
    return bytes
}

let wasmHeader: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]

enum Section: UInt8 {
    case custom = 0, type, `import`, function, table, memory, global, export, start, element, code, data, dataCount
    case tag
}

/// A module made of the header and these sections, each given as its content.
func wasmModule(_ sections: (Section, [UInt8])...) -> [UInt8] {
    var bytes = wasmHeader
    for (id, content) in sections {
        bytes += [id.rawValue] + encodeU32(UInt32(content.count)) + content
    }
    return bytes
}

/// A vector: its count, then the items.
func vector(_ items: [UInt8]...) -> [UInt8] {
    encodeU32(UInt32(items.count)) + items.flatMap { $0 }
}

func name(_ text: String) -> [UInt8] {
    encodeU32(UInt32(text.utf8.count)) + Array(text.utf8)
}

/// Function type `[params] -> [results]` in the binary format; each type one of the one-byte ones (number types,
/// `v128` and the nullable abstract reference types, whose `rawValue` is their byte).
func functionType(_ parameters: [ValueType], _ results: [ValueType]) -> [UInt8] {
    let parameterBytes: [UInt8] = parameters.map { UInt8($0.rawValue) }
    let resultBytes: [UInt8] = results.map { UInt8($0.rawValue) }
    return [0x60] + encodeU32(UInt32(parameters.count)) + parameterBytes + encodeU32(UInt32(results.count)) + resultBytes
}

/// A code-section entry: a body of two bytes, no locals and `end`.
let emptyBody: [UInt8] = [0x02, 0x00, 0x0B]

/// `i32.const value; end`.
func i32Constant(_ value: UInt8) -> [UInt8] { [0x41, value, 0x0B] }

func decode(_ bytes: [UInt8]) throws(ModuleError) -> Module { try Module(bytes: bytes) }

/// The error decoding `bytes` throws, or nil.
func decodingError(_ bytes: [UInt8]) -> ModuleError? {
    do {
        _ = try Module(bytes: bytes)
        return nil
    } catch {
        return error
    }
}

// MARK: Sections that decode

@Suite struct DecoderSectionTests {
    @Test func emptyModule() throws {
        let module = try decode(wasmHeader)
        #expect(module.types.isEmpty && module.imports.isEmpty && module.functions.isEmpty)
        #expect(module.start == nil && module.dataCount == nil)
        #expect(module.declaredFunctionReferences.isEmpty)
    }

    @Test func typeSection() throws {
        let module = try decode(wasmModule(
            (.type, vector(functionType([], []), functionType([.i32, .f64, .externref], [.i64, .funcref])))))
        #expect(module.types == [
            FuncType(parameters: [], results: []),
            FuncType(parameters: [.i32, .f64, .externref], results: [.i64, .funcref]),
        ])
    }

    @Test func importsOfAllKindsComeFirstInTheirIndexSpaces() throws {
        let module = try decode(wasmModule(
            (.type, vector(functionType([.i32], []))),
            (.import, vector(
                name("env") + name("f") + [0x00, 0x00],
                name("env") + name("t") + [0x01, 0x6F, 0x01, 0x02, 0x05],
                name("env") + name("m") + [0x02, 0x00, 0x01],
                name("env") + name("g") + [0x03, 0x7E, 0x01])),
            (.function, vector([0x00])),
            (.table, vector([0x70, 0x00, 0x03])),
            (.global, vector([0x7F, 0x00] + i32Constant(7))),
            (.code, vector(emptyBody))))
        #expect(module.imports.count == 4)
        #expect(module.imports[0].module == "env" && module.imports[0].name == "f")
        guard case .function(typeIndex: 0) = module.imports[0].descriptor else {
            Issue.record("import 0 is not function type 0")
            return
        }
        #expect(module.functionTypeIndices == [0, 0])
        #expect(module.importedFunctionCount == 1)
        #expect(module.tables == [
            TableType(elementType: .externref, limits: Limits(min: 2, max: 5)),
            TableType(elementType: .funcref, limits: Limits(min: 3)),
        ])
        #expect(module.importedTableCount == 1)
        #expect(module.memories == [MemoryType(limits: Limits(min: 1))])
        #expect(module.importedMemoryCount == 1)
        #expect(module.globals == [
            GlobalType(valueType: .i64, isMutable: true), GlobalType(valueType: .i32, isMutable: false),
        ])
        #expect(module.importedGlobalCount == 1)
        #expect(module.globalInitializers == [.i32(7)])
        #expect(module.functions.count == 1)
        #expect(module.declaredFunctionReferences == [false, false])
    }

    @Test func memoryOfTheMaximumSize() throws {
        let module = try decode(wasmModule((.memory, vector([0x01, 0x00] + encodeU32(65536)))))
        #expect(module.memories == [MemoryType(limits: Limits(min: 0, max: 65536))])
    }

    @Test func globalInitializersOfEveryConstantKind() throws {
        let module = try decode(wasmModule(
            (.type, vector(functionType([], []))),
            (.import, vector(name("m") + name("g") + [0x03, 0x7D, 0x00])),
            (.function, vector([0x00], [0x00])),
            (.global, vector(
                [0x7F, 0x00, 0x41, 0x7F, 0x0B],
                [0x7E, 0x01, 0x42, 0x80, 0x01, 0x0B],
                [0x7D, 0x00, 0x43, 0x00, 0x00, 0x80, 0x3F, 0x0B],
                [0x7C, 0x00, 0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x0B],
                [0x6F, 0x00, 0xD0, 0x6F, 0x0B],
                [0x70, 0x00, 0xD2, 0x01, 0x0B],
                [0x7D, 0x00, 0x23, 0x00, 0x0B])),
            (.code, vector(emptyBody, emptyBody))))
        #expect(module.globalInitializers == [
            .i32(0xFFFF_FFFF), .i64(128), .f32(bits: 0x3F80_0000), .f64(bits: 0x3FF0_0000_0000_0000),
            .nullReference(.externref), .functionReference(1), .globalGet(0),
        ])
        #expect(module.declaredFunctionReferences == [false, true])
    }

    @Test func exportsOfEveryKindAndStart() throws {
        let module = try decode(wasmModule(
            (.type, vector(functionType([], []))),
            (.function, vector([0x00], [0x00])),
            (.table, vector([0x70, 0x00, 0x00])),
            (.memory, vector([0x00, 0x00])),
            (.global, vector([0x7F, 0x00] + i32Constant(0))),
            (.export, vector(
                name("f") + [0x00, 0x01], name("t") + [0x01, 0x00], name("m") + [0x02, 0x00],
                name("g") + [0x03, 0x00])),
            (.start, [0x00]),
            (.code, vector(emptyBody, emptyBody))))
        #expect(module.exports.map(\.name) == ["f", "t", "m", "g"])
        #expect(module.exports.map(\.descriptor) == [.function(1), .table(0), .memory(0), .global(0)])
        #expect(module.start == 0)
        #expect(module.declaredFunctionReferences == [false, true])
    }

    /// Export names are compared as bytes: "Å" (U+00C5) and "Å" (U+0041 U+030A) are different names.
    @Test func exportNamesAreNotNormalized() throws {
        let module = try decode(wasmModule(
            (.global, vector([0x7F, 0x00] + i32Constant(0))),
            (.export, vector(name("\u{C5}") + [0x03, 0x00], name("A\u{30A}") + [0x03, 0x00]))))
        #expect(module.exports.count == 2)
    }

    @Test func elementSegmentsOfAllEightEncodings() throws {
        let module = try decode(wasmModule(
            (.type, vector(functionType([], []))),
            (.function, vector([0x00], [0x00], [0x00], [0x00], [0x00], [0x00])),
            (.table, vector([0x70, 0x00, 0x0A], [0x6F, 0x00, 0x0A])),
            (.element, vector(
                [0x00] + i32Constant(1) + vector([0x00]),
                [0x01, 0x00] + vector([0x01]),
                [0x02, 0x00] + i32Constant(2) + [0x00] + vector([0x02]),
                [0x03, 0x00] + vector([0x03]),
                [0x04] + i32Constant(3) + vector([0xD2, 0x04, 0x0B], [0xD0, 0x70, 0x0B]),
                [0x05, 0x6F] + vector([0xD0, 0x6F, 0x0B]),
                [0x06, 0x01] + i32Constant(4) + [0x6F] + vector([0xD0, 0x6F, 0x0B]),
                [0x07, 0x70] + vector([0xD2, 0x05, 0x0B]))),
            (.code, vector(
                emptyBody, emptyBody, emptyBody,
                emptyBody, emptyBody, emptyBody))))
        let elements = module.elements
        // A segment of function indices holds `(ref func)`: never null (3.0's typing).
        let functions = ValueType.reference(to: .func, nullable: false)
        #expect(elements.map(\.type) == [functions, functions, functions, functions, .funcref, .externref, .externref, .funcref])
        #expect(elements.map(\.items) == [
            [.functionReference(0)], [.functionReference(1)], [.functionReference(2)], [.functionReference(3)],
            [.functionReference(4), .nullReference(.funcref)], [.nullReference(.externref)],
            [.nullReference(.externref)], [.functionReference(5)],
        ])
        let modes = elements.map { segment -> String in
            switch segment.mode {
            case .passive: "passive"
            case .declarative: "declarative"
            case .active(let table, let offset): "active \(table) \(offset)"
            }
        }
        #expect(modes == [
            "active 0 i32(1)", "passive", "active 0 i32(2)", "declarative", "active 0 i32(3)", "passive",
            "active 1 i32(4)", "declarative",
        ])
        #expect(module.declaredFunctionReferences == Array(repeating: true, count: 6))
    }

    @Test func dataSegmentsOfAllThreeEncodingsWithDataCount() throws {
        let module = try decode(wasmModule(
            (.memory, vector([0x00, 0x01])),
            (.dataCount, [0x03]),
            (.data, vector(
                [0x00] + i32Constant(8) + vector([0x61], [0x62]),
                [0x01] + vector(),
                [0x02, 0x00] + i32Constant(16) + vector([0xFF])))))
        #expect(module.dataCount == 3)
        #expect(module.dataSegments.map(\.bytes) == [[0x61, 0x62], [], [0xFF]])
        let modes = module.dataSegments.map { segment -> String in
            switch segment.mode {
            case .passive: "passive"
            case .active(let memory, let offset): "active \(memory) \(offset)"
            }
        }
        #expect(modes == ["active 0 i32(8)", "passive", "active 0 i32(16)"])
    }

    @Test func customSectionsMayAppearAnywhere() throws {
        let custom = name("note") + [0x01, 0x02, 0x03]
        let module = try decode(wasmModule(
            (.custom, custom),
            (.type, vector(functionType([], []))),
            (.custom, custom),
            (.function, vector([0x00])),
            (.dataCount, [0x00]),
            (.custom, name("")),
            (.code, vector(emptyBody)),
            (.custom, custom)))
        #expect(module.functions.count == 1)
        #expect(module.dataCount == 0)
    }

    @Test func declaredFunctionReferencesCoverTheWholeFunctionIndexSpace() throws {
        let module = try decode(wasmModule(
            (.type, vector(functionType([], []))),
            (.import, vector(name("m") + name("f") + [0x00, 0x00])),
            (.function, vector([0x00], [0x00])),
            (.export, vector(name("f") + [0x00, 0x00])),
            (.code, vector(emptyBody, emptyBody))))
        #expect(module.declaredFunctionReferences == [true, false, false])
    }
}
