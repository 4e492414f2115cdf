/// Monitor: the host side of a Swiftlet micro-VM on Linux KVM.
///
/// Owns: the KVM file descriptors (`KVMSystem`, `VirtualMachine`, `VirtualCPU`, each closing its own), guest memory
/// (every access bounds-checked through `GuestMemory`), the kernel image loader, long-mode/CPL3 setup, boot info,
/// the hypercall dispatcher, which checks every guest-supplied address, length and number before use, and the WASI
/// mailbox worker thread (`WASICallServer`), started at a VM's first forwarded WASI call and joined when the VM ends,
/// and VM snapshots (`VMSnapshot`: a sealed memfd of guest memory, its read-only mapping and the vCPU state; capture,
/// restore, a pool VM's reset, snapshot files).
/// Must not touch: the engine or WASI semantics (a forwarded WASI call goes to the handler it is given), the CLI,
/// or any guest memory outside the guest region. The guest/host layouts come from SwiftletABI only.
