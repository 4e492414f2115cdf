import Foundation
import Glibc
import Testing
import TestSupport

/// A containerd of the tests' own (Debian's), with its root, state, socket and config under a scratch directory, driven
/// with `ctr`; the shim's runtime root (`--runc-root`) is there too. Its CRI plugin is off unless asked for; on, it has
/// a runtime handler `swiftlet` (runc's shim with this runtime as its binary) and the test's pause image. The images the tests run
/// are built with `swiftlet build` and imported once. `stop` removes every container left and ends the daemon.
final class Containerd: @unchecked Sendable {
    @TaskLocal static var current: Containerd?

    static let namespace = "swiftlet-tests"
    static let probeImage = "swiftlet.test/probe:latest"
    static let nativeImage = "swiftlet.test/native:latest"
    static let pauseImage = "swiftlet.test/pause:latest"
    /// The namespace the CRI plugin keeps its pods' containers and images in.
    static let criNamespace = "k8s.io"

    let scratch: Scratch
    var socket: String { scratch.path + "/containerd.sock" }
    var runcRoot: String { scratch.path + "/runc" }
    /// The runtime's state directories of this namespace's containers.
    var stateDirectory: String { runcRoot + "/" + Self.namespace + "/swiftlet" }
    private var daemon: ListeningProcess?

    /// - Parameter cri: whether the CRI plugin serves on the socket (Kubernetes' API, as kubelet uses it).
    init(cri: Bool = false) throws {
        for tool in ["/usr/bin/containerd", "/usr/bin/ctr", "/usr/bin/containerd-shim-runc-v2", "/usr/sbin/runc"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            throw ToolMissing(description: "\(tool) not found (Debian packages containerd and runc)")
        }
        scratch = try Scratch("swiftlet-containerd")
        // CRI: pods on the host's network need no CNI; oom_score_adj may only rise in this sandbox, not fall to -998.
        let criPlugin = cri ? """
            [plugins."io.containerd.grpc.v1.cri"]
              sandbox_image = "\(Self.pauseImage)"
              restrict_oom_score_adj = true
              disable_apparmor = true
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                runtime_type = "io.containerd.runc.v2"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.swiftlet]
                runtime_type = "io.containerd.runc.v2"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.swiftlet.options]
                  BinaryName = "\(SwiftletBinary.runtimePath)"
                  Root = "\(runcRoot)"
              [plugins."io.containerd.grpc.v1.cri".cni]
                conf_dir = "\(scratch.path)/cni"
            """ : #"disabled_plugins = ["io.containerd.grpc.v1.cri"]"#
        let configuration = """
            version = 2
            root = "\(scratch.path)/root"
            state = "\(scratch.path)/state"
            \(criPlugin)
            [grpc]
              address = "\(socket)"
            [plugins."io.containerd.internal.v1.opt"]
              path = "\(scratch.path)/opt"
            """
        try Data(configuration.utf8).write(to: URL(fileURLWithPath: scratch.path + "/config.toml"))
        let socket = socket
        daemon = try ListeningProcess(
            "/usr/bin/containerd", ["--config", scratch.path + "/config.toml", "--log-level", "error"],
            waitingFor: "made its socket", output: .discarded
        ) { access(socket, F_OK) == 0 }
        for _ in 0..<100 where try ctr(["version"]).status != 0 { usleep(50_000) }
        snapshotter = try ctr(["plugins", "list"]).standardOutput.split(separator: "\n").contains {
            let columns = $0.split(separator: " ", omittingEmptySubsequences: true)
            return columns.count >= 4 && columns[1] == "overlayfs" && columns[3] == "ok"
        } ? "overlayfs" : "native"
    }

    /// overlayfs where it works; native (copies, no overlay mounts) where it does not, e.g. when the scratch directory
    /// is itself on an overlay filesystem, as in many CI containers.
    private(set) var snapshotter = "native"

    /// `ctr --address SOCKET --namespace NAMESPACE ARGUMENTS`.
    func ctr(_ arguments: [String], namespace: String = Containerd.namespace, timeout: TimeInterval = 60) throws -> ChildProgram.Result {
        try ChildProgram.run(
            URL(fileURLWithPath: "/usr/bin/ctr"), ["--address", socket, "--namespace", namespace] + arguments, timeout: timeout)
    }

    /// `ctr run` through this runtime.
    func run(_ options: [String] = [], image: String = probeImage, id: String, _ arguments: [String] = []) throws
        -> ChildProgram.Result
    {
        try ctr(
            ["run", "--snapshotter", snapshotter, "--fifo-dir", scratch.path + "/fifo", "--runc-binary",
             SwiftletBinary.runtimePath, "--runc-root", runcRoot] + options + [image, id] + arguments)
    }

