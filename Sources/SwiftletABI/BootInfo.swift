/// What the monitor tells the kernel at entry. The monitor writes it into guest memory and passes its
/// guest-physical address in `RDI`; the kernel's stack pointer `RSP` is ``stackTop``.
///
/// The run's inputs (module bytes, arguments, environment, the export to invoke) are placed in guest memory by the
/// monitor at run time, between the boot info page and the heap; the fields below give their addresses. Nothing
/// about a run is compiled into the kernel. A zero ``moduleSize`` asks for the boot self-test: the kernel prints a
/// greeting and exits with ``requestedExitStatus``.
public struct BootInfo: ABIRecord, Equatable, Sendable {
    /// "SWLTBOOT" in ASCII, so a kernel started by something other than the monitor notices.
    public static let magicValue: UInt64 = 0x544F_4F42_544C_5753
    /// ``fuel`` meaning "no instruction budget".
    public static let unlimitedFuel = UInt64.max

    public var magic: UInt64
    public var abiVersion: UInt64
    /// Size of guest memory in bytes; all of it is identity-mapped.
    public var memorySize: UInt64
    /// The heap the kernel allocates from: `[heapStart, heapStart + heapSize)`.
    public var heapStart: UInt64
    public var heapSize: UInt64
    /// Initial stack pointer (the stack grows down from here towards the kernel image).
    public var stackTop: UInt64
    /// The first 64 bits of the 256-bit ChaCha20 key of the guest's CSPRNG (``randomKey1`` to ``randomKey3`` are
    /// the rest), which serves both WASI `random_get` and the kernel's `arc4random_buf` (hash seeds). The host draws
    /// it from its own entropy (getrandom); a test may fix it to reproduce a run.
    public var randomKey0: UInt64
    /// The status the boot self-test (no module) exits with, so a test can check the path from boot info to exit.
    public var requestedExitStatus: UInt64

    /// The WebAssembly module's bytes.
    public var moduleAddress: UInt64 = 0
    public var moduleSize: UInt64 = 0
    /// The program's arguments as WASI `args_get` lays them out: NUL-terminated, back to back.
    public var argumentsAddress: UInt64 = 0
    public var argumentsSize: UInt64 = 0
    public var argumentCount: UInt64 = 0
    /// The environment, `NAME=value` strings laid out like the arguments.
    public var environmentAddress: UInt64 = 0
    public var environmentSize: UInt64 = 0
    public var environmentCount: UInt64 = 0
    /// With ``invokesExport``, the name of the export to call instead of `_start` (UTF-8, not terminated). The
    /// name may be empty: `""` is a valid export name, so its length cannot also mean "no export".
    public var invokeNameAddress: UInt64 = 0
    public var invokeNameLength: UInt64 = 0
    /// The invoked function's arguments: ``ABIValue`` records back to back.
    public var invokeArgumentsAddress: UInt64 = 0
    public var invokeArgumentCount: UInt64 = 0
    /// Instruction budget (the engine's fuel), or ``unlimitedFuel``.
    public var fuel: UInt64 = BootInfo.unlimitedFuel
    /// Cap on any linear memory, in 64 KiB pages (the kernel lowers it further to what its heap can hold).
    public var maxMemoryPages: UInt64 = 65536
    public var randomKey1: UInt64 = 0
    public var randomKey2: UInt64 = 0
    public var randomKey3: UInt64 = 0
    /// The guest's time-stamp counter frequency in Hz (`KVM_GET_TSC_KHZ`), 0 when the host could not tell: the
    /// guest then forwards clock calls to the host instead of answering them from `rdtsc`.
    public var tscFrequency: UInt64 = 0
    /// `CLOCK_REALTIME` and `CLOCK_MONOTONIC` in nanoseconds when the guest's time-stamp counter read ``tscBase``;
    /// the monitor stamps these three words just before the vCPU first runs, reading the counter first, so the
    /// guest's clocks may lead the host's by that much (microseconds) but never trail them.
    public var realtimeBase: UInt64 = 0
    public var monotonicBase: UInt64 = 0
    public var tscBase: UInt64 = 0
    /// The word index of ``realtimeBase``, followed by ``monotonicBase`` and ``tscBase``.
    public static let clockBaseWordIndex = 26
    /// Guest-physical address of the page holding the ``WASIMailbox``, or 0: the guest then forwards every WASI
    /// call with a ``Hypercall/wasi`` exit.
    public var wasiMailboxAddress: UInt64 = 0
    /// 1: call the export named at ``invokeNameAddress`` with the arguments at ``invokeArgumentsAddress`` and
    /// report its results; 0: run `_start`.
    public var invokesExport: UInt64 = 0
    /// What the kernel does about the module's function bodies before running it (a ``ModuleValidation`` raw value).
    public var moduleValidation: UInt64 = ModuleValidation.validate.rawValue
    /// Written by the guest, not the monitor: its time-stamp counter just before it calls the module's `_start` (or
    /// the invoked export), 0 until then. The monitor reads it after the run, with ``tscBase``, to report how long the
    /// module took to start; a number the guest wrote, so it is only ever printed.
    public var moduleStartCounter: UInt64 = 0
    /// The word index of ``moduleStartCounter``.
    public static let moduleStartCounterWordIndex = 32
    /// Where the kernel stops for the monitor to capture a snapshot of the VM (a ``SnapshotPoint`` raw value).
    public var snapshotPoint: UInt64 = SnapshotPoint.none.rawValue
    /// Memory the monitor reserves at boot for the inputs of a run restored from a snapshot (arguments, environment,
    /// the export to invoke and its arguments): the heap never reaches it, so it costs nothing until a restore writes
    /// there. 0 and 0 when no snapshot is asked for.
    public var runInputsAddress: UInt64 = 0
    public var runInputsSize: UInt64 = 0
    /// 1: the host serves the module's imports that are not WASI's with its own functions: the kernel links every
    /// function import from a module other than `wasi_snapshot_preview1` to a ``Hypercall/hostCall`` (the host checked,
    /// before booting, that each has a host function of its type); 0: such imports are unknown, as without host
    /// functions in-process.
    public var linksHostFunctions: UInt64 = 0
    /// 1: at an ``SnapshotPoint/afterInitialization`` snapshot, translate every function the module defines before
    /// the capture, so that restored runs translate none (a server restores its snapshot per request); 0: only what
    /// ran before it is translated.
    public var translatesAllFunctions: UInt64 = 0
    /// The hooks the kernel runs around the module's WASI calls: ``hookCount`` ``HookRecord``s back to back at
    /// ``hookTableAddress`` (none: 0 and 0).
    public var hookTableAddress: UInt64 = 0
    public var hookCount: UInt64 = 0
    /// The ``HookOutputRegion`` the hooks emit into, reserved by the monitor (0 without hooks).
    public var hookOutputAddress: UInt64 = 0
    /// Fuel for each call of a hook's handler.
    public var hookFuel: UInt64 = 0
    /// 1: a hook's failure ends the run; 0: it denies the call with ENOTCAPABLE.
    public var hookFailureEndsRun: UInt64 = 0
    /// The code arena, where the kernel's compiler tier places machine code with ``Hypercall/sealCode``: whole pages,
    /// none mapped until sealed (0 and 0: no arena, and the kernel runs every module in the interpreter).
    public var codeArenaAddress: UInt64 = 0
    public var codeArenaSize: UInt64 = 0

