// WebAssembly SIMD across the instruction set, on edge and pseudo-random lanes: every result is printed, so a run
// compares lane by lane with wasmtime's. NaN lanes print as "nan" (the spec lets their payload differ); relaxed SIMD
// is left out (its results may differ between runtimes by design).
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasm_simd128.h>

#pragma clang attribute push(__attribute__((target("simd128"))), apply_to = function)

static uint64_t state = 0x9E3779B97F4A7C15ull;

static uint64_t next_random(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static void print_bits(const char *name, v128_t value) {
    uint32_t words[4];
    memcpy(words, &value, sizeof words);
    printf("%s %08x %08x %08x %08x\n", name, words[0], words[1], words[2], words[3]);
}

static void print_f32(const char *name, v128_t value) {
    float lanes[4];
    memcpy(lanes, &value, sizeof lanes);
    printf("%s", name);
    for (int i = 0; i < 4; i++) {
        uint32_t bits;
        memcpy(&bits, &lanes[i], 4);
        if (isnan(lanes[i])) printf(" nan"); else printf(" %08x", bits);
    }
    printf("\n");
}

static void print_f64(const char *name, v128_t value) {
    double lanes[2];
    memcpy(lanes, &value, sizeof lanes);
    printf("%s", name);
    for (int i = 0; i < 2; i++) {
        uint64_t bits;
        memcpy(&bits, &lanes[i], 8);
        if (isnan(lanes[i])) printf(" nan"); else printf(" %016llx", (unsigned long long)bits);
    }
    printf("\n");
}

#define BINARY(op, print) print(#op, op(a, b))
#define UNARY(op, print) print(#op, op(a))

static void integers(v128_t a, v128_t b) {
    BINARY(wasm_i8x16_add, print_bits); BINARY(wasm_i8x16_sub, print_bits);
    BINARY(wasm_i8x16_add_sat, print_bits); BINARY(wasm_u8x16_add_sat, print_bits);
    BINARY(wasm_i8x16_sub_sat, print_bits); BINARY(wasm_u8x16_sub_sat, print_bits);
    BINARY(wasm_i8x16_min, print_bits); BINARY(wasm_u8x16_min, print_bits);
    BINARY(wasm_i8x16_max, print_bits); BINARY(wasm_u8x16_max, print_bits); BINARY(wasm_u8x16_avgr, print_bits);
    BINARY(wasm_i8x16_eq, print_bits); BINARY(wasm_i8x16_ne, print_bits); BINARY(wasm_i8x16_lt, print_bits);
    BINARY(wasm_u8x16_lt, print_bits); BINARY(wasm_i8x16_gt, print_bits); BINARY(wasm_u8x16_gt, print_bits);
    BINARY(wasm_i8x16_le, print_bits); BINARY(wasm_u8x16_le, print_bits); BINARY(wasm_i8x16_ge, print_bits);
    BINARY(wasm_u8x16_ge, print_bits); BINARY(wasm_i8x16_narrow_i16x8, print_bits);
    BINARY(wasm_u8x16_narrow_i16x8, print_bits); BINARY(wasm_i8x16_swizzle, print_bits);
    print_bits("shuffle", wasm_i8x16_shuffle(a, b, 0, 17, 2, 19, 31, 30, 7, 7, 16, 8, 9, 25, 12, 3, 15, 0));

    BINARY(wasm_i16x8_add, print_bits); BINARY(wasm_i16x8_sub, print_bits); BINARY(wasm_i16x8_mul, print_bits);
    BINARY(wasm_i16x8_add_sat, print_bits); BINARY(wasm_u16x8_add_sat, print_bits);
    BINARY(wasm_i16x8_sub_sat, print_bits); BINARY(wasm_u16x8_sub_sat, print_bits);
    BINARY(wasm_i16x8_min, print_bits); BINARY(wasm_u16x8_min, print_bits); BINARY(wasm_i16x8_max, print_bits);
    BINARY(wasm_u16x8_max, print_bits); BINARY(wasm_u16x8_avgr, print_bits); BINARY(wasm_i16x8_q15mulr_sat, print_bits);
    BINARY(wasm_i16x8_eq, print_bits); BINARY(wasm_i16x8_lt, print_bits); BINARY(wasm_u16x8_gt, print_bits);
    BINARY(wasm_i16x8_le, print_bits); BINARY(wasm_u16x8_ge, print_bits);
    BINARY(wasm_i16x8_narrow_i32x4, print_bits); BINARY(wasm_u16x8_narrow_i32x4, print_bits);
    BINARY(wasm_i16x8_extmul_low_i8x16, print_bits); BINARY(wasm_i16x8_extmul_high_i8x16, print_bits);
    BINARY(wasm_u16x8_extmul_low_u8x16, print_bits); BINARY(wasm_u16x8_extmul_high_u8x16, print_bits);

    BINARY(wasm_i32x4_add, print_bits); BINARY(wasm_i32x4_sub, print_bits); BINARY(wasm_i32x4_mul, print_bits);
    BINARY(wasm_i32x4_min, print_bits); BINARY(wasm_u32x4_min, print_bits); BINARY(wasm_i32x4_max, print_bits);
    BINARY(wasm_u32x4_max, print_bits); BINARY(wasm_i32x4_dot_i16x8, print_bits);
    BINARY(wasm_i32x4_eq, print_bits); BINARY(wasm_i32x4_ne, print_bits); BINARY(wasm_i32x4_lt, print_bits);
    BINARY(wasm_u32x4_lt, print_bits); BINARY(wasm_i32x4_ge, print_bits); BINARY(wasm_u32x4_le, print_bits);
    BINARY(wasm_i32x4_extmul_low_i16x8, print_bits); BINARY(wasm_u32x4_extmul_high_u16x8, print_bits);

    BINARY(wasm_i64x2_add, print_bits); BINARY(wasm_i64x2_sub, print_bits); BINARY(wasm_i64x2_mul, print_bits);
    BINARY(wasm_i64x2_eq, print_bits); BINARY(wasm_i64x2_ne, print_bits); BINARY(wasm_i64x2_lt, print_bits);
    BINARY(wasm_i64x2_gt, print_bits); BINARY(wasm_i64x2_le, print_bits); BINARY(wasm_i64x2_ge, print_bits);
    BINARY(wasm_i64x2_extmul_low_i32x4, print_bits); BINARY(wasm_u64x2_extmul_high_u32x4, print_bits);

    BINARY(wasm_v128_and, print_bits); BINARY(wasm_v128_or, print_bits); BINARY(wasm_v128_xor, print_bits);
    BINARY(wasm_v128_andnot, print_bits); UNARY(wasm_v128_not, print_bits);
    print_bits("bitselect", wasm_v128_bitselect(a, b, wasm_i64x2_make(0xff00ff00f0f0f0f0ull, (uint64_t)a[0])));
    printf("tests %d %d %d %d %d\n", wasm_v128_any_true(a), wasm_i8x16_all_true(a), wasm_i16x8_all_true(a),
        wasm_i32x4_all_true(a), wasm_i64x2_all_true(a));
    printf("bitmasks %x %x %x %x\n", wasm_i8x16_bitmask(a), wasm_i16x8_bitmask(a), wasm_i32x4_bitmask(a),
        wasm_i64x2_bitmask(a));

    UNARY(wasm_i8x16_abs, print_bits); UNARY(wasm_i8x16_neg, print_bits); UNARY(wasm_i8x16_popcnt, print_bits);
    UNARY(wasm_i16x8_abs, print_bits); UNARY(wasm_i32x4_abs, print_bits); UNARY(wasm_i64x2_abs, print_bits);
    UNARY(wasm_i64x2_neg, print_bits);
    UNARY(wasm_i16x8_extadd_pairwise_i8x16, print_bits); UNARY(wasm_u16x8_extadd_pairwise_u8x16, print_bits);
    UNARY(wasm_i32x4_extadd_pairwise_i16x8, print_bits); UNARY(wasm_u32x4_extadd_pairwise_u16x8, print_bits);
    UNARY(wasm_i16x8_extend_low_i8x16, print_bits); UNARY(wasm_u16x8_extend_high_u8x16, print_bits);
    UNARY(wasm_i32x4_extend_high_i16x8, print_bits); UNARY(wasm_u32x4_extend_low_u16x8, print_bits);
    UNARY(wasm_i64x2_extend_low_i32x4, print_bits); UNARY(wasm_u64x2_extend_high_u32x4, print_bits);

    for (uint32_t count = 0; count < 70; count += 9) {
        printf("shifts by %u\n", count);
        print_bits("i8x16.shl", wasm_i8x16_shl(a, count)); print_bits("i8x16.shr_s", wasm_i8x16_shr(a, count));
        print_bits("i8x16.shr_u", wasm_u8x16_shr(a, count)); print_bits("i16x8.shl", wasm_i16x8_shl(a, count));
        print_bits("i16x8.shr_s", wasm_i16x8_shr(a, count)); print_bits("i32x4.shr_u", wasm_u32x4_shr(a, count));
        print_bits("i32x4.shl", wasm_i32x4_shl(a, count)); print_bits("i64x2.shr_s", wasm_i64x2_shr(a, count));
        print_bits("i64x2.shl", wasm_i64x2_shl(a, count)); print_bits("i64x2.shr_u", wasm_u64x2_shr(a, count));
    }
}

static void floats(v128_t a, v128_t b, v128_t c, v128_t d) {
    BINARY(wasm_f32x4_add, print_f32); BINARY(wasm_f32x4_sub, print_f32); BINARY(wasm_f32x4_mul, print_f32);
    BINARY(wasm_f32x4_div, print_f32); BINARY(wasm_f32x4_min, print_f32); BINARY(wasm_f32x4_max, print_f32);
    BINARY(wasm_f32x4_pmin, print_f32); BINARY(wasm_f32x4_pmax, print_f32);
    BINARY(wasm_f32x4_eq, print_bits); BINARY(wasm_f32x4_ne, print_bits); BINARY(wasm_f32x4_lt, print_bits);
    BINARY(wasm_f32x4_gt, print_bits); BINARY(wasm_f32x4_le, print_bits); BINARY(wasm_f32x4_ge, print_bits);
    UNARY(wasm_f32x4_sqrt, print_f32); UNARY(wasm_f32x4_ceil, print_f32); UNARY(wasm_f32x4_floor, print_f32);
    UNARY(wasm_f32x4_trunc, print_f32); UNARY(wasm_f32x4_nearest, print_f32); UNARY(wasm_f32x4_abs, print_f32);
    UNARY(wasm_f32x4_neg, print_f32);
    UNARY(wasm_i32x4_trunc_sat_f32x4, print_bits); UNARY(wasm_u32x4_trunc_sat_f32x4, print_bits);
    UNARY(wasm_f32x4_convert_i32x4, print_f32); UNARY(wasm_f32x4_convert_u32x4, print_f32);
    UNARY(wasm_f64x2_promote_low_f32x4, print_f64); UNARY(wasm_f64x2_convert_low_i32x4, print_f64);
    UNARY(wasm_f64x2_convert_low_u32x4, print_f64);

    print_f64("f64x2.add", wasm_f64x2_add(c, d)); print_f64("f64x2.sub", wasm_f64x2_sub(c, d));
    print_f64("f64x2.mul", wasm_f64x2_mul(c, d)); print_f64("f64x2.div", wasm_f64x2_div(c, d));
    print_f64("f64x2.min", wasm_f64x2_min(c, d)); print_f64("f64x2.max", wasm_f64x2_max(c, d));
    print_f64("f64x2.pmin", wasm_f64x2_pmin(c, d)); print_f64("f64x2.pmax", wasm_f64x2_pmax(c, d));
    print_bits("f64x2.lt", wasm_f64x2_lt(c, d)); print_bits("f64x2.ge", wasm_f64x2_ge(c, d));
    print_bits("f64x2.ne", wasm_f64x2_ne(c, d));
    print_f64("f64x2.sqrt", wasm_f64x2_sqrt(c)); print_f64("f64x2.ceil", wasm_f64x2_ceil(c));
    print_f64("f64x2.floor", wasm_f64x2_floor(c)); print_f64("f64x2.trunc", wasm_f64x2_trunc(c));
    print_f64("f64x2.nearest", wasm_f64x2_nearest(c)); print_f64("f64x2.neg", wasm_f64x2_neg(c));
    print_bits("i32x4.trunc_sat_f64x2_zero", wasm_i32x4_trunc_sat_f64x2_zero(c));
    print_bits("u32x4.trunc_sat_f64x2_zero", wasm_u32x4_trunc_sat_f64x2_zero(c));
    print_f32("f32x4.demote_f64x2_zero", wasm_f32x4_demote_f64x2_zero(c));
}

static void lanes_and_memory(v128_t a, int64_t scalar) {
    static uint8_t buffer[64];
    for (int i = 0; i < 64; i++) buffer[i] = (uint8_t)(next_random() >> 13);
    printf("extract %d %u %d %u %d %lld %08x\n", wasm_i8x16_extract_lane(a, 5), wasm_u8x16_extract_lane(a, 15),
        wasm_i16x8_extract_lane(a, 3), wasm_u16x8_extract_lane(a, 7), wasm_i32x4_extract_lane(a, 2),
        (long long)wasm_i64x2_extract_lane(a, 1), (unsigned)wasm_i32x4_extract_lane(wasm_f32x4_splat(1.25f), 0));
    print_bits("replace i8", wasm_i8x16_replace_lane(a, 9, (int8_t)scalar));
    print_bits("replace i16", wasm_i16x8_replace_lane(a, 6, (int16_t)scalar));
    print_bits("replace i32", wasm_i32x4_replace_lane(a, 3, (int32_t)scalar));
    print_bits("replace i64", wasm_i64x2_replace_lane(a, 0, scalar));
    print_bits("replace f32", wasm_f32x4_replace_lane(a, 1, (float)scalar));
    print_bits("replace f64", wasm_f64x2_replace_lane(a, 1, (double)scalar));
    print_bits("splat i8", wasm_i8x16_splat((int8_t)scalar)); print_bits("splat i16", wasm_i16x8_splat((int16_t)scalar));
    print_bits("splat i64", wasm_i64x2_splat(scalar)); print_bits("splat f64", wasm_f64x2_splat((double)scalar));

    for (int offset = 0; offset < 40; offset += 13) {
        const uint8_t *at = buffer + offset;
        print_bits("load", wasm_v128_load(at));
        print_bits("load8x8_s", wasm_i16x8_load8x8(at)); print_bits("load8x8_u", wasm_u16x8_load8x8(at));
        print_bits("load16x4_s", wasm_i32x4_load16x4(at)); print_bits("load32x2_u", wasm_u64x2_load32x2(at));
        print_bits("load32x2_s", wasm_i64x2_load32x2(at));
        print_bits("load8_splat", wasm_v128_load8_splat(at)); print_bits("load16_splat", wasm_v128_load16_splat(at));
        print_bits("load32_splat", wasm_v128_load32_splat(at)); print_bits("load64_splat", wasm_v128_load64_splat(at));
        print_bits("load32_zero", wasm_v128_load32_zero(at)); print_bits("load64_zero", wasm_v128_load64_zero(at));
        print_bits("load8_lane", wasm_v128_load8_lane(at, a, 11));
        print_bits("load16_lane", wasm_v128_load16_lane(at, a, 5));
        print_bits("load32_lane", wasm_v128_load32_lane(at, a, 2));
        print_bits("load64_lane", wasm_v128_load64_lane(at, a, 1));
    }
    wasm_v128_store(buffer + 3, a);
    wasm_v128_store8_lane(buffer + 40, a, 13);
    wasm_v128_store16_lane(buffer + 42, a, 6);
    wasm_v128_store32_lane(buffer + 45, a, 1);
    wasm_v128_store64_lane(buffer + 51, a, 1);
    print_bits("stored", wasm_v128_load(buffer));
    print_bits("stored", wasm_v128_load(buffer + 16));
    print_bits("stored", wasm_v128_load(buffer + 32));
    print_bits("stored", wasm_v128_load(buffer + 48));
}

int main(int argc, char **argv) {
    (void)argv;
    state += (uint64_t)argc;
    const v128_t edges[] = {
        wasm_i64x2_make(0, -1),
        wasm_i8x16_make(-128, 127, 0, -1, 1, -2, 64, -64, 100, -100, 2, 3, -128, 127, 5, 6),
        wasm_i16x8_make(-32768, 32767, 0, -1, 255, 256, -256, 12345),
        wasm_i32x4_make(INT32_MIN, INT32_MAX, 0, -1),
    };
    const v128_t float_edges[] = {
        wasm_f32x4_make(0.0f, -0.0f, 1.5f, -2.5f), wasm_f32x4_make(INFINITY, -INFINITY, NAN, 0.5f),
        wasm_f32x4_make(2147483648.0f, -2147483904.0f, 4294967296.0f, 1e-40f),
        wasm_f32x4_make(8388609.0f, -8388609.5f, 0.49999997f, -1.5f),
    };
    const v128_t double_edges[] = {
        wasm_f64x2_make(0.0, -0.0), wasm_f64x2_make(INFINITY, NAN), wasm_f64x2_make(2.5, -3.5),
        wasm_f64x2_make(4294967295.5, -2147483648.9), wasm_f64x2_make(1e308, 4503599627370497.5),
    };
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            printf("integers %d %d\n", i, j);
            integers(edges[i], edges[j]);
            printf("floats %d %d\n", i, j);
            floats(float_edges[i], float_edges[j], double_edges[i], double_edges[(j + 1) % 5]);
        }
    }
    for (int round = 0; round < 6; round++) {
        v128_t a = wasm_i64x2_make((int64_t)next_random(), (int64_t)next_random());
        v128_t b = wasm_i64x2_make((int64_t)next_random(), (int64_t)next_random());
        printf("random %d\n", round);
        integers(a, b);
        floats(a, b, a, b);
        lanes_and_memory(a, (int64_t)next_random());
    }
    return 0;
}

#pragma clang attribute pop
