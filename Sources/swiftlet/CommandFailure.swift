import ArgumentParser
import Glibc
import Swiftlet
import SwiftletServe

/// A failure a command reports as `Error: <message>` on stderr before exiting with `exitCode`.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 1
}

/// Exit status for a trap, as wasmtime uses on Unix: that of an abort (128 + SIGABRT).
let trapExitCode: Int32 = 134

func writeToStandardError(_ text: String) {
    writeAll(text + "\n", to: STDERR_FILENO)
}

/// Exit status of a run stopped by --timeout, as timeout(1) uses.
let timeoutExitCode: Int32 = 124

/// Runs a command's body, turning a `CommandFailure`, a `SandboxError` or a `ServeError` into its message and exit
/// status.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as CommandFailure {
        writeToStandardError("Error: \(failure.message)")
        throw ExitCode(failure.exitCode)
    } catch let error as SandboxError {
        writeToStandardError("Error: \(error)")
        throw ExitCode(exitCode(of: error))
    } catch let error as ServeError {
        writeToStandardError("Error: \(error)")
        throw ExitCode(1)
    }
}

/// A failed run's status, as wasmtime's on Unix for a trap; as timeout(1)'s for a timeout.
private func exitCode(of error: SandboxError) -> Int32 {
    switch error {
    case .trap: trapExitCode
    case .timedOut: timeoutExitCode
    case .exited(let status): Int32(bitPattern: status)
    default: 1
    }
}

/// Writes a line to stdout at once, unbuffered, so that lines of a crashing process are not lost.
func writeToStandardOutput(_ text: String) {
    writeAll(text + "\n", to: STDOUT_FILENO)
}
