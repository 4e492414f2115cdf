import CKVM
import SwiftletABI

/// Settings of one micro-VM.
public struct MicroVMConfiguration: Sendable {
    /// Guest memory in bytes; a multiple of 2 MiB, at most 4 GiB. Untouched memory costs the host nothing.
    public var memorySize: UInt64 = 64 << 20
    public var stackSize: UInt64 = 256 << 10
    /// Console bytes kept; the rest is dropped and ``MicroVMResult/consoleTruncated`` set.
    public var consoleLimit = 1 << 20
    /// Passed to the kernel in ``BootInfo/requestedExitStatus``.
    public var requestedExitStatus: UInt32 = 0
    /// The key of the guest's CSPRNG (``BootInfo/randomKey``); nil draws a fresh one from the host's getrandom for
    /// every VM booted, restored or reset with this configuration, so that no two see the same random bytes.
    public var randomKey: (UInt64, UInt64, UInt64, UInt64)?
    /// Whether the guest answers clock calls from its time-stamp counter (no exit); otherwise they go to the host.
    public var guestClocks = true
    /// The module the kernel runs; nil boots the kernel's self-test.
    public var run: GuestRun?
    /// Where the guest's stdout and stderr go.
    public var output: HypercallDispatcher.Output = .capture
    /// Answers the WASI calls the kernel forwards (all but fd_write to stdout/stderr, args, environ, proc_exit).
    public var wasiHandler: HypercallDispatcher.WASIHandler?
    /// Calls the host functions that serve the module's imports other than WASI's. With one, a booted kernel links
    /// every such function import to a host call (``BootInfo/linksHostFunctions``), so the caller checks first that
    /// each has a host function of its type; without one, those imports are unknown to the kernel. A VM restored from
    /// a snapshot keeps the links its kernel made at the capture.
    public var hostCallHandler: HypercallDispatcher.HostCallHandler?
    /// Whether forwarded WASI calls may go through the ``SwiftletABI/WASIMailbox`` to a worker thread, without an
    /// exit each; off, every call is a ``Hypercall/wasi`` exit served on the vCPU thread.
    public var wasiMailbox = true
    /// Wakes a ``wasiHandler`` call blocked in the host (a sleep, a read), from another thread: the VM calls it when
    /// it ends while its mailbox worker is in such a call, so that it can join the worker (WASIHost's interrupt
    /// handle does this). Without it, the end of the VM waits for the call to return.
    public var wasiInterrupt: (@Sendable () -> Void)?
    /// Where the kernel stops for the monitor to capture the VM (see ``MicroVM/runToSnapshot(timeLimit:)``). Restores
    /// and resets take the snapshot's.
    public var snapshotPoint = SnapshotPoint.none
    /// Whether the kernel translates every function of the module before an ``SnapshotPoint/afterInitialization``
    /// capture (``BootInfo/translatesAllFunctions``), so that runs restored from the snapshot translate none.
    public var translatesAllFunctionsBeforeSnapshot = false
    /// Bytes reserved at the top of guest memory, with a snapshot point, for the inputs of runs restored from the
    /// snapshot (arguments, environment, the export to invoke): untouched until a restore writes there.
    public var runInputsCapacity: UInt64 = 1 << 20
    /// Whether the guest's memory above the kernel is backed by 2 MiB transparent huge pages (see `hugePageRange`): a
    /// faster start (one fault per 2 MiB touched), for up to ~2 MiB more resident memory per huge page the guest has
    /// only begun to use. Off, only the 4 KiB pages the guest touches count, which packs more VMs in a host's memory.
    public var backsGuestWithHugePages = true
    /// Where the bytes the run's hooks emit go (a host descriptor, the caller's); nil drops them.
    public var hookOutput: Int32?
    /// Told of each failure of a hook the run goes on after (the kernel reports a hook's 1st, 10th, 100th... failure).
    public var hookFailureReport: @Sendable (String) -> Void = { _ in }
    /// How a VM restored from a snapshot gets its memory (see ``RestoredMemory``).
    public var restoredMemory = RestoredMemory.copyOnWrite
    /// Bytes of the heap's end set aside for the machine code the kernel compiles (a ``CodeArena``): a multiple of
    /// 2 MiB, at most 512 MiB; 0 (none) makes the kernel run modules in the interpreter. Untouched until code is sealed.
    public var codeArenaSize: UInt64 = 0

