// 100,000 clock_time_get calls (the raw WASI import, no libc layer); prints the time per call measured inside.
#include <stdint.h>
#include <stdio.h>
#include <wasi/api.h>

#define CALLS 100000

int main(void) {
    __wasi_timestamp_t start, now = 0, sum = 0;
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &start);
    for (int i = 0; i < CALLS; i++) {
        (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &now);
        sum += now & 1;
    }
    printf("ns_per_call=%.1f odd=%llu\n", (double)(now - start) / CALLS, (unsigned long long)sum);
    return 0;
}
