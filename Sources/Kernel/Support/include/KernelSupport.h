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

/// `out dx, eax` after which no SSE register holds anything the compiler needs: the snapshot exit
/// (SwiftletABI's Hypercall.snapshot), from which restored VMs resume. Nothing live in a vector register then depends
/// on the FPU state the monitor gives a restored vCPU.
static inline void swiftlet_out32Clobbering(unsigned short port, unsigned int value) {
    __asm__ volatile("outl %0, %1"
                     :
                     : "a"(value), "Nd"(port)
                     : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                       "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

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
