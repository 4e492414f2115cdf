import Glibc
import Swiftlet
import WasmEngine

/// Interrupts a store's running code when one command runs past its time limit, so that a runaway loop
/// fails that command (trap "interrupted") instead of stalling the script.
///
/// The watch runs on its own thread, not on Dispatch or the concurrency pool: those can be fully occupied
/// by spinning wasm code (two cores, two runaway loops), and then a timer there would never fire.
// SAFETY (@unchecked Sendable): all state is read and written under `condition`'s lock; the watch thread
// calls only `Store.interrupt()`, which the runtime documents as safe from any thread.
final class CommandWatchdog: @unchecked Sendable {
    /// Seconds.
    let limit: Double
    private let store: Store
    private let condition = MonotonicCondition()
    /// When the running command's time is up; `nil` while no command runs.
    private var deadline: timespec?
    private var fired = false
    private var stopped = false

    init(store: Store, limit: Double) {
        self.store = store
        self.limit = limit
        startDetachedThread { [self] in watch() }
    }

    /// Ends the watch thread; the watchdog is unusable afterwards.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    /// Runs `body`; `timedOut` tells whether the watchdog interrupted it.
    func run<Result>(_ body: () -> Result) -> (result: Result, timedOut: Bool) {
        condition.lock()
        deadline = MonotonicCondition.now(plus: limit)
        fired = false
        condition.signal()
        condition.unlock()

        let result = body()

        condition.lock()
        deadline = nil
        let timedOut = fired
        condition.unlock()
        return (result, timedOut)
    }

    private func watch() {
        condition.lock()
        defer { condition.unlock() }
        while !stopped {
            guard let deadline else {
                condition.wait()
                continue
            }
            if !condition.wait(until: deadline) {
                fired = true
                self.deadline = nil
                store.interrupt()
            }
        }
    }
}

/// A pthread mutex with a condition variable whose timed waits use the monotonic clock (immune to clock changes).
final class MonotonicCondition {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    func signal() { pthread_cond_signal(condition) }
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits (the lock held) for a signal or until `deadline`; false once the deadline has passed.
    func wait(until deadline: timespec) -> Bool {
        var deadline = deadline
        return pthread_cond_timedwait(condition, mutex, &deadline) != ETIMEDOUT
    }

    /// The monotonic clock's time `seconds` from now.
    static func now(plus seconds: Double) -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        let nanoseconds = Int(time.tv_nsec) + Int((seconds - seconds.rounded(.down)) * 1e9)
        time.tv_sec += Int(min(seconds.rounded(.down), Double(Int32.max))) + nanoseconds / 1_000_000_000
        time.tv_nsec = nanoseconds % 1_000_000_000
        return time
    }
}
