import CKVM
import SwiftletABI
import Synchronization

/// Where a VM's memory, boot info and inputs lie: fixed at boot, and the same in every VM restored from its snapshot.
public struct VMSnapshotLayout: Equatable, Sendable {
    public let memorySize: UInt64
    public let bootInfoAddress: GuestPhysicalAddress
    /// The ``SwiftletABI/WASIMailbox`` page (reserved whether or not a VM uses it).
    public let mailboxAddress: GuestPhysicalAddress
    /// Where a restored run's arguments, environment and entry go (``BootInfo/runInputsAddress``); empty when the VM
    /// takes no snapshot.
    public let runInputs: GuestRange
    /// The ``CodeArena``; empty when the kernel runs the interpreter only.
    public let codeArena: GuestRange

    /// The guest-owned part of memory, which hypercalls may name.
    var guestRegion: GuestRange {
        GuestRange(start: GuestPhysicalAddress(SwiftletABI.guestRegionStart), length: memorySize - SwiftletABI.guestRegionStart)!
    }
}

/// A micro-VM captured at its kernel's snapshot point (``SwiftletABI/SnapshotPoint``): its memory, in a memfd sealed
/// against every change, and its vCPU state. Any number of VMs are restored from it (``MicroVM/init(system:restoring:run:configuration:)``)
/// or reset to it (``MicroVM/reset(to:run:configuration:)``), each mapping the memfd copy-on-write, so the snapshot
/// never changes and pages no VM writes are shared by all of them through the page cache.
///
/// Owns the memfd and one read-only shared mapping of it (closed and unmapped when dropped; VMs restored from it keep
/// their own mappings, which outlive both).
/// Memory is stored sparsely: only pages holding a non-zero byte are written, the rest stay holes of the file, so a
/// 512 MiB VM that touched 20 MiB makes a snapshot of about 20 MiB, in time to match.
public struct VMSnapshot: ~Copyable {
    let memoryFD: Int32
    /// Unique in this process: tells a pool VM whether its memory maps this snapshot already.
    let id: UInt64
    private static let nextID = Atomic<UInt64>(1)
    public let layout: VMSnapshotLayout
    public let point: SnapshotPoint
    /// The kernel image the captured VM ran: its code is in the snapshot, so nothing else can resume it.
    public let kernel: KernelIdentity
    /// The boot info the captured VM ran with; a restore replaces its per-run words.
    let bootInfo: BootInfo
    let registers: kvm_regs
    let specialRegisters: kvm_sregs
    /// Whether it was captured in this process, so on this host (not read from a file, which may come from another).
    let isFromThisHost: Bool
    /// The memfd's contents, read-only: what restores and resets copy from, without a system call per range.
    let contents: UnsafeRawPointer
    /// The memfd's data extents when it was sealed, in order (the rest read as zero): what it stores.
    let dataExtents: [GuestRange]

    /// Bytes of guest memory the snapshot stores (its non-zero pages, when captured or read from a file).
    public var storedBytes: UInt64 { dataExtents.reduce(0) { $0 + $1.length } }

    /// Takes ownership of `memoryFD`, sealed, and maps it; closes it when that fails.
    init(
        memoryFD: Int32, layout: VMSnapshotLayout, point: SnapshotPoint, kernel: KernelIdentity, bootInfo: BootInfo,
        registers: kvm_regs, specialRegisters: kvm_sregs, isFromThisHost: Bool
    ) throws(VMSnapshotError) {
        let extents: [GuestRange]
        do throws(VMSnapshotError) {
            extents = try Self.dataExtents(of: memoryFD, size: layout.memorySize)
            contents = UnsafeRawPointer(try wrapErrno(VMSnapshotError.memoryFile) { () throws(Errno) in
                try Syscalls.mapReadOnly(fd: memoryFD, size: Int(layout.memorySize))
            })
        } catch {
            Syscalls.close(memoryFD)
            throw error
        }
        self.dataExtents = extents
        self.memoryFD = memoryFD
        self.id = Self.nextID.add(1, ordering: .relaxed).oldValue
        self.layout = layout
        self.point = point
        self.kernel = kernel
        self.bootInfo = bootInfo
        self.registers = registers
        self.specialRegisters = specialRegisters
        self.isFromThisHost = isFromThisHost
    }

