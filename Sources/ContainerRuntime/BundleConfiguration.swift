import FoundationEssentials
import Glibc
import ModuleCache
import Swiftlet

/// The part of an OCI bundle's `config.json` a module's run needs: the process (arguments, environment, rlimits,
/// terminal), the root filesystem, bind mounts (which become preopened directories) and annotations. Namespaces,
/// capabilities, seccomp and the like are about a Linux process tree the micro-VM does not have.
struct BundleConfiguration: Decodable {
    struct Process: Decodable {
        var terminal: Bool?
        var args: [String]?
        var env: [String]?
        var cwd: String?
        var rlimits: [ResourceLimit]?
    }

    struct ResourceLimit: Decodable {
        var type: String
        var hard: UInt64
        var soft: UInt64
    }

    struct Root: Decodable {
        var path: String
    }

    /// The Linux section, as far as the init's control groups go.
    struct Linux: Decodable {
        struct Resources: Decodable {
            struct Memory: Decodable {
                var limit: Int64?
            }

            var memory: Memory?
        }

        var cgroupsPath: String?
        var resources: Resources?
    }

    struct Mount: Decodable {
        var destination: String
        var type: String?
        var source: String?
        var options: [String]?
    }

    var process: Process?
    var root: Root?
    var mounts: [Mount]?
    var annotations: [String: String]?
    var linux: Linux?

    /// The bundle directory, absolute.
    private(set) var bundle = ""

    private enum CodingKeys: String, CodingKey {
        case process, root, mounts, annotations, linux
    }

    /// Reads `BUNDLE/config.json`.
    static func load(bundle: String) throws(RuntimeError) -> BundleConfiguration {
        let bundle = absolutePath(bundle)
        guard let bytes = readWholeFile(bundle + "/config.json") else {
            throw .invalidBundle(bundle, "cannot read config.json: \(String(cString: strerror(errno)))")
        }
        var configuration: BundleConfiguration
        do {
            configuration = try JSONDecoder().decode(BundleConfiguration.self, from: Data(bytes))
        } catch {
            throw .invalidBundle(bundle, "config.json is not a valid runtime spec: \(error)")
        }
        configuration.bundle = bundle
        return configuration
    }

    /// The root filesystem, absolute (`root.path` is relative to the bundle when it is not absolute).
    func rootFilesystem() throws(RuntimeError) -> String {
        guard let path = root?.path, !path.isEmpty else { throw .invalidBundle(bundle, "root.path is not set") }
        return path.hasPrefix("/") ? path : bundle + "/" + path
    }

    /// The program's arguments; the first names the module in the root filesystem.
    func arguments() throws(RuntimeError) -> [String] {
        guard let arguments = process?.args, !arguments.isEmpty else {
            throw .invalidBundle(bundle, "process.args must not be empty")
        }
        return arguments
    }

    /// Where the module is on the host: `args[0]` in the root filesystem, relative to `process.cwd` if not absolute.
    func modulePath() throws(RuntimeError) -> String {
        let program = try arguments()[0]
        let directory = program.hasPrefix("/") ? "" : (process?.cwd ?? "/")
        return try rootFilesystem() + Self.normalized(directory + "/" + program)
    }

    /// Whether this container runs a module: the program is a file starting with `\0asm`, or is named `*.wasm`
    /// (a missing module is then this runtime's error rather than runc's).
    func runsModule() throws(RuntimeError) -> Bool {
        if try arguments()[0].hasSuffix(".wasm") { return true }
        let fd = open(try modulePath(), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        return read(fd, &magic, 4) == 4 && magic == [0x00, 0x61, 0x73, 0x6d]
    }

    /// The sandbox the container's init runs: the module with its arguments and environment, in a micro-VM; the root
    /// filesystem as `/` and every bind-mounted host directory as its destination.
    func sandboxConfiguration() throws(RuntimeError) -> Sandbox.Configuration {
        let arguments = try arguments()
        var configuration = Sandbox.Configuration(module: .file(path: try modulePath()))
        configuration.isolation = .vm
        configuration.programName = arguments[0]
        configuration.arguments = Array(arguments.dropFirst())
        configuration.environment = process?.env ?? []
        // As `swiftlet run` does: a module validated once is not validated again.
        configuration.moduleCache = ModuleCache.defaultDirectory.map { ModuleCache(directory: $0) }
        // A host runs many containers: each VM's memory is the pages its guest touches, not whole huge pages.
        configuration.virtualMachine.hugePages = false
        configuration.preopens = [Sandbox.Preopen(hostPath: try rootFilesystem(), guestPath: "/")]
        for mount in mounts ?? [] where mount.isBind {
            guard let source = mount.source, Self.isDirectory(source) else { continue }
            configuration.preopens.append(Sandbox.Preopen(hostPath: source, guestPath: mount.destination))
        }
        return configuration
    }

    private static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// `path` with `.` and `..` resolved lexically, never above `/`.
    static func normalized(_ path: String) -> String {
        var components: [Substring] = []
        for component in path.split(separator: "/") where component != "." {
            if component == ".." { _ = components.popLast() } else { components.append(component) }
        }
        return "/" + components.joined(separator: "/")
    }
}

extension BundleConfiguration.Mount {
    /// A bind mount, as runc reads one: type `bind`, or a `bind`/`rbind` option.
    var isBind: Bool {
        type == "bind" || (options ?? []).contains { $0 == "bind" || $0 == "rbind" }
    }
}

/// `path` made absolute against the current directory, `.` and `..` resolved.
func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return BundleConfiguration.normalized(path) }
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    let directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return BundleConfiguration.normalized(directory + "/" + path)
}
