/// Guest → host calls. The guest makes one with a 32-bit port write (`out dx, eax`) to ``port``, which exits to
/// the monitor (`KVM_EXIT_IO`): one exit per call, so calls should carry as much work as possible.
///
/// The 32-bit value written is call-specific: the guest-physical address of the call's request record, or a small
/// immediate. The monitor validates every address and length against guest memory and stops the VM on a
/// malformed call; a call never returns an error to the guest.
public enum Hypercall: UInt16, Sendable {
    /// Writes bytes to the console. Value: guest-physical address of a ``ConsoleWriteRequest``.
    case consoleWrite = 1
    /// Ends the VM. Value: the exit status.
    case exit = 2
    /// WASI `fd_write` to the host's stdout or stderr, all iovecs in one exit. Value: guest-physical address of an
    /// ``FDWriteRequest``, whose result words the monitor fills in.
    case fdWrite = 3
    /// Any other WASI preview1 call, answered by the host's WASI implementation: one generic exit per call, unless
    /// the ``WASIMailbox`` carries it without one. Value: guest-physical address of a ``WASICallRequest``, whose
    /// result word the monitor fills in.
    case wasi = 4
    /// The run failed in a way the guest can describe (a trap, an invalid or unlinkable module); ends the VM.
    /// Value: guest-physical address of a ``GuestFailureReport``.
    case failure = 5
    /// The results of the invoked export; ends the VM with status 0 (one exit where results and an exit would take
    /// two: on a nested KVM an exit is most of a restored sandbox's time). Value: guest-physical address of an
    /// ``InvokeResultsReport``.
    case invokeResults = 6
    /// The kernel's heap cannot satisfy an allocation; ends the VM. Value: the size asked for, saturated to 32 bits.
    /// An immediate, because a kernel out of memory cannot build a request record.
    case outOfMemory = 7
    /// Waits for the WASI call the host's worker has claimed from the ``WASIMailbox`` to finish: returns once the
    /// worker no longer serves it (its result is then in the mailbox). Value: ignored. See ``WASIMailbox``.
    case wasiAwait = 8
    /// Every function body of the module passed validation (sent only when BootInfo asks, before any of the module's
    /// code runs). Value: ignored. The host records it in its module cache; a guest that lies about it can only make
    /// later runs of the same bytes skip validation, and each body is still validated when it is first translated.
    case moduleValidated = 9
    /// The guest no longer needs the contents of a range of its memory (a large block its heap freed): the host drops
    /// the pages, so they stop counting against the host, and they read as zero when next touched. Value:
    /// guest-physical address of a ``DiscardRequest``.
    case discard = 10
    /// The kernel reached its ``BootInfo/snapshotPoint``: the monitor captures the VM (memory and vCPU) here; the
    /// exit returns in this VM (if the monitor lets it continue) and in every VM restored from the capture, and the
    /// kernel then reads its per-run inputs from ``BootInfo`` again. Value: ignored. One exit, made at most once.
    case snapshot = 11
    /// Calls the host function that serves one of the module's function imports (``BootInfo/linksHostFunctions``),
    /// one exit per call. Value: guest-physical address of a ``HostCallRequest``, whose result slots the monitor fills
    /// in before resuming the guest. A host function that traps ends the run there, with the trap's message, as it
    /// would in-process: the exit does not return.
    case hostCall = 12
    /// The ``HookOutputRegion`` at ``BootInfo/hookOutputAddress`` is full: the monitor writes its bytes to the hooks'
    /// output and sets its fill level to 0 (it drains the region once more when the run ends). Value: ignored.
    case hookOutput = 13
    /// A hook failed (trapped, ran out of fuel, returned no verdict) and the run goes on: the monitor reports the
    /// message. Value: guest-physical address of a ``ConsoleWriteRequest`` naming the message's UTF-8 bytes.
    case hookFailure = 14
    /// Makes compiled code executable: the monitor copies the code from the guest's buffer into pages of the code arena
    /// (``BootInfo/codeArenaAddress``) that were never mapped and maps them present, read-only and executable, so no
    /// guest page is ever both writable and executable. Value: guest-physical address of a ``SealCodeRequest``. A range
    /// outside the arena, not page-aligned or holding a page sealed before is a malformed call and ends the VM.
    case sealCode = 15

    /// Port of hypercall 0; hypercall `n` uses `portBase + n`. Chosen away from legacy PC ports.
    public static let portBase: UInt16 = 0x5700
    /// Number of ports reserved for hypercalls, so unknown numbers are recognised as such.
    public static let portCount: UInt16 = 0x100

    public var port: UInt16 { Self.portBase + rawValue }

    /// Exit status of a kernel that finds a BootInfo it does not understand (wrong magic or ABI version).
    public static let incompatibleBootInfoStatus: UInt32 = 0xB007_BAD0

    /// Whether `port` lies in the hypercall range (known number or not).
    public static func isHypercallPort(_ port: UInt16) -> Bool {
        port >= portBase && port - portBase < portCount
    }
}

/// Request record of ``Hypercall/discard``: whole pages, inside the guest region.
public struct DiscardRequest: ABIRecord, Equatable, Sendable {
    public var start: UInt64
    public var length: UInt64

    public init(start: UInt64, length: UInt64) {
        self.start = start
        self.length = length
    }

    public static let wordCount = 2

    public init(word: (Int) -> UInt64) {
        start = word(0)
        length = word(1)
    }

    public func forEachWord(_ body: (Int, UInt64) -> Void) {
        body(0, start)
        body(1, length)
    }
}

/// Request record of ``Hypercall/consoleWrite``.
public struct ConsoleWriteRequest: ABIRecord, Equatable, Sendable {
    /// Guest-physical address of the first byte.
    public var bufferAddress: UInt64
    public var length: UInt64

    public init(bufferAddress: UInt64, length: UInt64) {
        self.bufferAddress = bufferAddress
        self.length = length
    }

    public static let wordCount = 2

    public init(word: (Int) -> UInt64) {
        bufferAddress = word(0)
        length = word(1)
    }

    public func forEachWord(_ body: (Int, UInt64) -> Void) {
        body(0, bufferAddress)
        body(1, length)
    }
}