    public init() {}
}

/// The memory of a VM restored from a snapshot.
public enum RestoredMemory: Sendable {
    /// The snapshot's memfd mapped privately: nothing copied, pages no VM writes shared by all through the page cache,
    /// but each page the guest touches is a 4 KiB host page, so a shadow-page fault of its own.
    case copyOnWrite
    /// The snapshot's data copied into anonymous memory backed by 2 MiB transparent huge pages: the guest faults once
    /// per 2 MiB it touches, for a copy of the snapshot and the huge pages' memory per VM.
    case copiedIntoHugePages
}

/// How a guest run ended.
public enum MicroVMOutcome: Equatable, Sendable {
    /// The guest made the exit hypercall.
    case exited(status: UInt32)
    /// The guest stopped in a way it cannot recover from (an exception, an unhandled exit), at `rip`.
    case fault(VCPUExit, rip: UInt64)
    /// The guest made a malformed hypercall, at `rip`.
    case rejectedHypercall(HypercallError, rip: UInt64)
    /// The run's time limit passed; the guest was stopped at `rip`.
    case timedOut(rip: UInt64)
    /// The guest reported a failed run: a trap, an invalid or unlinkable module.
    case failed(GuestFailure)
    /// The kernel ran out of heap allocating `requested` bytes (saturated to 32 bits).
    case outOfMemory(requested: UInt32)
}

public struct MicroVMResult: Sendable {
    public let outcome: MicroVMOutcome
    /// The guest's stdout (its console and fd 1) and stderr, when captured.
    public let console: [UInt8]
    public let errorOutput: [UInt8]
    public let consoleTruncated: Bool
    /// The invoked export's results, if the guest sent them.
    public let invokeResults: [ABIValue]?
    /// Whether the guest reported the module's bodies valid (``Hypercall/moduleValidated``).
    public let moduleValidated: Bool
    /// When the guest called the module's `_start` (or the invoked export), in CLOCK_MONOTONIC nanoseconds, as the
    /// guest reports it (``BootInfo/moduleStartCounter``); nil if it never did or its clock is unknown.
    public let moduleStartTime: UInt64?
    /// Number of `KVM_RUN` returns, the dominant cost on machines where an exit is slow.
    public let exitCount: Int
    /// WASI calls served through the mailbox, without an exit.
    public let mailboxCallCount: Int
    /// The VM's ``CodeArena``, where the kernel put the machine code it compiled: a fault there is the compiled code's.
    public let codeArena: GuestRange
}

/// Failures of the host side while setting up or running a VM (not the guest's misbehaviour, which is a
/// ``MicroVMOutcome``).
public enum MicroVMError: Error, Equatable, Sendable, CustomStringConvertible {
    case kvm(KVMError)
    case memory(GuestMemoryError)
    case image(KernelImageError)
    case unsupportedMemorySize(UInt64)
    case unsupportedCodeArenaSize(UInt64)
    /// The kernel image, stack, boot info and heap do not fit in guest memory.
    case kernelTooLarge(kernelEnd: UInt64, memorySize: UInt64)
    /// The timer enforcing a run's time limit could not be set up.
    case timer(Errno)
    case run(GuestRunError)
    case snapshot(VMSnapshotError)
    /// The host's getrandom failed to give the guest's random key.
    case entropy(Errno)

    public var description: String {
        switch self {
        case .kvm(let error): "\(error)"
        case .memory(let error): "\(error)"
        case .image(let error): "\(error)"
        case .unsupportedMemorySize(let size):
            "memory size \(size) is not a multiple of 2 MiB between \(SwiftletABI.guestRegionStart) and "
                + "\(SwiftletABI.maximumMemorySize)"
        case .unsupportedCodeArenaSize(let size):
            "code arena size \(size) is not a multiple of 2 MiB up to \(CodeArena.maximumSize)"
        case .run(let error): "\(error)"
        case .snapshot(let error): "\(error)"
        case .entropy(let errno): "cannot draw the guest's random key: \(errno)"
        case .timer(let errno):
            "cannot set up the run time limit: \(errno)"
        case .kernelTooLarge(let kernelEnd, let memorySize):
            "kernel ending at 0x\(String(kernelEnd, radix: 16)) leaves no room for its stack and heap in "
                + "\(memorySize) bytes"
        }
    }
}

