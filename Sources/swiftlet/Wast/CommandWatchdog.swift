import Foundation
import WasmEngine

/// Interrupts a store's running code when one command runs past its time limit, so that a runaway loop
/// fails that command (trap "interrupted") instead of stalling the script.
// SAFETY (@unchecked Sendable): the timer touches only `armedGeneration`/`fired` under `lock`, and calls
// `Store.interrupt()`, which the runtime documents as safe from any thread.
final class CommandWatchdog: @unchecked Sendable {
    private let store: Store
    let limit: TimeInterval
    private let lock = NSLock()
    private var generation = 0
    private var armedGeneration: Int?
    private var fired = false

    init(store: Store, limit: TimeInterval) {
        self.store = store
        self.limit = limit
    }

    /// Runs `body`; `timedOut` tells whether the watchdog interrupted it.
    func run<Result>(_ body: () -> Result) -> (result: Result, timedOut: Bool) {
        lock.lock()
        generation += 1
        let current = generation
        armedGeneration = current
        fired = false
        lock.unlock()

        let timer = DispatchWorkItem { [self] in
            lock.lock()
            defer { lock.unlock() }
            guard armedGeneration == current else { return }
            fired = true
            store.interrupt()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: timer)
        let result = body()
        timer.cancel()

        lock.lock()
        armedGeneration = nil
        let timedOut = fired
        lock.unlock()
        return (result, timedOut)
    }
}
