// Float dot product: two vectors of 4096 floats (32 KiB, cache-resident), their dot product taken ROUNDS times with
// one operand nudged between rounds so no round can be skipped. Four partial sums, lane k summing the elements
// i with i % 4 == k in order, then ((s0 + s1) + (s2 + s3)): the order is the same in the scalar and the SIMD build
// (f32x4.mul then f32x4.add, no fused multiply-add in either), so both builds print the same checksum, bit for bit.
// The SIMD build uses wasm_simd128.h; without -msimd128 the same partial sums are plain C.
//   dot [ROUNDS]   (default 20000)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define LENGTH 4096

static float a[LENGTH], b[LENGTH];

static float dot(const float *x, const float *y, int n) {
#ifdef __wasm_simd128__
    v128_t sum = wasm_f32x4_splat(0.0f);
    for (int i = 0; i < n; i += 4)
        sum = wasm_f32x4_add(sum, wasm_f32x4_mul(wasm_v128_load(x + i), wasm_v128_load(y + i)));
    float s0 = wasm_f32x4_extract_lane(sum, 0), s1 = wasm_f32x4_extract_lane(sum, 1);
    float s2 = wasm_f32x4_extract_lane(sum, 2), s3 = wasm_f32x4_extract_lane(sum, 3);
#else
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    for (int i = 0; i < n; i += 4) {
        s0 += x[i] * y[i];
        s1 += x[i + 1] * y[i + 1];
        s2 += x[i + 2] * y[i + 2];
        s3 += x[i + 3] * y[i + 3];
    }
#endif
    return (s0 + s1) + (s2 + s3);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 20000;
    uint32_t seed = 12345;
    for (int i = 0; i < LENGTH; i++) {
        seed = seed * 1664525u + 1013904223u;
        a[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
        seed = seed * 1664525u + 1013904223u;
        b[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
    }
    double total = 0.0;
    for (int round = 0; round < rounds; round++) {
        float d = dot(a, b, LENGTH);
        total += d;
        a[round % LENGTH] += d * 0.001f;
    }
    printf("dot %d rounds: %.9g\n", rounds, total);
    return 0;
}
