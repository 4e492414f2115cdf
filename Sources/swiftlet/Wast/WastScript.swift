import FoundationEssentials

/// A spec script as `wasm-tools json-from-wast` writes it: commands in source order, modules in files
/// next to the JSON.
struct WastScript: Decodable {
    var sourceFilename: String
    var commands: [WastScriptCommand]

    enum CodingKeys: String, CodingKey {
        case sourceFilename = "source_filename"
        case commands
    }

    static func load(from url: URL) throws -> WastScript {
        try JSONDecoder().decode(WastScript.self, from: Data(contentsOf: url))
    }
}

/// A module file named by a command: binary modules are run, text ones only `wasm-tools` could read.
enum WastModuleFile: Equatable {
    case binary(String)
    case text(String)
}

/// An `invoke` or `get` of an export of the current or a named module instance.
struct WastAction: Equatable {
    enum Kind: Equatable {
        case invoke(arguments: [WastValue])
        case get
    }

    var module: String?
    var field: String
    var kind: Kind
}

/// A value as the JSON writes it: `{"type": "i32", "value": "-1"}`; floats are bit patterns or NaN classes.
struct WastValue: Decodable, Equatable {
    var type: String
    var value: Payload?
    /// Alternatives of an `either` expectation.
    var values: [WastValue]?
    var laneType: String?

    enum Payload: Decodable, Equatable {
        case scalar(String)
        case lanes([String])

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let scalar = try? container.decode(String.self) {
                self = .scalar(scalar)
            } else {
                self = .lanes(try container.decode([String].self))
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case type, value, values
        case laneType = "lane_type"
    }

    init(type: String, value: String?) {
        self.type = type
        self.value = value.map { .scalar($0) }
    }
}

struct WastScriptCommand: Decodable, Equatable {
    enum Kind: Equatable {
        case module(name: String?, file: WastModuleFile)
        case register(module: String?, as: String)
        case action(WastAction)
        case assertReturn(WastAction, expected: [WastValue])
        case assertTrap(WastAction, message: String)
        case assertExhaustion(WastAction, message: String)
        case assertInvalid(WastModuleFile, message: String)
        case assertMalformed(WastModuleFile, message: String)
        case assertUnlinkable(WastModuleFile, message: String)
        /// `assert_uninstantiable`, or `assert_trap` on a module: instantiation must trap.
        case assertUninstantiable(WastModuleFile, message: String)
        /// `module definition`: a module that must decode and validate, instantiated only by a `module instance` that
        /// names it (its memory or table may be larger than any store allows).
        case moduleDefinition(name: String?, file: WastModuleFile)
        /// `module instance $I $M`: a new instance of definition `module` (the last one when nil), named `instance`.
        case moduleInstance(instance: String?, module: String?)
        /// `assert_exception`: the action must end with an exception no `try_table` caught.
        case assertException(WastAction)
        /// A command type this runner does not know; running it fails, so it is never silently ignored.
        case unsupported(type: String)
    }

    var line: Int
    var kind: Kind

    var typeName: String {
        switch kind {
        case .module: return "module"
        case .moduleDefinition: return "module_definition"
        case .moduleInstance: return "module_instance"
        case .register: return "register"
        case .action: return "action"
        case .assertReturn: return "assert_return"
        case .assertTrap: return "assert_trap"
        case .assertExhaustion: return "assert_exhaustion"
        case .assertInvalid: return "assert_invalid"
        case .assertMalformed: return "assert_malformed"
        case .assertUnlinkable: return "assert_unlinkable"
        case .assertUninstantiable: return "assert_uninstantiable"
        case .assertException: return "assert_exception"
        case .unsupported(let type): return type
        }
    }

    init(line: Int, kind: Kind) {
        self.line = line
        self.kind = kind
    }

    private enum CodingKeys: String, CodingKey {
        case type, line, name, filename, text, action, expected, instance, module
        case moduleType = "module_type"
        case binaryFilename = "binary_filename"
        case registeredName = "as"
    }

    private struct RawAction: Decodable {
        var type: String
        var module: String?
        var field: String
        var args: [WastValue]?
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        line = try container.decode(Int.self, forKey: .line)
        let type = try container.decode(String.self, forKey: .type)

        func action() throws -> WastAction {
            let raw = try container.decode(RawAction.self, forKey: .action)
            switch raw.type {
            case "invoke": return WastAction(module: raw.module, field: raw.field, kind: .invoke(arguments: raw.args ?? []))
            case "get": return WastAction(module: raw.module, field: raw.field, kind: .get)
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .action, in: container, debugDescription: "unknown action type \(raw.type)")
            }
        }
        /// `textMayHaveBinary`: wasm-tools also writes the binary of a text module it could parse, which stands
        /// for the module unless the assertion is about the text itself being malformed.
        func moduleFile(textMayHaveBinary: Bool = true) throws -> WastModuleFile {
            let filename = try container.decode(String.self, forKey: .filename)
            guard try container.decodeIfPresent(String.self, forKey: .moduleType) == "text" else {
                return .binary(filename)
            }
            if textMayHaveBinary, let binary = try container.decodeIfPresent(String.self, forKey: .binaryFilename) {
                return .binary(binary)
            }
            return .text(filename)
        }
        func message() throws -> String { try container.decodeIfPresent(String.self, forKey: .text) ?? "" }

        switch type {
        case "module":
            kind = .module(name: try container.decodeIfPresent(String.self, forKey: .name), file: try moduleFile())
        case "module_definition":
            kind = .moduleDefinition(name: try container.decodeIfPresent(String.self, forKey: .name), file: try moduleFile())
        case "module_instance":
            kind = .moduleInstance(
                instance: try container.decodeIfPresent(String.self, forKey: .instance),
                module: try container.decodeIfPresent(String.self, forKey: .module))
        case "register":
            kind = .register(
                module: try container.decodeIfPresent(String.self, forKey: .name),
                as: try container.decode(String.self, forKey: .registeredName))
        case "action":
            kind = .action(try action())
        case "assert_return":
            kind = .assertReturn(try action(), expected: try container.decodeIfPresent([WastValue].self, forKey: .expected) ?? [])
        case "assert_trap":
            if container.contains(.filename) {
                kind = .assertUninstantiable(try moduleFile(), message: try message())
            } else {
                kind = .assertTrap(try action(), message: try message())
            }
        case "assert_exhaustion":
            kind = .assertExhaustion(try action(), message: try message())
        case "assert_invalid":
            kind = .assertInvalid(try moduleFile(), message: try message())
        case "assert_malformed":
            kind = .assertMalformed(try moduleFile(textMayHaveBinary: false), message: try message())
        case "assert_unlinkable":
            kind = .assertUnlinkable(try moduleFile(), message: try message())
        case "assert_uninstantiable":
            kind = .assertUninstantiable(try moduleFile(), message: try message())
        case "assert_exception":
            kind = .assertException(try action())
        default:
            kind = .unsupported(type: type)
        }
    }

    /// Whether the command checks something (and so counts as an assertion), rather than setting up state.
    var isAssertion: Bool {
        switch kind {
        case .module, .moduleDefinition, .moduleInstance, .register, .action: return false
        default: return true
        }
    }
}