/// One guest: its memory, VM and single vCPU, set up to enter the kernel in long mode at CPL3.
///
/// Guest-physical layout: the monitor's tables below ``SwiftletABI/guestRegionStart``, then the kernel image, an
/// unmapped 2 MiB guard, its stack, one page of ``BootInfo``, one page for the ``SwiftletABI/WASIMailbox``, the
/// run's inputs, the heap, the ``CodeArena`` (whole large pages, when asked for), and with a snapshot point the inputs
/// of restored runs at the end of memory.
///
/// A VM is booted from a kernel image, restored from a ``VMSnapshot``, or reset to one after a run (a warm pool's
/// VM); MicroVM+Snapshot.swift has the last two.
public struct MicroVM: ~Copyable {
    // Dropped together, in an order Swift does not specify; every order is safe: KVM keeps a VM alive while a
    // vCPU fd refers to it, and the guest cannot run any more once its MicroVM is being destroyed, so a memory
    // slot briefly pointing at unmapped memory is never used.
    let vcpu: VirtualCPU
    let vm: VirtualMachine
    var memory: GuestMemory
    /// The boot info of the current run, as the monitor wrote it.
    public internal(set) var bootInfo: BootInfo
    public internal(set) var layout: VMSnapshotLayout
    public var bootInfoAddress: GuestPhysicalAddress { layout.bootInfoAddress }
    var hypercalls: HypercallDispatcher
    var exitCount = 0
    /// The guest's time-stamp counter and CLOCK_MONOTONIC as the monitor paired them before the first run (kept here:
    /// their copies in boot info are the guest's to overwrite).
    var clockBase: (counter: UInt64, monotonic: UInt64)?
    /// The snapshot this VM's guest will ask for, and the kernel it runs; nil once taken, and in restored VMs.
    var pendingSnapshot: (point: SnapshotPoint, kernel: KernelIdentity)?
    /// The snapshot captured by ``run(timeLimit:)`` on its way, until ``takeSnapshot()``.
    var capturedSnapshot: VMSnapshot?

