// Bytes: over a 1 MiB buffer of text-like bytes, PASSES passes that each lower-case ASCII letters in place, count
// newlines and spaces, and add up the bytes. Integer work, so the scalar and SIMD builds print the same checksum.
// Plain C loops; clang -O3 -msimd128 vectorizes them (i8x16 compares, selects, widening adds).
//   bytes [PASSES]   (default 30)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SIZE (1 << 20)

static unsigned char text[SIZE];

static void lower(unsigned char *p, int n) {
    for (int i = 0; i < n; i++) {
        unsigned char c = p[i];
        p[i] = (unsigned char)(c - 'A') < 26 ? c + 32 : c;
    }
}

static uint32_t count(const unsigned char *p, int n, unsigned char byte) {
    uint32_t found = 0;
    for (int i = 0; i < n; i++)
        found += p[i] == byte;
    return found;
}

static uint32_t sum(const unsigned char *p, int n) {
    uint32_t total = 0;
    for (int i = 0; i < n; i++)
        total += p[i];
    return total;
}

int main(int argc, char **argv) {
    int passes = argc > 1 ? atoi(argv[1]) : 30;
    static const char alphabet[] = "ETAOINSHRDLUetaoinshrdlu      \n.,;0123456789";
    uint32_t seed = 2463534242u;
    for (int i = 0; i < SIZE; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        text[i] = (unsigned char)alphabet[seed % (sizeof alphabet - 1)];
    }
    uint64_t checksum = 0;
    for (int pass = 0; pass < passes; pass++) {
        // Upper-case a different stretch each pass, so every pass has letters to lower.
        for (int i = pass * 4099 % SIZE, end = i + 65536 < SIZE ? i + 65536 : SIZE; i < end; i += 3)
            if (text[i] >= 'a' && text[i] <= 'z')
                text[i] -= 32;
        lower(text, SIZE);
        checksum = checksum * 31 + count(text, SIZE, '\n');
        checksum = checksum * 31 + count(text, SIZE, ' ');
        checksum = checksum * 31 + sum(text, SIZE);
    }
    printf("bytes %d passes: %llu\n", passes, (unsigned long long)checksum);
    return 0;
}
