import Testing
@testable import WasmEngine

/// Input written to hurt: absurd counts and lengths, truncation anywhere, random corruption. Every case
/// must end in a `ModuleError` (or, for corruption that happens to stay valid, a module), quickly and
/// without trapping.
@Suite struct DecoderHostileInputTests {
    static let huge = encodeU32(.max)

    /// Each declares 2^32 - 1 of something with almost no bytes behind it.
    static let hugeDeclarations: [RejectedModule] = [
        RejectedModule("2^32 - 1 types", wasmModule((.type, huge)), .malformed(at: 10, "unexpected end of section or function")),
        RejectedModule(
            "2^32 - 1 parameters", wasmModule((.type, [0x01, 0x60] + huge)),
            .malformed(at: 12, "unexpected end of section or function")),
        RejectedModule(
            "2^32 - 1 results", wasmModule((.type, [0x01, 0x60, 0x00] + huge)),
            .malformed(at: 13, "unexpected end of section or function")),
        RejectedModule("2^32 - 1 imports", wasmModule((.import, huge)), .malformed(at: 10, "unexpected end of section or function")),
        RejectedModule(
            "name of 4 GiB", wasmModule((.import, [0x01] + huge)), .malformed(at: 11, "length out of bounds")),
        RejectedModule(
            "2^32 - 1 functions", wasmModule((.function, huge)), .malformed(at: 10, "unexpected end of section or function")),
        RejectedModule("2^32 - 1 tables", wasmModule((.table, huge)), .malformed(at: 10, "unexpected end of section or function")),
        RejectedModule(
            "2^32 - 1 memories", wasmModule((.memory, huge)), .malformed(at: 10, "unexpected end of section or function")),
        RejectedModule("2^32 - 1 globals", wasmModule((.global, huge)), .malformed(at: 10, "unexpected end of section or function")),
        RejectedModule("2^32 - 1 exports", wasmModule((.export, huge)), .malformed(at: 10, "unexpected end of section or function")),
        RejectedModule(
            "2^32 - 1 element segments", wasmModule((.element, huge)),
            .malformed(at: 10, "unexpected end of section or function")),
        RejectedModule(
            "2^32 - 1 function indices in a segment", wasmModule((.element, [0x01, 0x01, 0x00] + huge)),
            .malformed(at: 13, "unexpected end of section or function")),
        RejectedModule(
            "2^32 - 1 expressions in a segment", wasmModule((.element, [0x01, 0x05, 0x70] + huge)),
            .malformed(at: 13, "unexpected end of section or function")),
        RejectedModule(
            "data count of 2^32 - 1", wasmModule((.dataCount, huge)),
            .malformed(at: 15, "data count and data section have inconsistent lengths")),
        RejectedModule(
            "2^32 - 1 data segments", wasmModule((.data, huge)), .malformed(at: 10, "unexpected end of section or function")),
        RejectedModule(
            "data segment of 4 GiB", wasmModule((.memory, vector([0x00, 0x00])), (.data, [0x01, 0x01] + huge + [0x00])),
            .malformed(at: 17, "unexpected end of section or function")),
        RejectedModule(
            "2^32 - 1 function bodies", wasmModule((.code, huge)), .malformed(at: 10, "unexpected end of section or function")),
        RejectedModule(
            "function body of 4 GiB",
            wasmModule((.type, vector(functionType([], []))), (.function, vector([0x00])), (.code, [0x01] + huge)),
            .malformed(at: 21, "length out of bounds")),
        RejectedModule(
            "custom section name of 4 GiB", wasmModule((.custom, huge)), .malformed(at: 10, "length out of bounds")),
    ]

