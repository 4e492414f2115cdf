import Glibc

/// Wakes a guest blocked in a WASI call (reading a stream or socket, accepting, `poll_oneoff`), from any
/// thread, so a deadline can stop a guest that waits for input that never comes. Once raised it stays
/// raised: every later blocking call returns `EINTR` at once, and the embedder turns that into a trap.
public final class WASIInterruptHandle: Sendable {
    /// A pipe whose read end becomes readable, and stays so, once `interrupt()` writes to it.
    let readFD: Int32
    private let writeFD: Int32

    /// - Parameter enabled: false makes a handle without a pipe, for a host nothing will interrupt: raising it does
    ///   nothing (blocking calls simply block), and making it costs no system call.
    init(enabled: Bool) {
        var ends: [Int32] = [-1, -1]
        // Without a pipe nothing can be woken; blocking calls then simply block, as before interruption existed.
        if enabled && pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
                _ = fcntl(end, F_SETFL, O_NONBLOCK)
            }
        }
        readFD = ends[0]
        writeFD = ends[1]
    }

    deinit {
        if readFD >= 0 { close(readFD) }
        if writeFD >= 0 { close(writeFD) }
    }

    /// Raises the interruption. Safe from any thread (one `write`, which is async-signal-safe too).
    public func interrupt() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    public var isInterrupted: Bool {
        var descriptor = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 1
    }

    /// Waits until `hostFD` is ready for `events`; `EINTR` if interrupted first.
    func wait(for hostFD: Int32, events: Int32) throws(WASIErrno) {
        var descriptors = [
            pollfd(fd: hostFD, events: Int16(events), revents: 0), pollfd(fd: readFD, events: Int16(POLLIN), revents: 0),
        ]
        while poll(&descriptors, 2, -1) < 0 {
            guard errno == EINTR else { throw .lastHostError }
        }
        if descriptors[1].revents != 0 { throw .interrupted }
    }
}
