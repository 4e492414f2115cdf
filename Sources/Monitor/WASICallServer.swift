import CSharedMemory
import Glibc
import Synchronization
import SwiftletABI

/// Serves the guest's forwarded WASI calls on two paths (see ``SwiftletABI/WASIMailbox``): the ``Hypercall/wasi``
/// exit, served on the vCPU thread, and the shared-memory mailbox, served by a worker thread while the guest spins,
/// with no exit at all. Both validate and serve a request with the same ``serve(_:)``.
///
/// The worker is started at the VM's first exit-served WASI call (a VM that never calls WASI never has a second
/// thread). It polls the mailbox for a window of time after it starts and after each call it serves, then sleeps
/// until the vCPU thread rings it at the next exit-served call. The window adapts to the guest's pauses between
/// calls (see ``PollingWindow``).
///
/// The handler is never run on two threads at once, whatever the guest does: every call to it holds the serving
/// lock, a host word the guest cannot reach. A well-behaved guest waits for each call, so the lock is then never
/// contended; a hostile one that posts a call and makes an exit call as well only waits for its own first call.
///
/// While the worker serves a call the guest runs, so a hostile guest can change its memory under the handler; the
/// handler's view (WASIHost's `LinearMemoryView`) bounds-checks every access, so that only ever garbles the guest's
/// own data.
final class WASICallServer: @unchecked Sendable {
    // @unchecked: `worker` is touched only by the vCPU thread; the words shared with the worker are the atomics in
    // `hostWords` and the mailbox, and `rejection` is a Mutex.

    let bounds: HypercallBounds
    let handler: HypercallDispatcher.WASIHandler?
    /// Wakes a handler blocked in the host (a sleep, a read) so that a stopping VM can join its worker.
    private let interrupt: (@Sendable () -> Void)?
    private let mailbox: Mailbox?
    /// Host-only words: [0] the serving lock (0 free, 1 held, 2 held with a waiter), [1] the worker's doorbell
    /// (1 while it sleeps), [2] stop (1 once the VM ends), [3] the CPU the worker last polled on. Futex words, so
    /// plain allocated memory, never the guest's.
    private let hostWords: UnsafeMutablePointer<UInt32>
    private var servingLock: UnsafeMutablePointer<UInt32> { hostWords }
    private var doorbell: UnsafeMutablePointer<UInt32> { hostWords + 1 }
    private var stopFlag: UnsafeMutablePointer<UInt32> { hostWords + 2 }
    private var workerCPU: UnsafeMutablePointer<UInt32> { hostWords + 3 }
    private var worker: pthread_t?
    /// A mailbox request that failed validation; the VM ends at the guest's next exit.
    private let rejectionState = Mutex<HypercallError?>(nil)
    private let mailboxCalls = Atomic<Int>(0)

    /// How long the worker polls after its last call before it sleeps, in nanoseconds. Polling takes a core, and a
    /// sleeping worker is woken by the next call's exit but takes a while to run again (far longer when another job
    /// holds its core), the calls until then all going by exit. So the window grows when the guest's next call came
    /// soon after the worker gave up (a pause it should have waited out: start-up work, a loop between I/O phases)
    /// and shrinks when it came long after (a guest that computes for long between calls).
    struct PollingWindow {
        static let shortest: UInt64 = 100_000
        static let longest: UInt64 = 4_000_000
        private(set) var nanoseconds: UInt64 = 1_000_000

        /// After a sleep of `slept` nanoseconds that ended with a call's exit.
        mutating func adapt(toSleepOf slept: UInt64) {
            nanoseconds = slept < 4 * nanoseconds
                ? min(2 * nanoseconds, Self.longest) : max(nanoseconds / 2, Self.shortest)
        }
    }

    /// Whether a worker can poll on a core of its own: with a single core it could only take turns with the vCPU,
    /// and the guest would spin in vain before every exit, so the VM then offers no mailbox.
    static let hasCoreForWorker = shm_allowed_cpu_count() > 1

    /// The mailbox page's words, in memory the guest shares. The pointers are into the VM's guest memory, which
    /// outlives the worker (MicroVM joins it before its memory can go); only CSharedMemory's atomics touch them.
    struct Mailbox {
        let memory: GuestMemoryView
        let address: GuestPhysicalAddress
        let state: UnsafeMutablePointer<UInt64>
        let workerPolling: UnsafeMutablePointer<UInt64>
        let result: UnsafeMutablePointer<UInt64>

