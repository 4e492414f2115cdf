// Directories, links and names: listing with cookies, creating, renaming, linking, removing.
#include "check.h"

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

// Lists `fd` with fd_readdir, `buffer_size` bytes a call (small sizes force cut-off entries and cookies).
static void list(__wasi_fd_t fd, size_t buffer_size) {
    static uint8_t buffer[4096];
    char *names[64];
    int count = 0;
    __wasi_dircookie_t cookie = 0;
    for (;;) {
        __wasi_size_t used = 0;
        __wasi_errno_t error = __wasi_fd_readdir(fd, buffer, buffer_size, cookie, &used);
        if (error) {
            printf("readdir -> %d\n", error);
            return;
        }
        size_t offset = 0;
        int progressed = 0;
        while (offset + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t entry;
            memcpy(&entry, buffer + offset, sizeof entry);
            if (offset + sizeof entry + entry.d_namlen > used) break;
            char *name = malloc(entry.d_namlen + 8);
            memcpy(name, buffer + offset + sizeof entry, entry.d_namlen);
            sprintf(name + entry.d_namlen, " (%u)", entry.d_type);
            if (count < 64) names[count++] = name;
            cookie = entry.d_next;
            offset += sizeof entry + entry.d_namlen;
            progressed = 1;
        }
        if (used < buffer_size) break;
        if (!progressed) {
            printf("buffer of %zu too small for an entry\n", buffer_size);
            return;
        }
    }
    qsort(names, count, sizeof names[0], compare);
    printf("listing (%zu-byte buffer):", buffer_size);
    for (int i = 0; i < count; i++) printf(" %s", names[i]);
    printf("\n");
}