    deinit {
        // SAFETY: the mapping was made in init; copies from it never outlive a call of this snapshot's borrower.
        Syscalls.unmapMemory(UnsafeMutableRawPointer(mutating: contents), size: Int(layout.memorySize))
        Syscalls.close(memoryFD)
    }

    /// `out dx, eax`, the one-byte instruction of every hypercall (the ports are above 255).
    static let outInstruction: UInt8 = 0xEF

    /// Captures a VM stopped at its ``Hypercall/snapshot`` exit.
    ///
    /// Upstream KVM completes an `out` (moves `RIP` past it) only when the vCPU next runs, so `RIP` still points at it
    /// there; a restored vCPU has no exit to complete, and would make the exit again, so the captured `RIP` is moved
    /// past it. kvm-pvm has moved `RIP` past it already (measured: the byte before `RIP` is the `out`). The compiler
    /// never follows the kernel's snapshot `out` with another, so the byte at `RIP` tells the two apart; either way the
    /// instruction is checked to be the `out` it must be.
    static func capture(
        vcpu: borrowing VirtualCPU, memory: borrowing GuestMemory, layout: VMSnapshotLayout, point: SnapshotPoint,
        kernel: KernelIdentity, bootInfo: BootInfo
    ) throws(VMSnapshotError) -> VMSnapshot {
        var registers: kvm_regs
        let specialRegisters: kvm_sregs
        do throws(KVMError) {
            registers = try vcpu.registers()
            specialRegisters = try vcpu.specialRegisters()
        } catch {
            throw .vcpuState(error)
        }
        let at = try? memory.load(UInt8.self, at: GuestPhysicalAddress(registers.rip))
        let before = try? memory.load(UInt8.self, at: GuestPhysicalAddress(registers.rip &- 1))
        if at == outInstruction {
            registers.rip += 1
        } else if before != outInstruction {
            throw .notAtSnapshotExit(rip: registers.rip)
        }

        let fd: Int32
        do throws(Errno) {
            fd = try Syscalls.createSealableMemoryFile(name: "swiftlet-snapshot")
        } catch {
            throw .memoryFile(error)
        }
        do throws(VMSnapshotError) {
            try copyNonZeroPages(of: memory, to: fd, layout: layout)
            try wrapErrno(VMSnapshotError.memoryFile) { () throws(Errno) in try Syscalls.sealCompletely(fd) }
        } catch {
            Syscalls.close(fd)
            throw error
        }
        return try VMSnapshot(
            memoryFD: fd, layout: layout, point: point, kernel: kernel, bootInfo: bootInfo, registers: registers,
            specialRegisters: specialRegisters, isFromThisHost: true)
    }

    /// The extents of `fd` that are data rather than holes: what a snapshot stores.
    static func dataExtents(of fd: Int32, size: UInt64) throws(VMSnapshotError) -> [GuestRange] {
        var extents: [GuestRange] = []
        var offset: UInt64 = 0
        while offset < size, let extent = try wrapErrno(VMSnapshotError.memoryFile, { () throws(Errno) in
            try Syscalls.nextDataExtent(fd, from: offset)
        }) {
            extents.append(GuestRange(start: GuestPhysicalAddress(extent.start), length: min(extent.end, size) - extent.start)!)
            offset = extent.end
        }
        return extents
    }

    /// Calls `body` with the parts of `range` in order, each with whether the snapshot stores data there (else it
    /// reads as zero): so that copies never read a hole through ``contents``, which would make shmem allocate a page.
    func forEachPart(of range: GuestRange, _ body: (_ part: GuestRange, _ isData: Bool) -> Void) {
        var cursor = range.start.rawValue
        // Extents are few (tens) and sorted; a binary search is not worth it.
        for extent in dataExtents where extent.end > cursor && extent.start.rawValue < range.end {
            let start = max(extent.start.rawValue, cursor)
            if start > cursor { body(GuestRange(start: GuestPhysicalAddress(cursor), length: start - cursor)!, false) }
            let end = min(extent.end, range.end)
            body(GuestRange(start: GuestPhysicalAddress(start), length: end - start)!, true)
            cursor = end
        }
        if cursor < range.end { body(GuestRange(start: GuestPhysicalAddress(cursor), length: range.end - cursor)!, false) }
    }

