// Resolves every path read from stdin (one a line) three ways: lstat, stat, and open for reading. Errnos go to
// stdout, to be compared with wasmtime; the inode reached by each success goes to stderr, where the harness
// checks it lies inside the sandbox.
#include "check.h"

static void report_inode(__wasi_fd_t fd) {
    __wasi_filestat_t stat;
    if (__wasi_fd_filestat_get(fd, &stat) == 0) fprintf(stderr, "%llu\n", (unsigned long long)stat.ino);
}

int main(void) {
    char line[512];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        __wasi_filestat_t stat;
        for (__wasi_lookupflags_t follow = 0; follow < 2; follow++) {
            __wasi_errno_t error = __wasi_path_filestat_get(3, follow, line, &stat);
            printf("[%s] stat follow=%u -> %d", line, follow, error);
            if (!error) {
                printf(" type=%u", stat.filetype);
                fprintf(stderr, "%llu\n", (unsigned long long)stat.ino);
            }
            printf("\n");
        }
        __wasi_fd_t fd;
        __wasi_errno_t error = __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, line, 0, __WASI_RIGHTS_FD_READ,
                                                __WASI_RIGHTS_FD_READ, 0, &fd);
        printf("[%s] open -> %d\n", line, error);
        if (!error) {
            report_inode(fd);
            __wasi_fd_close(fd);
        }
    }
    fflush(stdout);
    return 0;
}
