/*
 * A guest of the `kv` import module (include/swiftlet/kv.h), run by Tests/KeyValueTests.
 *
 *   kv_guest contract STORE OTHER UNGRANTED   every function and errno of the header (the host's default limits);
 *                                             prints a line per failed check, exits with their number
 *   kv_guest set STORE KEY VALUE              prints the errno
 *   kv_guest get STORE KEY                    prints the errno, then the value if there is one
 *   kv_guest delete STORE KEY                 prints the errno
 *   kv_guest list STORE                       prints the errno, then the keys, a line each
 *   kv_guest set-and-wait STORE KEY VALUE     sets, prints "ack", then blocks until stdin ends
 *   kv_guest churn STORE PREFIX N             sets, gets, checks and deletes N keys PREFIX0..; exits 1 on a mismatch
 *   kv_guest ride-out STORE KEY               sets KEY every 5 ms, printing each new errno, until it has printed
 *                                             three (0, then a failure, then 0 again: the backend went and came back)
 *                                             or 60 s passed
 */
#include "../../include/swiftlet/kv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

_Static_assert(SWIFTLET_KV_ERRNO_SUCCESS == __WASI_ERRNO_SUCCESS, "kv.h's SUCCESS is WASI's");
_Static_assert(SWIFTLET_KV_ERRNO_2BIG == __WASI_ERRNO_2BIG, "kv.h's 2BIG is WASI's");
_Static_assert(SWIFTLET_KV_ERRNO_BADF == __WASI_ERRNO_BADF, "kv.h's BADF is WASI's");
_Static_assert(SWIFTLET_KV_ERRNO_FAULT == __WASI_ERRNO_FAULT, "kv.h's FAULT is WASI's");
_Static_assert(SWIFTLET_KV_ERRNO_INVAL == __WASI_ERRNO_INVAL, "kv.h's INVAL is WASI's");
_Static_assert(SWIFTLET_KV_ERRNO_IO == __WASI_ERRNO_IO, "kv.h's IO is WASI's");
_Static_assert(SWIFTLET_KV_ERRNO_NOENT == __WASI_ERRNO_NOENT, "kv.h's NOENT is WASI's");
_Static_assert(SWIFTLET_KV_ERRNO_RANGE == __WASI_ERRNO_RANGE, "kv.h's RANGE is WASI's");
_Static_assert(SWIFTLET_KV_ERRNO_NOTCAPABLE == __WASI_ERRNO_NOTCAPABLE, "kv.h's NOTCAPABLE is WASI's");

static int failures;

