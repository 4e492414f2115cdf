// The `--wasm-features` option of `validate`, `run` and `wast`: which proposals beyond WebAssembly 2.0 a module may
// use, by wasmtime's names for them, and the refusal of a module that uses one turned off.
import ArgumentParser
import Swiftlet
import WasmEngine

struct WasmFeatureOptions: ParsableArguments {
    @Option(
        name: .customLong("wasm-features"),
        help: ArgumentHelp(
            "Proposals to allow or refuse, as wasmtime's -W: NAME=y|n, comma-separated (\(Self.names.map(\.name).joined(separator: ", ")); all on by default).",
            valueName: "NAME=y|n,..."))
    var list: String?

    /// The proposals by wasmtime's names for them.
    static let names: [(name: String, feature: WasmFeatures)] = [
        ("simd", .simd), ("relaxed-simd", .relaxedSIMD), ("tail-call", .tailCall), ("extended-const", .extendedConstant),
        ("exceptions", .exceptions), ("multi-memory", .multiMemory), ("memory64", .memory64),
        ("function-references", .functionReferences), ("gc", .gc),
    ]

    /// The features the option turns off.
    func refused() throws(CommandFailure) -> WasmFeatures {
        try Self.refused(list ?? "")
    }

    /// The features `list` turns off; an unknown name or a value other than y/n is an error.
    static func refused(_ list: String) throws(CommandFailure) -> WasmFeatures {
        var refused: WasmFeatures = []
        for item in list.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard let feature = names.first(where: { $0.name == parts[0] })?.feature else {
                throw CommandFailure(message: "unknown WebAssembly feature `\(parts[0])` (known: \(names.map(\.name).joined(separator: ", ")))")
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

    /// Why `module` may not load when `refused` is off: the first refused feature it uses, named; nil if none.
    static func refusal(of module: Module, refused: WasmFeatures) -> String? {
        guard let name = names.first(where: { module.requiredFeatures.contains($0.feature) && refused.contains($0.feature) })?.name
        else { return nil }
        return "uses \(name), which --wasm-features turns off"
    }

    /// Fails when `module`, read from `path`, uses a feature `refused` turns off.
    static func check(_ module: Module, path: String, refused: WasmFeatures) throws(CommandFailure) {
        if let refusal = refusal(of: module, refused: refused) { throw CommandFailure(message: "\(path): \(refusal)") }
    }

    /// Fails when the module at `path` uses a feature `list` (the option's value) turns off. Decodes and validates the
    /// whole module, bypassing the module cache (whose entries skip the validation of bodies, which records the
    /// features they use): done only when the option refuses something.
    static func checkModule(atPath path: String, list: String) throws {
        let refused = try refused(list)
        guard !refused.isEmpty else { return }
        try check(try Sandbox.loadModule(path: path).module, path: path, refused: refused)
    }
}