    public init(
        system: borrowing KVMSystem, kernel: KernelImage, configuration: MicroVMConfiguration = .init()
    ) throws(MicroVMError) {
        guard LongModeSetup.isSupportedMemorySize(configuration.memorySize) else {
            throw .unsupportedMemorySize(configuration.memorySize)
        }
        guard CodeArena.isSupportedSize(configuration.codeArenaSize) else {
            throw .unsupportedCodeArenaSize(configuration.codeArenaSize)
        }
        let memory = try wrap { () throws(GuestMemoryError) in try GuestMemory(size: configuration.memorySize) }
        let guestRegion = GuestRange(
            start: GuestPhysicalAddress(SwiftletABI.guestRegionStart),
            length: configuration.memorySize - SwiftletABI.guestRegionStart)!
        // Loading first validates every segment against guest memory, so the layout below works with an image end
        // that is at most the memory size (4 GiB) and its arithmetic cannot overflow.
        try wrap { () throws(KernelImageError) in try kernel.load(into: memory, allowedRange: guestRegion) }
        let page = GuestMemory.pageSize
        // A 2 MiB large page left unmapped between the kernel and its stack: a stack overflow faults there
        // (the run ends as a guest fault) instead of silently overwriting the kernel's data.
        let largePage = LongModeSetup.largePageSize
        let stackGuard = (kernel.end + largePage - 1) / largePage * largePage
        let stackBottom = stackGuard + largePage
        let stackPages = configuration.stackSize / page + (configuration.stackSize % page == 0 ? 0 : 1)
        let stackTop = stackBottom + min(stackPages, configuration.memorySize / page) * page
        let mailboxAddress = GuestPhysicalAddress(stackTop + page)
        let payloadStart = stackTop + 2 * page
        // The restored runs' inputs end memory, where the heap's last pages would be: only a restore writes there.
        let reserved = configuration.snapshotPoint == .none
            ? 0 : (min(configuration.runInputsCapacity, configuration.memorySize) + page - 1) / page * page
        let usableEnd = configuration.memorySize - reserved
        // The arena ends at the last large page boundary below the reserved inputs; the heap ends where it starts.
        let arenaEnd = usableEnd / largePage * largePage
        let heapEnd = configuration.codeArenaSize == 0 ? usableEnd : arenaEnd - min(arenaEnd, configuration.codeArenaSize)
        guard stackPages <= configuration.memorySize / page, stackBottom < configuration.memorySize,
            payloadStart < heapEnd,
            (stackGuard - SwiftletABI.guestRegionStart) / largePage <= LongModeSetup.maximumKernelTableCount
        else {
            throw .kernelTooLarge(kernelEnd: kernel.end, memorySize: configuration.memorySize)
        }
        // Before the monitor writes the boot info and the inputs: a page touched first as a small page stays one.
        if configuration.backsGuestWithHugePages {
            memory.adviseHugePages(Self.hugePageRange(stackBottom: stackBottom, memorySize: configuration.memorySize))
        }
        let randomKey = if let key = configuration.randomKey { key } else { try Self.freshRandomKey() }
        var bootInfo = BootInfo(
            memorySize: configuration.memorySize, heapStart: payloadStart,
            heapSize: heapEnd - payloadStart, stackTop: stackTop, randomKey: randomKey,
            requestedExitStatus: UInt64(configuration.requestedExitStatus))
        if let run = configuration.run {
            let payloadEnd: UInt64
            do {
                payloadEnd = try run.place(at: payloadStart, limit: heapEnd, into: &bootInfo, memory: memory)
            } catch {
                throw .run(error)
            }
            let heapStart = (payloadEnd + page - 1) / page * page
            guard heapStart < heapEnd else {
                throw .run(.doesNotFit(bytes: payloadEnd - payloadStart, limit: heapEnd))
            }
            bootInfo.heapStart = heapStart
            bootInfo.heapSize = heapEnd - heapStart
        }
        bootInfo.snapshotPoint = configuration.snapshotPoint.rawValue
        bootInfo.linksHostFunctions = configuration.hostCallHandler == nil ? 0 : 1
        bootInfo.translatesAllFunctions = configuration.translatesAllFunctionsBeforeSnapshot ? 1 : 0
        bootInfo.runInputsAddress = reserved == 0 ? 0 : usableEnd
        bootInfo.runInputsSize = reserved
        let layout = VMSnapshotLayout(
            memorySize: configuration.memorySize, bootInfoAddress: GuestPhysicalAddress(stackTop),
            mailboxAddress: mailboxAddress, runInputs: GuestRange(start: GuestPhysicalAddress(usableEnd), length: reserved)!,
            codeArena: GuestRange(start: GuestPhysicalAddress(heapEnd), length: configuration.codeArenaSize == 0 ? 0 : arenaEnd - heapEnd)!)
        bootInfo.codeArenaAddress = layout.codeArena.length == 0 ? 0 : layout.codeArena.start.rawValue
        bootInfo.codeArenaSize = layout.codeArena.length
        var hypercalls = Self.dispatcher(layout: layout, memory: memory, configuration: configuration)
        if bootInfo.hookOutputAddress != 0 {
            hypercalls.hooks = HookChannel(
                region: GuestRange(start: GuestPhysicalAddress(bootInfo.hookOutputAddress), length: HookOutputRegion.size)!,
                descriptor: configuration.hookOutput, reportFailure: configuration.hookFailureReport)
        }
        bootInfo.wasiMailboxAddress = hypercalls.wasi.hasMailbox ? mailboxAddress.rawValue : 0

        let vm = try wrap { () throws(KVMError) in try system.createVM() }
        try wrap { () throws(KVMError) in try vm.setUserMemoryRegion(slot: 0, memory: memory) }
        // Only an optimization (see enableSplitIRQChip): a KVM without the capability runs the guest the same.
        try? vm.enableSplitIRQChip()
        let vcpu = try wrap { () throws(KVMError) in try vm.createVCPU() }
        // Without a known frequency, or a counter the monitor can read, the guest leaves the clocks to the host
        // (tscFrequency stays 0).
        if configuration.guestClocks, let kilohertz = try? vcpu.tscFrequencyKHz(), kilohertz > 0,
            (try? vcpu.guestTimeStampCounter()) != nil
        {
            bootInfo.tscFrequency = kilohertz * 1000
        }
        try wrap { () throws(GuestMemoryError) in
            try LongModeSetup.writeTables(
                into: memory, kernel: kernel, unmappedLargePage: stackGuard, codeArena: CodeArena(range: layout.codeArena))
            try memory.store(bootInfo, at: layout.bootInfoAddress)
        }
        try wrap { () throws(KVMError) in
            try vcpu.setSpecialRegisters(LongModeSetup.specialRegisters(from: vcpu.specialRegisters()))
            try vcpu.setRegisters(
                LongModeSetup.registers(entry: kernel.entry, stackTop: stackTop, bootInfo: layout.bootInfoAddress))
        }
        self.vcpu = vcpu
        self.vm = vm
        self.memory = memory
        self.bootInfo = bootInfo
        self.layout = layout
        self.hypercalls = hypercalls
        // The image's digest is worked out only for a VM that will be captured (a millisecond for a 1 MB kernel).
        self.pendingSnapshot = configuration.snapshotPoint == .none ? nil : (configuration.snapshotPoint, kernel.identity)
    }

