import Foundation
import Testing
import TestSupport

@Suite("swiftlet build")
struct BuildCommandTests {
    /// Two builds of the same inputs print the same digest and write the same tarball; the artifact kind writes a
    /// layout directory.
    @Test func buildsAreReproducibleAndBothKindsAreWritten() throws {
        let scratch = try Scratch()
        let module = scratch.path + "/app.wasm"
        try Data(ImageLayoutTests.module).write(to: URL(fileURLWithPath: module))
        var outputs: [(digest: String, archive: Data)] = []
        for attempt in 0..<2 {
            let archive = scratch.path + "/image-\(attempt).tar"
            let result = try SwiftletBinary.run(["build", "-o", archive, "-t", "app:1", "--env", "A=b", module, "arg"])
            try #require(result.status == 0, "\(result.standardError)")
            outputs.append((result.standardOutput, try Data(contentsOf: URL(fileURLWithPath: archive))))
        }
        #expect(outputs[0].digest.hasPrefix("sha256:"))
        #expect(outputs[0].digest == outputs[1].digest)
        #expect(outputs[0].archive == outputs[1].archive)

        let artifact = try SwiftletBinary.run(["build", "-o", scratch.path + "/artifact", "-t", "app:1", "--kind", "wasm-artifact", module])
        try #require(artifact.status == 0, "\(artifact.standardError)")
        for file in ["oci-layout", "index.json"] {
            #expect(FileManager.default.fileExists(atPath: scratch.path + "/artifact/" + file))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/artifact/blobs/sha256").count == 3)
    }

    @Test func nativeProgramNeedsANativePlatform() throws {
        let scratch = try Scratch()
        let program = scratch.path + "/program"
        try Data("\u{7f}ELF".utf8).write(to: URL(fileURLWithPath: program))
        let refused = try SwiftletBinary.run(["build", "-o", scratch.path + "/image.tar", "-t", "p", program])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("is not a WebAssembly module (give --platform for a native program)"))
        let native = try SwiftletBinary.run(
            ["build", "-o", scratch.path + "/image.tar", "-t", "p", "--platform", "linux/amd64", program])
        #expect(native.status == 0, "\(native.standardError)")
    }
}
