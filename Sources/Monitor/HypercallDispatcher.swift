import SwiftletABI

/// Carries out the guest's hypercalls (see ``SwiftletABI/Hypercall``).
///
/// Everything the guest supplies — port, access size, request address, buffer address and length — is validated
/// against the guest's own region of memory before use; a malformed call is a ``HypercallError`` that stops the VM.
/// Host resources stay bounded: console output beyond ``consoleLimit`` is dropped and flagged.
public struct HypercallDispatcher: Sendable {
    /// What the VM does after a hypercall.
    public enum Action: Equatable, Sendable {
        case resume
        case exit(status: UInt32)
    }

    /// The guest-owned part of guest memory; requests and buffers must lie inside it.
    public let guestRegion: GuestRange
    public let consoleLimit: Int
    public private(set) var console: [UInt8] = []
    /// Whether console output was dropped because it exceeded ``consoleLimit``.
    public private(set) var consoleTruncated = false

    public init(guestRegion: GuestRange, consoleLimit: Int) {
        self.guestRegion = guestRegion
        self.consoleLimit = consoleLimit
    }

    /// Handles an `out` the guest made (a `KVM_EXIT_IO` exit).
    public mutating func handleOut(
        port: UInt16, size: UInt8, value: UInt32, memory: borrowing GuestMemory
    ) throws(HypercallError) -> Action {
        guard Hypercall.isHypercallPort(port) else { throw .notAHypercallPort(port) }
        guard let call = Hypercall(rawValue: port - Hypercall.portBase) else {
            throw .unknownHypercall(number: port - Hypercall.portBase)
        }
        guard size == 4 else { throw .wrongAccessSize(call, size: size) }
        switch call {
        case .consoleWrite:
            let request = try readRequest(ConsoleWriteRequest.self, at: UInt64(value), memory: memory)
            try writeConsole(request, memory: memory)
            return .resume
        case .exit:
            return .exit(status: value)
        }
    }

    private func readRequest<R: ABIRecord>(
        _ type: R.Type, at address: UInt64, memory: borrowing GuestMemory
    ) throws(HypercallError) -> R {
        let start = GuestPhysicalAddress(address)
        guard let range = GuestRange(start: start, length: UInt64(R.byteCount)), guestRegion.contains(range) else {
            throw .requestOutsideGuestRegion(address: start)
        }
        do {
            return try memory.load(R.self, at: start)
        } catch {
            throw .requestOutsideGuestRegion(address: start)
        }
    }

    private mutating func writeConsole(
        _ request: ConsoleWriteRequest, memory: borrowing GuestMemory
    ) throws(HypercallError) {
        let start = GuestPhysicalAddress(request.bufferAddress)
        guard let buffer = GuestRange(start: start, length: request.length), guestRegion.contains(buffer) else {
            throw .bufferOutsideGuestRegion(address: start, length: request.length)
        }
        let kept = min(request.length, UInt64(max(0, consoleLimit - console.count)))
        if kept < request.length { consoleTruncated = true }
        do {
            console += try memory.readBytes(at: start, count: kept)
        } catch {
            throw .bufferOutsideGuestRegion(address: start, length: request.length)
        }
    }
}

/// A malformed hypercall. The guest caused it, so it ends the VM rather than the monitor.
public enum HypercallError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAHypercallPort(UInt16)
    case unknownHypercall(number: UInt16)
    case wrongAccessSize(Hypercall, size: UInt8)
    case requestOutsideGuestRegion(address: GuestPhysicalAddress)
    case bufferOutsideGuestRegion(address: GuestPhysicalAddress, length: UInt64)

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
        }
    }
}
