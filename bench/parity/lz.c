// A small LZ77 compressor and its decompressor over N bytes of generated text (words drawn from a small vocabulary,
// so matches are frequent): a hash of the next four bytes finds the last position with them, matches are extended
// byte by byte, and the output is literal runs and (length, distance) pairs. The round trip is checked.
// Usage: lz N; prints the input size, the compressed size and a checksum.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { hashBits = 16, minMatch = 4, maxMatch = 255 + minMatch, window = 65535 };

static uint32_t state = 12345;

static uint32_t next_random(void) {
    state = state * 1103515245u + 12345u;
    return state >> 8;
}

static void generate(uint8_t *text, size_t size) {
    static const char *words[] = {"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "swift",
                                  "kernel", "memory", "page", "table", "virtual", "machine", "interpreter",
                                  "handler", "register", "a", "of", "and", "to", "in", "is", "wasm", "byte"};
    size_t at = 0;
    while (at < size) {
        const char *word = words[next_random() % (sizeof words / sizeof *words)];
        while (*word && at < size) text[at++] = (uint8_t)*word++;
        if (at < size) text[at++] = (next_random() % 11 == 0) ? '\n' : ' ';
        if (next_random() % 17 == 0 && at < size) text[at++] = (uint8_t)('0' + next_random() % 10);
    }
}

static uint32_t hash4(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return (v * 2654435761u) >> (32 - hashBits);
}

// Output: a token byte (high nibble literal count 0-15, low nibble unused), then literals, then for a match a
// length byte (length - minMatch) and a 16-bit distance. A literal count of 15 is followed by extra count bytes.
static size_t compress(const uint8_t *in, size_t size, uint8_t *out, int32_t *head) {
    for (int i = 0; i < (1 << hashBits); i++) head[i] = -1;
    size_t at = 0, literalStart = 0, written = 0;
    while (at + minMatch <= size) {
        uint32_t h = hash4(in + at);
        int32_t candidate = head[h];
        head[h] = (int32_t)at;
        size_t length = 0;
        if (candidate >= 0 && at - (size_t)candidate <= window) {
            const uint8_t *a = in + candidate, *b = in + at;
            size_t limit = size - at < maxMatch ? size - at : maxMatch;
            while (length < limit && a[length] == b[length]) length++;
        }
        if (length < minMatch) {
            at++;
            continue;
        }
        size_t literals = at - literalStart;
        out[written++] = (uint8_t)((literals < 15 ? literals : 15) << 4 | 1);
        if (literals >= 15) {
            size_t rest = literals - 15;
            while (rest >= 255) { out[written++] = 255; rest -= 255; }
            out[written++] = (uint8_t)rest;
        }
        memcpy(out + written, in + literalStart, literals);
        written += literals;
        out[written++] = (uint8_t)(length - minMatch);
        size_t distance = at - (size_t)candidate;
        out[written++] = (uint8_t)distance;
        out[written++] = (uint8_t)(distance >> 8);
        for (size_t k = 1; k < length && at + k + minMatch <= size; k += 2) head[hash4(in + at + k)] = (int32_t)(at + k);
        at += length;
        literalStart = at;
    }
    size_t literals = size - literalStart;
    out[written++] = (uint8_t)((literals < 15 ? literals : 15) << 4);
    if (literals >= 15) {
        size_t rest = literals - 15;
        while (rest >= 255) { out[written++] = 255; rest -= 255; }
        out[written++] = (uint8_t)rest;
    }
    memcpy(out + written, in + literalStart, literals);
    return written + literals;
}

static size_t decompress(const uint8_t *in, size_t size, uint8_t *out) {
    size_t at = 0, written = 0;
    while (at < size) {
        uint8_t token = in[at++];
        size_t literals = token >> 4;
        if (literals == 15) {
            uint8_t extra;
            do { extra = in[at++]; literals += extra; } while (extra == 255);
        }
        for (size_t k = 0; k < literals; k++) out[written + k] = in[at + k];
        at += literals;
        written += literals;
        if (!(token & 1)) break;
        size_t length = in[at] + minMatch;
        size_t distance = in[at + 1] | (size_t)in[at + 2] << 8;
        at += 3;
        for (size_t k = 0; k < length; k++, written++) out[written] = out[written - distance];
    }
    return written;
}

int main(int argc, char **argv) {
    size_t size = argc > 1 ? (size_t)atol(argv[1]) : 100000;
    uint8_t *text = malloc(size), *packed = malloc(size + size / 8 + 64), *unpacked = malloc(size);
    int32_t *head = malloc(sizeof(int32_t) << hashBits);
    generate(text, size);
    size_t packedSize = 0;
    for (int round = 0; round < 3; round++) packedSize = compress(text, size, packed, head);
    size_t unpackedSize = 0;
    for (int round = 0; round < 3; round++) unpackedSize = decompress(packed, packedSize, unpacked);
    if (unpackedSize != size || memcmp(text, unpacked, size) != 0) {
        printf("round trip failed\n");
        return 1;
    }
    uint32_t checksum = 0;
    for (size_t i = 0; i < packedSize; i++) checksum = checksum * 31 + packed[i];
    printf("%zu -> %zu bytes, checksum %u\n", size, packedSize, checksum);
    return 0;
}
