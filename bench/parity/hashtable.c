// An open-addressing hash table far larger than the caches: N inserts or increments of pseudo-random 32-bit keys
// (a quarter of them repeats) into a table of the next power of two above 2N slots, then N lookups. Memory-bound:
// nearly every probe misses the caches and the table is touched page after page as it fills.
// Usage: hashtable N; prints the distinct keys, the hits and a checksum.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    uint32_t key;  // 0: empty
    uint32_t count;
} Slot;

static uint32_t state = 0x9E3779B9u;

static uint32_t next_random(void) {  // xorshift32
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

static uint32_t hash(uint32_t key) {  // murmur3's finalizer
    key ^= key >> 16;
    key *= 0x85EBCA6Bu;
    key ^= key >> 13;
    key *= 0xC2B2AE35u;
    key ^= key >> 16;
    return key;
}

int main(int argc, char **argv) {
    uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 1000;
    uint32_t capacity = 1;
    while (capacity < 2 * n) capacity <<= 1;
    uint32_t mask = capacity - 1;
    Slot *table = calloc(capacity, sizeof(Slot));
    uint32_t *recent = malloc(1024 * sizeof(uint32_t));
    for (int i = 0; i < 1024; i++) recent[i] = 1;
    uint32_t distinct = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t key = (i & 3) == 3 ? recent[next_random() & 1023] : (next_random() | 1);
        recent[i & 1023] = key;
        uint32_t slot = hash(key) & mask;
        while (table[slot].key != 0 && table[slot].key != key) slot = (slot + 1) & mask;
        if (table[slot].key == 0) {
            table[slot].key = key;
            distinct++;
        }
        table[slot].count++;
    }
    uint32_t hits = 0, checksum = 0;
    state = 0x9E3779B9u;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t key = next_random() | 1;
        uint32_t slot = hash(key) & mask;
        while (table[slot].key != 0 && table[slot].key != key) slot = (slot + 1) & mask;
        if (table[slot].key == key) {
            hits++;
            checksum = checksum * 31 + table[slot].count + slot;
        }
    }
    printf("%u distinct, %u hits, checksum %u\n", distinct, hits, checksum);
    return 0;
}
