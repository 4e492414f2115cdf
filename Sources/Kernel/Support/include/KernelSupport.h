#ifndef SWIFTLET_KERNEL_SUPPORT_H
#define SWIFTLET_KERNEL_SUPPORT_H

// What the Swift kernel cannot express itself: port I/O. Only the guest calls it (the kernel's Swift compiles
// away outside Embedded Swift); it is declared for any x86-64 build so that compiling the Kernel target with
// another Embedded toolset still type-checks.
#if defined(__x86_64__)

/// `out dx, eax`: a hypercall. The "memory" clobber makes the compiler finish every store (the request record the
/// value points to) before the exit, since the monitor reads guest memory while the vCPU is stopped here.
static inline void swiftlet_out32(unsigned short port, unsigned int value) {
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

#endif
#endif
