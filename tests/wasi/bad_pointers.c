// Guest pointers outside linear memory are EFAULT, never a host fault (wasmtime traps instead, so this
// program runs under swiftlet only).
#include "check.h"

int main(void) {
    unbuffered();
    __wasi_fd_t fd;
    __wasi_size_t used;
    CHECK(raw_path_open(3, 0, 0xFFFFFFF0u, 64, 0, __WASI_RIGHTS_FD_READ, 0, 0, (int32_t)(uintptr_t)&fd));
    CHECK(raw_path_open(3, 0, (int32_t)(uintptr_t)"existing.txt", 12, 0, __WASI_RIGHTS_FD_READ, 0, 0, 0x7FFFFFFF));
    __wasi_iovec_t wild = {(uint8_t *)0xFFFFFF00u, 0x1000};
    CHECK(__wasi_fd_read(0, &wild, 1, &used));
    CHECK(__wasi_fd_write(1, (const __wasi_ciovec_t *)&wild, 1, &used));
    CHECK(__wasi_fd_write(1, (const __wasi_ciovec_t *)0xFFFFFFFCu, 1, &used));
    CHECK(__wasi_fd_write(1, (const __wasi_ciovec_t *)&wild, 0x20000000u, &used));
    CHECK(__wasi_random_get((uint8_t *)0xFFFFFFFFu, 2));
    CHECK(__wasi_fd_filestat_get(3, (__wasi_filestat_t *)0xFFFFFFF8u));
    CHECK(__wasi_args_sizes_get((__wasi_size_t *)0xFFFFFFFEu, &used));
    CHECK(__wasi_clock_time_get(0, 0, (__wasi_timestamp_t *)0xFFFFFFF9u));
    __wasi_timestamp_t cpu;
    CHECK(__wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 0, &cpu));
    CHECK(__wasi_clock_time_get(__WASI_CLOCKID_THREAD_CPUTIME_ID, 0, &cpu));
    CHECK(__wasi_clock_res_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, &cpu));
    CHECK(__wasi_clock_time_get(9, 0, &cpu));
    return 0;
}
