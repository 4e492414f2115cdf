import Foundation

/// An executable of this package that SwiftPM built beside the test bundle (`swift build --build-tests` builds them
/// together), for tests that run it as a user would.
public enum BuiltExecutable {
    public static func named(_ name: String) throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw ToolMissing(description: "the \(name) executable is not beside the test bundle; run `swift build` first")
    }
}
