// A tight integer loop: arithmetic, shifts and a data-dependent branch, nothing the optimizer can fold.
#define EXPORT(name) __attribute__((export_name(name)))

EXPORT("loop") unsigned run_loop(unsigned iterations) {
    unsigned x = 1, accumulator = 0;
    for (unsigned i = 0; i < iterations; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        accumulator += (x & 1) ? x >> 3 : i;
    }
    return accumulator;
}
