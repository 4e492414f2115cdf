import ArgumentParser
import Glibc
import Swiftlet
import SwiftletServe

/// A failure a command reports as `Error: <message>` on stderr before exiting with `exitCode`.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 1
}

func writeToStandardError(_ text: String) {
    writeAll(text + "\n", to: STDERR_FILENO)
}

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
        throw ExitCode(error.exitStatus)
    } catch let error as ServeError {
        writeToStandardError("Error: \(error)")
        throw ExitCode(1)
    }
}

/// Writes a line to stdout at once, unbuffered, so that lines of a crashing process are not lost.
func writeToStandardOutput(_ text: String) {
    writeAll(text + "\n", to: STDOUT_FILENO)
}
