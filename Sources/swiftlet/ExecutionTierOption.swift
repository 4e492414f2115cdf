import ArgumentParser
import WasmEngine

/// `--tier interpreter|compiler`.
extension ExecutionTier: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "interpreter": self = .interpreter
        case "compiler": self = .compiler
        default: return nil
        }
    }

    public static var allValueStrings: [String] { ["interpreter", "compiler"] }

    /// The option's spelling of the tier.
    var name: String { self == .interpreter ? "interpreter" : "compiler" }
}
