import Foundation

/// Compiles C for wasm32-wasi through scripts/wasi-cc.sh, the one place that knows how (the Makefile and
/// bench/vm/modules/build.sh use it too): the toolchain's clang, Debian's wasi-libc and libclang-rt-dev-wasm32.
public enum WASICompiler {
    /// The package's root, found from this file's place in it (Tests/Support).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Compiles and links `source` into `output` with the caller's `flags` (optimization, warnings).
    public static func compile(_ source: URL, to output: URL, flags: [String]) throws {
        guard FileManager.default.fileExists(atPath: "/usr/include/wasm32-wasi/wasi/api.h"),
            FileManager.default.fileExists(atPath: "/usr/lib/wasm32-wasi/libc.a")
        else {
            throw ToolMissing(
                description: "wasi-libc not found under /usr/include/wasm32-wasi and /usr/lib/wasm32-wasi (Debian package wasi-libc)")
        }
        // The script runs `clang` from PATH; where PATH lacks it, the Swift toolchain's.
        var environment = ProcessInfo.processInfo.environment
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/opt/swift/usr/bin"]
        guard let clangDirectory = directories.first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/clang") })
        else {
            throw ToolMissing(description: "clang not found on PATH or in /opt/swift/usr/bin (the Swift toolchain's)")
        }
        environment["PATH"] = clangDirectory + ":" + path

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments =
            [repositoryRoot.appendingPathComponent("scripts/wasi-cc.sh").path] + flags + ["-o", output.path, source.path]
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        // Read before waiting, so a long diagnostic cannot fill the pipe and stall the compiler.
        let diagnostics = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            // The script's own failure names the Debian package to install (libclang-rt-dev-wasm32).
            throw ToolMissing(description: "compiling \(source.lastPathComponent) failed:\n\(diagnostics)")
        }
    }
}