    /// The hypercall dispatcher of a run in `layout`, with its WASI server and, when the configuration asks for it
    /// and a worker can have a core, the mailbox.
    static func dispatcher(
        layout: VMSnapshotLayout, memory: borrowing GuestMemory, configuration: MicroVMConfiguration
    ) -> HypercallDispatcher {
        let mailbox = configuration.wasiMailbox && WASICallServer.hasCoreForWorker
            ? WASICallServer.Mailbox(memory: memory.sharedView, address: layout.mailboxAddress) : nil
        let bounds = HypercallBounds(guestRegion: layout.guestRegion, codeArena: layout.codeArena)
        return HypercallDispatcher(
            bounds: bounds, consoleLimit: configuration.consoleLimit, output: configuration.output,
            wasi: WASICallServer(
                bounds: bounds, handler: configuration.wasiHandler, mailbox: mailbox,
                interrupt: configuration.wasiInterrupt),
            hostCallHandler: configuration.hostCallHandler)
    }

    /// 256 bits from the host's getrandom, in one system call.
    static func freshRandomKey() throws(MicroVMError) -> (UInt64, UInt64, UInt64, UInt64) {
        var key: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        try wrapErrno(MicroVMError.entropy) { () throws(Errno) in
            // SAFETY: the buffer is the tuple's own 32 bytes, valid for the call.
            try withUnsafeMutableBytes(of: &key) { (bytes) throws(Errno) in try Syscalls.fillRandom(bytes) }
        }
        return key
    }

    /// The guest memory the host backs with transparent huge pages: from the stack's large page to the end. On this
    /// shadow-paging KVM a first touch of a 4 KiB page costs a host fault and a shadow-page fault, tens of
    /// microseconds together; a huge page costs one of each per 2 MiB (KVM maps it whole because the guest's own
    /// pages are 2 MiB too). The stack's large page also holds the boot info, the mailbox, the run's inputs and the
    /// heap's first allocations, which a run touches page after page before the module's first instruction: backed by
    /// one huge page they take one fault instead of ~40 (module's first instruction 2.1 -> 1.3 ms after VM creation),
    /// for ~1.8 MiB more resident memory. Below it, the monitor's tables and the kernel image (copied in by the host,
    /// partly touched) stay in small pages.
    /// - Precondition: `stackBottom` and `memorySize` are large-page aligned, `stackBottom < memorySize`.
    static func hugePageRange(stackBottom: UInt64, memorySize: UInt64) -> GuestRange {
        GuestRange(start: GuestPhysicalAddress(stackBottom), length: memorySize - stackBottom)!
    }

