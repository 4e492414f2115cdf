import CKVM

/// A KVM vCPU file descriptor and its mapped `kvm_run` page. Unmapped and closed when dropped.
public struct VirtualCPU: ~Copyable {
    let fd: Int32
    /// The shared `kvm_run` page: KVM writes the exit details here on every return from `KVM_RUN`.
    private let runPage: UnsafeMutableRawPointer
    private let runPageSize: Int
    /// Whether registers travel through `kvm_run` (`KVM_CAP_SYNC_REGS`): see ``setRegistersAtNextRun(_:)``.
    private let synchronizesRegisters: Bool

    init(fd: Int32, runPage: UnsafeMutableRawPointer, runPageSize: Int, synchronizesRegisters: Bool) {
        self.fd = fd
        self.runPage = runPage
        self.runPageSize = runPageSize
        self.synchronizesRegisters = synchronizesRegisters
        // SAFETY: the page is this vCPU's kvm_run, mapped by VirtualMachine.createVCPU; KVM reads the field at KVM_RUN.
        if synchronizesRegisters { ckvm_sync_regs_enable(runPage.assumingMemoryBound(to: kvm_run.self)) }
    }

    deinit {
        // SAFETY: the page was mapped for this vCPU by VirtualMachine.createVCPU and nothing else refers to it.
        Syscalls.unmapMemory(runPage, size: runPageSize)
        Syscalls.close(fd)
    }

    /// General-purpose registers, `RIP` and `RFLAGS`: those set for the next run if not loaded yet
    /// (``setRegistersAtNextRun(_:)``), else the vCPU's. The corresponding ioctl is `KVM_GET_REGS`.
    public func registers() throws(KVMError) -> kvm_regs {
        // SAFETY: the page is this vCPU's kvm_run; the vCPU is not running (its one thread is here).
        if synchronizesRegisters, let pending = ckvm_sync_pending_regs(runPage.assumingMemoryBound(to: kvm_run.self)) {
            return pending.pointee
        }
        var registers = kvm_regs()
        try transfer(&registers, "KVM_GET_REGS", CKVM_GET_REGS)
        return registers
    }

    /// Gives the vCPU `registers` when it next runs: through `kvm_run` where KVM synchronizes registers (no ioctl of
    /// its own, ~10 µs on a nested KVM), else with `KVM_SET_REGS`. Nothing may read the registers before that run.
    public func setRegistersAtNextRun(_ registers: kvm_regs) throws(KVMError) {
        guard synchronizesRegisters else { return try setRegisters(registers) }
        var registers = registers
        // SAFETY: the page is this vCPU's kvm_run; the vCPU is not running (its one thread is here).
        ckvm_sync_set_regs(runPage.assumingMemoryBound(to: kvm_run.self), &registers)
    }

    /// The special registers as the vCPU's last run left them: from `kvm_run` where KVM synchronizes registers (it
    /// stores them at every return from `KVM_RUN`), else with `KVM_GET_SREGS`.
    /// - Precondition: the vCPU has run at least once, if it synchronizes registers.
    public func specialRegistersAfterLastRun() throws(KVMError) -> kvm_sregs {
        guard synchronizesRegisters else { return try specialRegisters() }
        // SAFETY: the page is this vCPU's kvm_run, which KVM filled at the last return from KVM_RUN.
        return ckvm_sync_sregs(runPage.assumingMemoryBound(to: kvm_run.self)).pointee
    }

    /// The corresponding ioctl is `KVM_SET_REGS`.
    public func setRegisters(_ registers: kvm_regs) throws(KVMError) {
        var registers = registers
        try transfer(&registers, "KVM_SET_REGS", CKVM_SET_REGS)
    }

    /// Segment, control and descriptor-table registers. The corresponding ioctl is `KVM_GET_SREGS`.
    public func specialRegisters() throws(KVMError) -> kvm_sregs {
        var registers = kvm_sregs()
        try transfer(&registers, "KVM_GET_SREGS", CKVM_GET_SREGS)
        return registers
    }

