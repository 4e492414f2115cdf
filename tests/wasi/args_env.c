// argv, environ, stdio and exit status.
#include "check.h"
#include <unistd.h>

int main(int argc, char **argv) {
    unbuffered();
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    __wasi_size_t count, size;
    CHECK(__wasi_environ_sizes_get(&count, &size));
    printf("environ count=%u size=%u\n", (unsigned)count, (unsigned)size);
    printf("GREETING=%s\n", getenv("GREETING") ? getenv("GREETING") : "(unset)");
    printf("EMPTY=[%s]\n", getenv("EMPTY") ? getenv("EMPTY") : "(unset)");
    printf("PATH is %s\n", getenv("PATH") ? "set" : "unset");
    CHECK(__wasi_args_sizes_get(&count, &size));
    printf("args count=%u\n", (unsigned)count);
    char line[64] = {0};
    ssize_t got = read(0, line, sizeof line - 1);
    printf("stdin: %zd [%s]\n", got, line);
    fprintf(stderr, "to stderr\n");
    CHECK(write_string(1, "raw stdout\n"));
    CHECK(write_string(2, "raw stderr\n"));
    __wasi_fdstat_t stat;
    CHECK(__wasi_fd_fdstat_get(1, &stat));
    printf("stdout rights %llx\n", (unsigned long long)stat.fs_rights_base);
    CHECK(__wasi_fd_fdstat_get(0, &stat));
    printf("stdin rights %llx\n", (unsigned long long)stat.fs_rights_base);
    __wasi_prestat_t prestat;
    CHECK(__wasi_fd_prestat_get(1, &prestat));
    CHECK(__wasi_fd_prestat_get(99, &prestat));
    CHECK(__wasi_fd_close(99));
    return argc > 2 ? atoi(argv[2]) : 0;
}
