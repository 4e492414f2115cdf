#ifndef SWIFTLET_KERNEL_SUPPORT_H
#define SWIFTLET_KERNEL_SUPPORT_H

// What the Swift kernel cannot express itself: port I/O, the time-stamp counter and atomics on shared words. Only
// the guest calls it (the kernel's Swift compiles away outside Embedded Swift); it is declared for any x86-64 build
// so that compiling the Kernel target with another Embedded toolset still type-checks.
#if defined(__x86_64__)

/// `out dx, eax`: a hypercall. The "memory" clobber makes the compiler finish every store (the request record the
/// value points to) before the exit, since the monitor reads guest memory while the vCPU is stopped here.
static inline void swiftlet_out32(unsigned short port, unsigned int value) {
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

/// The snapshot exit (SwiftletABI's Hypercall.snapshot), from which restored VMs resume: `out dx, eax` between an
/// `fxsave` and an `fxrstor` of one area in kernel memory. Every VM restored from the snapshot, or reset to it, loads
/// its x87/SSE state from its copy of that memory as its first instruction, so the monitor sets none (a KVM_SET_FPU per
/// reset, ~12 us on a nested KVM) and no tenant starts with another's registers. Defined in support.c.
void swiftlet_snapshot_exit(unsigned short port);

/// `rdtsc`: the time-stamp counter, readable at CPL3 (the monitor's CR4 leaves TSD clear), without an exit.
static inline unsigned long long swiftlet_rdtsc(void) {
    unsigned int low, high;
    __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
    return (unsigned long long)high << 32 | low;
}

/// The WASI mailbox's shared words (SwiftletABI's WASIMailbox), which the host's worker thread reads and writes
/// while the guest runs. Acquire and release keep the compiler from moving the request's plain stores past the
/// state word; on x86 (TSO) they are plain moves.
static inline unsigned long long swiftlet_load_acquire64(const unsigned long long *word) {
    return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

static inline void swiftlet_store_release64(unsigned long long *word, unsigned long long value) {
    __atomic_store_n(word, value, __ATOMIC_RELEASE);
}

/// `lock cmpxchg`: replaces `expected` by `desired`; returns whether it did.
static inline int swiftlet_compare_exchange64(unsigned long long *word, unsigned long long expected,
                                              unsigned long long desired) {
    return __atomic_compare_exchange_n(word, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/// `pause`: the spin-wait hint, which runs natively at CPL3.
static inline void swiftlet_pause(void) {
    __builtin_ia32_pause();
}

#endif
#endif
