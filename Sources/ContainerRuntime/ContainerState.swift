import FoundationEssentials
import Glibc
import Swiftlet

/// A Wasm container's state directory, `ROOT/swiftlet/ID`: `state.json` (what `create` recorded) and, until `start`,
/// the `exec.fifo` whose opening lets the waiting init run the module. The directory's existence is what makes an id
/// this runtime's; `delete` removes it.
struct ContainerState: Codable {
    var id: String
    var bundle: String
    var rootfs: String
    var pid: Int32
    /// The init's start time (field 22 of /proc/PID/stat), which tells it from a later process given the same pid.
    var processStartTime: String
    var created: String
    var annotations: [String: String]
    var controlGroups: ControlGroups

    enum Status: String {
        case created, running, stopped
    }

    static func directory(root: String, id: String) -> String { root + "/swiftlet/" + id }

    static func fifoPath(in directory: String) -> String { directory + "/exec.fifo" }

    static func exists(root: String, id: String) -> Bool {
        access(directory(root: root, id: id) + "/state.json", F_OK) == 0
    }

    static func load(root: String, id: String) throws(RuntimeError) -> ContainerState {
        let path = directory(root: root, id: id) + "/state.json"
        guard let bytes = readWholeFile(path) else { throw .system("cannot read \(path)") }
        do {
            return try JSONDecoder().decode(ContainerState.self, from: Data(bytes))
        } catch {
            throw RuntimeError("the state of container \(id) is damaged (\(path)): \(error)")
        }
    }

    func save(root: String) throws(RuntimeError) {
        let directory = Self.directory(root: root, id: id)
        let encoded: Data
        do { encoded = try JSONEncoder().encode(self) } catch { throw RuntimeError("cannot encode the state: \(error)") }
        // Written aside and renamed, so that a reader never sees half a state.
        try writeFile(directory + "/state.json.new", Array(encoded))
        guard rename(directory + "/state.json.new", directory + "/state.json") == 0 else {
            throw .system("cannot write \(directory)/state.json")
        }
    }

    /// Running until `start` removed the fifo; stopped once the init is gone or a zombie waiting for its reaper.
    func status(root: String) -> Status {
        guard Self.startTime(of: pid) == processStartTime else { return .stopped }
        return access(Self.fifoPath(in: Self.directory(root: root, id: id)), F_OK) == 0 ? .created : .running
    }

    /// Field 22 (start time) of a live, non-zombie process's /proc/PID/stat, or nil.
    static func startTime(of pid: Int32) -> String? {
        guard pid > 0, let text = readKernelFile("/proc/\(pid)/stat") else { return nil }
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last `)`.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return String(fields[19])
    }
}

/// A /proc or /sys file's text, read to its end (their sizes say nothing of their contents), or nil.
func readKernelFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var text: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(fd, &buffer, buffer.count)
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return count == 0 ? String(decoding: text, as: UTF8.self) : nil }
        text += buffer[..<count]
    }
}

/// Writes `bytes` to a new file at `path` (replacing one there).
func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(RuntimeError) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw .system("cannot create \(path)") }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
        // SAFETY: the pointer is used only during this call, within `bytes`' bounds.
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { throw .system("cannot write \(path)") }
        offset += written
    }
}

/// The current time as RFC 3339 with nanoseconds, as runc writes `created` and log times.
func timestamp() -> String {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var broken = tm()
    var seconds = now.tv_sec
    gmtime_r(&seconds, &broken)
    func pad(_ value: Int32, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    let date = "\(pad(broken.tm_year + 1900, 4))-\(pad(broken.tm_mon + 1, 2))-\(pad(broken.tm_mday, 2))"
    let time = "\(pad(broken.tm_hour, 2)):\(pad(broken.tm_min, 2)):\(pad(broken.tm_sec, 2))"
    return "\(date)T\(time).\(pad(Int32(now.tv_nsec), 9))Z"
}