    /// Writes guest memory's non-zero pages into the empty memfd `fd` at their own offsets, the rest left as holes. The
    /// mailbox's state words are then cleared in the copy: the captured VM's worker may have been polling, and a
    /// restored guest that saw its flag would post its first call to no one and wait.
    private static func copyNonZeroPages(
        of memory: borrowing GuestMemory, to fd: Int32, layout: VMSnapshotLayout
    ) throws(VMSnapshotError) {
        try wrapErrno(VMSnapshotError.memoryFile) { () throws(Errno) in try Syscalls.truncate(fd, size: memory.size) }
        try memory.forEachNonZeroRun { (offset, length) throws(VMSnapshotError) in
            let written: Result<Void, Errno>
            do throws(GuestMemoryError) {
                written = try memory.withBytes(at: GuestPhysicalAddress(offset), count: length) { bytes in
                    Result { () throws(Errno) in try Syscalls.writeAll(fd, bytes, at: offset) }
                }
            } catch {
                preconditionFailure("a run of resident pages lies outside guest memory: \(error)")
            }
            try wrapErrno(VMSnapshotError.memoryFile) { () throws(Errno) in try written.get() }
        }
        let clearedWords = [UInt8](repeating: 0, count: Int(WASIMailbox.resultOffset))
        let written = clearedWords.withUnsafeBytes { bytes in
            Result { () throws(Errno) in
                try Syscalls.writeAll(fd, bytes, at: layout.mailboxAddress.rawValue + WASIMailbox.stateOffset)
            }
        }
        try wrapErrno(VMSnapshotError.memoryFile) { () throws(Errno) in try written.get() }
    }
}

/// What a run restored from a snapshot does. For an ``SwiftletABI/SnapshotPoint/afterInitialization`` snapshot, every
/// field applies; for ``SwiftletABI/SnapshotPoint/atFirstStandardInputRead`` only ``fuel`` does (the module has read its
/// arguments and environment before the snapshot), and the others must stay nil.
public struct SnapshotRun: Sendable {
    /// What the restored run calls after initialization.
    public enum Entry: Sendable {
        /// The module's `_start`.
        case start
        /// An export, with its arguments; its results come back in ``MicroVMResult/invokeResults``.
        case export(GuestRun.Invocation)
    }

    /// WASI `args`, the program name first; nil keeps the captured run's.
    public var arguments: [String]?
    /// WASI `environ`, `NAME=value` each; nil keeps the captured run's.
    public var environment: [String]?
    /// Nil keeps the captured run's.
    public var entry: Entry?
    /// The restored run's instruction budget; nil is unlimited.
    public var fuel: UInt64?

    public init() {}

    /// Writes this run's inputs into the snapshot's run-inputs region and their places into `bootInfo`.
    func place(
        into bootInfo: inout BootInfo, memory: borrowing GuestMemory, snapshot: borrowing VMSnapshot
    ) throws(MicroVMError) {
        bootInfo.fuel = fuel ?? BootInfo.unlimitedFuel
        guard snapshot.point == .afterInitialization else {
            guard arguments == nil, environment == nil, entry == nil else { throw .snapshot(.runInputsNotAccepted) }
            return
        }
        let region = snapshot.layout.runInputs
        var cursor = region.start.rawValue
        /// Places `bytes` 16-byte aligned inside the region and returns their address.
        func put(_ bytes: [UInt8]) throws(MicroVMError) -> UInt64 {
            cursor = (cursor + 15) & ~15
            let (end, overflow) = cursor.addingReportingOverflow(UInt64(bytes.count))
            guard !overflow, end <= region.end else {
                throw .run(.doesNotFit(bytes: UInt64(bytes.count), limit: region.end))
            }
            do {
                try memory.write(bytes, at: GuestPhysicalAddress(cursor))
            } catch {
                throw .memory(error)
            }
            defer { cursor = end }
            return cursor
        }
        if let arguments {
            let table = GuestRun.stringTable(arguments)
            bootInfo.argumentsAddress = try put(table)
            bootInfo.argumentsSize = UInt64(table.count)
            bootInfo.argumentCount = UInt64(arguments.count)
        }
        if let environment {
            let table = GuestRun.stringTable(environment)
            bootInfo.environmentAddress = try put(table)
            bootInfo.environmentSize = UInt64(table.count)
            bootInfo.environmentCount = UInt64(environment.count)
        }
        switch entry {
        case nil:
            break
        case .start:
            bootInfo.invokesExport = 0
        case .export(let invocation):
            bootInfo.invokesExport = 1
            let name = Array(invocation.name.utf8)
            bootInfo.invokeNameAddress = try put(name)
            bootInfo.invokeNameLength = UInt64(name.count)
            bootInfo.invokeArgumentsAddress = try put(GuestRun.argumentRecords(invocation.arguments))
            bootInfo.invokeArgumentCount = UInt64(invocation.arguments.count)
        }
    }
}