    @Test(arguments: hugeDeclarations)
    func hugeDeclarationFailsFast(_ rejected: RejectedModule) {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(decodingError(rejected.bytes) == rejected.error)
        }
        #expect(elapsed < .milliseconds(100), "took \(elapsed): the count was trusted")
    }

    /// A module using every section, custom sections included.
    static let richModule = wasmModule(
        (.custom, name("producers") + [0x00]),
        (.type, vector(functionType([], []), functionType([.i32, .i64], [.f32]))),
        (.import, vector(
            name("env") + name("print") + [0x00, 0x01],
            name("env") + name("memory") + [0x02, 0x01, 0x01, 0x02],
            name("env") + name("base") + [0x03, 0x7F, 0x00])),
        (.function, vector([0x00], [0x01])),
        (.table, vector([0x70, 0x00, 0x04], [0x6F, 0x01, 0x00, 0x08])),
        (.global, vector([0x7E, 0x01, 0x42, 0x80, 0x7F, 0x0B], [0x70, 0x00, 0xD2, 0x02, 0x0B])),
        (.export, vector(name("run") + [0x00, 0x01], name("table") + [0x01, 0x00], name("g") + [0x03, 0x01])),
        (.start, [0x01]),
        (.element, vector(
            [0x00, 0x23, 0x00, 0x0B] + vector([0x00], [0x02]),
            [0x05, 0x6F] + vector([0xD0, 0x6F, 0x0B]))),
        (.dataCount, [0x02]),
        (.code, vector(emptyBody, [0x09, 0x01, 0x01, 0x7F, 0x43, 0x00, 0x00, 0x00, 0x00, 0x0B])),
        (.data, vector([0x00, 0x41, 0x10, 0x0B] + vector([0x68], [0x69]), [0x01] + vector([0x21]))),
        (.custom, name("name") + [0x01, 0x02, 0x03]))

    @Test func richModuleDecodes() throws {
        let module = try decode(Self.richModule)
        #expect(module.functions.count == 2)
        #expect(module.elements.count == 2 && module.dataSegments.count == 2)
    }

    /// Section boundaries of the rich module: the only places where a prefix is itself a module.
    static var sectionBoundaries: Set<Int> {
        var boundaries: Set<Int> = [8]
        var reader = BinaryReader(bytes: richModule, offset: 8)
        while !reader.isAtEnd {
            _ = try? reader.readByte()
            let size = Int((try? reader.readU32()) ?? 0)
            reader.offset += size
            boundaries.insert(reader.offset)
        }
        return boundaries
    }

    @Test func everyTruncationInsideASectionIsMalformed() {
        let boundaries = Self.sectionBoundaries
        for length in 0..<Self.richModule.count where !boundaries.contains(length) {
            let error = decodingError(Array(Self.richModule.prefix(length)))
            #expect(error?.kind == .malformed, "prefix of \(length) bytes: \(String(describing: error))")
        }
    }

    /// Cuts each section's content short while keeping the section size consistent with the cut, so the
    /// decoder meets the end inside every kind of entry.
    @Test func everyTruncatedSectionContentIsRejected() throws {
        var reader = BinaryReader(bytes: Self.richModule, offset: 8)
        while !reader.isAtEnd {
            let start = reader.offset
            let id = try reader.readByte()
            let size = Int(try reader.readU32())
            let contentStart = reader.offset
            reader.offset += size
            guard id != Section.custom.rawValue else { continue }
            for cut in 0..<size {
                let content = Self.richModule[contentStart..<contentStart + cut]
                let bytes = Array(Self.richModule[..<start]) + [id] + encodeU32(UInt32(cut)) + content
                    + Self.richModule[reader.offset...]
                #expect(decodingError(bytes) != nil, "section \(id) cut to \(cut) bytes was accepted")
            }
        }
    }

    /// Random corruption of a valid module: the decoder must return or throw, never trap.
    @Test func randomCorruptionNeverTraps() {
        var random = SplitMix64(seed: 0x5EED)
        var outcomes = (accepted: 0, rejected: 0)
        for _ in 0..<20_000 {
            var bytes = Self.richModule
            for _ in 0...random.next(below: 4) {
                let position = random.next(below: bytes.count)
                switch random.next(below: 4) {
                case 0: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                case 1: bytes.remove(at: position)
                default: bytes[position] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            if decodingError(bytes) == nil { outcomes.accepted += 1 } else { outcomes.rejected += 1 }
        }
        #expect(outcomes.rejected > 0)
    }

    @Test func randomBytesAfterTheHeaderNeverTrap() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<20_000 {
            let length = random.next(below: 64)
            let bytes = wasmHeader + (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = decodingError(bytes)
        }
    }
}

/// A small deterministic generator, so a failure reproduces.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
