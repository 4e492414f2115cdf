import CKVM
import SwiftletABI

/// Snapshots of a micro-VM: capturing one at the kernel's snapshot point, restoring a new VM from it, and resetting a
/// VM that has run (a warm pool's) to it.
///
/// A restore does the least a VM from a snapshot needs, since every system call and every page touched shows in the
/// time to a ready sandbox: one copy-on-write mapping of the snapshot's memfd, the VM and vCPU, three state ioctls,
/// one getrandom for the key, and the boot info page written with this run's words (the kernel reads them when its
/// snapshot exit returns). The clock base is stamped just before the first `KVM_RUN`, as for a booted VM.
extension MicroVM {
    /// Runs the guest to its snapshot point (``MicroVMConfiguration/snapshotPoint``) and returns the VM captured there.
    /// The VM stays stopped at that point: dropping it ends it, and ``run(timeLimit:)`` lets it go on with its own run
    /// (its random key replaced, so its bytes from then on are no restored VM's).
    /// - Throws: ``VMSnapshotError/endedBeforeSnapshot(_:)`` when the run ended before the guest got there.
    public mutating func runToSnapshot(timeLimit: Duration? = nil) throws(MicroVMError) -> VMSnapshot {
        guard pendingSnapshot != nil else { throw .snapshot(.unexpectedSnapshotExit) }
        switch try runLoop(timeLimit: timeLimit, stoppingAtSnapshot: true) {
        case .atSnapshot:
            return capturedSnapshot.take()!
        case .ended(let result):
            hypercalls.wasi.stop()
            throw .snapshot(.endedBeforeSnapshot(result.outcome))
        }
    }

    /// The snapshot ``run(timeLimit:)`` captured on its way at the snapshot point, if it got there; nil after the first
    /// call.
    public mutating func takeSnapshot() -> VMSnapshot? {
        capturedSnapshot.take()
    }

    /// Captures the VM at its snapshot exit into ``capturedSnapshot`` and gives the guest a new random key for the rest
    /// of its own run: the captured key is in the snapshot's memory.
    mutating func captureSnapshot(point: SnapshotPoint, kernel: KernelIdentity) throws(MicroVMError) {
        let snapshot = try wrap { () throws(VMSnapshotError) in
            try VMSnapshot.capture(
                vcpu: vcpu, memory: memory, layout: layout, point: point, kernel: kernel, bootInfo: bootInfo)
        }
        capturedSnapshot = consume snapshot
        (bootInfo.randomKey0, bootInfo.randomKey1, bootInfo.randomKey2, bootInfo.randomKey3) = try Self.freshRandomKey()
        // Only the key's words: the rest of the record holds words the guest wrote (its module start counter).
        let key = [(6, bootInfo.randomKey0), (22, bootInfo.randomKey1), (23, bootInfo.randomKey2), (24, bootInfo.randomKey3)]
        try wrap { () throws(GuestMemoryError) in
            for (index, word) in key { try memory.store(word, at: layout.bootInfoAddress.adding(UInt64(index) * 8)!) }
        }
    }

    /// A new VM resumed from `snapshot`, copy-on-write: it reads the snapshot's pages and owns only those it writes.
    /// Its kernel goes on from the snapshot exit with `run`'s inputs, a fresh random key and a clock base stamped just
    /// before it runs. Of `configuration`, the memory layout, kernel run and snapshot point are the snapshot's and
    /// ignored; its output, WASI and host call handlers, mailbox, console limit, clocks and random key apply.
    public init(
        system: borrowing KVMSystem, restoring snapshot: borrowing VMSnapshot, run: SnapshotRun = SnapshotRun(),
        configuration: MicroVMConfiguration = MicroVMConfiguration()
    ) throws(MicroVMError) {
        let memory = try wrap { () throws(GuestMemoryError) in
            switch configuration.restoredMemory {
            case .copyOnWrite:
                try GuestMemory(copyOnWriteOf: snapshot.memoryFD, size: snapshot.layout.memorySize, snapshotID: snapshot.id)
            case .copiedIntoHugePages:
                try GuestMemory(copying: snapshot)
            }
        }
        let vm = try wrap { () throws(KVMError) in try system.createVM() }
        try wrap { () throws(KVMError) in try vm.setUserMemoryRegion(slot: 0, memory: memory) }
        // As for a booted VM (see enableSplitIRQChip): saves kernel-text patching when the vCPU comes and goes.
        try? vm.enableSplitIRQChip()
        let vcpu = try wrap { () throws(KVMError) in try vm.createVCPU() }
        // A snapshot read from a file may come from a machine whose counter runs at another rate: asked again, of
        // this vCPU; one captured in this process has this host's. Zero when the snapshot's kernel had no guest clocks
        // (it linked the host's) or they are not wanted.
        let tscFrequency = !configuration.guestClocks || snapshot.bootInfo.tscFrequency == 0
            ? 0 : snapshot.isFromThisHost ? snapshot.bootInfo.tscFrequency : ((try? vcpu.tscFrequencyKHz()) ?? 0) * 1000
        let hypercalls = Self.dispatcher(layout: snapshot.layout, memory: memory, configuration: configuration)
        let bootInfo = try Self.resume(
            vcpu: vcpu, memory: memory, from: snapshot, run: run, configuration: configuration,
            tscFrequency: tscFrequency, mailbox: hypercalls.wasi.hasMailbox)
        self.vcpu = vcpu
        self.vm = vm
        self.memory = memory
        self.bootInfo = bootInfo
        self.layout = snapshot.layout
        self.hypercalls = hypercalls
        self.pendingSnapshot = nil
    }

