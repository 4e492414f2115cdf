/// WASIHost: WASI preview1 (`wasi_snapshot_preview1`) for one guest, the same code in-process and in the micro-VM.
///
/// Owns: the descriptor table, preopens and sandboxed path resolution (component by component with `openat` and
/// `O_NOFOLLOW`, never a string check before an open), clocks, random, sockets from `--tcplisten`, and the function
/// numbering the VM forwards by (equal to SwiftletABI's).
/// Must not touch: guest memory except through a `LinearMemoryView` built per call; the engine; KVM. It imports
/// Glibc only (no Foundation).
