import Testing
import WASIHost

/// The kernel numbers WASI functions with SwiftletABI's list (it cannot import WASIHost); the monitor hands those
/// numbers to WASIHost. The two lists must agree name for name.
@Suite("WASI numbering shared by kernel and host")
struct WASINumberingTests {
    @Test("SwiftletABI's WASI function numbers are WASIHost's")
    func numberingMatches() {
        #expect(abiWASIFunctionNames == WASIFunction.allCases.map(\.name))
    }
}
