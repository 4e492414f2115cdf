import Glibc
import SwiftletABI

/// Carries out the guest's hypercalls (see ``SwiftletABI/Hypercall``).
///
/// Everything the guest supplies — port, access size, request address, buffer addresses and lengths — is
/// validated against the guest's own region of memory, less its code arena (``HypercallBounds``), before use; a malformed call is a ``HypercallError`` that
/// stops the VM. Host resources stay bounded: captured output beyond ``consoleLimit`` is dropped and flagged.
public struct HypercallDispatcher: Sendable {
    /// What the VM does after a hypercall.
    public enum Action: Equatable, Sendable {
        case resume
        case exit(status: UInt32)
        /// The guest reported a failed run (``Hypercall/failure``).
        case failed(GuestFailure)
        /// The kernel's heap could not satisfy an allocation of this many bytes (saturated to 32 bits).
        case outOfMemory(requested: UInt32)
        /// The run's deadline passed while the hypercall waited for the WASI mailbox worker.
        case deadlinePassed
        /// The kernel reached its snapshot point (``Hypercall/snapshot``): the VM decides whether it may.
        case snapshot
    }

    /// Where the guest's stdout (console and fd 1) and stderr (fd 2) go.
    public enum Output: Sendable {
        /// Kept in ``console`` and ``errorOutput``, up to ``consoleLimit`` bytes each.
        case capture
        /// Written to these host descriptors (this process's stdout and stderr, or a caller's pipes or files) as
        /// the guest writes them. The descriptors stay the caller's.
        case forward(standardOutput: Int32, standardError: Int32)
    }

    /// Answers one WASI preview1 call (``Hypercall/wasi``): the function's number in ``WASIFunction``, its arguments
    /// as the module passed them, and the calling module's linear memory, in which pointer arguments are offsets —
    /// the same view an in-process WASI implementation gets from `Store.withBytes(of:)`, so one implementation serves
    /// both. The buffer is valid only during the call. Returns the WASI errno.
    public typealias WASIHandler =
        @Sendable (_ function: UInt64, _ arguments: [UInt64], _ linearMemory: UnsafeMutableRawBufferPointer) -> UInt64

    /// Calls the host function serving one of the module's function imports (``Hypercall/hostCall``): the import's
    /// index in the module's function index space, its argument slots as the module passed them, how many result
    /// slots the guest expects, and the calling module's linear memory (empty when it has none), valid only during the
    /// call. Runs on the vCPU thread, while the guest waits.
    public typealias HostCallHandler =
        @Sendable (_ function: UInt64, _ arguments: [UInt64], _ resultCount: Int,
            _ linearMemory: UnsafeMutableRawBufferPointer) -> HostCallOutcome

    /// Where requests and buffers must lie.
    let bounds: HypercallBounds
    public let consoleLimit: Int
    public let output: Output
    /// Serves WASI calls, through exits and the mailbox; its handler nil answers as ``unimplementedWASIAnswer(_:)``.
    let wasi: WASICallServer
    /// Serves host calls; nil when the VM has no host functions, and a host call is then malformed.
    let hostCallHandler: HostCallHandler?
    /// Where sealed machine code goes (``Hypercall/sealCode``); an empty arena refuses every seal.
    let codeArena: CodeArena
    /// Where the hooks' output and failures go; nil when the run has no hooks, and their hypercalls are then malformed.
    var hooks: HookChannel?
    public private(set) var console: [UInt8] = []
    public private(set) var errorOutput: [UInt8] = []
    /// Whether captured output was dropped because it exceeded ``consoleLimit``.
    public private(set) var consoleTruncated = false
    /// The invoked export's results, once the guest has sent them.
    public private(set) var invokeResults: [ABIValue]?
    /// Whether the guest said every function body of the module passed validation.
    public private(set) var moduleValidated = false

    /// Longest failure message taken from the guest.
    static let maximumMessageLength: UInt64 = 64 << 10
    /// Most iovecs one fd_write may carry (WASI's IOV_MAX on Linux).
    static let maximumIovecCount: UInt64 = 1024

