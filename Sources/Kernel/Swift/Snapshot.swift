#if hasFeature(Embedded)
import KernelSupport
import SwiftletABI

/// The kernel's side of VM snapshots: the one ``Hypercall/snapshot`` exit at the point boot info names, and the
/// per-run inputs read again from boot info once it returns — in the VM that made it and in every VM the monitor
/// restores from the capture, which all resume right after the `out`.
enum Snapshot {
    /// The boot info as the kernel found it at entry, and where it lies; what a later read must agree with.
    nonisolated(unsafe) private static var booted: BootInfo? = nil
    nonisolated(unsafe) private static var bootInfoAddress: UInt = 0
    nonisolated(unsafe) private(set) static var isTaken = false

    static func start(bootInfo: BootInfo, address: UInt) {
        booted = bootInfo
        bootInfoAddress = address
    }

    static var point: SnapshotPoint {
        booted.flatMap { SnapshotPoint(rawValue: $0.snapshotPoint) } ?? .none
    }

    /// Makes the snapshot exit, then reads and checks this run's inputs and applies those that live outside the
    /// module's store: the random key (reseeding the CSPRNG), the clock base and the mailbox. Returns the boot info
    /// of this run; the caller applies the fuel, arguments and entry.
    static func take() -> BootInfo {
        // Bytes still buffered would be printed again by every restored VM.
        Console.flush()
        isTaken = true
        swiftlet_snapshot_exit(Hypercall.snapshot.port)
        // SAFETY: the monitor writes a BootInfo record at this address (the same as at entry) before resuming a VM
        // from this exit; every field is checked below before it is used.
        let record = UnsafeRawPointer(bitPattern: bootInfoAddress)!
        let fresh = BootInfo(word: { record.load(fromByteOffset: $0 * 8, as: UInt64.self) })
        guard let booted, isConsistent(fresh, with: booted) else {
            Hypercalls.exit(status: Hypercall.incompatibleBootInfoStatus)
        }
        Random.seed(fresh.randomKey)
        GuestClock.start(bootInfo: fresh)
        WASIMailboxClient.start(bootInfo: fresh)
        return fresh
    }

    /// Whether `fresh` describes the same VM as the boot info at entry (the layout is the snapshot's and cannot
    /// change) and every input range of the run lies in guest memory outside the heap, which is the kernel's own.
    private static func isConsistent(_ fresh: BootInfo, with booted: BootInfo) -> Bool {
        guard fresh.isCompatible, fresh.memorySize == booted.memorySize, fresh.heapStart == booted.heapStart,
            fresh.heapSize == booted.heapSize, fresh.stackTop == booted.stackTop,
            fresh.moduleAddress == booted.moduleAddress, fresh.moduleSize == booted.moduleSize,
            fresh.snapshotPoint == booted.snapshotPoint, fresh.runInputsAddress == booted.runInputsAddress,
            fresh.runInputsSize == booted.runInputsSize, fresh.argumentCount <= fresh.argumentsSize,
            fresh.environmentCount <= fresh.environmentSize, fresh.invokesExport <= 1,
            fresh.invokeArgumentCount <= InvokeResultsReport.maximumCount,
            fresh.wasiMailboxAddress % WASIMailbox.size == 0
        else { return false }
        let heap = (start: fresh.heapStart, end: fresh.heapStart + fresh.heapSize)
        let ranges = [
            (fresh.argumentsAddress, fresh.argumentsSize), (fresh.environmentAddress, fresh.environmentSize),
            (fresh.invokeNameAddress, fresh.invokeNameLength),
            (fresh.invokeArgumentsAddress, fresh.invokeArgumentCount * UInt64(ABIValue.byteCount)),
            (fresh.wasiMailboxAddress, fresh.wasiMailboxAddress == 0 ? 0 : WASIMailbox.size),
        ]
        for (start, length) in ranges where length > 0 {
            let (end, overflow) = start.addingReportingOverflow(length)
            guard !overflow, start >= SwiftletABI.guestRegionStart, end <= fresh.memorySize,
                end <= heap.start || start >= heap.end
            else { return false }
        }
        return true
    }
}
#endif
