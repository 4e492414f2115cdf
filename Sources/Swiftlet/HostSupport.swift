import Glibc
import WasmEngine

// Plain libc rather than Foundation: `swiftlet run` starts a process per module, and Foundation's loading and
// set-up would cost more than the run itself. `package`: the CLI uses these too.

package func environmentValue(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

/// The whole file in one read into one buffer (no second copy at the peak, as Foundation's reader holds), or nil.
package func readWholeFile(_ path: String) -> [UInt8]? {
    readWholeFile(path) { size, fill in
        var complete = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            complete = fill(UnsafeMutableRawBufferPointer(buffer))
            count = complete ? size : 0
        }
        return complete ? bytes : nil
    }
}

/// The whole file read straight into a module's bytes, or nil.
package func readModuleBytes(_ path: String) -> ModuleBytes? {
    readWholeFile(path) { size, fill in readModuleBytes(size: size, fill) }
}

/// The `size` bytes of the open file `descriptor` from its current position, read straight into a module's bytes, or
/// nil.
package func readModuleBytes(_ descriptor: Int32, size: Int) -> ModuleBytes? {
    readModuleBytes(size: size) { buffer in readFully(descriptor, into: buffer) }
}

private func readModuleBytes(size: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Bool) -> ModuleBytes? {
    var complete = false
    let bytes = ModuleBytes(count: size) { complete = fill($0) }
    return complete ? bytes : nil
}

/// The whole file, read into the buffer `makeBuffer` makes for the file's size by calling the `fill` it is given
/// (which says whether the file filled it), or nil.
private func readWholeFile<Buffer>(
    _ path: String, into makeBuffer: (_ size: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Bool) -> Buffer?
) -> Buffer? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0, status.st_size >= 0 else { return nil }
    return makeBuffer(Int(status.st_size)) { readFully(fd, into: $0) }
}

/// Fills `buffer` from `fd`, retrying short reads and EINTR: false when the file ends first or a read fails.
private func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
    var count = 0
    while count < buffer.count {
        // SAFETY: count < buffer.count, so the read stays inside the buffer.
        let got = read(fd, buffer.baseAddress! + count, buffer.count - count)
        if got > 0 {
            count += got
        } else if got == 0 || errno != EINTR {
            return false
        }
    }
    return true
}

/// Writes all of `text` to the descriptor at once (no buffering), retrying short writes.
package func writeAll(_ text: String, to fd: Int32) {
    var text = text
    text.withUTF8 { _ = writeAll(UnsafeRawBufferPointer($0), to: fd) }
}

/// Writes all of `bytes` to `descriptor`, retrying short writes; 0, or the errno of the write that failed.
package func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32 {
    var offset = 0
    while offset < bytes.count {
        // SAFETY: offset < bytes.count, so the write reads only inside `bytes`.
        let count = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return errno }
        offset += count
    }
    return 0
}

/// Spawn attributes for a child that starts as from a shell, with no signal blocked and every signal's default action:
/// a child inherits its parent's mask and ignored signals, and a thread of Swift concurrency blocks every signal (a
/// test harness may ignore some), so `kill` would not stop it. Valid during `body`.
package func withShellSignalSpawnAttributes<R>(_ body: (UnsafePointer<posix_spawnattr_t>) throws -> R) rethrows -> R {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return try body(&attributes)
}

/// The path of the running program's executable.
package func executablePath() -> String {
    var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = buffer.withUnsafeMutableBufferPointer { buffer in
        readlink("/proc/self/exe", buffer.baseAddress!, buffer.count - 1)
    }
    guard length > 0 else { return CommandLine.arguments[0] }
    return String(decoding: buffer[0..<length], as: UTF8.self)
}

/// Sleeps this thread for `seconds` (none if not positive), resuming after signals.
package func sleep(seconds: Double) {
    guard seconds > 0 else { return }
    let whole = min(seconds.rounded(.down), Double(Int32.max))
    var request = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

private final class ThreadBody {
    let run: () -> Void

    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Runs `body` on a new detached thread (not Dispatch or the concurrency pool, which busy wasm code can occupy).
package func startDetachedThread(_ body: @escaping @Sendable () -> Void) {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    var thread = pthread_t()
    let status = pthread_create(&thread, &attributes, { context in
        // SAFETY: `context` is the retained ThreadBody passed below, released here exactly once.
        Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().run()
        return nil
    }, context)
    precondition(status == 0, "cannot start a thread: error \(status)")
}
