import ArgumentParser
import Swiftlet
import WasmEngine

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Decodes and validates a WebAssembly binary module."
    )

    @Argument(help: "The WebAssembly binary module to check.")
    var module: String

    @Option(
        name: .customLong("wasm-features"),
        help: ArgumentHelp(
            "Proposals to allow or refuse, as wasmtime's -W: NAME=y|n, comma-separated (\(Self.featureNames.map(\.name).joined(separator: ", ")); all on by default).",
            valueName: "NAME=y|n,..."))
    var wasmFeatures: String?

    /// The proposals by wasmtime's names for them.
    static let featureNames: [(name: String, feature: WasmFeatures)] = [
        ("simd", .simd), ("relaxed-simd", .relaxedSIMD), ("exceptions", .exceptions),
    ]

    func run() throws {
        try reportingFailures {
            let refused = try Self.refusedFeatures(wasmFeatures ?? "")
            let loaded = try Sandbox.loadModule(path: module).module
            for (name, feature) in Self.featureNames where loaded.requiredFeatures.contains(feature) && refused.contains(feature) {
                throw CommandFailure(message: "\(module): uses \(name), which --wasm-features turns off")
            }
            print("valid")
        }
    }

    /// The features `list` turns off; an unknown name or a value other than y/n is an error.
    static func refusedFeatures(_ list: String) throws(CommandFailure) -> WasmFeatures {
        var refused: WasmFeatures = []
        for item in list.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard let feature = featureNames.first(where: { $0.name == parts[0] })?.feature else {
                throw CommandFailure(message: "unknown WebAssembly feature `\(parts[0])` (known: \(featureNames.map(\.name).joined(separator: ", ")))")
            }
            switch parts.count == 2 ? parts[1] : "y" {
            case "y", "yes", "true": refused.remove(feature)
            case "n", "no", "false": refused.insert(feature)
            default: throw CommandFailure(message: "--wasm-features \(parts[0]) takes y or n, not `\(parts[1])`")
            }
        }
        // Relaxed SIMD extends SIMD: without SIMD it is off too.
        if refused.contains(.simd) { refused.insert(.relaxedSIMD) }
        return refused
    }
}
