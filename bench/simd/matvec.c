// Matrix-vector product: y = A x for a 512 x 512 float matrix stored by columns (1 MiB), ROUNDS times, the next x
// made from y (1 + y: no value shrinks towards the denormals). Computed column by column (y += A[:, j] * x[j]), so
// every y[i] adds its terms in the same order in the scalar and the SIMD build (no reassociation): both print the
// same checksum, bit for bit. Plain C; clang -O3 -msimd128 vectorizes the column loop (f32x4 mul and add).
//   matvec [ROUNDS]   (default 300)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 512

static float a[N * N], x[N], y[N];

static void matvec(const float *restrict m, const float *restrict v, float *restrict out) {
    for (int i = 0; i < N; i++)
        out[i] = 0.0f;
    for (int j = 0; j < N; j++) {
        float s = v[j];
        const float *column = m + (size_t)j * N;
        for (int i = 0; i < N; i++)
            out[i] += column[i] * s;
    }
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 300;
    uint32_t seed = 5489u;
    for (int i = 0; i < N * N; i++) {
        seed = seed * 1664525u + 1013904223u;
        a[i] = ((float)(seed >> 8) / 16777216.0f - 0.5f) / N;
    }
    for (int i = 0; i < N; i++)
        x[i] = 1.0f + (float)(i % 7) / 7.0f;
    double total = 0.0;
    for (int round = 0; round < rounds; round++) {
        matvec(a, x, y);
        for (int i = 0; i < N; i++) {
            total += y[i];
            x[i] = 1.0f + y[i];
        }
    }
    printf("matvec %d rounds: %.9g\n", rounds, total);
    return 0;
}
