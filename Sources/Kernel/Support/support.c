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

// The x87/SSE state at the snapshot exit (see KernelSupport.h), which restored VMs load from memory. The clobbers say
// no vector register is live across the exit, so the compiler keeps nothing there for a restored VM to miss.
static unsigned char snapshot_fpu_state[512] __attribute__((aligned(16)));

void swiftlet_snapshot_exit(unsigned short port) {
    __asm__ volatile("fxsave64 %[area]\n\t"
                     "outl %%eax, %%dx\n\t"
                     "fxrstor64 %[area]"
                     : [area] "+m"(snapshot_fpu_state)
                     : "a"(0), "d"(port)
                     : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                       "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

// memcpy, memmove and memset as glibc does them on the host, for the engine's memory.copy, memory.fill, locals
// zeroing and the Swift runtime's copies. glibc (the CLI's) picks vector code by size: small sizes with two
// overlapping loads and stores of 1 to 16 bytes each, up to 128 bytes without a loop, a 64-byte loop to 2 KiB, and
// the string instructions (`rep movsb`/`rep stosb`, fast for long runs on ERMS CPUs) above. `rep` alone, as this file
// once did, costs tens of cycles before its first byte, so a 10-byte memory.copy took twice as long in the VM.
// Only SSE2 here: the guest's CR4 leaves AVX off, and SSE2 is what the host build of the engine uses too.
// `no_builtin` keeps the compiler from turning these loops back into calls to the very functions they implement.

typedef unsigned char byte;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef __UINTPTR_TYPE__ uintptr;
// Unaligned, aliasing-safe accesses.
typedef u16 u16u __attribute__((aligned(1), may_alias));
typedef u32 u32u __attribute__((aligned(1), may_alias));
typedef u64 u64u __attribute__((aligned(1), may_alias));
typedef char v16u __attribute__((vector_size(16), aligned(1), may_alias));
typedef char v16 __attribute__((vector_size(16), may_alias));
typedef u64 u64x2 __attribute__((vector_size(16)));

#define LONG_STRING 2048  // glibc's rep_movsb_threshold for 16-byte vectors

#define NO_BUILTIN __attribute__((no_builtin("memcpy", "memmove", "memset")))

// 0 to 128 bytes, every load before any store: right for overlapping ranges in either direction.
static inline __attribute__((always_inline)) void copy_short(byte *d, const byte *s, size_t n) {
    if (n <= 16) {
        if (n >= 8) {
            u64 a = *(const u64u *)s, b = *(const u64u *)(s + n - 8);
            *(u64u *)d = a;
            *(u64u *)(d + n - 8) = b;
        } else if (n >= 4) {
            u32 a = *(const u32u *)s, b = *(const u32u *)(s + n - 4);
            *(u32u *)d = a;
            *(u32u *)(d + n - 4) = b;
        } else if (n >= 2) {
            u16 a = *(const u16u *)s, b = *(const u16u *)(s + n - 2);
            *(u16u *)d = a;
            *(u16u *)(d + n - 2) = b;
        } else if (n == 1) {
            *d = *s;
        }
    } else if (n <= 32) {
        v16u a = *(const v16u *)s, b = *(const v16u *)(s + n - 16);
        *(v16u *)d = a;
        *(v16u *)(d + n - 16) = b;
    } else if (n <= 64) {
        v16u a = *(const v16u *)s, b = *(const v16u *)(s + 16);
        v16u c = *(const v16u *)(s + n - 32), e = *(const v16u *)(s + n - 16);
        *(v16u *)d = a;
        *(v16u *)(d + 16) = b;
        *(v16u *)(d + n - 32) = c;
        *(v16u *)(d + n - 16) = e;
    } else {
        v16u a = *(const v16u *)s, b = *(const v16u *)(s + 16), c = *(const v16u *)(s + 32);
        v16u e = *(const v16u *)(s + 48), f = *(const v16u *)(s + n - 64), g = *(const v16u *)(s + n - 48);
        v16u h = *(const v16u *)(s + n - 32), i = *(const v16u *)(s + n - 16);
        *(v16u *)d = a;
        *(v16u *)(d + 16) = b;
        *(v16u *)(d + 32) = c;
        *(v16u *)(d + 48) = e;
        *(v16u *)(d + n - 64) = f;
        *(v16u *)(d + n - 48) = g;
        *(v16u *)(d + n - 32) = h;
        *(v16u *)(d + n - 16) = i;
    }
}

// More than 128 bytes. The first and last 16 source bytes are read before anything is written, and the 16-byte
// steps between them run away from the overlap (up when the destination is below the source, down otherwise), each
// step reading its bytes before writing them, so overlapping ranges come out right. The steps' stores are aligned.
static NO_BUILTIN void copy_long(byte *d, const byte *s, size_t n) {
    if (n >= LONG_STRING && ((uintptr)d + n <= (uintptr)s || (uintptr)d >= (uintptr)s + n)) {
        __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
        return;
    }
    v16u first = *(const v16u *)s, last = *(const v16u *)(s + n - 16);
    long end = (long)n - 16;  // the steps cover [16, end); `first` and `last` the rest
    if ((uintptr)d - (uintptr)s >= n) {  // the destination starts below the source (or past its end): go up
        long at = 16 - (long)((uintptr)d & 15);
        for (; at + 64 <= end; at += 64) {
            v16u a = *(const v16u *)(s + at), b = *(const v16u *)(s + at + 16);
            v16u c = *(const v16u *)(s + at + 32), e = *(const v16u *)(s + at + 48);
            *(v16 *)(d + at) = a;
            *(v16 *)(d + at + 16) = b;
            *(v16 *)(d + at + 32) = c;
            *(v16 *)(d + at + 48) = e;
        }
        for (; at < end; at += 16) *(v16 *)(d + at) = *(const v16u *)(s + at);
    } else {  // the destination starts inside the source: go down
        long at = end - (long)((uintptr)(d + end) & 15);  // each step stores [at, at + 16)
        for (; at - 48 > 0; at -= 64) {
            v16u a = *(const v16u *)(s + at), b = *(const v16u *)(s + at - 16);
            v16u c = *(const v16u *)(s + at - 32), e = *(const v16u *)(s + at - 48);
            *(v16 *)(d + at) = a;
            *(v16 *)(d + at - 16) = b;
            *(v16 *)(d + at - 32) = c;
            *(v16 *)(d + at - 48) = e;
        }
        for (; at > 0; at -= 16) *(v16 *)(d + at) = *(const v16u *)(s + at);
    }
    *(v16u *)d = first;
    *(v16u *)(d + n - 16) = last;
}

NO_BUILTIN void *memmove(void *destination, const void *source, size_t count) {
    if (count <= 128) {
        copy_short(destination, source, count);
    } else {
        copy_long(destination, source, count);
    }
    return destination;
}

NO_BUILTIN void *memcpy(void *restrict destination, const void *restrict source, size_t count) {
    return memmove(destination, source, count);
}

NO_BUILTIN void *memset(void *destination, int value, size_t count) {
    byte *d = destination;
    u64 word = 0x0101010101010101ull * (byte)value;
    if (count <= 16) {
        if (count >= 8) {
            *(u64u *)d = word;
            *(u64u *)(d + count - 8) = word;
        } else if (count >= 4) {
            *(u32u *)d = (u32)word;
            *(u32u *)(d + count - 4) = (u32)word;
        } else if (count >= 2) {
            *(u16u *)d = (u16)word;
            *(u16u *)(d + count - 2) = (u16)word;
        } else if (count == 1) {
            *d = (byte)value;
        }
        return destination;
    }
    v16 vector = (v16)(u64x2){word, word};
    if (count <= 64) {
        *(v16u *)d = vector;
        *(v16u *)(d + count - 16) = vector;
        if (count > 32) {
            *(v16u *)(d + 16) = vector;
            *(v16u *)(d + count - 32) = vector;
        }
        return destination;
    }
    if (count >= LONG_STRING) {
        void *cursor = destination;
        __asm__ volatile("rep stosb" : "+D"(cursor), "+c"(count) : "a"(value) : "memory");
        return destination;
    }
    *(v16u *)d = vector;
    *(v16u *)(d + count - 16) = vector;
    size_t at = 16 - ((uintptr)d & 15), end = count - 16;  // aligned steps cover [16, end)
    for (; at + 64 <= end; at += 64) {
        *(v16 *)(d + at) = vector;
        *(v16 *)(d + at + 16) = vector;
        *(v16 *)(d + at + 32) = vector;
        *(v16 *)(d + at + 48) = vector;
    }
    for (; at < end; at += 16) *(v16 *)(d + at) = vector;
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
