import Foundation
import Glibc
import Testing
import TestSupport

/// A scratch directory, removed when the value goes.
final class Scratch {
    let path: String

    init(_ prefix: String = "swiftlet-containers") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The built `swiftlet`: as containerd's shim runs the runtime, through a symlink named `swiftlet-runtime`, and as
/// itself (`swiftlet build`).
enum SwiftletBinary {
    static let runtimePath: String = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-runtime-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let link = directory + "/swiftlet-runtime"
        if let swiftlet = try? BuiltExecutable.named("swiftlet").path {
            try? FileManager.default.removeItem(atPath: link)
            try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: swiftlet)
        }
        return link
    }()

    /// `swiftlet-runtime ARGUMENTS`.
    static func runtime(_ arguments: [String], environment: [String: String] = [:]) throws -> ChildProgram.Result {
        _ = try BuiltExecutable.named("swiftlet")
        return try ChildProgram.run(URL(fileURLWithPath: runtimePath), arguments, environment: environment, timeout: 30)
    }

    /// `swiftlet ARGUMENTS`.
    static func run(_ arguments: [String]) throws -> ChildProgram.Result {
        try ChildProgram.run(try BuiltExecutable.named("swiftlet"), arguments)
    }
}

/// An OCI bundle: `config.json` (runc's default spec, reduced to what matters here, and `extra` top-level members) and
/// a root filesystem.
struct Bundle {
    let path: String

    init(in scratch: Scratch, arguments: [String], files: [String: [UInt8]], extra: [String: Any] = [:]) throws {
        path = scratch.path + "/bundle-\(UUID().uuidString)"
        for (name, contents) in files {
            let file = URL(fileURLWithPath: path + "/rootfs/" + name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents).write(to: file)
        }
        try FileManager.default.createDirectory(atPath: path + "/rootfs", withIntermediateDirectories: true)
        let configuration: [String: Any] = [
            "ociVersion": "1.0.2",
            "process": ["terminal": false, "args": arguments, "env": ["PATH=/bin"], "cwd": "/"],
            "root": ["path": "rootfs"],
            "mounts": [["destination": "/proc", "type": "proc", "source": "proc"]],
        ]
        try JSONSerialization.data(withJSONObject: configuration.merging(extra) { $1 }).write(to: URL(fileURLWithPath: path + "/config.json"))
    }
}

/// Why micro-VMs cannot run here, or nil: /dev/kvm opens and answers KVM_GET_API_VERSION (0xAE00) with 12.
let kvmProblem: String? = {
    let fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)
    guard fd >= 0 else { return "cannot open /dev/kvm: \(String(cString: strerror(errno)))" }
    defer { close(fd) }
    return ioctl(fd, 0xAE00) == 12 ? nil : "/dev/kvm does not answer KVM_GET_API_VERSION with 12"
}()

/// The containerd tests' conditions, each saying why when it does not hold: KVM, and root (containerd's).
let containerdProblem: String? = kvmProblem.map { "needs a usable /dev/kvm: \($0)" }
    ?? (getuid() == 0 ? nil : "needs root, as containerd does")

/// The programs the containerd tests put in images: tests/containers/probe.c as a module, native_hello.c as a static
/// native executable (for runc).
enum TestPrograms {
    static let sources = WASICompiler.repositoryRoot.appendingPathComponent("tests/containers")

    static func buildProbe(into directory: String) throws -> String {
        let output = directory + "/probe.wasm"
        try WASICompiler.compile(
            sources.appendingPathComponent("probe.c"), to: URL(fileURLWithPath: output), flags: ["-O2", "-Wl,--strip-all"])
        return output
    }

    static func buildNativeHello(into directory: String) throws -> String {
        try buildNative("native_hello", into: directory)
    }

    /// tests/containers/NAME.c as a static native executable.
    static func buildNative(_ name: String, into directory: String) throws -> String {
        let output = directory + "/" + name
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") else {
            throw ToolMissing(description: "gcc not found (Debian packages gcc and libc6-dev)")
        }
        let result = try ChildProgram.run(
            URL(fileURLWithPath: "/usr/bin/gcc"), ["-static", "-O2", "-o", output, sources.appendingPathComponent("\(name).c").path])
        guard result.status == 0 else { throw ToolMissing(description: "gcc -static failed: \(result.standardError)") }
        return output
    }
}
