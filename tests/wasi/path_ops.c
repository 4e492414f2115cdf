// Applies the operations read from stdin, one a line: `mkdir P`, `rmdir P`, `unlink P`, `create P`,
// `trunc P`, `rename P Q`, `link P Q`, `symlink TARGET P`, `readlink P`. Prints each errno, to be compared
// with wasmtime, as is the tree left behind.
#include "check.h"

int main(void) {
    char line[512];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        char operation[16] = {0}, first[240] = {0}, second[240] = {0};
        // Empty path components are written as `~` (sscanf cannot read empty words).
        sscanf(line, "%15s %239s %239s", operation, first, second);
        for (char *c = first; *c; c++) if (*c == '~') *c = 0;
        for (char *c = second; *c; c++) if (*c == '~') *c = 0;
        __wasi_errno_t error = 0;
        __wasi_fd_t fd;
        if (!strcmp(operation, "mkdir")) error = __wasi_path_create_directory(3, first);
        else if (!strcmp(operation, "rmdir")) error = __wasi_path_remove_directory(3, first);
        else if (!strcmp(operation, "unlink")) error = __wasi_path_unlink_file(3, first);
        else if (!strcmp(operation, "rename")) error = __wasi_path_rename(3, first, 3, second);
        else if (!strcmp(operation, "link")) error = __wasi_path_link(3, 0, first, 3, second);
        else if (!strcmp(operation, "symlink")) error = __wasi_path_symlink(first, 3, second);
        else if (!strcmp(operation, "create") || !strcmp(operation, "trunc")) {
            __wasi_oflags_t oflags = operation[0] == 'c' ? __WASI_OFLAGS_CREAT : __WASI_OFLAGS_TRUNC;
            error = __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, first, oflags, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
            if (!error) {
                write_string(fd, "written\n");
                __wasi_fd_close(fd);
            }
        } else if (!strcmp(operation, "readlink")) {
            char target[64] = {0};
            __wasi_size_t used = 0;
            error = __wasi_path_readlink(3, first, (uint8_t *)target, sizeof target - 1, &used);
            if (!error) printf("(%s) ", target);
        }
        printf("%s -> %d\n", line, error);
    }
    return 0;
}