    /// Builds the test images with `swiftlet build` and imports them (for the host's platform, as `ctr images import`
    /// does by default: a wasip1/wasm image must not be filtered out).
    func importImages() throws {
        let probe = try TestPrograms.buildProbe(into: scratch.path)
        let native = try TestPrograms.buildNativeHello(into: scratch.path)
        try Data("a file in the image\n".utf8).write(to: URL(fileURLWithPath: scratch.path + "/greeting.txt"))
        let builds = [
            ["build", "-o", scratch.path + "/probe.tar", "-t", Self.probeImage, "--file",
             scratch.path + "/greeting.txt::/etc/greeting.txt", "--env", "IMAGE_VARIABLE=from the image", probe],
            ["build", "-o", scratch.path + "/native.tar", "-t", Self.nativeImage, "--platform", "linux/amd64", native],
        ]
        for arguments in builds {
            let build = try SwiftletBinary.run(arguments)
            try #require(build.status == 0, "swiftlet \(arguments): \(build.standardError)")
            let imported = try ctr(["images", "import", "--snapshotter", snapshotter, arguments[2]])
            try #require(imported.status == 0, "ctr images import: \(imported.standardError)")
        }
    }

    /// Processes whose command line names this containerd's scratch directory: shims (their `-address`) and inits
    /// (their `--root`).
    func processesLeft() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> String? in
            guard Int32(entry) != nil, Int32(entry) != getpid(),
                let bytes = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let commandLine = String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            guard commandLine.contains(scratch.path), !commandLine.hasPrefix("/usr/bin/containerd --config") else {
                return nil
            }
            return "\(entry): \(commandLine)"
        }
    }

    /// The namespace's control group (`/sys/fs/cgroup/[HIERARCHY/]swiftlet-tests`) in every hierarchy.
    func namespaceGroups() -> [String] {
        let hierarchies = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []
        return (hierarchies + [""]).map { "/sys/fs/cgroup/" + ($0.isEmpty ? "" : $0 + "/") + Self.namespace }
    }

    /// Containers' control groups (`/sys/fs/cgroup/.../swiftlet-tests/ID`, which ctr asks for) in any hierarchy.
    func controlGroupsLeft() -> [String] {
        namespaceGroups().flatMap { namespace in
            let children = (try? FileManager.default.contentsOfDirectory(atPath: namespace)) ?? []
            return children.map { namespace + "/" + $0 }.filter { path in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            }
        }
    }

    /// Mounts under the scratch directory (the containers' root filesystems).
    func mountsLeft() -> [String] {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        return mounts.split(separator: "\n").map(String.init).filter { $0.contains(scratch.path) }
    }

    /// Containers, tasks, state directories, processes and mounts: none left of any container. A shim exits a moment
    /// after its last task is deleted (after `ctr run --rm` returns), so processes get a few seconds to go.
    func expectNothingLeft(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !processesLeft().isEmpty, ContinuousClock.now < deadline { usleep(10_000) }
        #expect(try ctr(["containers", "list", "--quiet"]).standardOutput == "", sourceLocation: sourceLocation)
        #expect(try ctr(["tasks", "list", "--quiet"]).standardOutput == "", sourceLocation: sourceLocation)
        let states = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []
        #expect(states == [], "state directories left", sourceLocation: sourceLocation)
        #expect(processesLeft() == [], sourceLocation: sourceLocation)
        #expect(controlGroupsLeft() == [], sourceLocation: sourceLocation)
        #expect(mountsLeft() == [], sourceLocation: sourceLocation)
    }

    func stop() {
        for id in (try? ctr(["tasks", "list", "--quiet"]).standardOutput.split(separator: "\n")) ?? [] {
            _ = try? ctr(["tasks", "delete", "--force", String(id)])
        }
        for id in (try? ctr(["containers", "list", "--quiet"]).standardOutput.split(separator: "\n")) ?? [] {
            _ = try? ctr(["containers", "delete", String(id)])
        }
        daemon?.kill()
        daemon = nil
        // Containers' control groups a failed test left, then the namespace's, which runc and this runtime leave (a
        // parent other containers may share).
        for group in controlGroupsLeft() + namespaceGroups() { rmdir(group) }
        for mount in mountsLeft().reversed() {
            let target = mount.split(separator: " ")[1]
            umount2(String(target), Int32(MNT_DETACH))
        }
    }

    deinit { stop() }
}

/// Starts a containerd for the suite, with the test images imported, and stops it after.
struct ContainerdScope: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let containerd = try Containerd()
        defer { containerd.stop() }
        try containerd.importImages()
        try await Containerd.$current.withValue(containerd) { try await function() }
    }
}

extension Trait where Self == ContainerdScope {
    static var containerd: Self { Self() }
}