    public init(
        guestRegion: GuestRange, consoleLimit: Int, output: Output = .capture, wasiHandler: WASIHandler? = nil,
        hostCallHandler: HostCallHandler? = nil, codeArena: GuestRange? = nil
    ) {
        let bounds = HypercallBounds(guestRegion: guestRegion, codeArena: codeArena)
        self.init(
            bounds: bounds, consoleLimit: consoleLimit, output: output,
            wasi: WASICallServer(bounds: bounds, handler: wasiHandler), hostCallHandler: hostCallHandler)
    }

    init(
        bounds: HypercallBounds, consoleLimit: Int, output: Output, wasi: WASICallServer,
        hostCallHandler: HostCallHandler?
    ) {
        self.bounds = bounds
        self.consoleLimit = consoleLimit
        self.output = output
        self.wasi = wasi
        self.hostCallHandler = hostCallHandler
        codeArena = CodeArena(range: bounds.codeArena)
    }

    /// Handles an `out` the guest made (a `KVM_EXIT_IO` exit).
    /// - Parameter deadline: CLOCK_MONOTONIC nanoseconds after which a wait for the WASI worker gives up.
    public mutating func handleOut(
        port: UInt16, size: UInt8, value: UInt32, memory: borrowing GuestMemory, deadline: UInt64? = nil
    ) throws(HypercallError) -> Action {
        // A mailbox request that failed validation ends the VM at the guest's first exit after it.
        if let rejection = wasi.rejection { throw rejection }
        guard Hypercall.isHypercallPort(port) else { throw .notAHypercallPort(port) }
        guard let call = Hypercall(rawValue: port - Hypercall.portBase) else {
            throw .unknownHypercall(number: port - Hypercall.portBase)
        }
        guard size == 4 else { throw .wrongAccessSize(call, size: size) }
        switch call {
        case .consoleWrite:
            let request = try readRequest(ConsoleWriteRequest.self, at: UInt64(value), memory: memory)
            let buffer = try guestBuffer(request.bufferAddress, length: request.length)
            _ = try emit(fd: 1, buffer, memory: memory)  // the kernel's own messages: nobody to tell of a failure
            return .resume
        case .exit:
            return .exit(status: value)
        case .fdWrite:
            try fdWrite(at: UInt64(value), memory: memory)
            return .resume
        case .wasi:
            let request = try readRequest(WASICallRequest.self, at: UInt64(value), memory: memory)
            guard let errno = try wasi.serveExitCall(request, memory: memory.sharedView, deadline: deadline) else {
                return .deadlinePassed
            }
            try writeBack(errno, at: UInt64(value) + WASICallRequest.errnoOffset, memory: memory)
            return .resume
        case .wasiAwait:
            return wasi.awaitWorker(deadline: deadline) ? .resume : .deadlinePassed
        case .failure:
            let report = try readRequest(GuestFailureReport.self, at: UInt64(value), memory: memory)
            guard let kind = GuestFailureReport.Kind(rawValue: report.kind) else {
                throw .malformedRequest(call, "unknown failure kind \(report.kind)")
            }
            let length = min(report.messageLength, Self.maximumMessageLength)
            let buffer = try guestBuffer(report.messageAddress, length: length)
            let message = try bytes(buffer, memory: memory)
            return .failed(GuestFailure(kind: kind, message: String(decoding: message, as: UTF8.self)))
        case .invokeResults:
            let report = try readRequest(InvokeResultsReport.self, at: UInt64(value), memory: memory)
            guard report.count <= InvokeResultsReport.maximumCount, invokeResults == nil else {
                throw .malformedRequest(call, "\(report.count) results, or results sent twice")
            }
            let buffer = try guestBuffer(report.valuesAddress, length: report.count * UInt64(ABIValue.byteCount))
            invokeResults = try (0..<report.count).map { (index) throws(HypercallError) in
                try readRequest(
                    ABIValue.self, at: buffer.start.rawValue + index * UInt64(ABIValue.byteCount), memory: memory)
            }
            return .exit(status: 0)
        case .outOfMemory:
            return .outOfMemory(requested: value)
        case .moduleValidated:
            moduleValidated = true
            return .resume
        case .snapshot:
            return .snapshot
        case .hostCall:
            return try hostCall(at: UInt64(value), memory: memory)
        case .hookOutput:
            try drainHookOutput(memory: memory)
            return .resume
        case .hookFailure:
            guard let hooks else { throw .malformedRequest(call, "this VM has no hooks") }
            let request = try readRequest(ConsoleWriteRequest.self, at: UInt64(value), memory: memory)
            let buffer = try guestBuffer(request.bufferAddress, length: min(request.length, Self.maximumMessageLength))
            hooks.reportFailure(String(decoding: try bytes(buffer, memory: memory), as: UTF8.self))
            return .resume
        case .discard:
            let request = try readRequest(DiscardRequest.self, at: UInt64(value), memory: memory)
            let range = try guestBuffer(request.start, length: request.length)
            guard memory.discard(range) else { throw .malformedRequest(call, "a range of whole pages is required") }
            return .resume
        case .sealCode:
            try codeArena.seal(
                try readRequest(SealCodeRequest.self, at: UInt64(value), memory: memory), memory: memory,
                bounds: bounds)
            return .resume
        }
    }

