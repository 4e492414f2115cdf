import Foundation
import Testing

@Suite("swiftlet snapshot and run FILE", .serialized, .enabled(if: kvmAvailable, kvmUnavailableReason),
    .enabled(if: kernelBytes != nil, kernelMissingReason),
    .enabled(if: FileManager.default.isExecutableFile(atPath: swiftletPath), swiftletMissingReason))
struct SnapshotCLITests {
    private func snapshotPath(_ name: String) -> String { NSTemporaryDirectory() + "swiftlet-\(getpid())-\(name).swsnap" }

    @Test("a snapshot file runs like its module, in the isolation it was made in", arguments: ["vm", "process"])
    func snapshotThenRun(isolation: String) throws {
        let path = snapshotPath("compute-\(isolation)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let made = try swiftlet(["snapshot", "--isolation", isolation, "-o", path, modules + "export-compute.wasm"])
        #expect(made == CommandResult(status: 0, standardOutput: "", standardError: ""))
        #expect(try swiftlet(["run", "--invoke", "fib", path, "20"]).standardOutput == "6765\n")
        let trapped = try swiftlet(["run", "--invoke", "divide", path, "1", "0"])
        #expect(trapped.status == 134)
        #expect(trapped.standardError == "Error: wasm trap: integer divide by zero\n")

        let hello = snapshotPath("hello-\(isolation)")
        defer { try? FileManager.default.removeItem(atPath: hello) }
        #expect(try swiftlet(["snapshot", "--isolation", isolation, "-o", hello, modules + "hello.wasm"]).status == 0)
        #expect(try swiftlet(["run", hello]) == CommandResult(
            status: 0, standardOutput: "hello from C in WebAssembly\n", standardError: ""))
    }

    @Test("a stdin snapshot answers each run's own input; in-process it is refused with the reason")
    func stdinSnapshot() throws {
        let path = snapshotPath("stdin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try swiftlet(["snapshot", "--at", "stdin", "-o", path, modules + "snapshot-stdin.wasm"]).status == 0)
        for input in ["one", "two"] {
            let result = try swiftlet(["run", path], standardInput: input + "\n")
            #expect(result.status == 0)
            #expect(result.standardOutput.contains("input \(input) random"), "\(result)")
        }
        let refused = try swiftlet(
            ["snapshot", "--at", "stdin", "--isolation", "process", "-o", path, modules + "snapshot-stdin.wasm"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("needs --isolation vm"))
    }

    @Test("a damaged snapshot file is refused with a message naming it")
    func damagedFile() throws {
        let path = snapshotPath("damaged")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try swiftlet(["snapshot", "-o", path, modules + "hello.wasm"]).status == 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 1
        try bytes.write(to: URL(fileURLWithPath: path))
        let result = try swiftlet(["run", path])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("Error: cannot use the snapshot `\(path)`: its checksum does not match"))
    }
}
