/// Request record of ``Hypercall/fdWrite``. The iovecs are already translated by the kernel from linear-memory
/// offsets to guest-physical ranges: `iovecCount` pairs of words (address, length) at `iovecsAddress`.
public struct FDWriteRequest: ABIRecord, Equatable, Sendable {
    public var fd: UInt64
    public var iovecsAddress: UInt64
    public var iovecCount: UInt64
    /// Filled in by the monitor: bytes written, and the WASI errno (0 on success).
    public var bytesWritten: UInt64 = 0
    public var errno: UInt64 = 0

    /// Offset of ``bytesWritten`` in the record, where the monitor writes its result words back.
    public static let resultOffset: UInt64 = 3 * 8

    public init(fd: UInt64, iovecsAddress: UInt64, iovecCount: UInt64) {
        self.fd = fd
        self.iovecsAddress = iovecsAddress
        self.iovecCount = iovecCount
    }

    public static let wordCount = 5

    public init(word: (Int) -> UInt64) {
        fd = word(0)
        iovecsAddress = word(1)
        iovecCount = word(2)
        bytesWritten = word(3)
        errno = word(4)
    }

    public func forEachWord(_ body: (Int, UInt64) -> Void) {
        body(0, fd)
        body(1, iovecsAddress)
        body(2, iovecCount)
        body(3, bytesWritten)
        body(4, errno)
    }
}

/// Request record of ``Hypercall/wasi``: one WASI preview1 call, forwarded as the module made it.
///
/// The host's WASI implementation sees the calling instance's linear memory as the guest-physical range
/// `[memoryAddress, memoryAddress + memorySize)` and resolves the call's pointer arguments (offsets into linear
/// memory) inside it, exactly as it would against an in-process memory.
public struct WASICallRequest: ABIRecord, Equatable, Sendable {
    /// Most arguments any preview1 function takes (`path_open` has 9).
    public static let maximumArgumentCount = 9

    /// Which function: its index in ``WASIFunction``.
    public var function: UInt64
    public var memoryAddress: UInt64
    public var memorySize: UInt64
    /// The call's arguments as the engine's slots hold them (i32 zero-extended).
    public var arguments: [UInt64]
    /// Filled in by the monitor: the WASI errno the call returns.
    public var errno: UInt64 = 0

    /// Offset of ``errno`` in the record, where the monitor writes the result back.
    public static let errnoOffset = UInt64(wordCount - 1) * 8

    public init(function: UInt64, memoryAddress: UInt64, memorySize: UInt64, arguments: [UInt64]) {
        precondition(arguments.count <= Self.maximumArgumentCount, "too many WASI arguments")
        self.function = function
        self.memoryAddress = memoryAddress
        self.memorySize = memorySize
        self.arguments = arguments + [UInt64](repeating: 0, count: Self.maximumArgumentCount - arguments.count)
    }

    public static let wordCount = 4 + maximumArgumentCount

    public init(word: (Int) -> UInt64) {
        function = word(0)
        memoryAddress = word(1)
        memorySize = word(2)
        arguments = (0..<Self.maximumArgumentCount).map { word(3 + $0) }
        errno = word(3 + Self.maximumArgumentCount)
    }

    public func forEachWord(_ body: (Int, UInt64) -> Void) {
        body(0, function)
        body(1, memoryAddress)
        body(2, memorySize)
        for index in 0..<Self.maximumArgumentCount { body(3 + index, arguments[index]) }
        body(3 + Self.maximumArgumentCount, errno)
    }
}

/// Request record of ``Hypercall/hostCall``: one call of a host function, as the module made it.
///
/// The values travel out of line, as 64-bit slots at `valuesAddress` (the engine's: i32 and f32 zero-extended, a
/// reference 0 when null): `argumentCount` arguments, then room for `resultCount` results, which the monitor writes
/// there. The host types the slots by the import's own function type, which it checked against the host function's
/// before the module was linked; a request whose counts do not match that type stops the VM. The calling module's
/// linear memory is `[memoryAddress, memoryAddress + memorySize)`, as for ``WASICallRequest`` (size 0: it has none).
public struct HostCallRequest: ABIRecord, Equatable, Sendable {
    /// More arguments, or more results, than any sensible function type has: the monitor refuses a larger request, so
    /// what it copies out of the guest stays bounded.
    public static let maximumValueCount: UInt64 = 1000

    /// Which import: its index in the module's function index space (imports come first, so it counts the function
    /// imports before it).
    public var function: UInt64
    public var memoryAddress: UInt64
    public var memorySize: UInt64
    public var valuesAddress: UInt64
    public var argumentCount: UInt64
    public var resultCount: UInt64

    public init(
        function: UInt64, memoryAddress: UInt64, memorySize: UInt64, valuesAddress: UInt64, argumentCount: UInt64,
        resultCount: UInt64
    ) {
        self.function = function
        self.memoryAddress = memoryAddress
        self.memorySize = memorySize
        self.valuesAddress = valuesAddress
        self.argumentCount = argumentCount
        self.resultCount = resultCount
    }

    public static let wordCount = 6

