/// What the monitor tells the kernel at entry. The monitor writes it into guest memory and passes its
/// guest-physical address in `RDI`; the kernel's stack pointer `RSP` is ``stackTop``.
public struct BootInfo: ABIRecord, Equatable, Sendable {
    /// "SWLTBOOT" in ASCII, so a kernel started by something other than the monitor notices.
    public static let magicValue: UInt64 = 0x544F_4F42_544C_5753

    public var magic: UInt64
    public var abiVersion: UInt64
    /// Size of guest memory in bytes; all of it is identity-mapped.
    public var memorySize: UInt64
    /// The heap the kernel allocates from: `[heapStart, heapStart + heapSize)`.
    public var heapStart: UInt64
    public var heapSize: UInt64
    /// Initial stack pointer (the stack grows down from here towards the kernel image).
    public var stackTop: UInt64
    /// Seed for the kernel's `arc4random_buf` (hash seeds); the host chooses it so runs can be reproduced.
    public var randomSeed: UInt64
    /// The status the kernel reports with the exit hypercall once it has nothing else to do, so a test can check
    /// the whole path from boot info to exit.
    public var requestedExitStatus: UInt64

    public init(
        memorySize: UInt64, heapStart: UInt64, heapSize: UInt64, stackTop: UInt64, randomSeed: UInt64,
        requestedExitStatus: UInt64
    ) {
        self.magic = Self.magicValue
        self.abiVersion = SwiftletABI.version
        self.memorySize = memorySize
        self.heapStart = heapStart
        self.heapSize = heapSize
        self.stackTop = stackTop
        self.randomSeed = randomSeed
        self.requestedExitStatus = requestedExitStatus
    }

    public static let wordCount = 8

    public init(word: (Int) -> UInt64) {
        magic = word(0)
        abiVersion = word(1)
        memorySize = word(2)
        heapStart = word(3)
        heapSize = word(4)
        stackTop = word(5)
        randomSeed = word(6)
        requestedExitStatus = word(7)
    }

    public func forEachWord(_ body: (Int, UInt64) -> Void) {
        body(0, magic)
        body(1, abiVersion)
        body(2, memorySize)
        body(3, heapStart)
        body(4, heapSize)
        body(5, stackTop)
        body(6, randomSeed)
        body(7, requestedExitStatus)
    }

    /// Whether a kernel built against this module can trust the rest of the record.
    public var isCompatible: Bool { magic == Self.magicValue && abiVersion == SwiftletABI.version }
}