int main(void) {
    unbuffered();
    __wasi_prestat_t prestat;
    CHECK(__wasi_fd_prestat_get(3, &prestat));
    printf("tag=%u name_len=%u\n", prestat.tag, (unsigned)prestat.u.dir.pr_name_len);
    char name[256] = {0};
    CHECK(__wasi_fd_prestat_dir_name(3, (uint8_t *)name, prestat.u.dir.pr_name_len));
    printf("preopen name=%s\n", name);
    CHECK(__wasi_fd_prestat_dir_name(3, (uint8_t *)name, 1));
    CHECK(__wasi_fd_prestat_get(4, &prestat));

    CHECK(__wasi_path_create_directory(3, "made"));
    CHECK(__wasi_path_create_directory(3, "made"));
    CHECK(__wasi_path_create_directory(3, "made/deeper"));
    CHECK(__wasi_path_create_directory(3, "nothere/deeper"));
    CHECK(__wasi_path_create_directory(3, "existing.txt/deeper"));
    __wasi_errno_t error;
    __wasi_fd_t file = open_at(3, "made/deeper/file.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, &error);
    printf("create nested file -> %d\n", error);
    CHECK(write_string(file, "nested\n"));
    CHECK(__wasi_fd_close(file));

    list(3, 4096);
    list(3, 40);
    list(3, 24);
    __wasi_fd_t made = open_at(3, "made/deeper/../deeper/.", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, &error);
    printf("open made/deeper via .. -> %d\n", error);
    list(made, 4096);
    CHECK(__wasi_fd_readdir(made, (uint8_t *)name, 0, 0, &(__wasi_size_t){0}));
    __wasi_fd_t notdir = open_at(3, "existing.txt", 0, __WASI_RIGHTS_FD_READ, 0, &error);
    CHECK(__wasi_fd_readdir(notdir, (uint8_t *)name, sizeof name, 0, &(__wasi_size_t){0}));

    // Renames within the tree, over files and into directories.
    CHECK(__wasi_path_rename(3, "made/deeper/file.txt", 3, "renamed.txt"));
    CHECK(__wasi_path_rename(3, "renamed.txt", made, "back.txt"));
    CHECK(__wasi_path_rename(3, "missing", 3, "other"));
    CHECK(__wasi_path_rename(3, "made", 3, "existing.txt"));
    CHECK(__wasi_path_rename(3, "existing.txt", 3, "made"));

    // Hard links.
    CHECK(__wasi_path_link(3, 0, "existing.txt", 3, "hard.txt"));
    __wasi_filestat_t stat;
    CHECK(__wasi_path_filestat_get(3, 0, "hard.txt", &stat));
    printf("nlink=%llu size=%llu\n", (unsigned long long)stat.nlink, (unsigned long long)stat.size);
    CHECK(__wasi_path_link(3, 0, "existing.txt", 3, "hard.txt"));
    CHECK(__wasi_path_link(3, 0, "made", 3, "dirlink"));

    // Symbolic links: reading, following, not following.
    CHECK(__wasi_path_symlink("existing.txt", 3, "soft"));
    CHECK(__wasi_path_symlink("made/deeper", 3, "softdir"));
    CHECK(__wasi_path_symlink("nowhere", 3, "dangling"));
    CHECK(__wasi_path_symlink("x", 3, "soft"));
    char target[64] = {0};
    __wasi_size_t used;
    CHECK(__wasi_path_readlink(3, "soft", (uint8_t *)target, sizeof target, &used));
    printf("soft -> %.*s (%u)\n", (int)used, target, (unsigned)used);
    CHECK(__wasi_path_readlink(3, "soft", (uint8_t *)target, 3, &used));
    printf("truncated: %.*s (%u)\n", (int)used, target, (unsigned)used);
    CHECK(__wasi_path_readlink(3, "existing.txt", (uint8_t *)target, sizeof target, &used));
    CHECK(__wasi_path_filestat_get(3, 0, "soft", &stat));
    printf("soft nofollow type=%u\n", stat.filetype);
    CHECK(__wasi_path_filestat_get(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "soft", &stat));
    printf("soft follow type=%u size=%llu\n", stat.filetype, (unsigned long long)stat.size);
    CHECK(__wasi_path_filestat_get(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "dangling", &stat));
    __wasi_fd_t through = (__wasi_fd_t)-1;
    CHECK(__wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "softdir/back.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &through));
    memset(target, 0, sizeof target);
    __wasi_iovec_t vector = {(uint8_t *)target, sizeof target - 1};
    CHECK(__wasi_fd_read(through, &vector, 1, &used));
    printf("through softdir: %s", target);
    CHECK(__wasi_path_open(3, 0, "soft", 0, __WASI_RIGHTS_FD_READ, 0, 0, &through));
    CHECK(__wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "soft", 0, __WASI_RIGHTS_FD_READ, 0, 0, &through));
    CHECK(__wasi_path_open(3, 0, "softdir/", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, 0, &through));
    list(through, 4096);
    CHECK(__wasi_path_symlink("loop2", 3, "loop1"));
    CHECK(__wasi_path_symlink("loop1", 3, "loop2"));
    CHECK(__wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "loop1", 0, __WASI_RIGHTS_FD_READ, 0, 0, &through));
    CHECK(__wasi_path_open(3, 0, "loop1/x", 0, __WASI_RIGHTS_FD_READ, 0, 0, &through));

    // Removal.
    CHECK(__wasi_path_unlink_file(3, "soft"));
    CHECK(__wasi_path_unlink_file(3, "soft"));
    CHECK(__wasi_path_unlink_file(3, "made"));
    CHECK(__wasi_path_unlink_file(3, "hard.txt/"));
    CHECK(__wasi_path_remove_directory(3, "made"));
    CHECK(__wasi_path_remove_directory(3, "existing.txt"));
    CHECK(__wasi_path_unlink_file(3, "made/deeper/back.txt"));
    CHECK(__wasi_path_remove_directory(3, "made/deeper"));
    CHECK(__wasi_path_remove_directory(3, "made"));
    CHECK(__wasi_path_remove_directory(3, "made"));
    CHECK(__wasi_path_unlink_file(3, ""));
    list(3, 4096);
    return 0;
}