/// Why a snapshot could not be taken, written, read or used.
public enum VMSnapshotError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Reading the vCPU's state failed.
    case vcpuState(KVMError)
    /// The vCPU did not stop at the kernel's snapshot instruction.
    case notAtSnapshotExit(rip: UInt64)
    /// Creating, filling or sealing the snapshot's memfd failed.
    case memoryFile(Errno)
    /// The run ended, as given, before the guest reached its snapshot point.
    case endedBeforeSnapshot(MicroVMOutcome)
    /// The guest made the snapshot exit although the VM was not asked for a snapshot, or made it twice.
    case unexpectedSnapshotExit
    /// A restored run was given arguments, an environment or an entry, which only an after-initialization snapshot
    /// takes.
    case runInputsNotAccepted
    /// The VM to reset has a different memory size from the snapshot's.
    case memorySizeMismatch(vm: UInt64, snapshot: UInt64)
    /// Reading or writing a snapshot file failed.
    case io(Errno)
    /// The file is not a Swiftlet VM snapshot (wrong magic).
    case notASnapshot
    /// The file is a snapshot in a format version this monitor does not read.
    case unsupportedFormat(version: UInt64)
    /// The snapshot was made for another guest/host ABI.
    case abiVersionMismatch(snapshot: UInt64, expected: UInt64)
    /// The snapshot was made with another kernel image (or engine).
    case kernelMismatch(snapshot: KernelIdentity, expected: KernelIdentity)
    /// The file's checksum does not match its contents, or it is truncated or malformed.
    case corrupted(String)

    public var description: String {
        switch self {
        case .vcpuState(let error): "cannot read the vCPU's state for a snapshot: \(error)"
        case .notAtSnapshotExit(let rip):
            "the vCPU is not at the kernel's snapshot exit (RIP 0x\(String(rip, radix: 16)))"
        case .memoryFile(let errno): "cannot make the snapshot's memory file: \(errno)"
        case .endedBeforeSnapshot(let outcome): "the run ended before its snapshot point: \(outcome)"
        case .unexpectedSnapshotExit: "the guest asked for a snapshot the VM was not configured to take"
        case .runInputsNotAccepted:
            "a run restored from a snapshot taken at the first read of stdin takes only fuel: its arguments, environment "
                + "and entry are the snapshot's"
        case .memorySizeMismatch(let vm, let snapshot):
            "cannot reset a VM of \(vm) bytes of memory to a snapshot of \(snapshot) bytes"
        case .io(let errno): "snapshot file I/O failed: \(errno)"
        case .notASnapshot: "not a Swiftlet VM snapshot file"
        case .unsupportedFormat(let version):
            "snapshot file format \(version) is not supported (this monitor reads format \(VMSnapshot.formatVersion))"
        case .abiVersionMismatch(let snapshot, let expected):
            "snapshot was made for guest ABI version \(snapshot), this monitor speaks version \(expected)"
        case .kernelMismatch(let snapshot, let expected):
            "snapshot was made with kernel \(snapshot), not with this kernel (\(expected)): take it again"
        case .corrupted(let why): "snapshot file is corrupted: \(why)"
        }
    }
}

/// Runs `body`, turning its `Errno` into `wrapping(errno)`.
func wrapErrno<T, E: Error>(_ wrapping: (Errno) -> E, _ body: () throws(Errno) -> T) throws(E) -> T {
    do {
        return try body()
    } catch {
        throw wrapping(error)
    }
}
