#if hasFeature(Embedded)
import SwiftletABI

/// The kernel's Swift entry point, called by `_start` (Support/support.c) with the boot info address the monitor
/// put in RDI.
@_cdecl("swiftlet_kernel_main")
public func kernelMain(bootInfoAddress: UInt) -> Never {
    // SAFETY: the monitor writes a BootInfo record at this address before entry (SwiftletABI); its magic and
    // version are checked before any other field is trusted.
    let record = UnsafeRawPointer(bitPattern: bootInfoAddress)!
    let bootInfo = BootInfo(word: { record.load(fromByteOffset: $0 * 8, as: UInt64.self) })
    guard bootInfo.isCompatible else { Hypercalls.exit(status: Hypercall.incompatibleBootInfoStatus) }
    GuestClock.start(bootInfo: bootInfo)
    Snapshot.start(bootInfo: bootInfo, address: bootInfoAddress)
    WASIMailboxClient.start(bootInfo: bootInfo)
    GuestCodeArena.start(bootInfo: bootInfo)

    Heap.initialize(start: UInt(bootInfo.heapStart), size: UInt(bootInfo.heapSize))
    Random.seed(bootInfo.randomKey)
    Console.initialize()

    if bootInfo.moduleSize > 0 { ModuleRun(bootInfo: bootInfo, bootInfoAddress: bootInfoAddress).run() }

    // No module: the boot self-test.
    print("hello from the Swiftlet guest")
    Hypercalls.exit(status: UInt32(truncatingIfNeeded: bootInfo.requestedExitStatus))
}
#endif
