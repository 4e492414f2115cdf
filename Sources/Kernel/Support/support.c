// The guest kernel's entry point and the memory primitives the Embedded Swift standard library calls.
// Compiled only into the guest (kernel/toolset.json defines SWIFTLET_KERNEL), so they never reach a host binary.
#ifdef SWIFTLET_KERNEL

#include "KernelSupport.h"

typedef __SIZE_TYPE__ size_t;

// The monitor enters here in 64-bit mode at CPL3 with RSP at the top of the kernel's stack and RDI holding the
// boot info address (SwiftletABI). Aligning RSP to 16 before the call gives Swift the System V stack alignment;
// ud2 turns a return from Swift (which never returns) into a fault the monitor reports with its RIP.
__asm__(
    ".section .text.entry, \"ax\", @progbits\n"
    ".global _start\n"
    ".type _start, @function\n"
    "_start:\n"
    "    andq $-16, %rsp\n"
    "    call swiftlet_kernel_main\n"
    "    ud2\n");

// The string instructions run natively at CPL3 and are fast on current CPUs; written in assembly so the
// compiler cannot turn a byte loop back into a call to the very function it implements.

void *memset(void *destination, int value, size_t count) {
    void *cursor = destination;
    __asm__ volatile("rep stosb" : "+D"(cursor), "+c"(count) : "a"(value) : "memory");
    return destination;
}

void *memcpy(void *restrict destination, const void *restrict source, size_t count) {
    void *cursor = destination;
    __asm__ volatile("rep movsb" : "+D"(cursor), "+S"(source), "+c"(count) : : "memory");
    return destination;
}

void *memmove(void *destination, const void *source, size_t count) {
    if ((unsigned char *)destination <= (const unsigned char *)source
        || (unsigned char *)destination >= (const unsigned char *)source + count) {
        return memcpy(destination, source, count);
    }
    // Overlapping with the destination above the source: copy backwards, from the last byte down.
    void *last = (unsigned char *)destination + count - 1;
    const void *lastSource = (const unsigned char *)source + count - 1;
    __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(last), "+S"(lastSource), "+c"(count) : : "memory");
    return destination;
}

void swiftlet_heap_free(void *pointer);

void free(void *pointer) {
    swiftlet_heap_free(pointer);
}

int memcmp(const void *left, const void *right, size_t count) {
    const unsigned char *a = left;
    const unsigned char *b = right;
    for (size_t index = 0; index < count; index++) {
        if (a[index] != b[index]) return a[index] < b[index] ? -1 : 1;
    }
    return 0;
}

// Math the standard library and the engine call (Dictionary sizing, f32/f64 rounding and square roots). The
// guest runs natively at CPL3 on the host's CPU, so SSE4.1's ROUNDSS/ROUNDSD are there; the immediate picks the
// rounding direction, with bit 3 set to suppress the inexact exception as C's floor/ceil/trunc do. Quiet NaNs and
// infinities pass through unchanged, as Wasm requires.
#define ROUNDING_FUNCTIONS(name, mode)                                                   \
    double name(double value) {                                                          \
        __asm__("roundsd %2, %1, %0" : "=x"(value) : "x"(value), "i"(mode));             \
        return value;                                                                    \
    }                                                                                    \
    float name##f(float value) {                                                         \
        __asm__("roundss %2, %1, %0" : "=x"(value) : "x"(value), "i"(mode));             \
        return value;                                                                    \
    }

ROUNDING_FUNCTIONS(floor, 9)
ROUNDING_FUNCTIONS(ceil, 10)
ROUNDING_FUNCTIONS(trunc, 11)
ROUNDING_FUNCTIONS(rint, 4)  // the current (round-to-nearest-even) mode: Wasm's `nearest`

double sqrt(double value) {
    __asm__("sqrtsd %1, %0" : "=x"(value) : "x"(value));
    return value;
}

float sqrtf(float value) {
    __asm__("sqrtss %1, %0" : "=x"(value) : "x"(value));
    return value;
}

#endif
