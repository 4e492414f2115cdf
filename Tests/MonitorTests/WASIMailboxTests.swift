import Foundation
@testable import Monitor
import Synchronization
import SwiftletABI
import Testing

/// A WASI handler for the mailbox tests: `fd_read(fd, iovs, 1, nread)` writes `fd & 0xFF` into the first buffer's
/// first byte and `3 * fd` to `nread` and returns `fd % 7`; every call is logged. A call on `blockingFD` waits until
/// ``interrupt()`` (or ten seconds) and then returns EINTR, as WASIHost's blocking calls do.
final class RecordingWASIHandler: Sendable {
    static let fdRead = WASIFunction.number(of: "fd_read")!
    let blockingFD: UInt64?
    let calls = Mutex<[[UInt64]]>([])
    private let wake = DispatchSemaphore(value: 0)
    private let interruption = Atomic<Bool>(false)

    var wasInterrupted: Bool { interruption.load(ordering: .sequentiallyConsistent) }

    init(blockingFD: UInt64? = nil) {
        self.blockingFD = blockingFD
    }

    var handler: HypercallDispatcher.WASIHandler {
        { function, arguments, memory in self.answer(function, arguments, memory) }
    }

    func interrupt() {
        interruption.store(true, ordering: .sequentiallyConsistent)
        wake.signal()
    }

    private func answer(_ function: UInt64, _ arguments: [UInt64], _ memory: UnsafeMutableRawBufferPointer) -> UInt64 {
        calls.withLock { $0.append([function] + arguments.prefix(4)) }
        guard function == Self.fdRead else { return WASIErrno.notImplemented }
        let fd = arguments[0]
        if fd == blockingFD {
            _ = wake.wait(timeout: .now() + 10)
            return 27  // EINTR
        }
        let iovec = Int(arguments[1])
        let resultPointer = Int(arguments[3])
        guard iovec + 8 <= memory.count, resultPointer + 4 <= memory.count else { return WASIErrno.fault }
        let buffer = Int(memory.loadUnaligned(fromByteOffset: iovec, as: UInt32.self))
        guard buffer < memory.count else { return WASIErrno.fault }
        memory[buffer] = UInt8(truncatingIfNeeded: fd)
        memory.storeBytes(of: UInt32(truncatingIfNeeded: fd * 3), toByteOffset: resultPointer, as: UInt32.self)
        return fd % 7
    }

    /// The exit status of ``WASIMailboxTests/fdReadLoop`` under this handler: the low byte of the sum of every
    /// call's errno, `nread` and buffer byte.
    static var expectedLoopStatus: UInt32 {
        var sum: UInt64 = 0
        for fd in UInt64(0)..<500 { sum += fd % 7 + 3 * fd + (fd & 0xFF) }
        return UInt32(sum & 0xFF)
    }
}