        /// Nil unless the page lies inside `memory` and is aligned (the monitor places it, so this never fails).
        init?(memory: GuestMemoryView, address: GuestPhysicalAddress) {
            guard address.rawValue % WASIMailbox.size == 0,
                (try? memory.checkedOffset(address, count: WASIMailbox.size)) != nil,
                let state = memory.word(at: address.adding(WASIMailbox.stateOffset)!),
                let workerPolling = memory.word(at: address.adding(WASIMailbox.workerPollingOffset)!),
                let result = memory.word(at: address.adding(WASIMailbox.resultOffset)!)
            else { return nil }
            self.memory = memory
            self.address = address
            self.state = state
            self.workerPolling = workerPolling
            self.result = result
        }

        var requestAddress: GuestPhysicalAddress { address.adding(WASIMailbox.requestOffset)! }
    }

    init(
        bounds: HypercallBounds, handler: HypercallDispatcher.WASIHandler?, mailbox: Mailbox? = nil,
        interrupt: (@Sendable () -> Void)? = nil
    ) {
        self.bounds = bounds
        self.handler = handler
        self.mailbox = mailbox
        self.interrupt = interrupt
        // SAFETY: four words owned by this server, freed in deinit after the worker (their only other user) is joined.
        hostWords = .allocate(capacity: 4)
        hostWords.initialize(repeating: 0, count: 4)
        workerCPU.pointee = .max
    }

    deinit {
        stop()
        hostWords.deallocate()
    }

    /// Whether the guest may hand calls over through the mailbox page.
    var hasMailbox: Bool { mailbox != nil }

    /// The error that ended mailbox service, if a request failed validation.
    var rejection: HypercallError? { rejectionState.withLock { $0 } }

    /// Calls served through the mailbox so far.
    var mailboxCallCount: Int { mailboxCalls.load(ordering: .relaxed) }

    /// Validates `request` (its linear memory must lie where ``bounds`` admit) and answers it; the caller holds the
    /// serving lock and has copied the request out of guest memory, so nothing here reads the guest's words twice.
    func serve(_ request: WASICallRequest, memory: GuestMemoryView) throws(HypercallError) -> UInt64 {
        let linearMemory = try bounds.checkedLinearMemory(request.memoryAddress, size: request.memorySize)
        guard let handler else { return HypercallDispatcher.unimplementedWASIAnswer(request) }
        return try HypercallDispatcher.withLinearMemory(linearMemory, memory: memory) { bytes in
            handler(request.function, request.arguments, bytes)
        }
    }

    /// The exit path: serves `request` on the calling (vCPU) thread, then makes sure the worker polls for the next
    /// call. Nil if `deadline` passed while the worker still held the lock (only a hostile guest gets there).
    func serveExitCall(
        _ request: WASICallRequest, memory: GuestMemoryView, deadline: UInt64?
    ) throws(HypercallError) -> UInt64? {
        guard acquireServingLock(deadline: deadline) else { return nil }
        let answer = Result { () throws(HypercallError) in try serve(request, memory: memory) }
        releaseServingLock()
        wakeWorker()
        return try answer.get()
    }

    /// ``Hypercall/wasiAwait``: returns once the worker serves no call; false if `deadline` passed first.
    func awaitWorker(deadline: UInt64?) -> Bool {
        guard acquireServingLock(deadline: deadline) else { return false }
        releaseServingLock()
        return true
    }

    /// Ends mailbox service and joins the worker, interrupting a call it is blocked in. Idempotent.
    func stop() {
        shm_store32(stopFlag, 1)
        guard let thread = worker else { return }
        worker = nil
        // Paired with the worker's check of the stop flag after it takes the lock (both sequentially consistent):
        // either it sees the flag and serves nothing more, or the lock is seen held here and the call interrupted.
        if shm_load32(servingLock) != 0 { interrupt?() }
        shm_store32(doorbell, 0)
        shm_futex_wake(doorbell, 1)
        pthread_join(thread, nil)
    }

    // MARK: The worker

    /// Rings the worker after an exit-served call: started at the first, woken if it sleeps, and moved if it polls on
    /// this thread's core.
    private func wakeWorker() {
        guard let mailbox, shm_load32(stopFlag) == 0 else { return }
        guard let worker else {
            startWorker(mailbox)
            return
        }
        if shm_compare_exchange32(doorbell, 1, 0) != 0 {
            shm_futex_wake(doorbell, 1)
        } else if shm_load32(workerCPU) == UInt32(truncatingIfNeeded: shm_current_cpu()) {
            // The scheduler has since moved this (vCPU) thread onto the worker's core, where the two only take turns
            // (calls are withdrawn and come by exit, hence here): the worker moves off it.
            _ = shm_keep_off_current_cpu(worker)
        }
    }

