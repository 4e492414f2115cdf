import Glibc

/// Calls `expire` once a time limit passes, unless cancelled first.
///
/// Every watchdog of the process is watched by one thread, started with the first: a server running each request in
/// a sandbox with a time limit makes a watchdog per request, and a thread each would cost more than a small request.
/// The thread keeps the pending watchdogs in a list (as many as sandboxes running at once, so a scan is cheap) and
/// sleeps until the earliest deadline; cancelling only takes a watchdog off the list, and adding one wakes the thread
/// only when it is due before the thread would wake anyway (with one time limit for every run, deadlines come in
/// order, so the thread wakes about once per time limit, not once per run).
final class Watchdog: @unchecked Sendable {
    // SAFETY (@unchecked Sendable): immutable; the list it is on is the timer's, behind the timer's mutex.
    fileprivate let deadline: timespec
    fileprivate let expire: @Sendable () -> Void

    /// Starts the watch: `expire` runs after `limit` unless ``cancel()`` is called first.
    init(after limit: Duration, expire: @escaping @Sendable () -> Void) {
        self.expire = expire
        deadline = Self.monotonicDeadline(after: limit)
        WatchdogTimer.shared.add(self)
    }

    /// Stops the watch; `expire` is not called after this returns (unless it was already running).
    func cancel() {
        WatchdogTimer.shared.remove(self)
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

/// The thread behind every ``Watchdog``.
private final class WatchdogTimer: @unchecked Sendable {
    // SAFETY (@unchecked Sendable): `pending`, `running` and `wakesAt` are used only with `mutex` held.
    static let shared = WatchdogTimer()

    private enum Wake {
        /// The thread is looking at the list, and will sleep until its earliest deadline.
        case afterScan
        case at(timespec)
        /// The list was empty: only an added watchdog wakes the thread.
        case whenSignalled
    }

    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var pending: [Watchdog] = []
    /// The watchdog whose `expire` runs now, outside the lock: its `cancel` waits for it (as the contract says).
    private var running: Watchdog?
    private var finished = pthread_cond_t()
    private var wakesAt = Wake.afterScan

    private init() {
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
        pthread_cond_init(&finished, nil)
        startDetachedThread { [self] in watch() }
    }

    func add(_ watchdog: Watchdog) {
        pthread_mutex_lock(&mutex)
        pending.append(watchdog)
        let wakesTooLate: Bool
        switch wakesAt {
        case .afterScan: wakesTooLate = false
        case .at(let time): wakesTooLate = Self.isBefore(watchdog.deadline, time)
        case .whenSignalled: wakesTooLate = true
        }
        if wakesTooLate {
            wakesAt = .afterScan
            pthread_cond_signal(&condition)
        }
        pthread_mutex_unlock(&mutex)
    }

    func remove(_ watchdog: Watchdog) {
        pthread_mutex_lock(&mutex)
        if let index = pending.firstIndex(where: { $0 === watchdog }) { pending.remove(at: index) }
        while running === watchdog { pthread_cond_wait(&finished, &mutex) }
        pthread_mutex_unlock(&mutex)
    }

    private func watch() -> Never {
        pthread_mutex_lock(&mutex)
        while true {
            guard let earliest = pending.indices.min(by: { Self.isBefore(pending[$0].deadline, pending[$1].deadline) })
            else {
                wakesAt = .whenSignalled
                pthread_cond_wait(&condition, &mutex)
                wakesAt = .afterScan
                continue
            }
            var deadline = pending[earliest].deadline
            wakesAt = .at(deadline)
            let woken = pthread_cond_timedwait(&condition, &mutex, &deadline)
            wakesAt = .afterScan
            // A signal (an earlier deadline) or a spurious wake-up looks at the list again.
            guard woken == ETIMEDOUT else { continue }
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            while let index = pending.firstIndex(where: { !Self.isBefore(now, $0.deadline) }) {
                let expired = pending.remove(at: index)
                running = expired
                pthread_mutex_unlock(&mutex)
                expired.expire()
                pthread_mutex_lock(&mutex)
                running = nil
                pthread_cond_broadcast(&finished)
            }
        }
    }

    private static func isBefore(_ a: timespec, _ b: timespec) -> Bool {
        a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec)
    }
}
