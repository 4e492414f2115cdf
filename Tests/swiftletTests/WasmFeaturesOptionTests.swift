import Testing
import WasmEngine
@testable import swiftlet

@Suite struct WasmFeaturesOptionTests {
    @Test func namesTurnProposalsOnAndOff() throws {
        #expect(try WasmFeatureOptions.refused("") == [])
        #expect(try WasmFeatureOptions.refused("relaxed-simd=n") == .relaxedSIMD)
        // Without SIMD, relaxed SIMD is off too.
        #expect(try WasmFeatureOptions.refused("simd=n") == [.simd, .relaxedSIMD])
        #expect(try WasmFeatureOptions.refused("simd=n,simd=y,relaxed-simd=no") == .relaxedSIMD)
        #expect(try WasmFeatureOptions.refused("multi-memory=n,memory64=n") == [.multiMemory, .memory64])
    }

    @Test func unknownNamesAndValuesAreErrors() {
        #expect(throws: CommandFailure.self) { try WasmFeatureOptions.refused("threads=n") }
        #expect(throws: CommandFailure.self) { try WasmFeatureOptions.refused("simd=maybe") }
    }
}
