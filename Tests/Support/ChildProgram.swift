import Foundation

/// A program run to completion by a test, as a user would run it, its output collected in files (never pipes, which a
/// chatty program could fill while the test waits).
public enum ChildProgram {
    public struct Result: Equatable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// Runs `executable` with `input` on stdin and `environment` added to this process's; a program still running after
    /// `timeout` seconds is stopped and the test fails with that.
    public static func run(
        _ executable: URL, _ arguments: [String], input: String = "", environment: [String: String] = [:],
        timeout: TimeInterval = 60
    ) throws -> Result {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("swiftlet-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = ["in", "out", "err"].map { directory.appendingPathComponent($0) }
        try Data(input.utf8).write(to: paths[0])
        for path in paths.dropFirst() { _ = FileManager.default.createFile(atPath: path.path, contents: nil) }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardInput = try FileHandle(forReadingFrom: paths[0])
        process.standardOutput = try FileHandle(forWritingTo: paths[1])
        process.standardError = try FileHandle(forWritingTo: paths[2])
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw ToolMissing(description: "\(executable.lastPathComponent) \(arguments) did not finish in \(Int(timeout))s")
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            standardOutput: try String(contentsOf: paths[1], encoding: .utf8),
            standardError: try String(contentsOf: paths[2], encoding: .utf8))
    }
}
