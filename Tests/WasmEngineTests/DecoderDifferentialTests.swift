import Testing
@testable import WasmEngine

/// Compares the decoder's verdict with `wasm-tools validate --features wasm2` on corrupted copies of valid
/// modules. Function bodies are replaced by `unreachable` first (see `DecoderSpecTests`), so the verdicts
/// are about module-level rules only.
@Suite struct DecoderDifferentialTests {
    /// Element segments of all eight encodings, imported table and globals, data segments of two kinds.
    static let segmentsModule = wasmModule(
        (.type, vector(functionType([], []), functionType([.i32], [.i32]))),
        (.import, vector(
            name("m") + name("t") + [0x01, 0x70, 0x00, 0x01],
            name("m") + name("g") + [0x03, 0x70, 0x00],
            name("m") + name("h") + [0x03, 0x7F, 0x00])),
        (.function, vector([0x00], [0x00], [0x00], [0x00], [0x00], [0x01])),
        (.table, vector([0x70, 0x00, 0x0A], [0x6F, 0x00, 0x0A])),
        (.memory, vector([0x01, 0x00, 0x02])),
        (.global, vector([0x70, 0x00, 0x23, 0x00, 0x0B], [0x7F, 0x01, 0x23, 0x01, 0x0B])),
        (.export, vector(name("a") + [0x00, 0x05], name("b") + [0x02, 0x00])),
        (.element, vector(
            [0x00] + i32Constant(1) + vector([0x00]),
            [0x01, 0x00] + vector([0x01]),
            [0x02, 0x01] + i32Constant(2) + [0x00] + vector([0x02]),
            [0x03, 0x00] + vector([0x03]),
            [0x04] + i32Constant(3) + vector([0xD2, 0x04, 0x0B], [0xD0, 0x70, 0x0B]),
            [0x05, 0x6F] + vector([0xD0, 0x6F, 0x0B]),
            [0x06, 0x02] + i32Constant(4) + [0x6F] + vector([0xD0, 0x6F, 0x0B]),
            [0x07, 0x70] + vector([0xD2, 0x05, 0x0B], [0x23, 0x00, 0x0B]))),
        (.dataCount, [0x02]),
        (.code, vector(emptyBody, emptyBody, emptyBody, emptyBody, emptyBody, [0x04, 0x00, 0x20, 0x00, 0x0B])),
        (.data, vector([0x02, 0x00, 0x23, 0x01, 0x0B] + vector([0x01]), [0x01] + vector([0x02], [0x03]))))

    static let baseModules = [DecoderHostileInputTests.richModule, segmentsModule]

    @Test func baseModulesAreValid() throws {
        for module in Self.baseModules {
            #expect(decodingError(module) == nil)
            let verdict = try DecoderSpecTests.runWasmTools(["validate", "--features", "wasm2", "-"], input: module)
            #expect(verdict?.status == 0, "wasm-tools: \(verdict?.errorOutput ?? "")")
        }
    }

    @Test func corruptedModulesGetTheSameVerdict() throws {
        var random = SplitMix64(seed: 0xD1FF)
        var compared = 0
        for _ in 0..<2000 {
            var bytes = Self.baseModules[random.next(below: Self.baseModules.count)]
            let position = random.next(below: bytes.count)
            // Bytes that mean something in many places: zero, one, LEB128 continuation, section ids,
            // `end`, reference types, constant-expression opcodes.
            let interesting: [UInt8] = [0x00, 0x01, 0x02, 0x7F, 0x80, 0xFF, 0x0B, 0x70, 0x6F, 0x23, 0xD2, 0x41]
            switch random.next(below: 4) {
            case 0: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
            case 1: bytes.remove(at: position)
            case 2: bytes[position] = interesting[random.next(below: interesting.count)]
            default: bytes[position] = UInt8(truncatingIfNeeded: random.next())
            }
            guard let stripped = DecoderSpecTests.strippingFunctionBodies(bytes) else { continue }
            let error = decodingError(stripped)
            // WebAssembly 2.0 has SIMD, which wasm-tools accepts and this engine refuses by design.
            if error?.kind == .unsupported { continue }
            // A 3.0 construct (a defined global read in a constant expression) is valid here, but not in 2.0.
            if error == nil, try !Module(bytes: stripped).requiredFeatures.isEmpty { continue }
            guard let verdict = try DecoderSpecTests.runWasmTools(["validate", "--features", "wasm2", "-"], input: stripped)
            else { return }
            compared += 1
            #expect(
                (error == nil) == (verdict.status == 0),
                "decoder: \(error?.description ?? "valid"); wasm-tools: \(verdict.status == 0 ? "valid" : verdict.errorOutput); \(stripped)")
        }
        #expect(compared > 500)
    }
}
