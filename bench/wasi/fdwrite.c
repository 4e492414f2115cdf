// 2,000 one-byte fd_write calls; prints the time per call measured inside the module on stderr. Without arguments
// they go to stdout, which in the micro-VM is one fd_write hypercall, hence one VM exit, each. With a path they go to
// that file (in a preopened directory), a call the guest forwards to the host's WASI implementation: through the
// WASI mailbox to the monitor's worker thread, without an exit, while the worker polls.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <wasi/api.h>

#define CALLS 2000

int main(int argc, char **argv) {
    int fd = 1;
    if (argc > 1 && (fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
        perror("open");
        return 1;
    }
    __wasi_timestamp_t start, end;
    __wasi_ciovec_t vector = {(const uint8_t *)"x", 1};
    __wasi_size_t written;
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &start);
    for (int i = 0; i < CALLS; i++) (void)__wasi_fd_write(fd, &vector, 1, &written);
    (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &end);
    fprintf(stderr, "\nus_per_call=%.2f\n", (double)(end - start) / CALLS / 1000);
    if (argc > 1) unlink(argv[1]);
    return 0;
}