@Suite("WASI calls through the mailbox", .serialized, .enabled(if: kvmAvailable, kvmUnavailableReason))
struct WASIMailboxTests {
    /// (module (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
    ///   (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32))) (memory (export "memory") 1)
    ///   (func (export "_start") (local $fd i32) (local $sum i32)
    ///     (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 16))
    ///     (loop $next
    ///       (local.set $sum (i32.add (local.get $sum)
    ///         (call $read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 32))))
    ///       (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 32))))
    ///       (local.set $sum (i32.add (local.get $sum) (i32.load8_u (i32.const 64))))
    ///       (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
    ///       (br_if $next (i32.lt_u (local.get $fd) (i32.const 500))))
    ///     (call $exit (i32.and (local.get $sum) (i32.const 255)))))
    static let fdReadLoop: [UInt8] = [
        0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x10, 0x03, 0x60, 0x04, 0x7F, 0x7F, 0x7F, 0x7F, 0x01, 0x7F, 0x60,
        0x01, 0x7F, 0x00, 0x60, 0x00, 0x00, 0x02, 0x45, 0x02, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5F, 0x73, 0x6E, 0x61, 0x70, 0x73,
        0x68, 0x6F, 0x74, 0x5F, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x07, 0x66, 0x64, 0x5F, 0x72, 0x65, 0x61, 0x64,
        0x00, 0x00, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5F, 0x73, 0x6E, 0x61, 0x70, 0x73, 0x68, 0x6F, 0x74, 0x5F, 0x70, 0x72, 0x65,
        0x76, 0x69, 0x65, 0x77, 0x31, 0x09, 0x70, 0x72, 0x6F, 0x63, 0x5F, 0x65, 0x78, 0x69, 0x74, 0x00, 0x01, 0x03, 0x02, 0x01,
        0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x13, 0x02, 0x06, 0x6D, 0x65, 0x6D, 0x6F, 0x72, 0x79, 0x02, 0x00, 0x06, 0x5F,
        0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x02, 0x0A, 0x53, 0x01, 0x51, 0x01, 0x02, 0x7F, 0x41, 0x00, 0x41, 0xC0, 0x00, 0x36,
        0x02, 0x00, 0x41, 0x04, 0x41, 0x10, 0x36, 0x02, 0x00, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x41, 0x00, 0x41, 0x01, 0x41,
        0x20, 0x10, 0x00, 0x6A, 0x21, 0x01, 0x20, 0x01, 0x41, 0x20, 0x28, 0x02, 0x00, 0x6A, 0x21, 0x01, 0x20, 0x01, 0x41, 0xC0,
        0x00, 0x2D, 0x00, 0x00, 0x6A, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6A, 0x21, 0x00, 0x20, 0x00, 0x41, 0xF4, 0x03, 0x49,
        0x0D, 0x00, 0x0B, 0x20, 0x01, 0x41, 0xFF, 0x01, 0x71, 0x10, 0x01, 0x0B,
    ]

    static func runLoop(
        mailbox: Bool, handler: RecordingWASIHandler, timeLimit: Duration = .seconds(20)
    ) throws -> MicroVMResult {
        var configuration = MicroVMConfiguration()
        configuration.memorySize = 64 << 20
        configuration.run = GuestRun(module: fdReadLoop)
        configuration.wasiHandler = handler.handler
        configuration.wasiMailbox = mailbox
        configuration.wasiInterrupt = { handler.interrupt() }
        var vm = try MicroVM(system: try KVMSystem(), kernel: KernelImage(elf: kernelBytes!), configuration: configuration)
        #expect((vm.bootInfo.wasiMailboxAddress != 0) == (mailbox && WASICallServer.hasCoreForWorker))
        return try vm.run(timeLimit: timeLimit)
    }

