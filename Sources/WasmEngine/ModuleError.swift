/// The one error a module's decoding and validation can throw: decoding and validation are a single pass.
public struct ModuleError: Error, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The bytes are not a well-formed binary module (spec "malformed").
        case malformed
        /// Well-formed but breaks a validation rule (spec "invalid").
        case invalid
        /// Uses a feature this engine does not implement yet (SIMD).
        case unsupported
    }

    public var kind: Kind
    /// Byte offset in the module where the rule was broken.
    public var offset: Int
    /// The rule broken, in the spec's wording where it has one ("unexpected end", "type mismatch").
    public var reason: String
    /// The proposals the module used before the rule was broken (see `Module.requiredFeatures`): a host that turns
    /// one of them off rejects the module at that use already, as malformed or invalid as WebAssembly 2.0 says (where
    /// 3.0 reads an encoding differently, its error and 2.0's may differ in kind).
    public var usedFeatures: WasmFeatures = []

    public init(_ kind: Kind, at offset: Int, _ reason: String) {
        self.kind = kind
        self.offset = offset
        self.reason = reason
    }

    public static func malformed(at offset: Int, _ reason: String) -> ModuleError {
        ModuleError(.malformed, at: offset, reason)
    }

    public static func invalid(at offset: Int, _ reason: String) -> ModuleError {
        ModuleError(.invalid, at: offset, reason)
    }

    public static func unsupported(at offset: Int, _ feature: String) -> ModuleError {
        ModuleError(.unsupported, at: offset, "unsupported feature: \(feature)")
    }

    public var description: String {
        let kindName: String
        switch kind {
        case .malformed: kindName = "malformed module"
        case .invalid: kindName = "invalid module"
        case .unsupported: kindName = "unsupported module"
        }
        return "\(kindName) at byte offset \(offset): \(reason)"
    }
}
