import Testing
@testable import WasmEngine

/// Hostile bodies may only ever produce a `ModuleError`: any crash here would take the host down.
@Suite struct CompilerFuzzTests {
    /// A small deterministic generator (xorshift), so a failure reproduces.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    /// Mostly plausible instructions with small immediates, so many bodies get deep into validation.
    static func randomBody(_ generator: inout Generator) -> [UInt8] {
        var body: [UInt8] = [0x01, UInt8(generator.below(3)), [0x7F, 0x7E, 0x7D, 0x7C, 0x70][generator.below(5)]]
        let plausible: [UInt8] = [
            0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0B, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x1A, 0x1B, 0x1C,
            0x20, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x28, 0x36, 0x3F, 0x40, 0x41, 0x41, 0x42, 0x45, 0x46,
            0x48, 0x6A, 0x6B, 0x7C, 0xA7, 0xAC, 0xBC, 0xD0, 0xD1, 0xD2, 0xFC,
        ]
        for _ in 0..<generator.below(40) {
            if generator.below(10) == 0 {
                body.append(UInt8(truncatingIfNeeded: generator.next()))
            } else {
                body.append(plausible[generator.below(plausible.count)])
            }
            // An immediate-sized tail: label depths, indices, block types, constants.
            for _ in 0..<generator.below(3) { body.append([0, 1, 2, 0x40, 0x7F, 0x7E][generator.below(6)]) }
        }
        body.append(0x0B)
        return body
    }

    @Test func randomBodiesOnlyThrowModuleErrors() {
        var generator = Generator(state: 0x9E37_79B9_7F4A_7C15)
        var accepted = 0
        for _ in 0..<100_000 {
            let body = Self.randomBody(&generator)
            let parameters: [ValueType] = [.i32, .i64]
            if compileError(body, parameters: parameters, configure: { $0.dataCount = 1 }) == nil {
                accepted += 1
            }
        }
        // Some bodies must get all the way through, or the generator tests nothing past the first error.
        #expect(accepted > 1_000)
    }
}