    /// Writes the bytes in the hooks' output region to their destination and empties it: when the guest says it is full,
    /// and once more when the run ends, however it ends.
    func drainHookOutput(memory: borrowing GuestMemory) throws(HypercallError) {
        guard let hooks else { throw .malformedRequest(.hookOutput, "this VM has no hooks") }
        let fillLevel = try load(hooks.region.start.rawValue + HookOutputRegion.fillLevelOffset, memory: memory)
        guard fillLevel <= HookOutputRegion.capacity else {
            throw .malformedRequest(.hookOutput, "a fill level of \(fillLevel) bytes, more than the region holds")
        }
        if let descriptor = hooks.descriptor, fillLevel > 0 {
            let data = try guestBuffer(hooks.region.start.rawValue + HookOutputRegion.dataOffset, length: fillLevel)
            do {
                try memory.withBytes(at: data.start, count: data.length) { bytes in
                    // A destination that fails (a full disk, a closed pipe) loses the hooks' output, not the run.
                    try? Syscalls.writeAll(descriptor, bytes)
                }
            } catch {
                throw .bufferOutsideGuestRegion(address: data.start, length: data.length)
            }
        }
        try writeBack(0, at: hooks.region.start.rawValue + HookOutputRegion.fillLevelOffset, memory: memory)
    }

    /// The answer to a WASI call when no ``wasiHandler`` is set (the full WASI host plugs in there): the VM has no
    /// descriptors beyond stdin, stdout and stderr and no preopened directories, so a call on any other descriptor
    /// is EBADF — which is also how wasi-libc's start-up learns there are no preopens — and everything else ENOSYS.
    static func unimplementedWASIAnswer(_ request: WASICallRequest) -> UInt64 {
        guard request.function < UInt64(WASIFunction.names.count) else { return WASIErrno.notImplemented }
        let name = WASIFunction.names[Int(request.function)].description
        if name.hasPrefix("path_") || (name.hasPrefix("fd_") && request.arguments[0] > 2) {
            return WASIErrno.badFileDescriptor
        }
        return WASIErrno.notImplemented
    }

    /// fd_write: every iovec is checked before any byte is written, so a hostile request writes nothing.
    private mutating func fdWrite(at address: UInt64, memory: borrowing GuestMemory) throws(HypercallError) {
        let request = try readRequest(FDWriteRequest.self, at: address, memory: memory)
        guard request.iovecCount <= Self.maximumIovecCount else {
            throw .malformedRequest(.fdWrite, "\(request.iovecCount) iovecs, more than \(Self.maximumIovecCount)")
        }
        let table = try guestBuffer(request.iovecsAddress, length: request.iovecCount * 16)
        var buffers: [GuestRange] = []
        var total: UInt64 = 0
        for index in 0..<request.iovecCount {
            let entry = table.start.rawValue + index * 16
            let start = try load(entry, memory: memory)
            let length = try load(entry + 8, memory: memory)
            let buffer = try guestBuffer(start, length: length)
            total += length  // each length is below 4 GiB (inside guest memory) and there are at most 1024
            buffers.append(buffer)
        }
        var errno = WASIErrno.success
        if request.fd == 1 || request.fd == 2 {
            var written: UInt64 = 0
            for buffer in buffers {
                if let hostError = try emit(fd: Int32(request.fd), buffer, memory: memory) {
                    // As write(2): what was written counts; an error only when nothing was.
                    if written == 0 { errno = Self.wasiErrno(hostError) }
                    break
                }
                written += buffer.length
            }
            total = errno == WASIErrno.success ? written : 0
        } else {
            errno = WASIErrno.badFileDescriptor
            total = 0
        }
        try writeBack(total, at: address + FDWriteRequest.resultOffset, memory: memory)
        try writeBack(errno, at: address + FDWriteRequest.resultOffset + 8, memory: memory)
    }