    /// Makes this VM, after any run, a VM freshly restored from `snapshot` (as ``init(system:restoring:run:configuration:)``
    /// would), keeping its KVM VM and vCPU: a warm pool's way to the next tenant. Nothing of the previous run is left:
    /// its memory is replaced by the snapshot's, its registers (general, special and FPU/SSE) by the captured ones, and
    /// its console, invoke results, WASI server (worker, mailbox state, handler) and host call handler by new ones.
    ///
    /// Memory: on this shadow-paging KVM every page a run touches for the first time in a VM costs a fault of about
    /// 35 µs (as much as an exit), so a reset keeps the pages and KVM's mappings of them and copies the snapshot's bytes
    /// back into the pages written since (``GuestMemory/restoreWrittenPages(from:snapshotID:limit:)``): the host's page
    /// tables say which, whoever wrote them (the guest, or the monitor for it: a forwarded `fd_read` fills linear memory
    /// from the host, which KVM's dirty log would miss), and without write-protecting anything, so the next tenant
    /// takes no fault on the pages the previous one used. Measured (bench/vm/snapshot, a reactor in a 512 MiB VM): reset +
    /// first exit p50 ~2.3 ms with a remap (its ~80 pages all fault again), ~130-170 µs in place (~50 µs of it the
    /// reset, ~0.4 µs per page written). KVM's dirty log was not used: it misses the monitor's writes, and each logged
    /// page is write-protected again, a fault per page per tenant. When more than
    /// ``inPlaceResetLimit`` was written, or the memory maps another snapshot or was partly discarded, the snapshot
    /// is mapped over guest memory instead (`MAP_FIXED`, which frees the previous tenant's pages in the same call).
    public mutating func reset(
        to snapshot: borrowing VMSnapshot, run: SnapshotRun = SnapshotRun(),
        configuration: MicroVMConfiguration = MicroVMConfiguration()
    ) throws(MicroVMError) {
        guard snapshot.layout.memorySize == memory.size else {
            throw .snapshot(.memorySizeMismatch(vm: memory.size, snapshot: snapshot.layout.memorySize))
        }
        // The previous tenant's worker reads guest memory: it is joined before the memory changes.
        hypercalls.wasi.stop()
        if !memory.restoreWrittenPages(from: snapshot, limit: Self.inPlaceResetLimit) {
            try wrap { () throws(GuestMemoryError) in
                try memory.remap(copyOnWriteOf: snapshot.memoryFD, snapshotID: snapshot.id)
            }
        }
        // The same vCPU: its counter's frequency is the one this VM already knows.
        let tscFrequency = configuration.guestClocks && snapshot.bootInfo.tscFrequency != 0
            ? (bootInfo.tscFrequency != 0 ? bootInfo.tscFrequency : ((try? vcpu.tscFrequencyKHz()) ?? 0) * 1000) : 0
        let hypercalls = Self.dispatcher(layout: snapshot.layout, memory: memory, configuration: configuration)
        bootInfo = try Self.resume(
            vcpu: vcpu, memory: memory, from: snapshot, run: run, configuration: configuration,
            tscFrequency: tscFrequency, mailbox: hypercalls.wasi.hasMailbox, keepsSpecialRegisters: true)
        self.hypercalls = hypercalls
        layout = snapshot.layout
        exitCount = 0
        clockBase = nil
        pendingSnapshot = nil
        capturedSnapshot = nil
    }

    /// The most written memory a reset copies back in place. Copying a page costs ~0.4 µs against ~60 µs to fault a
    /// written page in again after a remap, so this bounds the memory a pool VM keeps between tenants, not time: beyond
    /// it the remap gives the previous tenant's pages back.
    public static let inPlaceResetLimit = 64 << 20

    /// Gives `vcpu` the snapshot's registers and writes this run's boot info (returned) and inputs into `memory`.
    private static func resume(
        vcpu: borrowing VirtualCPU, memory: borrowing GuestMemory, from snapshot: borrowing VMSnapshot,
        run: SnapshotRun, configuration: MicroVMConfiguration, tscFrequency: UInt64, mailbox: Bool,
        keepsSpecialRegisters: Bool = false
    ) throws(MicroVMError) -> BootInfo {
        try wrap { () throws(KVMError) in
            // Setting them makes KVM drop its shadow page table roots (they hold CR3, CR0, CR4): a pool VM's next run would
            // rebuild them. At CPL3 the guest can change none of them but its data segment selectors, so a reset reads
            // them (cheap) and sets them only when they differ.
            var unchanged = false
            if keepsSpecialRegisters {
                let current = try vcpu.specialRegistersAfterLastRun()
                unchanged = VMSnapshot.paddedBytes(of: current) == VMSnapshot.paddedBytes(of: snapshot.specialRegisters)
            }
            if !unchanged { try vcpu.setSpecialRegisters(snapshot.specialRegisters) }
            // No FPU state: the guest loads its own from memory as it resumes (`swiftlet_snapshot_exit`).
            try vcpu.setRegistersAtNextRun(snapshot.registers)
        }
        var bootInfo = snapshot.bootInfo
        let key = if let key = configuration.randomKey { key } else { try freshRandomKey() }
        (bootInfo.randomKey0, bootInfo.randomKey1, bootInfo.randomKey2, bootInfo.randomKey3) = key
        bootInfo.requestedExitStatus = UInt64(configuration.requestedExitStatus)
        bootInfo.tscFrequency = tscFrequency
        bootInfo.wasiMailboxAddress = mailbox ? snapshot.layout.mailboxAddress.rawValue : 0
        bootInfo.moduleStartCounter = 0
        try run.place(into: &bootInfo, memory: memory, snapshot: snapshot)
        try wrap { () throws(GuestMemoryError) in try memory.store(bootInfo, at: snapshot.layout.bootInfoAddress) }
        return bootInfo
    }
}
