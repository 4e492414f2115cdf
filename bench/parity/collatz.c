// Collatz sequence lengths for every start below N, in 64-bit integers: a tight loop of shifts, adds and a
// data-dependent branch. Usage: collatz N; prints the longest sequence's start and length and the sum of lengths.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    uint64_t limit = argc > 1 ? strtoull(argv[1], 0, 10) : 1000;
    uint64_t best = 1, bestLength = 1, total = 0;
    for (uint64_t start = 1; start < limit; start++) {
        uint64_t value = start, length = 1;
        while (value != 1) {
            value = (value & 1) ? 3 * value + 1 : value >> 1;
            length++;
        }
        total += length;
        if (length > bestLength) {
            bestLength = length;
            best = start;
        }
    }
    printf("%llu (%llu steps), total %llu\n", (unsigned long long)best, (unsigned long long)bestLength,
           (unsigned long long)total);
    return 0;
}