    /// A host call: the request and its values are checked against guest memory before the handler runs, and the
    /// results are written back only when they fill exactly the slots the guest left for them.
    private func hostCall(at address: UInt64, memory: borrowing GuestMemory) throws(HypercallError) -> Action {
        let request = try readRequest(HostCallRequest.self, at: address, memory: memory)
        guard let hostCallHandler else { throw .malformedRequest(.hostCall, "this VM has no host functions") }
        let maximum = HostCallRequest.maximumValueCount
        guard request.argumentCount <= maximum, request.resultCount <= maximum else {
            throw .malformedRequest(
                .hostCall, "\(request.argumentCount) arguments and \(request.resultCount) results, more than \(maximum)")
        }
        let values = try guestBuffer(request.valuesAddress, length: (request.argumentCount + request.resultCount) * 8)
        let arguments = try (0..<request.argumentCount).map { (index) throws(HypercallError) in
            try load(values.start.rawValue + index * 8, memory: memory)
        }
        let linearMemory = try bounds.checkedLinearMemory(request.memoryAddress, size: request.memorySize)
        let outcome = try Self.withLinearMemory(linearMemory, memory: memory.sharedView) { bytes in
            hostCallHandler(request.function, arguments, Int(request.resultCount), bytes)
        }
        switch outcome {
        case .returned(let results):
            guard results.count == request.resultCount else {
                throw .malformedRequest(.hostCall, "the host returned \(results.count) results for \(request.resultCount)")
            }
            for (index, result) in results.enumerated() {
                try writeBack(result, at: values.start.rawValue + (request.argumentCount + UInt64(index)) * 8, memory: memory)
            }
            return .resume
        case .trapped(let message):
            return .failed(GuestFailure(kind: .trap, message: message))
        case .refused(let reason):
            throw .malformedRequest(.hostCall, reason)
        }
    }

    /// Calls `body` with the bytes of `linearMemory` (checked by ``HypercallBounds/checkedLinearMemory(_:size:)``), or with an
    /// empty buffer for none.
    static func withLinearMemory<R>(
        _ linearMemory: GuestRange?, memory: GuestMemoryView, _ body: (UnsafeMutableRawBufferPointer) -> R
    ) throws(HypercallError) -> R {
        guard let linearMemory else { return body(UnsafeMutableRawBufferPointer(start: nil, count: 0)) }
        do {
            return try memory.withMutableBytes(at: linearMemory.start, count: linearMemory.length, body)
        } catch {
            throw .bufferOutsideGuestRegion(address: linearMemory.start, length: linearMemory.length)
        }
    }

    /// The WASI errno for a failed write to the host's stdout or stderr.
    static func wasiErrno(_ error: Errno) -> UInt64 {
        switch error.rawValue {
        case EPIPE: WASIErrno.brokenPipe
        case EAGAIN: WASIErrno.again
        case EBADF: WASIErrno.badFileDescriptor
        case ENOSPC: WASIErrno.noSpace
        default: WASIErrno.io
        }
    }

    /// Sends guest bytes to stdout (fd 1) or stderr (fd 2), captured or forwarded; returns the host's error if
    /// forwarding failed (a closed pipe is the guest's EPIPE, as in-process).
    private mutating func emit(
        fd: Int32, _ buffer: GuestRange, memory: borrowing GuestMemory
    ) throws(HypercallError) -> Errno? {
        switch output {
        case .forward(let standardOutput, let standardError):
            do {
                return try memory.withBytes(at: buffer.start, count: buffer.length) { bytes in
                    do throws(Errno) {
                        try Syscalls.writeAll(fd == 2 ? standardError : standardOutput, bytes)
                        return nil
                    } catch {
                        return error
                    }
                }
            } catch {
                throw .bufferOutsideGuestRegion(address: buffer.start, length: buffer.length)
            }
        case .capture:
            let kept = fd == 2 ? errorOutput.count : console.count
            let keep = min(buffer.length, UInt64(max(0, consoleLimit - kept)))
            if keep < buffer.length { consoleTruncated = true }
            let captured = try bytes(GuestRange(start: buffer.start, length: keep)!, memory: memory)
            if fd == 2 { errorOutput += captured } else { console += captured }
            return nil
        }
    }

