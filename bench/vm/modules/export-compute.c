// CPU-bound exports for --invoke, VM vs in-process.
__attribute__((export_name("fib"))) long long fib(int n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

__attribute__((export_name("mix"))) double mix(int a, long long b, float c, double d) {
    return a + (double)b + c * d;
}

__attribute__((export_name("divide"))) int divide(int a, int b) {
    return a / b;
}

__attribute__((export_name("nothing"))) void nothing(void) {}

// memory.copy (overlapping either way) and memory.fill of every size to 300 bytes and a few past 2 KiB, at every
// alignment, then a hash of the buffer: the guest kernel's memmove and memset against glibc's.
static unsigned char buffer[16384];

__attribute__((export_name("copies"))) unsigned copies(unsigned seed) {
    for (unsigned i = 0; i < sizeof buffer; i++) buffer[i] = (unsigned char)(i * 131 + seed);
    unsigned state = seed | 1;
    for (unsigned round = 0; round < 3000; round++) {
        state = state * 1103515245u + 12345u;
        unsigned size = round % 10 == 0 ? 2000 + (state >> 8) % 3000 : round % 301;
        unsigned source = (state >> 4) % 4096, destination = source + (int)((state >> 20) % 257) - 128 + 4096;
        if (round % 3 == 0) source += 4096;  // so the destination is below the source as often as above
        if (round % 7 == 0) {
            __builtin_memset(buffer + destination, (int)(state >> 24), size);
        } else {
            __builtin_memmove(buffer + destination, buffer + source, size);
        }
    }
    unsigned hash = 2166136261u;
    for (unsigned i = 0; i < sizeof buffer; i++) hash = (hash ^ buffer[i]) * 16777619u;
    return hash;
}
