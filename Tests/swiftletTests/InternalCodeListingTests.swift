import Testing
import WasmEngine

@testable import swiftlet

@Suite struct InternalCodeListingTests {
    @Test func listsEachFunctionsInstructionsWithSignedImmediates() throws {
        // (func (import "m" "f")) (func (param i32) (result i32) local.get 0; i32.const -5; i32.add)
        let bytes: [UInt8] = [
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
            0x01, 0x09, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7F, 0x01, 0x7F,
            0x02, 0x07, 0x01, 0x01, 0x6D, 0x01, 0x66, 0x00, 0x00,
            0x03, 0x02, 0x01, 0x01,
            0x0A, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x41, 0x7B, 0x6A, 0x0B,
        ]
        let lines = try internalCodeListing(try Module(bytes: bytes)).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        // Numbered in the module's function index space: the import is function 0.
        #expect(lines.first?.hasPrefix("function 1: 1 parameters, 0 locals, ") == true)
        #expect(lines.dropFirst().first?.split(separator: " ") == ["0", "i32AddImm", "0", "0", "-5"])
        #expect(lines.last?.split(separator: " ") == ["1", "return", "0", "0", "0"])
    }
}