    /// The corresponding ioctl is `KVM_SET_SREGS`.
    public func setSpecialRegisters(_ registers: kvm_sregs) throws(KVMError) {
        var registers = registers
        try transfer(&registers, "KVM_SET_SREGS", CKVM_SET_SREGS)
    }

    /// The x87 and SSE state (registers, control words, `MXCSR`). The corresponding ioctl is `KVM_GET_FPU`; the guest's
    /// CR4 enables no AVX, so this is all of its extended state (`KVM_GET_XSAVE` would add only unused components).
    public func floatingPointState() throws(KVMError) -> kvm_fpu {
        var state = kvm_fpu()
        try transfer(&state, "KVM_GET_FPU", CKVM_GET_FPU)
        return state
    }

    /// The corresponding ioctl is `KVM_SET_FPU`.
    public func setFloatingPointState(_ state: kvm_fpu) throws(KVMError) {
        var state = state
        try transfer(&state, "KVM_SET_FPU", CKVM_SET_FPU)
    }

    /// The vCPU's time-stamp counter frequency in kHz. The corresponding ioctl is `KVM_GET_TSC_KHZ`.
    public func tscFrequencyKHz() throws(KVMError) -> UInt64 {
        UInt64(try checked("KVM_GET_TSC_KHZ") { () throws(Errno) in try Syscalls.ioctl(fd, CKVM_GET_TSC_KHZ) })
    }

    /// The guest's time-stamp counter now, as `rdtsc` in the guest would read it. The corresponding ioctl is
    /// `KVM_GET_MSRS` for `IA32_TSC`.
    public func guestTimeStampCounter() throws(KVMError) -> UInt64 {
        var value: UInt64 = 0
        let result = ckvm_get_guest_tsc(fd, &value)
        guard result >= 0 else { throw KVMError("KVM_GET_MSRS IA32_TSC", .current) }
        guard result == 1 else { throw KVMError("KVM_GET_MSRS IA32_TSC", unexpected: "IA32_TSC not read") }
        return value
    }

    /// KVM's counters for this vCPU, each by its KVM name (`exits`, `irq_exits`, `pf_taken`, ...; a histogram gives its
    /// first bucket), in KVM's order. Exits handled inside the host kernel (an interrupt, a shadow-page fault) are
    /// counted here and never reach the monitor. The corresponding ioctl is `KVM_GET_STATS_FD`.
    public func statistics() throws(KVMError) -> [(name: String, value: UInt64)] {
        let statsFD = try checked("KVM_GET_STATS_FD") { () throws(Errno) in try Syscalls.ioctl(fd, CKVM_GET_STATS_FD) }
        defer { Syscalls.close(statsFD) }
        return try checked("read KVM statistics") { () throws(Errno) in
            // struct kvm_stats_header: flags, name_size, num_desc, id_offset, desc_offset, data_offset (u32 each).
            // SAFETY: each buffer below is allocated here, freed on return, and read only after it was filled.
            let header = UnsafeMutableRawBufferPointer.allocate(byteCount: 24, alignment: 8)
            defer { header.deallocate() }
            try Syscalls.readExactly(statsFD, at: 0, into: header)
            let field = { (index: Int) in Int(header.load(fromByteOffset: index * 4, as: UInt32.self)) }
            let (nameSize, count, descriptorOffset, dataOffset) = (field(1), field(2), field(4), field(5))
            guard count < 4096, nameSize < 4096 else { throw Errno(rawValue: 22) }  // EINVAL: not a header KVM writes
            // struct kvm_stats_desc: flags (u32), exponent (s16), size (u16), offset (u32), bucket_size (u32), name.
            let descriptorSize = 16 + nameSize
            let descriptors = UnsafeMutableRawBufferPointer.allocate(byteCount: descriptorSize * count, alignment: 8)
            defer { descriptors.deallocate() }
            try Syscalls.readExactly(statsFD, at: descriptorOffset, into: descriptors)
            let value = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 8)
            defer { value.deallocate() }
            var statistics: [(name: String, value: UInt64)] = []
            for index in 0..<count {
                // SAFETY: descriptor `index` lies inside `descriptors`, which holds `count` of them; `value` holds 8
                // bytes, all read before the load.
                let descriptor = UnsafeRawBufferPointer(
                    rebasing: descriptors[(index * descriptorSize)..<((index + 1) * descriptorSize)])
                let valueOffset = Int(descriptor.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
                try Syscalls.readExactly(statsFD, at: dataOffset + valueOffset, into: value)
                let name = descriptor.dropFirst(16).prefix { $0 != 0 }
                statistics.append((String(decoding: name, as: UTF8.self), value.load(as: UInt64.self)))
            }
            return statistics
        }
    }