    public init(
        memorySize: UInt64, heapStart: UInt64, heapSize: UInt64, stackTop: UInt64,
        randomKey: (UInt64, UInt64, UInt64, UInt64), requestedExitStatus: UInt64
    ) {
        self.magic = Self.magicValue
        self.abiVersion = SwiftletABI.version
        self.memorySize = memorySize
        self.heapStart = heapStart
        self.heapSize = heapSize
        self.stackTop = stackTop
        (randomKey0, randomKey1, randomKey2, randomKey3) = randomKey
        self.requestedExitStatus = requestedExitStatus
    }

    public var randomKey: (UInt64, UInt64, UInt64, UInt64) { (randomKey0, randomKey1, randomKey2, randomKey3) }

    public static let wordCount = 45

    public init(word: (Int) -> UInt64) {
        magic = word(0)
        abiVersion = word(1)
        memorySize = word(2)
        heapStart = word(3)
        heapSize = word(4)
        stackTop = word(5)
        randomKey0 = word(6)
        requestedExitStatus = word(7)
        moduleAddress = word(8)
        moduleSize = word(9)
        argumentsAddress = word(10)
        argumentsSize = word(11)
        argumentCount = word(12)
        environmentAddress = word(13)
        environmentSize = word(14)
        environmentCount = word(15)
        invokeNameAddress = word(16)
        invokeNameLength = word(17)
        invokeArgumentsAddress = word(18)
        invokeArgumentCount = word(19)
        fuel = word(20)
        maxMemoryPages = word(21)
        randomKey1 = word(22)
        randomKey2 = word(23)
        randomKey3 = word(24)
        tscFrequency = word(25)
        realtimeBase = word(26)
        monotonicBase = word(27)
        tscBase = word(28)
        wasiMailboxAddress = word(29)
        invokesExport = word(30)
        moduleValidation = word(31)
        moduleStartCounter = word(32)
        snapshotPoint = word(33)
        runInputsAddress = word(34)
        runInputsSize = word(35)
        linksHostFunctions = word(36)
        translatesAllFunctions = word(37)
        hookTableAddress = word(38)
        hookCount = word(39)
        hookOutputAddress = word(40)
        hookFuel = word(41)
        hookFailureEndsRun = word(42)
        codeArenaAddress = word(43)
        codeArenaSize = word(44)
    }

