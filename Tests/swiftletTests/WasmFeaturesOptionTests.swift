import Testing
import WasmEngine
@testable import swiftlet

@Suite struct WasmFeaturesOptionTests {
    @Test func namesTurnProposalsOnAndOff() throws {
        #expect(try ValidateCommand.refusedFeatures("") == [])
        #expect(try ValidateCommand.refusedFeatures("relaxed-simd=n") == .relaxedSIMD)
        // Without SIMD, relaxed SIMD is off too.
        #expect(try ValidateCommand.refusedFeatures("simd=n") == [.simd, .relaxedSIMD])
        #expect(try ValidateCommand.refusedFeatures("simd=n,simd=y,relaxed-simd=no") == .relaxedSIMD)
        #expect(try ValidateCommand.refusedFeatures("multi-memory=n,memory64=n") == [.multiMemory, .memory64])
    }

    @Test func unknownNamesAndValuesAreErrors() {
        #expect(throws: CommandFailure.self) { try ValidateCommand.refusedFeatures("threads=n") }
        #expect(throws: CommandFailure.self) { try ValidateCommand.refusedFeatures("simd=maybe") }
    }
}
