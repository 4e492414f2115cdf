import Foundation
import Testing
@testable import swiftlet

/// The crash handling of worker processes, with shell scripts standing in for `swiftlet wast --worker`.
@Suite struct WastWorkerTests {
    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    private func worker(_ body: String) throws -> URL {
        let url = directory.appendingPathComponent("worker.sh")
        // Close-on-exec: a process another test spawns meanwhile must not inherit the script open for writing, or
        // starting it fails with ETXTBSY.
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let script = Array(("#!/bin/sh\n" + body).utf8)
        guard write(fd, script, script.count) == script.count else { throw POSIXError(.EIO) }
        return url
    }

    private func commands(_ count: Int) -> [WastScriptCommand] {
        (0..<count).map { WastScriptCommand(line: $0 + 1, kind: .assertReturn(
            WastAction(module: nil, field: "f", kind: .invoke(arguments: [])), expected: [])) }
    }

    private func outcomes(worker body: String, commandCount: Int, timeout: TimeInterval = 30, maxCrashes: Int = 5)
        throws -> [WastOutcome]
    {
        defer { try? FileManager.default.removeItem(at: directory) }
        let workers = WastScriptRunner.Workers(executable: try worker(body), timeout: timeout, maxCrashes: maxCrashes)
        return try WastScriptRunner.runInWorkers(
            json: directory.appendingPathComponent("script.json"), commands: commands(commandCount),
            directory: directory, commandTimeLimit: 20, featureList: nil, tier: .interpreter, workers: workers)
    }

    @Test func aCrashFailsOnlyTheCrashingCommand() throws {
        let results = try outcomes(worker: """
            echo "0 pass "
            echo "1 fail wrong result"
            case "$*" in
              *"--skip 2"*) ;;
              *) echo "Fatal error: engine exploded" >&2; kill -SEGV $$ ;;
            esac
            echo "3 done "
            """, commandCount: 4)
        #expect(results == [
            .passed, .failed("wrong result"), .failed("crashed (signal 11): Fatal error: engine exploded"), .completed,
        ])
    }

    @Test func repeatedCrashesStopAfterTheLimit() throws {
        // SIGKILL, because the test harness's blocked signals are inherited by the worker.
        let results = try outcomes(worker: "kill -KILL $$\n", commandCount: 4, maxCrashes: 2)
        #expect(results == [
            .failed("crashed (signal 9)"), .failed("crashed (signal 9)"),
            .failed("not run: the worker crashed or timed out 2 times within 30 s"),
            .failed("not run: the worker crashed or timed out 2 times within 30 s"),
        ])
    }

    @Test func aHangingWorkerIsStoppedAtTheScriptDeadline() throws {
        let results = try outcomes(worker: "echo '0 pass '\nexec sleep 30\n", commandCount: 2, timeout: 1)
        #expect(results[0] == .passed)
        #expect(results[1] == .failed("timed out"))
    }

    @Test func commandsAWorkerNeverReportedFail() throws {
        let results = try outcomes(worker: "echo '0 pass '\n", commandCount: 2)
        #expect(results == [.passed, .failed("not reported by the worker")])
    }
}
