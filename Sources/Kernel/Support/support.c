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

// Dictionary sizing in the standard library rounds its capacity up with `ceil`. SSE2 has no rounding instruction
// (that is SSE4.1), so truncate through a 64-bit integer where the value is small enough to have a fraction.
double ceil(double value) {
    const double noFractionAbove = 4503599627370496.0;  // 2^52: every double this large is an integer
    if (!(__builtin_fabs(value) < noFractionAbove)) return value;  // also returns NaN and infinities unchanged
    double result = (double)(long long)value;
    if (result < value) result += 1.0;
    return __builtin_copysign(result, value);  // ceil(-0.5) is -0.0
}

#endif