    deinit {
        // The worker reads guest memory: it is joined before the memory can be unmapped.
        hypercalls.wasi.stop()
    }

    /// Runs the guest to its next exit without handling it (for measurements and tests of single exits).
    public mutating func runToNextExit() throws(MicroVMError) -> VCPUExit {
        if exitCount == 0 { try writeClockBase() }
        exitCount += 1
        return try wrap { () throws(KVMError) in try vcpu.run() }
    }

    /// Pairs the guest's time-stamp counter with the host's clocks in the boot info, as late as possible before the
    /// guest's first instruction. The counter is read first, so the guest's clocks lead the host's by the time the
    /// two clock reads take rather than trail them: an absolute deadline the guest computes and the host waits for
    /// has passed in the guest's time too when the host wakes it.
    private mutating func writeClockBase() throws(MicroVMError) {
        guard bootInfo.tscFrequency != 0 else { return }
        let counter = try wrap { () throws(KVMError) in try vcpu.guestTimeStampCounter() }
        let realtime = Syscalls.realtimeNanoseconds()
        let monotonic = Syscalls.monotonicNanoseconds()
        clockBase = (counter, monotonic)
        (bootInfo.realtimeBase, bootInfo.monotonicBase, bootInfo.tscBase) = (realtime, monotonic, counter)
        let first = layout.bootInfoAddress.adding(UInt64(BootInfo.clockBaseWordIndex) * 8)!
        try wrap { () throws(GuestMemoryError) in
            for (index, word) in [realtime, monotonic, counter].enumerated() {
                try memory.store(word, at: first.adding(UInt64(index) * 8)!)
            }
        }
    }