    private func transfer<T: BitwiseCopyable>(_ value: inout T, _ name: String, _ request: UInt) throws(KVMError) {
        _ = try checked(name) { () throws(Errno) in
            // SAFETY: `value` is the structure `request` expects and outlives the call.
            try withUnsafeMutableBytes(of: &value) { (bytes) throws(Errno) in
                try Syscalls.ioctl(fd, request, bytes.baseAddress!)
            }
        }
    }

    /// Runs the guest until it exits to the monitor. The corresponding ioctl is `KVM_RUN`.
    public func run() throws(KVMError) -> VCPUExit {
        do {
            _ = try Syscalls.ioctl(fd, CKVM_RUN, retryingInterrupts: false)
        } catch where error == .interrupted || error == .tryAgain {
            return .interrupted
        } catch {
            throw KVMError("KVM_RUN", error)
        }
        return decodeExit()
    }

    private func decodeExit() -> VCPUExit {
        // SAFETY: KVM filled the page, which is at least MemoryLayout<kvm_run>.size bytes (checked by KVMSystem),
        // and does not touch it again until the next KVM_RUN; every field is copied out before returning.
        let run = runPage.assumingMemoryBound(to: kvm_run.self)
        let reason = run.pointee.exit_reason
        switch Int32(reason) {
        case KVM_EXIT_IO:
            let io = run.pointee.io
            guard io.count == 1 else { return .stringIO(port: io.port, count: io.count) }
            if io.direction == UInt8(KVM_EXIT_IO_IN) { return .ioIn(port: io.port, size: io.size) }
            return .ioOut(port: io.port, size: io.size, value: ioOutValue(offset: io.data_offset, size: io.size))
        case KVM_EXIT_MMIO:
            let mmio = run.pointee.mmio
            let length = min(mmio.len, 8)
            if mmio.is_write == 0 { return .mmioRead(address: mmio.phys_addr, length: length) }
            var value: UInt64 = 0
            withUnsafeBytes(of: mmio.data) { data in
                for index in (0..<Int(length)).reversed() { value = value << 8 | UInt64(data[index]) }
            }
            return .mmioWrite(address: mmio.phys_addr, length: length, value: value)
        case KVM_EXIT_HLT:
            return .halt
        case KVM_EXIT_SHUTDOWN:
            return .shutdown
        case KVM_EXIT_FAIL_ENTRY:
            return .failEntry(hardwareReason: run.pointee.fail_entry.hardware_entry_failure_reason)
        case KVM_EXIT_INTERNAL_ERROR:
            return .internalError(suberror: run.pointee.internal.suberror)
        case KVM_EXIT_SYSTEM_EVENT:
            return .systemEvent(type: run.pointee.system_event.type)
        default:
            return .unknown(reason: reason)
        }
    }

    /// The bytes an `out` wrote, which KVM stores at `offset` inside the run page.
    private func ioOutValue(offset: UInt64, size: UInt8) -> UInt32 {
        let size = Int(min(size, 4))
        // KVM chooses the offset; checking it keeps a kernel bug from turning into an out-of-bounds read here.
        guard offset <= UInt64(runPageSize - size) else { return 0 }
        var value: UInt32 = 0
        for index in (0..<size).reversed() {
            // SAFETY: offset + index < runPageSize, checked above.
            value = value << 8 | UInt32(runPage.load(fromByteOffset: Int(offset) + index, as: UInt8.self))
        }
        return value
    }
}
