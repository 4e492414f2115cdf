import Foundation
import Glibc
import Swiftlet
import TestSupport
import Testing

/// `swiftlet run --kv-store`: the options, their errors, and what a run leaves behind.
@Suite("swiftlet run --kv-store")
struct KeyValueCommandLineTests {
    private func swiftlet(_ arguments: [String], environment: [String: String] = [:]) throws
        -> KeyValueTestSupport.ProgramResult
    {
        try KeyValueTestSupport.run(
            try BuiltExecutable.named("swiftlet").path, ["run", "--isolation", "process"] + arguments,
            environment: environment)
    }

    @Test("a set that returned success survives kill -9 of the host", arguments: KeyValueTestSupport.isolations)
    func setSurvivesSIGKILL(isolation: Isolation) throws {
        let directory = try KeyValueTestSupport.temporaryDirectory()
        let output = directory + "/output"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = try BuiltExecutable.named("swiftlet")
        process.arguments = [
            "run", "--isolation", isolation.rawValue, "--kv-dir", directory, "--kv-store", "s", try KeyValueTestSupport.guest(),
            "set-and-wait", "s", "durable", "yes",
        ]
        let input = Pipe()  // kept open: the guest blocks reading it
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while try String(contentsOfFile: output, encoding: .utf8) != "ack\n" {
            try #require(process.isRunning && ContinuousClock.now < deadline, "no acknowledgement from the guest")
            usleep(10_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)

        let read = try swiftlet(["--kv-dir", directory, "--kv-store", "s", try KeyValueTestSupport.guest(), "get", "s", "durable"])
        #expect(read.output == "0\nyes\n")
        #expect(read.status == 0, "\(read.error)")
    }

    @Test("a module importing kv is snapshotted with its stores granted, and runs from the file with its own")
    func snapshotWithStores() throws {
        let directory = try KeyValueTestSupport.temporaryDirectory()
        let guest = try KeyValueTestSupport.guest()
        let snapshot = directory + "/guest.snapshot"
        let capture = try KeyValueTestSupport.run(
            try BuiltExecutable.named("swiftlet").path,
            ["snapshot", "--isolation", "process", "--kv-store", "s", "-o", snapshot, guest])
        #expect(capture.status == 0, "\(capture.error)")
        let set = try swiftlet(["--kv-dir", directory, "--kv-store", "s", snapshot, "set", "s", "k", "from a snapshot"])
        #expect(set.output == "0\n", "\(set.error)")
        let get = try swiftlet(["--kv-dir", directory, "--kv-store", "s", guest, "get", "s", "k"])
        #expect(get.output == "0\nfrom a snapshot\n", "\(get.error)")
    }

    @Test("without --kv-dir the stores live for the run only, and nothing is left behind")
    func scratchStoreIsRemoved() throws {
        let temporary = try KeyValueTestSupport.temporaryDirectory()
        let guest = try KeyValueTestSupport.guest()
        let set = try swiftlet(["--kv-store", "s", guest, "set", "s", "k", "v"], environment: ["TMPDIR": temporary])
        #expect(set.output == "0\n" && set.status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary) == [])
        let get = try swiftlet(["--kv-store", "s", guest, "get", "s", "k"], environment: ["TMPDIR": temporary])
        #expect(get.output == "44\n")
    }

    @Test("only the stores named by --kv-store open; without one, the module has no kv imports")
    func grantedStores() throws {
        let guest = try KeyValueTestSupport.guest()
        let other = try swiftlet(["--kv-store", "s", guest, "list", "other"])
        #expect(other.output == "cannot open store other: errno 76\n")  // __WASI_ERRNO_NOTCAPABLE
        let none = try swiftlet([guest, "list", "s"])
        #expect(none.status == 1)
        #expect(none.error.contains("kv"), "\(none.error)")
    }

    @Test("bad options are errors naming the option; an unreachable Redis server is not")
    func optionErrors() throws {
        let guest = try KeyValueTestSupport.guest()
        let file = try KeyValueTestSupport.temporaryDirectory() + "/file"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        let cases: [([String], String)] = [
            (["--kv", "redis:/h:1"], "Error: invalid key-value store address `redis:/h:1`: only redis:// addresses are supported (expected redis://HOST:PORT)\n"),
            (["--kv-dir", file], "Error: cannot keep key-value stores in `\(file)`: File exists\n"),
            (["--kv-dir", file + "/d"], "Error: cannot keep key-value stores in `\(file)/d`: Not a directory\n"),
            (["--kv-dir", "/tmp", "--kv", "redis://h"], "Error: --kv-dir is where SQLite keeps the stores, and --kv puts them in Redis: give one\n"),
            (["--kv-max-value-bytes", "0"], "Error: invalid maximum value length 0: give a number of bytes from 1 to 536870912\n"),
        ]
        for (options, message) in cases {
            let result = try swiftlet(options + ["--kv-store", "s", guest, "list", "s"])
            #expect(result.status == 1)
            #expect(result.error == message)
        }
        let port = try Loopback.freePort()
        let down = try swiftlet(["--kv", "redis://127.0.0.1:\(port)", "--kv-store", "s", guest, "get", "s", "k"])
        #expect(down.status == 0)
        #expect(down.output == "29\n")  // __WASI_ERRNO_IO
        #expect(down.error == "swiftlet: kv: Redis at 127.0.0.1:\(port): cannot connect: Connection refused; key-value calls fail with EIO until it works\n")
    }
}