    private func readRequest<R: ABIRecord>(
        _ type: R.Type, at address: UInt64, memory: borrowing GuestMemory
    ) throws(HypercallError) -> R {
        let start = GuestPhysicalAddress(address)
        guard let range = GuestRange(start: start, length: UInt64(R.byteCount)), bounds.admits(range) else {
            throw .requestOutsideGuestRegion(address: start)
        }
        do {
            return try memory.load(R.self, at: start)
        } catch {
            throw .requestOutsideGuestRegion(address: start)
        }
    }

    private func guestBuffer(_ address: UInt64, length: UInt64) throws(HypercallError) -> GuestRange {
        try bounds.checkedBuffer(address, length: length)
    }

    private func bytes(_ buffer: GuestRange, memory: borrowing GuestMemory) throws(HypercallError) -> [UInt8] {
        do {
            return try memory.readBytes(at: buffer.start, count: buffer.length)
        } catch {
            throw .bufferOutsideGuestRegion(address: buffer.start, length: buffer.length)
        }
    }

    private func load(_ address: UInt64, memory: borrowing GuestMemory) throws(HypercallError) -> UInt64 {
        let range = try guestBuffer(address, length: 8)
        do {
            return try memory.load(UInt64.self, at: range.start)
        } catch {
            throw .bufferOutsideGuestRegion(address: range.start, length: 8)
        }
    }

    /// Writes a result word into a request record already validated by ``readRequest(_:at:memory:)``.
    private func writeBack(_ value: UInt64, at address: UInt64, memory: borrowing GuestMemory) throws(HypercallError) {
        let range = try guestBuffer(address, length: 8)
        do {
            try memory.store(value, at: range.start)
        } catch {
            throw .requestOutsideGuestRegion(address: range.start)
        }
    }
}

/// Where a run's hooks send what they emit and how their failures are reported (the run's ``GuestRun/hooks``).
public struct HookChannel: Sendable {
    /// The ``HookOutputRegion`` in guest memory.
    public let region: GuestRange
    /// The host descriptor the bytes are written to (the caller's), or nil to drop them.
    public let descriptor: Int32?
    public let reportFailure: @Sendable (String) -> Void
}

/// A run that failed inside the guest, as the kernel described it.
public struct GuestFailure: Equatable, Sendable {
    public let kind: GuestFailureReport.Kind
    public let message: String

    public init(kind: GuestFailureReport.Kind, message: String) {
        self.kind = kind
        self.message = message
    }
}

/// What a host function did with a ``Hypercall/hostCall`` (``HypercallDispatcher/HostCallHandler``).
public enum HostCallOutcome: Equatable, Sendable {
    /// It returned these result slots, one for each the guest left room for.
    case returned([UInt64])
    /// It trapped: the run ends with this trap message, as it would in-process.
    case trapped(String)
    /// The request names no import a host function serves, or does not match its type: a malformed hypercall.
    case refused(String)
}

/// A malformed hypercall. The guest caused it, so it ends the VM rather than the monitor.
public enum HypercallError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAHypercallPort(UInt16)
    case unknownHypercall(number: UInt16)
    case wrongAccessSize(Hypercall, size: UInt8)
    case requestOutsideGuestRegion(address: GuestPhysicalAddress)
    case bufferOutsideGuestRegion(address: GuestPhysicalAddress, length: UInt64)
    case malformedRequest(Hypercall, String)

    public var description: String {
        switch self {
        case .notAHypercallPort(let port):
            "guest wrote to I/O port 0x\(String(port, radix: 16)), which is not a hypercall port"
        case .unknownHypercall(let number):
            "guest made unknown hypercall \(number)"
        case .wrongAccessSize(let call, let size):
            "guest made hypercall \(call) with a \(size)-byte port write; hypercalls take 4 bytes"
        case .requestOutsideGuestRegion(let address):
            "hypercall request at \(address) lies outside the guest's memory"
        case .bufferOutsideGuestRegion(let address, let length):
            "hypercall buffer of \(length) bytes at \(address) lies outside the guest's memory"
        case .malformedRequest(let call, let reason):
            "malformed hypercall \(call): \(reason)"
        }
    }
}
