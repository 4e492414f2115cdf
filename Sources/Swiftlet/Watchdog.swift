import Glibc

/// Calls `expire` once a time limit passes, from its own thread, unless cancelled first. Cancelling wakes the thread
/// at once, so a sandbox that ran many short executions leaves no sleeping threads behind.
final class Watchdog: @unchecked Sendable {
    // SAFETY (@unchecked Sendable): `cancelled` is read and written only with `mutex` held.
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var cancelled = false
    private let expire: @Sendable () -> Void

    /// Starts the watch: `expire` runs after `limit` unless ``cancel()`` is called first.
    init(after limit: Duration, expire: @escaping @Sendable () -> Void) {
        self.expire = expire
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
        let deadline = Self.monotonicDeadline(after: limit)
        startDetachedThread { [self] in watch(until: deadline) }
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    /// Stops the watch; `expire` is not called after this returns (unless it was already running).
    func cancel() {
        pthread_mutex_lock(&mutex)
        cancelled = true
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    private func watch(until deadline: timespec) {
        var deadline = deadline
        pthread_mutex_lock(&mutex)
        var timedOut = false
        while !cancelled && !timedOut {
            timedOut = pthread_cond_timedwait(&condition, &mutex, &deadline) == ETIMEDOUT
        }
        let expired = !cancelled
        pthread_mutex_unlock(&mutex)
        if expired { expire() }
    }

    private static func monotonicDeadline(after limit: Duration) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = limit.components
        let clampedSeconds = max(0, min(seconds, Int64(Int32.max)))
        var nanoseconds = now.tv_nsec + Int(max(0, attoseconds) / 1_000_000_000)
        var wholeSeconds = now.tv_sec + Int(clampedSeconds)
        if nanoseconds >= 1_000_000_000 {
            nanoseconds -= 1_000_000_000
            wholeSeconds += 1
        }
        return timespec(tv_sec: wholeSeconds, tv_nsec: nanoseconds)
    }
}