    public init(word: (Int) -> UInt64) {
        function = word(0)
        memoryAddress = word(1)
        memorySize = word(2)
        valuesAddress = word(3)
        argumentCount = word(4)
        resultCount = word(5)
    }

    public func forEachWord(_ body: (Int, UInt64) -> Void) {
        body(0, function)
        body(1, memoryAddress)
        body(2, memorySize)
        body(3, valuesAddress)
        body(4, argumentCount)
        body(5, resultCount)
    }
}

/// Request record of ``Hypercall/failure``.
public struct GuestFailureReport: ABIRecord, Equatable, Sendable {
    /// What failed; the monitor turns it into the same message and exit status as an in-process run.
    public enum Kind: UInt64, Sendable {
        /// A WebAssembly trap; the message is the trap's reason.
        case trap = 1
        /// Decoding or validation failed; the message is the module error's description.
        case invalidModule = 2
        /// Instantiation could not link an import; the message says which.
        case unlinkable = 3
        /// The module exports no `_start` function.
        case noStartFunction = 4
        /// The export to invoke is missing or not a function; the message is its name.
        case noSuchFunction = 5
        /// A hook could not be set up (invalid, or its initialization failed); the message is the hook error's.
        case hookFailed = 6
        /// An exception no `try_table` caught ended the run; the message names its tag.
        case uncaughtException = 7
    }

    public var kind: UInt64
    /// UTF-8 message, not terminated.
    public var messageAddress: UInt64
    public var messageLength: UInt64

    public init(kind: Kind, messageAddress: UInt64, messageLength: UInt64) {
        self.kind = kind.rawValue
        self.messageAddress = messageAddress
        self.messageLength = messageLength
    }

    public static let wordCount = 3

    public init(word: (Int) -> UInt64) {
        kind = word(0)
        messageAddress = word(1)
        messageLength = word(2)
    }

    public func forEachWord(_ body: (Int, UInt64) -> Void) {
        body(0, kind)
        body(1, messageAddress)
        body(2, messageLength)
    }
}

/// Request record of ``Hypercall/invokeResults``: `count` ``ABIValue`` records at `valuesAddress`.
public struct InvokeResultsReport: ABIRecord, Equatable, Sendable {
    /// More results than any sensible function returns; the monitor refuses larger reports.
    public static let maximumCount: UInt64 = 1000

    public var valuesAddress: UInt64
    public var count: UInt64

    public init(valuesAddress: UInt64, count: UInt64) {
        self.valuesAddress = valuesAddress
        self.count = count
    }

    public static let wordCount = 2

    public init(word: (Int) -> UInt64) {
        valuesAddress = word(0)
        count = word(1)
    }

    public func forEachWord(_ body: (Int, UInt64) -> Void) {
        body(0, valuesAddress)
        body(1, count)
    }
}

/// One hook of ``BootInfo/hookTableAddress``: its module's bytes, its name (for messages) and its configuration string,
/// each as an address and a length in guest memory.
public struct HookRecord: ABIRecord, Equatable, Sendable {
    public var moduleAddress: UInt64
    public var moduleSize: UInt64
    public var nameAddress: UInt64
    public var nameLength: UInt64
    public var configurationAddress: UInt64
    public var configurationLength: UInt64

    public init(
        moduleAddress: UInt64, moduleSize: UInt64, nameAddress: UInt64, nameLength: UInt64,
        configurationAddress: UInt64, configurationLength: UInt64
    ) {
        self.moduleAddress = moduleAddress
        self.moduleSize = moduleSize
        self.nameAddress = nameAddress
        self.nameLength = nameLength
        self.configurationAddress = configurationAddress
        self.configurationLength = configurationLength
    }

    public static let wordCount = 6

    public init(word: (Int) -> UInt64) {
        moduleAddress = word(0)
        moduleSize = word(1)
        nameAddress = word(2)
        nameLength = word(3)
        configurationAddress = word(4)
        configurationLength = word(5)
    }

    public func forEachWord(_ body: (Int, UInt64) -> Void) {
        body(0, moduleAddress)
        body(1, moduleSize)
        body(2, nameAddress)
        body(3, nameLength)
        body(4, configurationAddress)
        body(5, configurationLength)
    }
}

/// Request record of ``Hypercall/sealCode``: `length` bytes of machine code at `sourceAddress` (anywhere in the guest's
/// memory) go to `destinationAddress`, a page boundary of the code arena; the pages they cover become executable.
public struct SealCodeRequest: ABIRecord, Equatable, Sendable {
    public var sourceAddress: UInt64
    public var destinationAddress: UInt64
    public var length: UInt64

    public init(sourceAddress: UInt64, destinationAddress: UInt64, length: UInt64) {
        self.sourceAddress = sourceAddress
        self.destinationAddress = destinationAddress
        self.length = length
    }

    public static let wordCount = 3

    public init(word: (Int) -> UInt64) {
        sourceAddress = word(0)
        destinationAddress = word(1)
        length = word(2)
    }

    public func forEachWord(_ body: (Int, UInt64) -> Void) {
        body(0, sourceAddress)
        body(1, destinationAddress)
        body(2, length)
    }
}
