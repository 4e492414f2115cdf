import Glibc

/// A time limit for running a vCPU on the calling thread, so a guest that spins without exiting cannot hold the
/// thread forever.
///
/// A per-thread timer sends ``signal`` to this thread when the limit passes and then again every
/// ``kickInterval``: each signal makes a `KVM_RUN` in progress return `EINTR` (``VCPUExit/interrupted``), and
/// repeating it covers a signal that lands while the thread is in the monitor between two runs. The run loop
/// checks ``instant`` after every exit. The timer is deleted when the deadline is dropped; a signal still pending
/// then reaches the no-op handler, which can only make another interruptible system call of this thread return
/// `EINTR` (the monitor retries those).
struct RunDeadline: ~Copyable {
    /// SIGRTMIN + 5: a real-time signal glibc leaves to applications; it only ever interrupts `KVM_RUN`.
    static let signal = __libc_current_sigrtmin() + 5
    static let kickInterval: UInt64 = 1_000_000

    /// The handler is process-wide: install it once, before the first deadline.
    private static let handlerInstalled: Errno? = {
        do throws(Errno) {
            try Syscalls.installNoOpHandler(signal)
            return nil
        } catch {
            return error
        }
    }()

    private let timer: timer_t?
    /// CLOCK_MONOTONIC nanoseconds at which the limit passes.
    let instant: UInt64

    init(after nanoseconds: UInt64) throws(Errno) {
        if let error = Self.handlerInstalled { throw error }
        try Syscalls.unblock(Self.signal)
        let (instant, overflow) = Syscalls.monotonicNanoseconds().addingReportingOverflow(nanoseconds)
        let timer = try Syscalls.createThreadTimer(signal: Self.signal)
        do {
            try Syscalls.armTimer(timer, nanoseconds: nanoseconds, intervalNanoseconds: Self.kickInterval)
        } catch {
            Syscalls.deleteTimer(timer)
            throw error
        }
        self.timer = timer
        self.instant = overflow ? .max : instant
    }

    deinit {
        Syscalls.deleteTimer(timer)
    }

    /// Deletes the timer now; the run it limited is over.
    consuming func cancel() {}

    static func hasPassed(_ instant: UInt64) -> Bool { Syscalls.monotonicNanoseconds() >= instant }
}
