import CKVM

/// A KVM VM file descriptor. Closed when dropped; the kernel keeps the VM alive while a vCPU still refers to it.
public struct VirtualMachine: ~Copyable {
    let fd: Int32
    let vcpuMmapSize: Int

    init(fd: Int32, vcpuMmapSize: Int) {
        self.fd = fd
        self.vcpuMmapSize = vcpuMmapSize
    }

    deinit {
        Syscalls.close(fd)
    }

    /// Makes `memory` the guest's physical memory from guest-physical address 0, in memory slot `slot`.
    /// The corresponding ioctl is `KVM_SET_USER_MEMORY_REGION`.
    ///
    /// - Precondition: `memory` stays mapped while this VM can run; ``MicroVM`` owns both to ensure it.
    public func setUserMemoryRegion(slot: UInt32, memory: borrowing GuestMemory) throws(KVMError) {
        var region = kvm_userspace_memory_region()
        region.slot = slot
        region.flags = 0
        region.guest_phys_addr = 0
        region.memory_size = memory.size
        // SAFETY: KVM only records the address; it stays valid while `memory` lives (see the precondition).
        region.userspace_addr = UInt64(UInt(bitPattern: memory.base))
        _ = try checked("KVM_SET_USER_MEMORY_REGION") { () throws(Errno) in
            // SAFETY: `region` is a kvm_userspace_memory_region that outlives the call.
            try withUnsafeMutableBytes(of: &region) { (bytes) throws(Errno) in
                try Syscalls.ioctl(fd, CKVM_SET_USER_MEMORY_REGION, bytes.baseAddress!)
            }
        }
    }

    /// Gives the vCPUs created after this an in-kernel local APIC, with no PIC or IOAPIC (`KVM_CAP_SPLIT_IRQCHIP`,
    /// zero routes). The guest uses neither, but without an in-kernel APIC KVM flips a kernel-wide static key
    /// (kvm_has_noapic_vcpu) when the only such vCPU is created and again when it is destroyed: each flip patches
    /// kernel text on every CPU, a few hundred microseconds here. An in-kernel APIC's own key is released lazily
    /// (a second after the last VM), so back-to-back VMs never patch it.
    /// - Precondition: no vCPU exists yet (KVM refuses the capability after that).
    public func enableSplitIRQChip() throws(KVMError) {
        _ = try checked("KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)") { () throws(Errno) in
            guard ckvm_enable_split_irqchip(fd) == 0 else { throw Errno.current }
            return 0
        }
    }

    /// Creates vCPU number `id` and maps its `kvm_run` page. The corresponding ioctl is `KVM_CREATE_VCPU`.
    public func createVCPU(id: UInt32 = 0) throws(KVMError) -> VirtualCPU {
        let vcpuFD = try checked("KVM_CREATE_VCPU") { () throws(Errno) in
            try Syscalls.ioctl(fd, CKVM_CREATE_VCPU, Int32(bitPattern: id))
        }
        let runPage: UnsafeMutableRawPointer
        do {
            runPage = try checked("mmap kvm_run") { () throws(Errno) in
                try Syscalls.mapMemory(size: vcpuMmapSize, fd: vcpuFD, reserveSwap: true)
            }
        } catch {
            Syscalls.close(vcpuFD)
            throw error
        }
        return VirtualCPU(
            fd: vcpuFD, runPage: runPage, runPageSize: vcpuMmapSize, synchronizesRegisters: ckvm_supports_sync_regs(fd) != 0)
    }
}