    /// ``MicroVMResult/moduleStartTime``: the guest's counter reading converted with the clock base stamped before
    /// the run.
    private func moduleStartTime() -> UInt64? {
        // The counter is the guest's word, so any value: every step is checked, and a bad one gives nil.
        guard let clockBase, bootInfo.tscFrequency >= 1000,
            let address = layout.bootInfoAddress.adding(UInt64(BootInfo.moduleStartCounterWordIndex) * 8),
            let counter = try? memory.load(UInt64.self, at: address), counter > clockBase.counter
        else { return nil }
        let (scaled, overflow) = (counter - clockBase.counter).multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return nil }
        let (time, late) = clockBase.monotonic.addingReportingOverflow(scaled / (bootInfo.tscFrequency / 1000))
        return late ? nil : time
    }

    /// Runs the guest until it exits, faults, makes a malformed hypercall or, with a `timeLimit`, runs out of time.
    /// The time limit also stops a guest that spins without ever exiting (see ``RunDeadline``).
    public mutating func run(timeLimit: Duration? = nil) throws(MicroVMError) -> MicroVMResult {
        // The VM does not run again after this: its WASI worker, if it started, is joined (and a call it is blocked
        // in interrupted) before returning.
        defer { hypercalls.wasi.stop() }
        guard case .ended(let result) = try runLoop(timeLimit: timeLimit, stoppingAtSnapshot: false) else {
            preconditionFailure("a run that does not stop at its snapshot ended there")
        }
        return result
    }

    /// How a run loop ended: the run is over, or (when asked) the VM stopped at its snapshot exit.
    enum LoopEnd {
        case ended(MicroVMResult)
        case atSnapshot
    }

    /// Runs with an optional time limit kept by a ``RunDeadline``.
    mutating func runLoop(timeLimit: Duration?, stoppingAtSnapshot: Bool) throws(MicroVMError) -> LoopEnd {
        guard let timeLimit else { return try runLoop(deadline: nil, stoppingAtSnapshot: stoppingAtSnapshot) }
        let deadline: RunDeadline
        do {
            deadline = try RunDeadline(after: Self.nanoseconds(timeLimit))
        } catch {
            throw .timer(error)
        }
        let end = try runLoop(deadline: deadline.instant, stoppingAtSnapshot: stoppingAtSnapshot)
        deadline.cancel()
        return end
    }

    /// - Parameter deadline: CLOCK_MONOTONIC nanoseconds after which the run ends, kept by a ``RunDeadline``.
    private mutating func runLoop(deadline: UInt64?, stoppingAtSnapshot: Bool) throws(MicroVMError) -> LoopEnd {
        func result(_ outcome: MicroVMOutcome) -> LoopEnd { .ended(self.result(outcome)) }
        while true {
            // Checked after every exit, not only interrupted runs, so a guest that exits constantly stops too.
            if let deadline, RunDeadline.hasPassed(deadline) {
                return result(.timedOut(rip: try instructionPointer()))
            }
            let exit = try runToNextExit()
            switch exit {
            case .interrupted:
                continue
            case .ioOut(let port, let size, let value):
                let action: HypercallDispatcher.Action
                do {
                    action = try hypercalls.handleOut(
                        port: port, size: size, value: value, memory: memory, deadline: deadline)
                } catch {
                    return result(.rejectedHypercall(error, rip: try instructionPointer()))
                }
                switch action {
                case .resume: continue
                case .exit(let status): return result(.exited(status: status))
                case .failed(let failure): return result(.failed(failure))
                case .outOfMemory(let requested): return result(.outOfMemory(requested: requested))
                case .deadlinePassed: return result(.timedOut(rip: try instructionPointer()))
                case .snapshot:
                    guard let pending = pendingSnapshot else {
                        return result(.rejectedHypercall(
                            .malformedRequest(.snapshot, "the VM takes no snapshot, or took it already"),
                            rip: try instructionPointer()))
                    }
                    pendingSnapshot = nil
                    try captureSnapshot(point: pending.point, kernel: pending.kernel)
                    if stoppingAtSnapshot { return .atSnapshot }
                }
            default:
                return result(.fault(exit, rip: try instructionPointer()))
            }
        }
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000)).partialValue
    }

    /// KVM's counters for the vCPU so far (see ``VirtualCPU/statistics()``): every exit, including the ones the host
    /// kernel handles without returning to the monitor (``MicroVMResult/exitCount`` counts only those that return).
    public func vcpuStatistics() throws(MicroVMError) -> [(name: String, value: UInt64)] {
        try wrap { () throws(KVMError) in try vcpu.statistics() }
    }

    /// The guest's `RIP`: after a fault, the faulting instruction; after an `out`, the instruction after it.
    public func instructionPointer() throws(MicroVMError) -> UInt64 {
        try wrap { () throws(KVMError) in try vcpu.registers().rip }
    }

    private func result(_ outcome: MicroVMOutcome) -> MicroVMResult {
        // What the hooks emitted since the region was last drained; the region is in guest memory, so this holds after
        // a guest fault too. A guest that left the region malformed loses only its own hooks' last output.
        if hypercalls.hooks != nil { try? hypercalls.drainHookOutput(memory: memory) }
        return MicroVMResult(
            outcome: outcome, console: hypercalls.console, errorOutput: hypercalls.errorOutput,
            consoleTruncated: hypercalls.consoleTruncated, invokeResults: hypercalls.invokeResults,
            moduleValidated: hypercalls.moduleValidated, moduleStartTime: moduleStartTime(), exitCount: exitCount,
            mailboxCallCount: hypercalls.wasi.mailboxCallCount, codeArena: layout.codeArena)
    }
}

/// Runs `body`, wrapping the lower layer's typed error into a ``MicroVMError``.
func wrap<T: ~Copyable, E: Error>(_ body: () throws(E) -> T) throws(MicroVMError) -> T {
    do {
        return try body()
    } catch let error as KVMError {
        throw .kvm(error)
    } catch let error as GuestMemoryError {
        throw .memory(error)
    } catch let error as KernelImageError {
        throw .image(error)
    } catch let error as VMSnapshotError {
        throw .snapshot(error)
    } catch {
        preconditionFailure("unexpected error from a lower layer: \(error)")
    }
}
