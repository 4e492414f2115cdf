// The clocks and random_get that the micro-VM's guest answers itself (no exit): readings, monotonicity, errors.
// Prints "realtime=" and "monotonic=" readings for the caller to compare with the host's clocks around the run, and
// "random=" bytes that must differ from run to run; every other line must read the same in both isolation modes.
#include "check.h"

static __wasi_timestamp_t read_clock(__wasi_clockid_t clock) {
    __wasi_timestamp_t time = 0;
    __wasi_clock_time_get(clock, 1, &time);
    return time;
}

int main(void) {
    unbuffered();
    printf("realtime=%llu\n", (unsigned long long)read_clock(__WASI_CLOCKID_REALTIME));
    printf("monotonic=%llu\n", (unsigned long long)read_clock(__WASI_CLOCKID_MONOTONIC));

    // Four clocks, each never going backwards over many reads, each with a resolution of at most 1 ms.
    for (__wasi_clockid_t clock = 0; clock < 4; clock++) {
        __wasi_timestamp_t resolution = 0;
        CHECK(__wasi_clock_res_get(clock, &resolution));
        EXPECT(resolution > 0 && resolution <= 1000000);
        __wasi_timestamp_t previous = read_clock(clock), first = previous;
        int backwards = 0;
        for (int i = 0; i < 100000; i++) {
            __wasi_timestamp_t now = read_clock(clock);
            backwards += now < previous;
            previous = now;
        }
        printf("clock %u backwards %d advanced %s\n", (unsigned)clock, backwards, previous > first ? "yes" : "no");
    }

    // A forwarded poll_oneoff waits (in the host) for an absolute deadline read from the guest's clock: when it
    // returns, the deadline has passed on that clock too.
    __wasi_timestamp_t deadline = read_clock(__WASI_CLOCKID_MONOTONIC) + 3000000;
    __wasi_subscription_t subscription = {0};
    subscription.u.tag = __WASI_EVENTTYPE_CLOCK;
    subscription.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subscription.u.u.clock.timeout = deadline;
    subscription.u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
    __wasi_event_t event;
    __wasi_size_t events;
    CHECK(__wasi_poll_oneoff(&subscription, &event, 1, &events));
    printf("absolute deadline passed: %s\n", read_clock(__WASI_CLOCKID_MONOTONIC) >= deadline ? "yes" : "no");

    // Undefined clocks, and results that do not fit in linear memory.
    __wasi_timestamp_t time;
    CHECK(__wasi_clock_time_get(4, 1, &time));
    CHECK(__wasi_clock_res_get(99, &time));
    uintptr_t end = __builtin_wasm_memory_size(0) * 65536;
    CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, (__wasi_timestamp_t *)(end - 4)));
    CHECK(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, (__wasi_timestamp_t *)0xFFFFFFF8u));
    CHECK(__wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, (__wasi_timestamp_t *)(end - 7)));
    CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, (__wasi_timestamp_t *)(end - 8)));

    // random_get fills exactly the bytes asked for, of any size, and never the same twice.
    static uint8_t buffer[4096 + 2];
    static const unsigned sizes[] = {1, 3, 7, 31, 63, 64, 65, 127, 1001, 4096};
    for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        unsigned size = sizes[s];
        memset(buffer, 0xA5, sizeof buffer);
        CHECK(__wasi_random_get(buffer + 1, size));
        unsigned changed = 0;
        for (unsigned i = 1; i <= size; i++) changed += buffer[i] != 0xA5;
        int guard_intact = buffer[0] == 0xA5 && buffer[size + 1] == 0xA5;
        // A byte keeps the fill value with probability 1/256, so a few may: the allowance keeps a false "NO" below
        // one in 100,000 runs for every size.
        printf("size %u guard %s mostly filled %s\n", size, guard_intact ? "intact" : "BROKEN",
               changed + 3 + size / 32 >= size ? "yes" : "NO");
    }
    uint8_t first[32], second[32];
    CHECK(__wasi_random_get(first, sizeof first));
    CHECK(__wasi_random_get(second, sizeof second));
    EXPECT(memcmp(first, second, sizeof first) != 0);
    printf("random=");
    for (unsigned i = 0; i < sizeof first; i++) printf("%02x", first[i]);
    printf("\n");
    CHECK(__wasi_random_get(buffer, 0));
    CHECK(__wasi_random_get((uint8_t *)(end - 3), 4));
    CHECK(__wasi_random_get((uint8_t *)0xFFFFFF00u, 0x200));
    CHECK(__wasi_random_get((uint8_t *)(end - 3), 3));
    return 0;
}
