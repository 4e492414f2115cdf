#ifndef SWIFTLET_KERNEL_SUPPORT_H
#define SWIFTLET_KERNEL_SUPPORT_H

// What the Swift kernel cannot express itself: port I/O and the time-stamp counter. Only the guest calls it (the kernel's Swift compiles
// away outside Embedded Swift); it is declared for any x86-64 build so that compiling the Kernel target with
// another Embedded toolset still type-checks.
#if defined(__x86_64__)

/// `out dx, eax`: a hypercall. The "memory" clobber makes the compiler finish every store (the request record the
/// value points to) before the exit, since the monitor reads guest memory while the vCPU is stopped here.
static inline void swiftlet_out32(unsigned short port, unsigned int value) {
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

/// `rdtsc`: the time-stamp counter, readable at CPL3 (the monitor's CR4 leaves TSD clear), without an exit.
static inline unsigned long long swiftlet_rdtsc(void) {
    unsigned int low, high;
    __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
    return (unsigned long long)high << 32 | low;
}

#endif
#endif
