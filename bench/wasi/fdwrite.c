// 2,000 one-byte fd_write calls to stdout (in the micro-VM: one hypercall, hence one VM exit, each); prints the
// time per call measured inside the module on stderr.
#include <stdint.h>
#include <stdio.h>
#include <wasi/api.h>

#define CALLS 2000

int main(void) {
    __wasi_timestamp_t start, end;
    __wasi_ciovec_t vector = {(const uint8_t *)"x", 1};
    __wasi_size_t written;
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &start);
    for (int i = 0; i < CALLS; i++) (void)__wasi_fd_write(1, &vector, 1, &written);
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &end);
    fprintf(stderr, "\nus_per_call=%.2f\n", (double)(end - start) / CALLS / 1000);
    return 0;
}
