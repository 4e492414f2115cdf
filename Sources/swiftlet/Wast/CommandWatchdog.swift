import Foundation
import WasmEngine

/// Interrupts a store's running code when one command runs past its time limit, so that a runaway loop
/// fails that command (trap "interrupted") instead of stalling the script.
///
/// The watch runs on its own thread, not on Dispatch or the concurrency pool: those can be fully occupied
/// by spinning wasm code (two cores, two runaway loops), and then a timer there would never fire.
// SAFETY (@unchecked Sendable): all state is read and written under `condition`'s lock; the watch thread
// calls only `Store.interrupt()`, which the runtime documents as safe from any thread.
final class CommandWatchdog: @unchecked Sendable {
    let limit: TimeInterval
    private let store: Store
    private let condition = NSCondition()
    /// When the running command's time is up; `nil` while no command runs.
    private var deadline: Date?
    private var fired = false
    private var stopped = false

    init(store: Store, limit: TimeInterval) {
        self.store = store
        self.limit = limit
        Thread { [self] in watch() }.start()
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
        deadline = Date(timeIntervalSinceNow: limit)
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
            if Date() >= deadline {
                fired = true
                self.deadline = nil
                store.interrupt()
            } else {
                _ = condition.wait(until: deadline)
            }
        }
    }
}
