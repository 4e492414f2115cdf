import Glibc
import Swiftlet

/// The init's control groups, as runc's cgroupfs driver places a container: `linux.cgroupsPath` under every mounted
/// hierarchy (cgroup v1's, one per controller, and v2's unified one), with `linux.resources.memory.limit` applied. The
/// shim then finds the init there (OOM events, metrics), and a limit bounds the micro-VM's monitor and its guest.
/// systemd's `slice:prefix:name` form needs systemd to make a scope: such a path is not applied.
struct ControlGroups: Codable {
    /// The container's directory in each hierarchy.
    var directories: [String] = []

    /// Makes the groups and moves `pid` into them. On failure the groups made so far are in `directories`, for
    /// `remove` once the process is gone.
    mutating func place(_ pid: pid_t, at path: String, memoryLimit: Int64?) throws(RuntimeError) {
        guard !path.isEmpty, !path.contains(":") else { return }
        for hierarchy in Self.hierarchies() {
            let directory = hierarchy.mountPoint + BundleConfiguration.normalized(path)
            let limitsMemory = memoryLimit != nil && hierarchy.controllers.contains("memory")
            try Self.makeGroup(
                directory, in: hierarchy, enablingMemory: limitsMemory && hierarchy.isUnified) { directories.append($0) }
            if let memoryLimit, limitsMemory {
                try Self.write(String(memoryLimit), to: directory + (hierarchy.isUnified ? "/memory.max" : "/memory.limit_in_bytes"))
            }
            try Self.write(String(pid), to: directory + "/cgroup.procs")
        }
    }

    /// Removes the container's directories once its processes are gone (a group that still holds one is busy for a
    /// moment after the process exits).
    func remove() {
        for directory in directories {
            for _ in 0..<200 where rmdir(directory) != 0 && errno == EBUSY { sleep(seconds: 0.005) }
        }
    }

    private struct Hierarchy {
        var mountPoint: String
        /// v1: the hierarchy's controllers (its mount options); v2: those its root offers (`cgroup.controllers`).
        var controllers: [String]
        var isUnified: Bool
    }

    /// The cgroup and cgroup2 mounts of /proc/self/mountinfo.
    private static func hierarchies() -> [Hierarchy] {
        guard let mountInfo = readKernelFile("/proc/self/mountinfo") else { return [] }
        return mountInfo.split(separator: "\n").compactMap { line in
            // "ID PARENT MAJOR:MINOR ROOT MOUNT-POINT OPTIONS ... - TYPE SOURCE SUPER-OPTIONS"
            let halves = line.split(separator: " - ", maxSplits: 1)
            guard halves.count == 2 else { return nil }
            let mount = halves[0].split(separator: " "), filesystem = halves[1].split(separator: " ")
            guard mount.count >= 5, filesystem.count >= 3 else { return nil }
            let mountPoint = String(mount[4])
            switch filesystem[0] {
            case "cgroup":
                let controllers = filesystem[2].split(separator: ",").map(String.init)
                return Hierarchy(mountPoint: mountPoint, controllers: controllers, isUnified: false)
            case "cgroup2":
                let controllers = (readKernelFile(mountPoint + "/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace)
                return Hierarchy(mountPoint: mountPoint, controllers: controllers.map(String.init), isUnified: true)
            default:
                return nil
            }
        }
    }

    /// `mkdir -p` below the hierarchy's root; `made` is told when the container's own directory (the last) is made,
    /// the only one `remove` removes: those above it are shared, as runc leaves them. In v1's cpuset hierarchy a
    /// new group has no CPUs or memory nodes (and takes no process) until given its parent's; in v2 a group has the
    /// memory controller only if its parent enables it for its children.
    private static func makeGroup(
        _ directory: String, in hierarchy: Hierarchy, enablingMemory: Bool, made: (String) -> Void
    ) throws(RuntimeError) {
        var path = hierarchy.mountPoint
        for component in directory.dropFirst(hierarchy.mountPoint.count).split(separator: "/") {
            let parent = path
            path += "/" + component
            if enablingMemory { try write("+memory", to: parent + "/cgroup.subtree_control") }
            guard mkdir(path, 0o755) == 0 else {
                if errno == EEXIST { continue }
                throw .system("cannot make the cgroup \(path)")
            }
            if path == directory { made(path) }
            guard hierarchy.controllers.contains("cpuset"), !hierarchy.isUnified else { continue }
            for file in ["cpuset.cpus", "cpuset.mems"] {
                let inherited = readKernelFile(parent + "/" + file) ?? ""
                if !inherited.allSatisfy(\.isWhitespace) { try write(inherited, to: path + "/" + file) }
            }
        }
    }

    private static func write(_ text: String, to path: String) throws(RuntimeError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("cannot open \(path)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw .system("cannot write \(text) to \(path)")
        }
    }
}
