import ArgumentParser
import Glibc

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

/// Runs a command's body, turning a `CommandFailure` into its message and exit status.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as CommandFailure {
        writeToStandardError("Error: \(failure.message)")
        throw ExitCode(failure.exitCode)
    }
}

/// Writes a line to stdout at once, unbuffered, so that lines of a crashing process are not lost.
func writeToStandardOutput(_ text: String) {
    writeAll(text + "\n", to: STDOUT_FILENO)
}