#define CHECK(condition)                                                                                              \
    do {                                                                                                              \
        if (!(condition)) {                                                                                           \
            printf("FAIL line %d: %s\n", __LINE__, #condition);                                                       \
            failures++;                                                                                               \
        }                                                                                                             \
    } while (0)

#define CHECK_ERRNO(call, expected)                                                                                   \
    do {                                                                                                              \
        uint32_t result_ = (call);                                                                                    \
        if (result_ != (expected)) {                                                                                  \
            printf("FAIL line %d: %s returned %u, expected %s (%u)\n", __LINE__, #call, result_, #expected,           \
                   (unsigned)(expected));                                                                             \
            failures++;                                                                                               \
        }                                                                                                             \
    } while (0)

/* An address past the end of linear memory, and the last `n` bytes of it. */
#define OUTSIDE ((void *)0xFFFFFF00u)
static char *memory_end(void) { return (char *)(__builtin_wasm_memory_size(0) * 65536); }

static swiftlet_kv_store open_store(const char *name) {
    swiftlet_kv_store store = 0;
    uint32_t error = swiftlet_kv_open(name, strlen(name), &store);
    if (error != 0) {
        printf("cannot open store %s: errno %u\n", name, error);
        exit(100);
    }
    return store;
}

static uint32_t set_text(swiftlet_kv_store store, const char *key, const char *value) {
    return swiftlet_kv_set(store, key, strlen(key), value, strlen(value));
}

static void check_open(const char *granted, const char *other, const char *ungranted) {
    swiftlet_kv_store store = 0, again = 0, second = 0;
    CHECK_ERRNO(swiftlet_kv_open(granted, strlen(granted), &store), __WASI_ERRNO_SUCCESS);
    CHECK(store != 0);
    CHECK_ERRNO(swiftlet_kv_open(granted, strlen(granted), &again), __WASI_ERRNO_SUCCESS);
    CHECK(again == store);
    CHECK_ERRNO(swiftlet_kv_open(other, strlen(other), &second), __WASI_ERRNO_SUCCESS);
    CHECK(second != store);
    CHECK_ERRNO(swiftlet_kv_open(ungranted, strlen(ungranted), &again), __WASI_ERRNO_NOTCAPABLE);
    /* A granted name's prefix is another name. */
    CHECK_ERRNO(swiftlet_kv_open(granted, strlen(granted) - 1, &again), __WASI_ERRNO_NOTCAPABLE);
    CHECK_ERRNO(swiftlet_kv_open(granted, 0, &again), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(swiftlet_kv_open(OUTSIDE, 4, &again), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_open(granted, strlen(granted), OUTSIDE), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_open(memory_end() - 2, 4, &again), __WASI_ERRNO_FAULT);
}

static void check_values(swiftlet_kv_store store) {
    char buffer[64];
    size_t length = 0;
    uint32_t exists = 7;

    CHECK_ERRNO(swiftlet_kv_get(store, "missing", 7, buffer, sizeof buffer, &length), __WASI_ERRNO_NOENT);
    CHECK_ERRNO(swiftlet_kv_exists(store, "missing", 7, &exists), __WASI_ERRNO_SUCCESS);
    CHECK(exists == 0);
    CHECK_ERRNO(swiftlet_kv_delete(store, "missing", 7), __WASI_ERRNO_NOENT);

    CHECK_ERRNO(set_text(store, "greeting", "hello"), __WASI_ERRNO_SUCCESS);
    CHECK_ERRNO(swiftlet_kv_get(store, "greeting", 8, buffer, sizeof buffer, &length), __WASI_ERRNO_SUCCESS);
    CHECK(length == 5 && memcmp(buffer, "hello", 5) == 0);
    CHECK_ERRNO(swiftlet_kv_exists(store, "greeting", 8, &exists), __WASI_ERRNO_SUCCESS);
    CHECK(exists == 1);

    /* Replacing, with a longer value. */
    CHECK_ERRNO(set_text(store, "greeting", "hello, world"), __WASI_ERRNO_SUCCESS);
    CHECK_ERRNO(swiftlet_kv_get(store, "greeting", 8, buffer, sizeof buffer, &length), __WASI_ERRNO_SUCCESS);
    CHECK(length == 12 && memcmp(buffer, "hello, world", 12) == 0);

    /* A buffer one byte short: RANGE, the length needed, nothing copied; an exact one fits. */
    memset(buffer, '#', sizeof buffer);
    length = 0;
    CHECK_ERRNO(swiftlet_kv_get(store, "greeting", 8, buffer, 11, &length), __WASI_ERRNO_RANGE);
    CHECK(length == 12);
    CHECK(buffer[0] == '#' && buffer[10] == '#');
    CHECK_ERRNO(swiftlet_kv_get(store, "greeting", 8, buffer, 12, &length), __WASI_ERRNO_SUCCESS);
    CHECK(length == 12 && memcmp(buffer, "hello, world", 12) == 0);
    CHECK_ERRNO(swiftlet_kv_get(store, "greeting", 8, NULL, 0, &length), __WASI_ERRNO_RANGE);
    CHECK(length == 12);

    /* An empty value is a value. */
    CHECK_ERRNO(swiftlet_kv_set(store, "empty", 5, NULL, 0), __WASI_ERRNO_SUCCESS);
    length = 99;
    CHECK_ERRNO(swiftlet_kv_get(store, "empty", 5, NULL, 0, &length), __WASI_ERRNO_SUCCESS);
    CHECK(length == 0);

    /* Keys and values hold any byte. */
    const char binary_key[] = {'\0', 'k', '\xff', '\0'};
    const char binary_value[] = {'\xff', '\0', '\x80', '\0', '\x01'};
    CHECK_ERRNO(swiftlet_kv_set(store, binary_key, sizeof binary_key, binary_value, sizeof binary_value),
                __WASI_ERRNO_SUCCESS);
    CHECK_ERRNO(swiftlet_kv_get(store, binary_key, sizeof binary_key, buffer, sizeof buffer, &length),
                __WASI_ERRNO_SUCCESS);
    CHECK(length == sizeof binary_value && memcmp(buffer, binary_value, sizeof binary_value) == 0);
    CHECK_ERRNO(swiftlet_kv_get(store, binary_key, 3, buffer, sizeof buffer, &length), __WASI_ERRNO_NOENT);

    CHECK_ERRNO(swiftlet_kv_delete(store, "greeting", 8), __WASI_ERRNO_SUCCESS);
    CHECK_ERRNO(swiftlet_kv_delete(store, "greeting", 8), __WASI_ERRNO_NOENT);
    CHECK_ERRNO(swiftlet_kv_get(store, "greeting", 8, buffer, sizeof buffer, &length), __WASI_ERRNO_NOENT);
    CHECK_ERRNO(swiftlet_kv_exists(store, "greeting", 8, &exists), __WASI_ERRNO_SUCCESS);
    CHECK(exists == 0);
    CHECK_ERRNO(swiftlet_kv_delete(store, "empty", 5), __WASI_ERRNO_SUCCESS);
    CHECK_ERRNO(swiftlet_kv_delete(store, binary_key, sizeof binary_key), __WASI_ERRNO_SUCCESS);
}

/* Two stores, the same key: each sees its own value, and a delete in one leaves the other. */
static void check_namespaces(swiftlet_kv_store store, swiftlet_kv_store other) {
    char buffer[16];
    size_t length = 0;
    CHECK_ERRNO(set_text(store, "shared", "one"), __WASI_ERRNO_SUCCESS);
    CHECK_ERRNO(swiftlet_kv_get(other, "shared", 6, buffer, sizeof buffer, &length), __WASI_ERRNO_NOENT);
    CHECK_ERRNO(set_text(other, "shared", "two"), __WASI_ERRNO_SUCCESS);
    CHECK_ERRNO(swiftlet_kv_get(store, "shared", 6, buffer, sizeof buffer, &length), __WASI_ERRNO_SUCCESS);
    CHECK(length == 3 && memcmp(buffer, "one", 3) == 0);
    CHECK_ERRNO(swiftlet_kv_get(other, "shared", 6, buffer, sizeof buffer, &length), __WASI_ERRNO_SUCCESS);
    CHECK(length == 3 && memcmp(buffer, "two", 3) == 0);
    CHECK_ERRNO(swiftlet_kv_delete(store, "shared", 6), __WASI_ERRNO_SUCCESS);
    CHECK_ERRNO(swiftlet_kv_get(other, "shared", 6, buffer, sizeof buffer, &length), __WASI_ERRNO_SUCCESS);
    CHECK_ERRNO(swiftlet_kv_delete(other, "shared", 6), __WASI_ERRNO_SUCCESS);
}

/* BADF for every function, for numbers kv_open never gives (0, one past the granted stores, all ones). */
static void check_bad_handles(void) {
    const swiftlet_kv_store bad[] = {0, 3, 0xFFFFFFFFu};
    char buffer[16];
    size_t length;
    uint32_t exists, count;
    uint64_t next;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_ERRNO(swiftlet_kv_get(bad[i], "k", 1, buffer, sizeof buffer, &length), __WASI_ERRNO_BADF);
        CHECK_ERRNO(swiftlet_kv_set(bad[i], "k", 1, "v", 1), __WASI_ERRNO_BADF);
        CHECK_ERRNO(swiftlet_kv_delete(bad[i], "k", 1), __WASI_ERRNO_BADF);
        CHECK_ERRNO(swiftlet_kv_exists(bad[i], "k", 1, &exists), __WASI_ERRNO_BADF);
        CHECK_ERRNO(swiftlet_kv_list(bad[i], 0, buffer, sizeof buffer, &count, &next), __WASI_ERRNO_BADF);
        CHECK_ERRNO(swiftlet_kv_close(bad[i]), __WASI_ERRNO_BADF);
    }
}

static void check_empty_keys(swiftlet_kv_store store) {
    char buffer[16];
    size_t length;
    uint32_t exists;
    CHECK_ERRNO(swiftlet_kv_get(store, "", 0, buffer, sizeof buffer, &length), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(swiftlet_kv_set(store, "", 0, "v", 1), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(swiftlet_kv_delete(store, "", 0), __WASI_ERRNO_INVAL);
    CHECK_ERRNO(swiftlet_kv_exists(store, "", 0, &exists), __WASI_ERRNO_INVAL);
}

/* The default limits exactly: keys of 256 bytes and values of 1 MiB are taken, one byte more is 2BIG. */
static void check_limits(swiftlet_kv_store store) {
    enum { max_key = 256, max_value = 1 << 20 };
    char key[max_key + 1];
    memset(key, 'k', sizeof key);
    char *value = malloc(max_value + 1), *back = malloc(max_value + 1);
    for (size_t i = 0; i < max_value + 1; i++) value[i] = (char)(i * 7 + i / 251);
    size_t length = 0;
    uint32_t exists;

    CHECK_ERRNO(swiftlet_kv_set(store, key, max_key, "v", 1), __WASI_ERRNO_SUCCESS);
    CHECK_ERRNO(swiftlet_kv_get(store, key, max_key, back, 16, &length), __WASI_ERRNO_SUCCESS);
    CHECK(length == 1 && back[0] == 'v');
    CHECK_ERRNO(swiftlet_kv_set(store, key, max_key + 1, "v", 1), __WASI_ERRNO_2BIG);
    CHECK_ERRNO(swiftlet_kv_get(store, key, max_key + 1, back, 16, &length), __WASI_ERRNO_2BIG);
    CHECK_ERRNO(swiftlet_kv_exists(store, key, max_key + 1, &exists), __WASI_ERRNO_2BIG);
    CHECK_ERRNO(swiftlet_kv_delete(store, key, max_key + 1), __WASI_ERRNO_2BIG);
    CHECK_ERRNO(swiftlet_kv_delete(store, key, max_key), __WASI_ERRNO_SUCCESS);

    CHECK_ERRNO(swiftlet_kv_set(store, "big", 3, value, max_value), __WASI_ERRNO_SUCCESS);
    CHECK_ERRNO(swiftlet_kv_set(store, "bigger", 6, value, max_value + 1), __WASI_ERRNO_2BIG);
    CHECK_ERRNO(swiftlet_kv_exists(store, "bigger", 6, &exists), __WASI_ERRNO_SUCCESS);
    CHECK(exists == 0);
    CHECK_ERRNO(swiftlet_kv_get(store, "big", 3, back, max_value - 1, &length), __WASI_ERRNO_RANGE);
    CHECK(length == max_value);
    CHECK_ERRNO(swiftlet_kv_get(store, "big", 3, back, max_value + 1, &length), __WASI_ERRNO_SUCCESS);
    CHECK(length == max_value && memcmp(back, value, max_value) == 0);
    CHECK_ERRNO(swiftlet_kv_delete(store, "big", 3), __WASI_ERRNO_SUCCESS);
    free(value);
    free(back);
}

/* FAULT for every pointer that leaves linear memory, whole or in part, before anything is stored or read. */
static void check_faults(swiftlet_kv_store store) {
    char buffer[16];
    size_t length;
    uint32_t exists, count;
    uint64_t next;
    char *end = memory_end();
    CHECK_ERRNO(set_text(store, "here", "value"), __WASI_ERRNO_SUCCESS);

    CHECK_ERRNO(swiftlet_kv_set(store, OUTSIDE, 4, "v", 1), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_set(store, "k", 1, OUTSIDE, 1), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_set(store, "k", 1, end - 1, 2), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_exists(store, "k", 1, &exists), __WASI_ERRNO_SUCCESS);
    CHECK(exists == 0);
    CHECK_ERRNO(swiftlet_kv_get(store, OUTSIDE, 4, buffer, sizeof buffer, &length), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_get(store, "here", 4, OUTSIDE, 8, &length), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_get(store, "here", 4, end - 4, 8, &length), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_get(store, "here", 4, buffer, sizeof buffer, OUTSIDE), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_get(store, "here", 4, buffer, sizeof buffer, (size_t *)(end - 2)), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_delete(store, OUTSIDE, 4), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_exists(store, OUTSIDE, 4, &exists), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_exists(store, "here", 4, OUTSIDE), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_list(store, 0, OUTSIDE, 16, &count, &next), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_list(store, 0, buffer, sizeof buffer, OUTSIDE, &next), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_list(store, 0, buffer, sizeof buffer, &count, OUTSIDE), __WASI_ERRNO_FAULT);
    CHECK_ERRNO(swiftlet_kv_list(store, 0, buffer, sizeof buffer, &count, (uint64_t *)(end - 4)), __WASI_ERRNO_FAULT);
    /* The failed calls changed nothing. */
    CHECK_ERRNO(swiftlet_kv_delete(store, "here", 4), __WASI_ERRNO_SUCCESS);
}

static int compare_keys(const void *a, const void *b) {
    const uint8_t *x = a, *y = b;
    size_t shorter = x[0] < y[0] ? x[0] : y[0];
    int order = memcmp(x + 1, y + 1, shorter);
    return order != 0 ? order : (int)x[0] - (int)y[0];
}

/* Paging: binary keys of several lengths, listed through a buffer that holds one or two at a time, come back once
 * each, in ascending byte order, until next_cursor is 0. */
static void check_list(swiftlet_kv_store store) {
    /* Each key: its length, then its bytes. */
    static const uint8_t keys[][8] = {
        {1, 0x00},           {2, 0x00, 0x00},       {1, 0x01},        {3, 'a', 0xFF, 0x00}, {1, 'a'},
        {2, 'a', 'b'},       {1, 0x7F},             {1, 0x80},        {2, 0xFF, 0x00},      {1, 0xFF},
        {7, 'l', 'o', 'n', 'g', 'k', 'e', 'y'},     {4, 0x10, 0x00, 0x00, 0x10},            {2, 'b', 0x01},
    };
    enum { key_count = sizeof keys / sizeof keys[0] };
    uint8_t buffer[16], count_seen[key_count] = {0};
    uint32_t count = 0;
    uint64_t cursor = 77, next = 77;

    CHECK_ERRNO(swiftlet_kv_list(store, 0, buffer, sizeof buffer, &count, &next), __WASI_ERRNO_SUCCESS);
    CHECK(count == 0 && next == 0);
    for (int i = key_count - 1; i >= 0; i--) {
        CHECK_ERRNO(swiftlet_kv_set(store, keys[i] + 1, keys[i][0], "v", 1), __WASI_ERRNO_SUCCESS);
    }
    /* No key fits 4 bytes (its length alone), and the smallest takes 5. */
    CHECK_ERRNO(swiftlet_kv_list(store, 0, buffer, 4, &count, &next), __WASI_ERRNO_RANGE);
    CHECK_ERRNO(swiftlet_kv_list(store, 0, buffer, 5, &count, &next), __WASI_ERRNO_SUCCESS);
    CHECK(count == 1 && next != 0);

    uint8_t sorted[key_count][8];
    memcpy(sorted, keys, sizeof keys);
    qsort(sorted, key_count, sizeof sorted[0], compare_keys);
    int listed = 0, calls = 0;
    cursor = 0;
    do {
        CHECK_ERRNO(swiftlet_kv_list(store, cursor, buffer, sizeof buffer, &count, &next), __WASI_ERRNO_SUCCESS);
        CHECK(count >= 1 || next == 0);
        size_t offset = 0;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t length;
            memcpy(&length, buffer + offset, 4);
            CHECK(offset + 4 + length <= sizeof buffer);
            if (listed < key_count) {
                CHECK(length == sorted[listed][0] && memcmp(buffer + offset + 4, sorted[listed] + 1, length) == 0);
                for (int k = 0; k < key_count; k++) {
                    if (keys[k][0] == length && memcmp(keys[k] + 1, buffer + offset + 4, length) == 0) count_seen[k]++;
                }
            }
            offset += 4 + length;
            listed++;
        }
        cursor = next;
        calls++;
    } while (next != 0 && calls < 100);
    CHECK(listed == key_count);
    CHECK(calls > 4);
    for (int k = 0; k < key_count; k++) CHECK(count_seen[k] == 1);

    /* A buffer for everything: one call. */
    uint8_t large[256];
    CHECK_ERRNO(swiftlet_kv_list(store, 0, large, sizeof large, &count, &next), __WASI_ERRNO_SUCCESS);
    CHECK(count == key_count && next == 0);
    /* A cursor past the end. */
    CHECK_ERRNO(swiftlet_kv_list(store, 1000, large, sizeof large, &count, &next), __WASI_ERRNO_SUCCESS);
    CHECK(count == 0 && next == 0);
    CHECK_ERRNO(swiftlet_kv_list(store, UINT64_MAX, large, sizeof large, &count, &next), __WASI_ERRNO_SUCCESS);
    CHECK(count == 0 && next == 0);

    for (int i = 0; i < key_count; i++) {
        CHECK_ERRNO(swiftlet_kv_delete(store, keys[i] + 1, keys[i][0]), __WASI_ERRNO_SUCCESS);
    }
}

static int contract(const char *granted, const char *other, const char *ungranted) {
    check_open(granted, other, ungranted);
    swiftlet_kv_store store = open_store(granted), second = open_store(other);
    check_values(store);
    check_namespaces(store, second);
    check_bad_handles();
    check_empty_keys(store);
    check_limits(store);
    check_faults(store);
    check_list(second);
    CHECK_ERRNO(swiftlet_kv_close(store), __WASI_ERRNO_SUCCESS);
    CHECK_ERRNO(swiftlet_kv_close(second), __WASI_ERRNO_SUCCESS);
    printf("%d failures\n", failures);
    return failures;
}

static int get(swiftlet_kv_store store, const char *key) {
    static char value[1 << 16];
    size_t length = 0;
    uint32_t error = swiftlet_kv_get(store, key, strlen(key), value, sizeof value, &length);
    printf("%u\n", error);
    if (error == 0) printf("%.*s\n", (int)length, value);
    return 0;
}

static int list(swiftlet_kv_store store) {
    uint8_t buffer[64];
    uint32_t count = 0, error = 0;
    uint64_t cursor = 0;
    static char output[1 << 20];
    do {
        error = swiftlet_kv_list(store, cursor, buffer, sizeof buffer, &count, &cursor);
        size_t offset = 0;
        for (uint32_t i = 0; error == 0 && i < count; i++) {
            uint32_t length;
            memcpy(&length, buffer + offset, 4);
            snprintf(output + strlen(output), sizeof output - strlen(output), "%.*s\n", (int)length,
                     (char *)buffer + offset + 4);
            offset += 4 + length;
        }
    } while (error == 0 && cursor != 0);
    printf("%u\n%s", error, error == 0 ? output : "");
    return 0;
}

static int churn(swiftlet_kv_store store, const char *prefix, int n) {
    char key[64], value[64], back[64];
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%s%d", prefix, i);
        snprintf(value, sizeof value, "value of %s", key);
        size_t length = 0;
        uint32_t exists = 0;
        if (set_text(store, key, value) != 0 ||
            swiftlet_kv_get(store, key, strlen(key), back, sizeof back, &length) != 0 || length != strlen(value) ||
            memcmp(back, value, length) != 0 || swiftlet_kv_exists(store, key, strlen(key), &exists) != 0 ||
            exists != 1) {
            printf("mismatch at %s\n", key);
            return 1;
        }
        if (i % 2 == 0 && swiftlet_kv_delete(store, key, strlen(key)) != 0) {
            printf("cannot delete %s\n", key);
            return 1;
        }
    }
    return 0;
}

static int ride_out(swiftlet_kv_store store, const char *key) {
    uint32_t last = UINT32_MAX;
    int changes = 0;
    for (int i = 0; i < 60 * 200 && changes < 3; i++) {
        uint32_t error = set_text(store, key, "x");
        if (error != last) {
            printf("%u\n", error);
            last = error;
            changes++;
        }
        usleep(5000);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "contract") == 0) return contract(argv[2], argv[3], argv[4]);
    if (argc < 3) {
        fprintf(stderr, "usage: kv_guest contract|set|get|delete|list|set-and-wait|churn STORE ...\n");
        return 2;
    }
    const char *command = argv[1];
    swiftlet_kv_store store = open_store(argv[2]);
    if (argc == 5 && strcmp(command, "set") == 0) {
        printf("%u\n", set_text(store, argv[3], argv[4]));
        return 0;
    }
    if (argc == 4 && strcmp(command, "get") == 0) return get(store, argv[3]);
    if (argc == 4 && strcmp(command, "delete") == 0) {
        printf("%u\n", swiftlet_kv_delete(store, argv[3], strlen(argv[3])));
        return 0;
    }
    if (argc == 3 && strcmp(command, "list") == 0) return list(store);
    if (argc == 5 && strcmp(command, "set-and-wait") == 0) {
        uint32_t error = set_text(store, argv[3], argv[4]);
        if (error != 0) {
            printf("errno %u\n", error);
            return 1;
        }
        printf("ack\n");
        fflush(stdout);
        char byte;
        while (read(0, &byte, 1) > 0) {
        }
        return 0;
    }
    if (argc == 4 && strcmp(command, "ride-out") == 0) return ride_out(store, argv[3]);
    if (argc == 5 && strcmp(command, "churn") == 0) return churn(store, argv[3], atoi(argv[4]));
    fprintf(stderr, "kv_guest: bad arguments\n");
    return 2;
}
