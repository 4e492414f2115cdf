// Blur: a separable 3x3 binomial blur (1 2 1 across, then 1 2 1 down, rounded, / 16) of an 8-bit grayscale image,
// 1024 x 768, applied ROUNDS times (the output becomes the next round's input; edges are copied). Integer work, so
// the scalar and SIMD builds print the same checksum. Plain C loops; clang -O3 -msimd128 vectorizes both passes
// (u8 -> u16 widening, i16x8 adds and shifts, narrowing back to u8).
//   blur [ROUNDS]   (default 20)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define WIDTH 1024
#define HEIGHT 768

static uint8_t image[HEIGHT][WIDTH], output[HEIGHT][WIDTH];
static uint16_t across[HEIGHT][WIDTH];

static void blur(uint8_t (*restrict in)[WIDTH], uint8_t (*restrict out)[WIDTH]) {
    for (int y = 0; y < HEIGHT; y++) {
        across[y][0] = (uint16_t)(in[y][0] * 4);
        for (int x = 1; x < WIDTH - 1; x++)
            across[y][x] = (uint16_t)(in[y][x - 1] + 2 * in[y][x] + in[y][x + 1]);
        across[y][WIDTH - 1] = (uint16_t)(in[y][WIDTH - 1] * 4);
    }
    for (int x = 0; x < WIDTH; x++) {
        out[0][x] = in[0][x];
        out[HEIGHT - 1][x] = in[HEIGHT - 1][x];
    }
    for (int y = 1; y < HEIGHT - 1; y++)
        for (int x = 0; x < WIDTH; x++)
            out[y][x] = (uint8_t)((across[y - 1][x] + 2 * across[y][x] + across[y + 1][x] + 8) >> 4);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 20;
    uint32_t seed = 88172645u;
    for (int y = 0; y < HEIGHT; y++)
        for (int x = 0; x < WIDTH; x++) {
            seed = seed * 1103515245u + 12345u;
            // A gradient with noise, so the blur has edges and texture to smooth.
            image[y][x] = (uint8_t)(((x ^ y) & 0x80) + ((seed >> 16) & 0x7f));
        }
    for (int round = 0; round < rounds; round++) {
        blur(image, output);
        blur(output, image);
    }
    uint64_t checksum = 1469598103934665603ull;
    for (int y = 0; y < HEIGHT; y++)
        for (int x = 0; x < WIDTH; x++)
            checksum = (checksum ^ image[y][x]) * 1099511628211ull;
    printf("blur %d rounds: %llu\n", rounds, (unsigned long long)checksum);
    return 0;
}
