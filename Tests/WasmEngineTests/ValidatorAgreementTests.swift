import Foundation
import Testing
@testable import WasmEngine

/// A module's function bodies where they lie in its bytes, with the module they are validated in.
struct ModuleBodies {
    let bytes: [UInt8]
    /// The module decoded with every body replaced by `unreachable`: all that bodies may refer to.
    let module: Module
    /// Each body (its locals declarations included), in code-section order.
    let bodies: [Range<Int>]
    let importedFunctionCount: Int

    /// Nil when the module fails to decode for a reason outside its bodies, or its code section cannot be walked.
    init?(_ bytes: [UInt8]) {
        guard let stripped = DecoderSpecTests.strippingFunctionBodies(bytes),
            let module = try? Module(bytes: stripped),
            let bodies = Self.bodyRanges(bytes),
            bodies.count == module.functionTypeIndices.count - module.importedFunctionCount
        else { return nil }
        self.bytes = bytes
        self.module = module
        self.bodies = bodies
        importedFunctionCount = module.importedFunctionCount
    }

    var codeSize: Int { bodies.reduce(0) { $0 + $1.count } }

    static func bodyRanges(_ bytes: [UInt8]) -> [Range<Int>]? {
        guard bytes.count >= 8 else { return nil }
        var reader = BinaryReader(bytes: bytes, offset: 8)
        do {
            while !reader.isAtEnd {
                let id = try reader.readByte()
                let size = Int(try reader.readU32())
                guard size <= reader.remaining else { return nil }
                guard id == 10 else {
                    reader.offset += size
                    continue
                }
                var ranges: [Range<Int>] = []
                for _ in 0..<(try reader.readU32()) {
                    let bodySize = Int(try reader.readU32())
                    guard bodySize <= reader.remaining else { return nil }
                    ranges.append(reader.offset..<reader.offset + bodySize)
                    reader.offset += bodySize
                }
                return ranges
            }
        } catch {
            return nil
        }
        return []
    }

    func functionIndex(_ body: Int) -> UInt32 { UInt32(importedFunctionCount + body) }

    /// The validator's verdict on body `body` of `bytes` (these bytes, or a copy changed inside the body).
    func validate(_ body: Int, in bytes: [UInt8]? = nil, range: Range<Int>? = nil, with validator: inout FunctionValidator)
        -> ModuleError?
    {
        let range = range ?? bodies[body]
        var reader = BinaryReader(bytes: bytes ?? self.bytes, offset: range.lowerBound, end: range.upperBound)
        do {
            try validator.validate(functionIndex: functionIndex(body), body: &reader)
            return reader.offset == range.upperBound ? nil : .malformed(at: reader.offset, "validator stopped early")
        } catch {
            return error
        }
    }

    /// The translator's verdict on the same body.
    func compile(_ body: Int, in bytes: [UInt8]? = nil, range: Range<Int>? = nil) -> ModuleError? {
        let range = range ?? bodies[body]
        var reader = BinaryReader(bytes: bytes ?? self.bytes, offset: range.lowerBound, end: range.upperBound)
        do {
            _ = try FunctionCompiler.compile(module: module, functionIndex: functionIndex(body), body: &reader)
            return nil
        } catch {
            return error
        }
    }
}

func verdictText(_ error: ModuleError?) -> String { error?.description ?? "valid" }

/// The validator against the translator, body by body: the same verdict, and for a rejected body the same
/// `ModuleError` (kind, offset, reason).
@Suite struct ValidatorAgreementTests {
    /// Every script, SIMD ones included: their bodies must be refused alike.
    static let scripts: [String] =
        ((try? FileManager.default.contentsOfDirectory(atPath: DecoderSpecTests.suiteDirectory)) ?? [])
        .filter { $0.hasSuffix(".wast") }
        .sorted()

    /// The exception-handling scripts of the 3.0 suite, next to the 2.0 one.
    static let exceptionScripts = ["tag.wast", "throw.wast", "throw_ref.wast", "try_table.wast"].map { "../core-3.0/" + $0 }

    struct Tally {
        var modules = 0, bodies = 0, rejected = 0, mutants = 0, rejectedMutants = 0
    }

