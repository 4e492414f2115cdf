import CKVM

/// An open `/dev/kvm`: the parent of every VM. Closed when dropped.
public struct KVMSystem: ~Copyable {
    /// The only KVM API version there has ever been; anything else is not KVM as this monitor knows it.
    public static let expectedAPIVersion: Int32 = 12

    let fd: Int32
    /// Size of the `kvm_run` page each vCPU maps (`KVM_GET_VCPU_MMAP_SIZE`), asked once per system.
    let vcpuMmapSize: Int

    public init(path: String = "/dev/kvm") throws(KVMError) {
        let fd = try checked("open \(path)") { () throws(Errno) in try Syscalls.openReadWrite(path) }
        do throws(KVMError) {
            let version = try checked("KVM_GET_API_VERSION") { () throws(Errno) in
                try Syscalls.ioctl(fd, CKVM_GET_API_VERSION)
            }
            guard version == Self.expectedAPIVersion else {
                throw KVMError("KVM_GET_API_VERSION", unexpected: "version \(version), expected \(Self.expectedAPIVersion)")
            }
            let mmapSize = try checked("KVM_GET_VCPU_MMAP_SIZE") { () throws(Errno) in
                try Syscalls.ioctl(fd, CKVM_GET_VCPU_MMAP_SIZE)
            }
            guard mmapSize >= MemoryLayout<kvm_run>.size else {
                throw KVMError("KVM_GET_VCPU_MMAP_SIZE", unexpected: "\(mmapSize) bytes is smaller than kvm_run")
            }
            self.fd = fd
            self.vcpuMmapSize = Int(mmapSize)
        } catch {
            Syscalls.close(fd)
            throw error
        }
    }

    deinit {
        Syscalls.close(fd)
    }

    /// Creates an empty VM (no memory, no vCPU). The corresponding ioctl is `KVM_CREATE_VM`.
    public func createVM() throws(KVMError) -> VirtualMachine {
        let vmFD = try checked("KVM_CREATE_VM") { () throws(Errno) in
            // Machine type 0: the default x86 VM.
            try Syscalls.ioctl(fd, CKVM_CREATE_VM, 0)
        }
        return VirtualMachine(fd: vmFD, vcpuMmapSize: vcpuMmapSize)
    }
}