    private func startWorker(_ mailbox: Mailbox) {
        // Unretained: the server joins the thread before it goes away (stop, at the latest in deinit).
        let context = Unmanaged.passUnretained(self).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { context in
            // SAFETY: `context` is the server, which outlives the thread (it joins it in stop()).
            Unmanaged<WASICallServer>.fromOpaque(context!).takeUnretainedValue().workerLoop()
            return nil
        }, context)
        // Without a worker the polling hint stays 0 and every call takes the exit path.
        guard status == 0 else { return }
        worker = thread
        // On the vCPU thread's core the worker would only poll while the guest cannot post, and the guest spin while
        // the worker cannot claim.
        _ = shm_keep_off_current_cpu(thread)
    }

    private func workerLoop() {
        guard let mailbox else { return }
        var window = PollingWindow()
        while shm_load32(stopFlag) == 0 {
            shm_store_release(mailbox.workerPolling, 1)
            var idleSince = Syscalls.monotonicNanoseconds()
            var spins = 0
            while shm_load32(stopFlag) == 0 {
                if shm_load_acquire(mailbox.state) == WASIMailbox.posted, serveMailboxCall(mailbox) {
                    idleSince = Syscalls.monotonicNanoseconds()
                    continue
                }
                shm_pause()
                spins += 1
                // A clock read costs tens of nanoseconds; a pause about as much.
                guard spins % 32 == 0 else { continue }
                shm_store32(workerCPU, UInt32(truncatingIfNeeded: shm_current_cpu()))
                if Syscalls.monotonicNanoseconds() - idleSince > window.nanoseconds { break }
            }
            shm_store_release(mailbox.workerPolling, 0)
            // A call posted just before the hint dropped is withdrawn by the guest after its budget and comes as an
            // exit, which rings the doorbell: nothing is lost, it is only slower.
            shm_store32(doorbell, 1)
            let sleptAt = Syscalls.monotonicNanoseconds()
            while shm_load32(doorbell) == 1, shm_load32(stopFlag) == 0 {
                _ = shm_futex_wait(doorbell, 1, 0)
            }
            window.adapt(toSleepOf: Syscalls.monotonicNanoseconds() - sleptAt)
        }
    }

    /// Claims and serves the posted call; false if the guest withdrew it, the vCPU thread is serving, or a rejected
    /// request ended mailbox service.
    private func serveMailboxCall(_ mailbox: Mailbox) -> Bool {
        guard shm_compare_exchange32(servingLock, 0, 1) != 0 else { return false }
        defer { releaseServingLock() }
        guard shm_load32(stopFlag) == 0, rejection == nil,
            shm_compare_exchange(mailbox.state, WASIMailbox.posted, WASIMailbox.claimed) != 0
        else { return false }
        do throws(HypercallError) {
            let request: WASICallRequest
            do {
                request = try mailbox.memory.load(WASICallRequest.self, at: mailbox.requestAddress)
            } catch {
                throw .requestOutsideGuestRegion(address: mailbox.requestAddress)
            }
            let errno = try serve(request, memory: mailbox.memory)
            // Atomic stores: the guest may be writing these words too (it must not, but nothing stops it).
            shm_store_release(mailbox.result, errno.littleEndian)
            shm_store_release(mailbox.state, WASIMailbox.done)
            mailboxCalls.add(1, ordering: .relaxed)
        } catch {
            // The state stays `claimed`: the guest's next exit (its await, at the latest) ends the VM.
            rejectionState.withLock { $0 = error }
        }
        return true
    }

    // MARK: The serving lock

    private func acquireServingLock(deadline: UInt64?) -> Bool {
        if shm_compare_exchange32(servingLock, 0, 1) != 0 { return true }
        // Contended: mark a waiter (2) and sleep until the holder's release wakes us or the deadline passes.
        while shm_exchange32(servingLock, 2) != 0 {
            if let deadline, RunDeadline.hasPassed(deadline) { return false }
            _ = shm_futex_wait(servingLock, 2, deadline ?? 0)
        }
        return true
    }

    private func releaseServingLock() {
        if shm_exchange32(servingLock, 0) == 2 { shm_futex_wake(servingLock, 1) }
    }
}
