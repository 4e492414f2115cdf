// Shared by the WASI test programs: each check prints the call and its result, so a run under swiftlet and
// one under wasmtime can be compared line by line.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

#define CHECK(call) printf("%s -> %d\n", #call, (int)(call))
#define EXPECT(condition) printf("%s: %s\n", #condition, (condition) ? "yes" : "NO")

// proc_raise is deprecated and left out of wasi-libc's header; declare the import ourselves.
int32_t raw_proc_raise(int32_t signal)
    __attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")));

// path_open without wasi-libc's strlen, to hand the host a wild path pointer.
int32_t raw_path_open(int32_t fd, int32_t lookup, int32_t path, int32_t path_length, int32_t oflags, int64_t rights,
                      int64_t inheriting, int32_t fdflags, int32_t result)
    __attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open")));

static void unbuffered(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
}

static __wasi_fd_t open_at(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags, __wasi_rights_t rights,
                           __wasi_fdflags_t fdflags, __wasi_errno_t *error) {
    __wasi_fd_t fd = (__wasi_fd_t)-1;
    *error = __wasi_path_open(dir, 0, path, oflags, rights, rights, fdflags, &fd);
    return fd;
}

static __wasi_errno_t write_string(__wasi_fd_t fd, const char *text) {
    __wasi_ciovec_t vector = {(const uint8_t *)text, strlen(text)};
    __wasi_size_t written;
    return __wasi_fd_write(fd, &vector, 1, &written);
}
