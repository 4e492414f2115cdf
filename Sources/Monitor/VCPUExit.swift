/// Why `KVM_RUN` returned: a copy of the relevant part of the `kvm_run` page, so it stays valid after the next run.
public enum VCPUExit: Equatable, Sendable {
    /// `out` to `port` of `size` bytes (1, 2 or 4) with `value` zero-extended (`KVM_EXIT_IO`, direction out).
    case ioOut(port: UInt16, size: UInt8, value: UInt32)
    /// `in` from `port` of `size` bytes (`KVM_EXIT_IO`, direction in).
    case ioIn(port: UInt16, size: UInt8)
    /// `rep outs`/`rep ins`: several items in one exit. The monitor's devices do not take them.
    case stringIO(port: UInt16, count: UInt32)
    /// Store to guest-physical memory no slot backs (`KVM_EXIT_MMIO`); `value` holds `length` bytes, little-endian.
    case mmioWrite(address: UInt64, length: UInt32, value: UInt64)
    /// Load from guest-physical memory no slot backs (`KVM_EXIT_MMIO`).
    case mmioRead(address: UInt64, length: UInt32)
    /// `hlt` (`KVM_EXIT_HLT`).
    case halt
    /// Triple fault: any guest exception, since the guest has no IDT (`KVM_EXIT_SHUTDOWN`).
    case shutdown
    /// The VM entry failed (`KVM_EXIT_FAIL_ENTRY`), with the hardware's reason code.
    case failEntry(hardwareReason: UInt64)
    /// KVM could not handle the exit (`KVM_EXIT_INTERNAL_ERROR`); on kvm-pvm suberror 1 is an instruction its
    /// CPL0 emulator cannot run, such as SSE.
    case internalError(suberror: UInt32)
    /// Reset, shutdown or crash requested through a PV interface (`KVM_EXIT_SYSTEM_EVENT`).
    case systemEvent(type: UInt32)
    /// `KVM_RUN` returned `EINTR`/`EAGAIN` before the guest exited: a signal, or a stop requested from outside.
    case interrupted
    /// Any other `exit_reason`.
    case unknown(reason: UInt32)
}
