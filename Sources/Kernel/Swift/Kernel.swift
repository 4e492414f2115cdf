/// Kernel: the Embedded Swift unikernel each micro-VM runs (x86_64-unknown-none-elf, one address space, CPL3).
///
/// Owns: the entry from `_start`, the heap, the console, hypercalls, boot-info reading, the in-guest parts of
/// WASI (args, environ, proc_exit, clocks from the TSC, ChaCha20 random), running the engine on the module, and its
/// snapshot point (the snapshot exit, after which it reads its per-run inputs from boot info again).
/// Must not touch: anything the monitor did not hand it in boot info; host resources are reached only through
/// the hypercalls SwiftletABI defines. In a hosted build every file compiles away (`hasFeature(Embedded)`).
