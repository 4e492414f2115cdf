import Testing
@testable import WasmEngine

/// The error reading `bytes`' interface throws, or nil.
func interfaceError(_ bytes: [UInt8]) -> ModuleError? {
    do {
        _ = try ModuleInterface(bytes: bytes)
        return nil
    } catch {
        return error
    }
}

/// `ModuleInterface(bytes:)`: the declaration sections read and validated as the whole decoding reads them, the
/// sections after the exports (function bodies included) skipped by their size.
@Suite struct ModuleInterfaceTests {
    /// Imports one function of type 0, defines two more (types 1 and 0) and exports them, a table and a global.
    static let declarations: [(Section, [UInt8])] = [
        (.type, vector(functionType([.i32], [.i64]), functionType([.f32, .f64, .i64], []))),
        (.import, vector(name("env") + name("log") + [0x00, 0x00])),
        (.function, vector([0x01], [0x00])),
        (.table, vector([0x70, 0x00, 0x01])),
        (.global, vector([0x7F, 0x00] + i32Constant(7))),
        (.export, vector(
            name("first") + [0x00, 0x01], name("second") + [0x00, 0x02], name("table") + [0x01, 0x00],
            name("answer") + [0x03, 0x00])),
    ]

    static func module(code: [UInt8]) -> [UInt8] {
        declarations.reduce(wasmHeader) { $0 + [$1.0.rawValue] + encodeU32(UInt32($1.1.count)) + $1.1 }
            + [Section.code.rawValue] + encodeU32(UInt32(code.count)) + code
    }

    @Test("types, imports, function types and exports are those the whole decoding reads")
    func matchesTheWholeDecoding() throws {
        let bytes = Self.module(code: vector(emptyBody, [0x04, 0x00, 0x42, 0x00, 0x0B]))  // (); i64.const 0
        let interface = try ModuleInterface(bytes: bytes)
        let module = try Module(bytes: bytes)
        #expect(interface.types == module.types)
        #expect(interface.functionTypeIndices == [0, 1, 0])
        #expect(interface.imports.map(\.name) == ["log"])
        #expect(interface.exports.map(\.name) == ["first", "second", "table", "answer"])
        #expect(interface.exports.map(\.descriptor) == [.function(1), .function(2), .table(0), .global(0)])
        #expect(interface.functionType(ofFunction: 1) == FuncType(parameters: [.f32, .f64, .i64], results: []))
        #expect(interface.functionType(ofFunction: 2) == FuncType(parameters: [.i32], results: [.i64]))
    }

    @Test("function bodies are not compiled: a body the whole decoding rejects does not stop it")
    func bodiesAreSkipped() throws {
        // The second body is `unreachable` without its `end`: malformed for the whole decoding.
        let bytes = Self.module(code: vector(emptyBody, [0x02, 0x00, 0x00]))
        #expect(decodingError(bytes) != nil)
        let interface = try ModuleInterface(bytes: bytes)
        #expect(interface.exports.count == 4)
    }

    @Test("the sections after the exports are skipped, even ones the whole decoding rejects")
    func laterSectionsAreSkipped() throws {
        let garbage: [UInt8] = [0xFF, 0xFF, 0xFF]
        let bytes = wasmModule(
            (.type, vector(functionType([], []))), (.function, vector([0x00])),
            (.export, vector(name("run") + [0x00, 0x00])), (.start, garbage), (.element, garbage),
            (.dataCount, garbage), (.code, garbage), (.data, garbage), (.custom, garbage))
        #expect(decodingError(bytes) != nil)
        #expect(try ModuleInterface(bytes: bytes).exports.map(\.name) == ["run"])
    }

    @Test("a malformed or invalid declaration is the same error as in the whole decoding")
    func declarationErrorsMatch() {
        let cases: [[UInt8]] = [
            [0x00, 0x61, 0x73],  // truncated header
            wasmModule((.type, [0x01, 0x61])),  // not a function type
            wasmModule((.function, vector([0x00]))),  // unknown type 0
            wasmModule((.type, vector(functionType([], []))), (.function, vector([0x00])),
                       (.export, vector(name("f") + [0x00, 0x05]))),  // unknown function 5
            wasmModule((.type, vector(functionType([], []))), (.function, vector([0x00])),
                       (.export, vector(name("f") + [0x00, 0x00], name("f") + [0x00, 0x00]))),  // duplicate name
            wasmModule((.export, vector(name("g") + [0x03, 0x00]))),  // unknown global
            wasmModule((.export, vector([]) + [0x00])),  // an export cut short
            wasmModule((.code, vector()), (.type, vector())),  // sections out of order, even skipped ones
        ]
        for bytes in cases {
            let error = interfaceError(bytes)
            #expect(error != nil)
            #expect(error == decodingError(bytes))
        }
    }

    @Test("a section whose size runs past the end is rejected even when it would be skipped")
    func skippedSectionSizeIsChecked() {
        let bytes = wasmHeader + [Section.code.rawValue] + encodeU32(10) + [0x00]
        #expect(interfaceError(bytes) == ModuleError.malformed(at: 9, "length out of bounds"))
    }
}
