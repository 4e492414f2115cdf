// Attempts to leave the preopened directory. The harness prepared, beside the sandbox, a directory `outside`
// holding `secret.txt`, and inside the sandbox links that lead out (see WASIConformanceTests).
#include "check.h"

static void try_open(const char *path, __wasi_lookupflags_t lookup, __wasi_oflags_t oflags, __wasi_rights_t rights) {
    __wasi_fd_t fd = (__wasi_fd_t)-1;
    __wasi_errno_t error = __wasi_path_open(3, lookup, path, oflags, rights, rights, 0, &fd);
    printf("open %s (follow=%u oflags=%u) -> %d", path, lookup, oflags, error);
    if (error == 0) {
        char buffer[32] = {0};
        __wasi_iovec_t vector = {(uint8_t *)buffer, sizeof buffer - 1};
        __wasi_size_t used = 0;
        __wasi_fd_read(fd, &vector, 1, &used);
        printf(" read [%s]", buffer);
        __wasi_fd_close(fd);
    }
    printf("\n");
}

int main(void) {
    unbuffered();
    const __wasi_rights_t read = __WASI_RIGHTS_FD_READ;
    const __wasi_rights_t write = __WASI_RIGHTS_FD_WRITE;
    const __wasi_lookupflags_t follow = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;
    try_open("existing.txt", 0, 0, read);
    try_open("/etc/passwd", 0, 0, read);
    try_open("/", 0, __WASI_OFLAGS_DIRECTORY, read);
    try_open("..", 0, __WASI_OFLAGS_DIRECTORY, read);
    try_open("../outside/secret.txt", 0, 0, read);
    try_open("sub/../../outside/secret.txt", 0, 0, read);
    try_open("sub/../existing.txt", 0, 0, read);
    try_open("./sub/./inner.txt", 0, 0, read);
    try_open("rel_out", follow, 0, read);
    try_open("rel_out", 0, 0, read);
    try_open("abs_link", follow, 0, read);
    try_open("abs_link", 0, 0, read);
    try_open("dir_out/secret.txt", 0, 0, read);
    try_open("dir_out/secret.txt", follow, 0, read);
    try_open("abs_dir/secret.txt", 0, 0, read);
    try_open("sub/up_out/secret.txt", 0, 0, read);
    try_open("inside_up/existing.txt", 0, 0, read);
    try_open("dangling_out", follow, __WASI_OFLAGS_CREAT, write);
    try_open("dangling_out", 0, __WASI_OFLAGS_CREAT, write);
    try_open("dir_out/created.txt", 0, __WASI_OFLAGS_CREAT, write);
    try_open("rel_out", follow, __WASI_OFLAGS_TRUNC, write);

    __wasi_filestat_t stat;
    CHECK(__wasi_path_filestat_get(3, follow, "rel_out", &stat));
    CHECK(__wasi_path_filestat_get(3, 0, "rel_out", &stat));
    CHECK(__wasi_path_filestat_get(3, 0, "dir_out/secret.txt", &stat));
    CHECK(__wasi_path_filestat_get(3, 0, "..", &stat));
    CHECK(__wasi_path_filestat_set_times(3, follow, "rel_out", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    CHECK(__wasi_path_create_directory(3, "../made"));
    CHECK(__wasi_path_create_directory(3, "dir_out/made"));
    CHECK(__wasi_path_create_directory(3, "/tmp/made"));
    CHECK(__wasi_path_unlink_file(3, "dir_out/secret.txt"));
    CHECK(__wasi_path_unlink_file(3, "../outside/secret.txt"));
    CHECK(__wasi_path_remove_directory(3, "dir_out"));
    CHECK(__wasi_path_remove_directory(3, ".."));
    CHECK(__wasi_path_rename(3, "existing.txt", 3, "../moved.txt"));
    CHECK(__wasi_path_rename(3, "existing.txt", 3, "dir_out/moved.txt"));
    CHECK(__wasi_path_rename(3, "dir_out/secret.txt", 3, "stolen.txt"));
    CHECK(__wasi_path_rename(3, "sub", 3, "dir_out/sub"));
    CHECK(__wasi_path_link(3, 0, "existing.txt", 3, "dir_out/linked.txt"));
    CHECK(__wasi_path_link(3, 0, "dir_out/secret.txt", 3, "linked.txt"));
    CHECK(__wasi_path_link(3, 0, "../outside/secret.txt", 3, "linked.txt"));
    CHECK(__wasi_path_link(3, follow, "rel_out", 3, "linked.txt"));
    CHECK(__wasi_path_symlink("/etc/passwd", 3, "new_abs"));
    CHECK(__wasi_path_symlink("../outside", 3, "new_rel"));
    try_open("new_rel/secret.txt", 0, 0, read);
    CHECK(__wasi_path_symlink("x", 3, "dir_out/new_link"));
    char buffer[64];
    __wasi_size_t used;
    CHECK(__wasi_path_readlink(3, "dir_out/../outside", (uint8_t *)buffer, sizeof buffer, &used));
    CHECK(__wasi_path_readlink(3, "rel_out", (uint8_t *)buffer, sizeof buffer, &used));
    printf("rel_out -> %.*s\n", (int)used, buffer);

    // A directory descriptor opened beneath the preopen confines just the same.
    __wasi_fd_t sub = (__wasi_fd_t)-1;
    CHECK(__wasi_path_open(3, 0, "sub", __WASI_OFLAGS_DIRECTORY, read, read, 0, &sub));
    __wasi_fd_t fd;
    CHECK(__wasi_path_open(sub, 0, "..", __WASI_OFLAGS_DIRECTORY, read, read, 0, &fd));
    CHECK(__wasi_path_open(sub, 0, "../existing.txt", 0, read, read, 0, &fd));
    CHECK(__wasi_path_open(sub, 0, "inner.txt", 0, read, read, 0, &fd));

    return 0;
}