    public func forEachWord(_ body: (Int, UInt64) -> Void) {
        body(0, magic)
        body(1, abiVersion)
        body(2, memorySize)
        body(3, heapStart)
        body(4, heapSize)
        body(5, stackTop)
        body(6, randomKey0)
        body(7, requestedExitStatus)
        body(8, moduleAddress)
        body(9, moduleSize)
        body(10, argumentsAddress)
        body(11, argumentsSize)
        body(12, argumentCount)
        body(13, environmentAddress)
        body(14, environmentSize)
        body(15, environmentCount)
        body(16, invokeNameAddress)
        body(17, invokeNameLength)
        body(18, invokeArgumentsAddress)
        body(19, invokeArgumentCount)
        body(20, fuel)
        body(21, maxMemoryPages)
        body(22, randomKey1)
        body(23, randomKey2)
        body(24, randomKey3)
        body(25, tscFrequency)
        body(26, realtimeBase)
        body(27, monotonicBase)
        body(28, tscBase)
        body(29, wasiMailboxAddress)
        body(30, invokesExport)
        body(31, moduleValidation)
        body(32, moduleStartCounter)
        body(33, snapshotPoint)
        body(34, runInputsAddress)
        body(35, runInputsSize)
        body(36, linksHostFunctions)
        body(37, translatesAllFunctions)
        body(38, hookTableAddress)
        body(39, hookCount)
        body(40, hookOutputAddress)
        body(41, hookFuel)
        body(42, hookFailureEndsRun)
        body(43, codeArenaAddress)
        body(44, codeArenaSize)
    }

    /// Whether a kernel built against this module can trust the rest of the record.
    public var isCompatible: Bool { magic == Self.magicValue && abiVersion == SwiftletABI.version }
}

/// Where the kernel makes the ``Hypercall/snapshot`` exit at which the monitor captures the VM (``BootInfo/snapshotPoint``).
///
/// After that exit returns, in the VM that made it and in every VM restored from its snapshot, the kernel reads its
/// per-run inputs from ``BootInfo`` again: a fresh random key (it reseeds its CSPRNG, so no two restored VMs see the
/// same bytes), a fresh clock base, the mailbox address and the fuel; and, after ``afterInitialization``, the
/// arguments, environment and the export to invoke (or `_start`).
public enum SnapshotPoint: UInt64, Sendable {
    case none = 0
    /// After decoding, validating and instantiating the module and calling its `wizer.initialize` export (or else its
    /// `_initialize`) if it has one; the restored run then calls `_start` or the export boot info names.
    case afterInitialization = 1
    /// Inside `_start`, just before the module's first `fd_read` of descriptor 0 is forwarded to the host (an
    /// initialized interpreter about to read its script from stdin); the arguments and environment are the
    /// snapshot's own, since the module has read them already.
    case atFirstStandardInputRead = 2
}

/// How the kernel treats the module's function bodies (``BootInfo/moduleValidation``). The host's module cache
/// decides: it knows which modules were validated before.
public enum ModuleValidation: UInt64, Sendable {
    /// Validate every body before running anything.
    case validate = 0
    /// Validate every body, then say so with ``Hypercall/moduleValidated`` before running anything, so the host can
    /// remember it.
    case validateAndReport = 1
    /// These exact bytes were validated before: only find the bodies (each is still validated when it is translated,
    /// on its first call).
    case alreadyValidated = 2
}

/// A WebAssembly value crossing the boundary (`--invoke` arguments and results): its type as the binary format's
/// value-type byte, and its bits as the engine's slots hold them. A reference is 0 when null, 1 otherwise.
public struct ABIValue: ABIRecord, Equatable, Sendable {
    public static let i32Type: UInt64 = 0x7F
    public static let i64Type: UInt64 = 0x7E
    public static let f32Type: UInt64 = 0x7D
    public static let f64Type: UInt64 = 0x7C
    public static let funcrefType: UInt64 = 0x70
    public static let externrefType: UInt64 = 0x6F
    public static let exnrefType: UInt64 = 0x69
    /// Any reference of GC's any hierarchy (`anyref`, `eqref`, a struct or array type's...).
    public static let anyrefType: UInt64 = 0x6E
    /// A v128 is two records of this type, its low half's bits first.
    public static let v128Type: UInt64 = 0x7B

    public var type: UInt64
    public var bits: UInt64

    public init(type: UInt64, bits: UInt64) {
        self.type = type
        self.bits = bits
    }

    public static let wordCount = 2

    public init(word: (Int) -> UInt64) {
        type = word(0)
        bits = word(1)
    }

    public func forEachWord(_ body: (Int, UInt64) -> Void) {
        body(0, type)
        body(1, bits)
    }
}
