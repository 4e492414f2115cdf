/// A runtime command line as runc takes it: global flags, a command, its flags and arguments.
///
/// `--runc PATH` is this runtime's own (where runc is); everything else is runc's, and is handed to runc unchanged
/// (`forwardedArguments`) when the container is not ours.
public struct RuntimeInvocation: Equatable {
    public var root = "/run/runc"
    public var logPath: String?
    public var logFormat = "text"
    public var runcPath: String?
    public var command = ""
    /// The command's flags, by name without dashes (`bundle`, `force`), boolean ones with value "true".
    public var flags: [String: String] = [:]
    /// The command's positional arguments (the container id first).
    public var arguments: [String] = []
    /// The whole command line without `--runc`, for runc.
    public var forwardedArguments: [String] = []

    /// runc's global flags that take a value.
    private static let globalValueFlags: Set<String> = ["root", "log", "log-format", "criu", "rootless", "runc"]
    /// Command flags that take a value, across the commands this runtime implements (and `exec --process`, which the
    /// shim gives before the id of a container that may be ours).
    private static let valueFlags: Set<String> = [
        "bundle", "pid-file", "console-socket", "preserve-fds", "format", "pidfd-socket", "notify-socket", "process",
    ]
    /// Each command's one-letter flags (`-f` is `--force` for delete, `--format` for ps).
    private static let shortNames = [
        "create": ["b": "bundle"], "kill": ["a": "all"], "delete": ["f": "force"], "ps": ["f": "format"],
    ]

    public init(parsing commandLine: [String]) throws(RuntimeError) {
        var index = 0
        // Global flags, up to the command.
        while index < commandLine.count, commandLine[index].hasPrefix("-") {
            let start = index
            let (name, inlineValue) = Self.split(commandLine[index])
            var value = inlineValue
            if value == nil, Self.globalValueFlags.contains(name) {
                index += 1
                guard index < commandLine.count else { throw .usage("flag needs an argument: --\(name)") }
                value = commandLine[index]
            }
            switch name {
            case "root": root = value ?? root
            case "log": logPath = value
            case "log-format": logFormat = value ?? logFormat
            case "runc": runcPath = value
            default: break  // --debug, --systemd-cgroup, --criu, --rootless: nothing to do for a micro-VM
            }
            if name != "runc" { forwardedArguments += commandLine[start...index] }
            index += 1
        }
        guard index < commandLine.count else { throw .usage("no command given") }
        command = commandLine[index]
        forwardedArguments += commandLine[index...]
        index += 1
        // The command's flags and arguments, in any order; `--` ends the flags.
        while index < commandLine.count {
            let word = commandLine[index]
            index += 1
            if word == "--" {
                arguments += commandLine[index...]
                break
            }
            guard word.hasPrefix("-"), word.count > 1 else {
                arguments.append(word)
                continue
            }
            let (rawName, inlineValue) = Self.split(word)
            let name = Self.shortNames[command]?[rawName] ?? rawName
            if let inlineValue {
                flags[name] = inlineValue
            } else if Self.valueFlags.contains(name) {
                guard index < commandLine.count else { throw .usage("flag needs an argument: \(word)") }
                flags[name] = commandLine[index]
                index += 1
            } else {
                flags[name] = "true"
            }
        }
    }

    /// The container id, the first argument.
    public func containerID() throws(RuntimeError) -> String {
        guard let id = arguments.first, !id.isEmpty else { throw .usage("\(command) requires a container id") }
        guard id.allSatisfy({ $0.isLetter || $0.isNumber || "_+-.".contains($0) }), id != ".", id != ".." else {
            throw RuntimeError("invalid container id format: \(id)")
        }
        return id
    }

    /// `--name=value` as ("name", "value"); `--name` and `-n` as (name, nil).
    private static func split(_ word: String) -> (String, String?) {
        let name = word.drop(while: { $0 == "-" })
        guard let equals = name.firstIndex(of: "=") else { return (String(name), nil) }
        return (String(name[..<equals]), String(name[name.index(after: equals)...]))
    }
}