    @Test("calls served through the mailbox give the same answers, memory and order as through exits",
        .enabled(if: kernelBytes != nil, kernelMissingReason))
    func mailboxMatchesExits() throws {
        let throughExits = RecordingWASIHandler()
        let exitsResult = try Self.runLoop(mailbox: false, handler: throughExits)
        #expect(exitsResult.outcome == .exited(status: RecordingWASIHandler.expectedLoopStatus))
        #expect(exitsResult.mailboxCallCount == 0)
        #expect(exitsResult.exitCount == 501)  // 500 calls and proc_exit

        let throughMailbox = RecordingWASIHandler()
        let mailboxResult = try Self.runLoop(mailbox: true, handler: throughMailbox)
        #expect(mailboxResult.outcome == .exited(status: RecordingWASIHandler.expectedLoopStatus))
        #expect(throughMailbox.calls.withLock { $0 } == throughExits.calls.withLock { $0 })
        #expect(throughMailbox.calls.withLock { $0.count } == 500)
        // Each call went one way or the other; the worker, started by the first, served some without an exit (how
        // many depends on how busy this machine's cores are).
        #expect(mailboxResult.exitCount + mailboxResult.mailboxCallCount >= 501)
        if WASICallServer.hasCoreForWorker { #expect(mailboxResult.mailboxCallCount > 0) }
    }

    @Test("--timeout stops a run whose WASI call blocks, through the mailbox or an exit",
        .enabled(if: kernelBytes != nil, kernelMissingReason))
    func blockingCallTimesOut() throws {
        let handler = RecordingWASIHandler(blockingFD: 300)
        // As `swiftlet run` does: a call blocked on the vCPU thread (the exit path) is woken just after the deadline;
        // one blocked in the worker is interrupted by the end of the run itself (the raw-guest tests pin that down).
        Thread.detachNewThread {
            usleep(350_000)
            handler.interrupt()
        }
        let start = ContinuousClock.now
        let result = try Self.runLoop(mailbox: true, handler: handler, timeLimit: .milliseconds(300))
        guard case .timedOut = result.outcome else {
            Issue.record("expected a time-out, got \(result.outcome)")
            return
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(handler.wasInterrupted)
    }

    @Test("many VMs with a WASI worker each leave no thread or descriptor behind",
        .enabled(if: kernelBytes != nil, kernelMissingReason))
    func noThreadOrDescriptorLeak() throws {
        for _ in 0..<3 { _ = try Self.runLoop(mailbox: true, handler: RecordingWASIHandler()) }
        let threadsBefore = threadCount()
        let descriptorsBefore = openDescriptorCount()
        for _ in 0..<100 {
            let result = try Self.runLoop(mailbox: true, handler: RecordingWASIHandler())
            #expect(result.outcome == .exited(status: RecordingWASIHandler.expectedLoopStatus))
        }
        // Other suites start and end threads and descriptors concurrently (servers, their clients and connections:
        // dozens at a time); a leak would add at least one per VM, 100 in all.
        #expect(threadCount() <= threadsBefore + 50)
        #expect(openDescriptorCount() <= descriptorsBefore + 50)
    }
}

/// Raw-code guests that drive the mailbox directly: the kernel would never post a bad request or stop waiting.
@Suite("WASI mailbox against raw guests", .serialized, .enabled(if: kvmAvailable, kvmUnavailableReason),
    .enabled(if: WASICallServer.hasCoreForWorker, "the mailbox needs a second core"))
struct WASIMailboxRawGuestTests {
    /// A valid exit-path request, which starts the worker, at this address; linear memory just above it.
    static let exitRequestAddress: UInt64 = 0x100_0000
    static let linearMemory: UInt64 = 0x101_0000

    /// A VM whose guest first makes one `wasi` exit (fd_read on fd 1 with an iovec at 0) and then runs `rest`, with
    /// `posted` already waiting in the mailbox.
    static func makeVM(
        posted: WASICallRequest, rest: [UInt8], handler: RecordingWASIHandler
    ) throws -> MicroVM {
        let code = X86.out32(port: Hypercall.wasi.port, value: UInt32(exitRequestAddress)) + rest
        var configuration = MicroVMConfiguration()
        configuration.wasiHandler = handler.handler
        configuration.wasiInterrupt = { handler.interrupt() }
        let vm = try MicroVM(
            system: try KVMSystem(), kernel: KernelImage(code: code, loadAddress: codeAddress),
            configuration: configuration)
        let mailbox = vm.bootInfo.wasiMailboxAddress
        #expect(mailbox != 0)
        try vm.memory.store(
            WASICallRequest(
                function: RecordingWASIHandler.fdRead, memoryAddress: linearMemory, memorySize: 65536,
                arguments: [1, 0, 1, 32]),
            at: GuestPhysicalAddress(exitRequestAddress))
        try vm.memory.store(UInt64(64), at: GuestPhysicalAddress(linearMemory))  // the iovec: buffer 64, length 0
        try vm.memory.store(posted, at: GuestPhysicalAddress(mailbox + WASIMailbox.requestOffset))
        try vm.memory.store(WASIMailbox.posted, at: GuestPhysicalAddress(mailbox + WASIMailbox.stateOffset))
        return vm
    }

    static func fdRead(fd: UInt64, memoryAddress: UInt64 = linearMemory, memorySize: UInt64 = 65536) -> WASICallRequest {
        WASICallRequest(
            function: RecordingWASIHandler.fdRead, memoryAddress: memoryAddress, memorySize: memorySize,
            arguments: [fd, 0, 1, 32])
    }

    static let spinForever: [UInt8] = [0xEB, 0xFE]
    /// `L: out (wasiAwait); jmp L` (the jump is 13 bytes back, over itself and the 11-byte `out` sequence)
    static let awaitForever = X86.out32(port: Hypercall.wasiAwait.port, value: 0) + [0xEB, 0xF3]

    @Test("--timeout stops a guest that spins, or waits with wasiAwait, while the worker blocks in its call",
        arguments: ["spin", "await"])
    func blockingCallTimesOut(guest: String) throws {
        let handler = RecordingWASIHandler(blockingFD: 5)
        var vm = try Self.makeVM(
            posted: Self.fdRead(fd: 5), rest: guest == "spin" ? Self.spinForever : Self.awaitForever, handler: handler)
        let start = ContinuousClock.now
        let result = try vm.run(timeLimit: .milliseconds(300))
        guard case .timedOut = result.outcome else {
            Issue.record("expected a time-out, got \(result.outcome)")
            return
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        // The run's end interrupted the worker's call and joined the worker.
        #expect(handler.wasInterrupted)
        #expect(handler.calls.withLock { $0.map { $0[1] } } == [1, 5])
        // Waiting in wasiAwait blocks the vCPU thread: far fewer exits than a loop of them for 300 ms (~10,000). Until
        // the newly started worker claims the call, each wasiAwait returns at once, and on a loaded machine that takes
        // a while, so the bound is loose.
        if guest == "await" { #expect(result.exitCount < 1000) }
    }

    @Test("a mailbox request outside the guest's memory ends the VM at the guest's next exit, unserved",
        arguments: [
            (UInt64(0x1000), UInt64(16)),  // the monitor's page tables
            (UInt64(0x3FF_FFF0), UInt64(65536)),  // crosses the end of the 64 MiB guest memory
            (UInt64.max - 8, UInt64(16)),  // wraps the address space
        ])
    func hostileRequestIsRejected(memoryAddress: UInt64, memorySize: UInt64) throws {
        let handler = RecordingWASIHandler()
        var vm = try Self.makeVM(
            posted: Self.fdRead(fd: 9, memoryAddress: memoryAddress, memorySize: memorySize), rest: Self.awaitForever,
            handler: handler)
        let result = try vm.run(timeLimit: .seconds(10))
        let awaitEnd = codeAddress.rawValue + UInt64(2 * X86.out32(port: 0, value: 0).count)
        #expect(result.outcome == .rejectedHypercall(
            .bufferOutsideGuestRegion(address: GuestPhysicalAddress(memoryAddress), length: memorySize), rip: awaitEnd))
        #expect(handler.calls.withLock { $0.map { $0[1] } } == [1])
    }
}

/// The worker against a hostile mailbox, with no VM: this thread plays the guest.
@Suite("WASI mailbox worker", .serialized, .enabled(if: WASICallServer.hasCoreForWorker, "the mailbox needs a second core"))
struct WASIMailboxWorkerTests {
    static let memorySize: UInt64 = 8 << 20
    static let guestRegion = GuestRange(
        start: GuestPhysicalAddress(SwiftletABI.guestRegionStart), length: memorySize - SwiftletABI.guestRegionStart)!
    static let mailboxAddress = GuestPhysicalAddress(0x30_0000)
    static let linearMemory: UInt64 = 0x40_0000

    /// Starts a worker (with an exit-path call on fd 1) and posts `request` with `state`; returns what became of it.
    /// As a guest would fall back to an exit, another exit-path call wakes the worker if it has gone to sleep.
    static func post(
        _ request: WASICallRequest, state: UInt64 = WASIMailbox.posted, handler: HypercallDispatcher.WASIHandler?
    ) throws -> (state: UInt64, errno: UInt64, rejection: HypercallError?) {
        let memory = try GuestMemory(size: memorySize)
        let mailbox = try #require(WASICallServer.Mailbox(memory: memory.sharedView, address: mailboxAddress))
        let server = WASICallServer(bounds: HypercallBounds(guestRegion: guestRegion), handler: handler, mailbox: mailbox)
        func exitCall() throws {
            _ = try server.serveExitCall(
                WASIMailboxRawGuestTests.fdRead(fd: 1, memoryAddress: linearMemory), memory: memory.sharedView,
                deadline: nil)
        }
        try exitCall()
        let requestAddress = mailboxAddress.adding(WASIMailbox.requestOffset)!
        try memory.store(request, at: requestAddress)
        try memory.store(state, at: mailboxAddress)
        // A posted call is claimed within microseconds of the worker's polling; another state is never touched.
        let deadline = ContinuousClock.now + (state == WASIMailbox.posted ? .seconds(2) : .milliseconds(100))
        while ContinuousClock.now < deadline, try memory.load(UInt64.self, at: mailboxAddress) == state,
            server.rejection == nil
        {
            usleep(1000)
            try exitCall()
        }
        // The worker is joined before the memory it reads goes away.
        server.stop()
        return (try memory.load(UInt64.self, at: mailboxAddress),
            try memory.load(UInt64.self, at: mailboxAddress.adding(WASIMailbox.resultOffset)!), server.rejection)
    }

    @Test("a posted call is claimed, answered and marked done")
    func servesPostedCall() throws {
        let outcome = try Self.post(
            WASIMailboxRawGuestTests.fdRead(fd: 12, memoryAddress: Self.linearMemory),
            handler: RecordingWASIHandler().handler)
        #expect(outcome.state == WASIMailbox.done)
        #expect(outcome.errno == 12 % 7)
        #expect(outcome.rejection == nil)
    }

    @Test("bad linear-memory ranges are rejected and never reach the handler", arguments: [
        (UInt64(0x1000), UInt64(16)),  // the monitor's page tables
        (memorySize - 2, UInt64(5)),  // crosses the end of guest memory
        (UInt64(0x30_0000), UInt64.max),  // length wraps the address space
        (UInt64.max - 1, UInt64(4)),  // address + length overflows
    ])
    func rejectsBadRanges(address: UInt64, length: UInt64) throws {
        let handler = RecordingWASIHandler()
        let outcome = try Self.post(
            WASIMailboxRawGuestTests.fdRead(fd: 3, memoryAddress: address, memorySize: length), handler: handler.handler)
        #expect(outcome.rejection == .bufferOutsideGuestRegion(address: GuestPhysicalAddress(address), length: length))
        #expect(outcome.state == WASIMailbox.claimed)
        #expect(handler.calls.withLock { $0.allSatisfy { $0[1] == 1 } })  // only the exit-path calls
    }

    @Test("a state word the protocol does not define is left alone", arguments: [UInt64(4), 77, .max])
    func ignoresGarbageState(state: UInt64) throws {
        let handler = RecordingWASIHandler()
        let outcome = try Self.post(
            WASIMailboxRawGuestTests.fdRead(fd: 3, memoryAddress: Self.linearMemory), state: state,
            handler: handler.handler)
        #expect(outcome.state == state)
        #expect(outcome.rejection == nil)
        #expect(handler.calls.withLock { $0.allSatisfy { $0[1] == 1 } })  // only the exit-path calls
    }

    @Test("an unknown function number gets the same answer as through an exit")
    func unknownFunction() throws {
        var request = WASIMailboxRawGuestTests.fdRead(fd: 3, memoryAddress: Self.linearMemory)
        request.function = 9999
        let outcome = try Self.post(request, handler: nil)
        #expect(outcome.state == WASIMailbox.done)
        #expect(outcome.errno == HypercallDispatcher.unimplementedWASIAnswer(request))
        #expect(outcome.errno == WASIErrno.notImplemented)
    }
}

@Suite("WASI mailbox worker's polling window")
struct PollingWindowTests {
    @Test("grows when the next call came soon after the worker gave up, shrinks when it came long after, within bounds")
    func adapts() {
        var window = WASICallServer.PollingWindow()
        let start = window.nanoseconds
        window.adapt(toSleepOf: start)
        #expect(window.nanoseconds == 2 * start)
        window.adapt(toSleepOf: 100 * window.nanoseconds)
        #expect(window.nanoseconds == start)
        for _ in 0..<20 { window.adapt(toSleepOf: 0) }
        #expect(window.nanoseconds == WASICallServer.PollingWindow.longest)
        for _ in 0..<20 { window.adapt(toSleepOf: 1_000_000_000) }
        #expect(window.nanoseconds == WASICallServer.PollingWindow.shortest)
    }
}

/// The number of threads of this process.
func threadCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
}