    /// Every module of the script (valid, invalid, malformed) whose sections around the code decode, each body
    /// as it is and in a few mutated copies (a byte replaced, inserted or removed).
    @Test(arguments: scripts)
    func specScript(_ name: String) throws {
        defer { try? FileManager.default.removeItem(at: DecoderSpecTests.workDirectory(for: name, suite: "agreement")) }
        guard let commands = try DecoderSpecTests.convert(name, suite: "agreement") else { return }
        var tally = Tally()
        var random = SplitMix64(seed: UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
        for command in commands {
            guard let line = command["line"] as? Int,
                let binary = try DecoderSpecTests.binary(of: command, script: name, suite: "agreement"),
                let module = ModuleBodies(binary)
            else { continue }
            tally.modules += 1
            Self.compare(module, location: "\(name):\(line)", mutants: 4, random: &random, tally: &tally)
        }
        print(
            "\(name): \(tally.modules) modules, \(tally.bodies) bodies (\(tally.rejected) rejected), "
                + "\(tally.mutants) mutated bodies (\(tally.rejectedMutants) rejected): validator and translator agree")
    }

    @Test(arguments: exceptionScripts)
    func exceptionScript(_ name: String) throws {
        try specScript(name)
    }

    /// The fuzzing seeds and saved crash inputs.
    @Test func fuzzInputs() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var tally = Tally()
        var random = SplitMix64(seed: 0xF022)
        for directory in ["fuzz/corpus", "fuzz/regressions"] {
            let folder = root.appendingPathComponent(directory)
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            where file.hasSuffix(".wasm") {
                let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(file)))
                guard let module = ModuleBodies(bytes) else { continue }
                tally.modules += 1
                Self.compare(module, location: "\(directory)/\(file)", mutants: 200, random: &random, tally: &tally)
            }
        }
        #expect(tally.bodies > 0)
        print("fuzz inputs: \(tally.modules) modules, \(tally.bodies) bodies, \(tally.mutants) mutated bodies")
    }

    static func compare(
        _ module: ModuleBodies, location: String, mutants: Int, random: inout SplitMix64, tally: inout Tally
    ) {
        var validator = FunctionValidator(module: module.module)
        for body in module.bodies.indices {
            let validated = module.validate(body, with: &validator)
            let compiled = module.compile(body)
            tally.bodies += 1
            if compiled != nil { tally.rejected += 1 }
            #expect(
                validated == compiled,
                "\(location) body \(body): validator \(verdictText(validated)), translator \(verdictText(compiled))")
            let range = module.bodies[body]
            guard !range.isEmpty else { continue }
            for _ in 0..<mutants {
                var bytes = module.bytes
                var mutated = range
                let position = range.lowerBound + random.next(below: range.count)
                let interesting: [UInt8] = [0x00, 0x01, 0x02, 0x0B, 0x0C, 0x0D, 0x0E, 0x1A, 0x20, 0x41, 0x7F, 0x80, 0xFF]
                switch random.next(below: 4) {
                case 0:
                    bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                    mutated = range.lowerBound..<range.upperBound + 1
                case 1:
                    bytes.remove(at: position)
                    mutated = range.lowerBound..<range.upperBound - 1
                case 2: bytes[position] = interesting[random.next(below: interesting.count)]
                default: bytes[position] = UInt8(truncatingIfNeeded: random.next())
                }
                let validated = module.validate(body, in: bytes, range: mutated, with: &validator)
                let compiled = module.compile(body, in: bytes, range: mutated)
                tally.mutants += 1
                if compiled != nil { tally.rejectedMutants += 1 }
                #expect(
                    validated == compiled,
                    """
                    \(location) body \(body) mutated at \(position): validator \(verdictText(validated)), \
                    translator \(verdictText(compiled)); body \(Array(bytes[mutated]))
                    """)
            }
        }
    }

    /// Random bodies (`CompilerFuzzTests.randomBody`) in modules with and without a memory, a data count, an
    /// externref table and element segments.
    @Test func randomBodies() {
        var generator = CompilerFuzzTests.Generator(state: 0x5EED_0F_A9EE)
        let configurations: [(inout Module) -> Void] = [
            { $0.dataCount = 1 },
            { _ in },
            {
                $0.memories = []
                $0.tables.append(TableType(elementType: .externref, limits: Limits(min: 0)))
                $0.elements = [ElementSegment(type: .externref, items: [], mode: .passive)]
                $0.dataCount = 0
            },
        ]
        var accepted = 0
        for (index, configure) in configurations.enumerated() {
            let module = bodyTestModule(parameters: [.i32, .i64], configure: configure)
            var validator = FunctionValidator(module: module)
            for _ in 0..<40_000 {
                let body = CompilerFuzzTests.randomBody(&generator)
                var reader = BinaryReader(bytes: body)
                let validated: ModuleError?
                do {
                    try validator.validate(functionIndex: 0, body: &reader)
                    validated = nil
                } catch {
                    validated = error
                }
                let compiled = compileError(body, parameters: [.i32, .i64], configure: configure)
                if compiled == nil { accepted += 1 }
                #expect(
                    validated == compiled,
                    "configuration \(index): validator \(verdictText(validated)), translator \(verdictText(compiled)); body \(body)"
                )
            }
        }
        #expect(accepted > 1_000)
    }
}
