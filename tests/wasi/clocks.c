// Clocks, poll_oneoff on clocks, randomness, scheduling, signals.
#include "check.h"

int main(void) {
    unbuffered();
    __wasi_timestamp_t resolution, before, after, realtime;
    // Only realtime and monotonic: wasmtime offers no CPU-time clocks (EBADF) where swiftlet does.
    for (__wasi_clockid_t clock = 0; clock < 2; clock++) {
        CHECK(__wasi_clock_res_get(clock, &resolution));
        EXPECT(resolution > 0 && resolution <= 1000000000ull);
        CHECK(__wasi_clock_time_get(clock, 1, &before));
    }
    CHECK(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &realtime));
    EXPECT(realtime > 1600000000ull * 1000000000ull);
    CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &before));

    __wasi_subscription_t subscription = {0};
    subscription.userdata = 42;
    subscription.u.tag = __WASI_EVENTTYPE_CLOCK;
    subscription.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subscription.u.u.clock.timeout = 20 * 1000000ull;
    __wasi_event_t events[2];
    __wasi_size_t count = 0;
    CHECK(__wasi_poll_oneoff(&subscription, events, 1, &count));
    CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &after));
    EXPECT(after - before >= 20 * 1000000ull);
    printf("events=%u userdata=%llu error=%u type=%u\n", (unsigned)count, (unsigned long long)events[0].userdata,
           events[0].error, events[0].type);

    // An absolute deadline already passed fires at once.
    subscription.u.u.clock.timeout = before;
    subscription.u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
    CHECK(__wasi_poll_oneoff(&subscription, events, 1, &count));
    printf("events=%u userdata=%llu\n", (unsigned)count, (unsigned long long)events[0].userdata);
    CHECK(__wasi_poll_oneoff(&subscription, events, 0, &count));

    // Two clocks: only the earlier one fires.
    __wasi_subscription_t two[2] = {subscription, subscription};
    two[0].userdata = 1;
    two[0].u.u.clock.flags = 0;
    two[0].u.u.clock.timeout = 5 * 1000000ull;
    two[1].userdata = 2;
    two[1].u.u.clock.flags = 0;
    two[1].u.u.clock.timeout = 5000 * 1000000ull;
    CHECK(__wasi_poll_oneoff(two, events, 2, &count));
    printf("events=%u first=%llu\n", (unsigned)count, (unsigned long long)events[0].userdata);

    // Descriptor subscriptions: stdin readable, stdout writable; a closed descriptor or the wrong direction
    // fails the whole call (as wasmtime). Byte counts are not compared: wasmtime reports 1, swiftlet the count.
    __wasi_subscription_t streams[2] = {0};
    streams[0].userdata = 10;
    streams[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    streams[0].u.u.fd_read.file_descriptor = 0;
    streams[1].userdata = 11;
    streams[1].u.tag = __WASI_EVENTTYPE_FD_WRITE;
    streams[1].u.u.fd_write.file_descriptor = 1;
    // One at a time: wasmtime's stdin becomes ready only after its reader thread has run.
    CHECK(__wasi_poll_oneoff(streams, events, 1, &count));
    printf("events=%u userdata=%llu error=%u type=%u\n", (unsigned)count, (unsigned long long)events[0].userdata,
           events[0].error, events[0].type);
    CHECK(__wasi_poll_oneoff(streams + 1, events, 1, &count));
    printf("events=%u userdata=%llu error=%u type=%u\n", (unsigned)count, (unsigned long long)events[0].userdata,
           events[0].error, events[0].type);
    streams[0].u.u.fd_read.file_descriptor = 1;
    CHECK(__wasi_poll_oneoff(streams, events, 1, &count));
    streams[0].u.u.fd_read.file_descriptor = 77;
    CHECK(__wasi_poll_oneoff(streams, events, 1, &count));
    streams[0].u.u.fd_read.file_descriptor = 3;
    CHECK(__wasi_poll_oneoff(streams, events, 1, &count));

    uint8_t random[64] = {0};
    CHECK(__wasi_random_get(random, sizeof random));
    int nonzero = 0;
    for (unsigned i = 0; i < sizeof random; i++) nonzero += random[i] != 0;
    EXPECT(nonzero > 32);
    CHECK(__wasi_random_get(random, 0));
    CHECK(__wasi_sched_yield());
    CHECK(raw_proc_raise(15));
    __wasi_proc_exit(7);
}
