import FoundationEssentials
import Glibc
import Swiftlet

/// runc's `--log FILE --log-format text|json`: containerd's shim reads the last `error` line of the JSON log and shows
/// its message as the runtime's error. Without `--log` there is no log file; errors go to stderr either way.
struct RuntimeLog {
    var path: String?
    var format: String

    func error(_ message: String) {
        writeAll(message + "\n", to: STDERR_FILENO)
        append(level: "error", message)
    }

    private func append(level: String, _ message: String) {
        guard let path else { return }
        let line: String
        if format == "json" {
            let entry = ["level": level, "msg": message, "time": timestamp()]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            guard let encoded = try? encoder.encode(entry) else { return }
            line = String(decoding: encoded, as: UTF8.self)
        } else {
            let quoted = message.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\\\"")
            line = "time=\"\(timestamp())\" level=\(level) msg=\"\(quoted)\""
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        writeAll(line + "\n", to: fd)
        close(fd)
    }
}
