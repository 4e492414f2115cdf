#if hasFeature(Embedded)
import KernelSupport
import SwiftletABI

/// The guest side of the ``WASIMailbox``: a forwarded WASI call is handed to the host's worker thread through
/// shared memory while the guest spins, with no exit, whenever the worker is polling; otherwise, or when the worker
/// does not claim the call within ``postedBudget`` microseconds, it is a ``Hypercall/wasi`` exit as before.
enum WASIMailboxClient {
    /// The mailbox page (identity-mapped), 0 when the monitor gave none.
    nonisolated(unsafe) private static var address: UInt = 0
    /// ``postedBudget`` and ``claimedBudget`` in time-stamp counter ticks.
    nonisolated(unsafe) private static var postedBudgetTicks: UInt64 = 0
    nonisolated(unsafe) private static var claimedBudgetTicks: UInt64 = 0

    /// A polling worker claims a call in well under a microsecond; waiting longer means it was descheduled (its core
    /// taken by another job), and an exit is then the better bet: every microsecond spun here is lost on top of it.
    static let postedBudget: UInt64 = 5
    /// How long a claimed call is waited for by spinning before the guest exits to wait (``Hypercall/wasiAwait``):
    /// file reads and writes finish well within it; a sleep or a read from an idle pipe does not spin for long.
    static let claimedBudget: UInt64 = 200

    static func start(bootInfo: BootInfo) {
        address = UInt(bootInfo.wasiMailboxAddress)
        // Without the counter's frequency, assume 3 GHz: the budgets only trade spinning against exits.
        let ticksPerMicrosecond = bootInfo.tscFrequency == 0 ? 3000 : bootInfo.tscFrequency / 1_000_000
        postedBudgetTicks = postedBudget * ticksPerMicrosecond
        claimedBudgetTicks = claimedBudget * ticksPerMicrosecond
    }

    /// Whether the monitor gave a mailbox.
    static var isAvailable: Bool { address != 0 }

    /// Sends `request` through the mailbox or, failing that, with one exit; returns the call's errno.
    static func call(_ request: WASICallRequest) -> UInt64 {
        // SAFETY: the monitor reserves the mailbox page for this use inside guest memory (BootInfo); the guest has one
        // thread, so nothing else in the guest touches it.
        let page = UnsafeMutableRawPointer(bitPattern: address)!
        let record = page + Int(WASIMailbox.requestOffset)
        request.forEachWord { index, value in
            record.storeBytes(of: value.littleEndian, toByteOffset: index * 8, as: UInt64.self)
        }
        let state = (page + Int(WASIMailbox.stateOffset)).assumingMemoryBound(to: UInt64.self)
        let workerPolling = (page + Int(WASIMailbox.workerPollingOffset)).assumingMemoryBound(to: UInt64.self)
        if swiftlet_load_acquire64(workerPolling) != 0, servedByWorker(state) {
            return UInt64(littleEndian: page.load(fromByteOffset: Int(WASIMailbox.resultOffset), as: UInt64.self))
        }
        // Guest memory is below 4 GiB (SwiftletABI.maximumMemorySize).
        swiftlet_out32(Hypercall.wasi.port, UInt32(address) + UInt32(WASIMailbox.requestOffset))
        return UInt64(littleEndian: record.load(fromByteOffset: Int(WASICallRequest.errnoOffset), as: UInt64.self))
    }

    /// Posts the written request and waits for the worker; false if the call was withdrawn and must go by exit.
    private static func servedByWorker(_ state: UnsafeMutablePointer<UInt64>) -> Bool {
        swiftlet_store_release64(state, WASIMailbox.posted)
        let start = swiftlet_rdtsc()
        while true {
            let current = swiftlet_load_acquire64(state)
            // Left `done`: storing `idle` would only move the line back to this core once more per call.
            if current == WASIMailbox.done { return true }
            let waited = swiftlet_rdtsc() &- start
            if current == WASIMailbox.posted {
                // Exactly one of this swap and the worker's claim succeeds; a failed one means it was claimed.
                if waited > postedBudgetTicks,
                    swiftlet_compare_exchange64(state, WASIMailbox.posted, WASIMailbox.idle) != 0
                {
                    return false
                }
            } else if current == WASIMailbox.claimed {
                // Returns once the worker has finished; the state is then `done`.
                if waited > claimedBudgetTicks { swiftlet_out32(Hypercall.wasiAwait.port, 0) }
            } else {
                // The host never stores `idle`. Not reached; the exit path is always safe.
                return false
            }
            swiftlet_pause()
        }
    }
}
#endif
