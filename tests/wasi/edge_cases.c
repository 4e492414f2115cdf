// Edge cases where errno values are easy to get wrong: trailing slashes, `.` and `..`, renames over
// directories, operations that make no sense on directories or on the standard streams.
#include "check.h"

static __wasi_errno_t open_close(const char *path, __wasi_lookupflags_t lookup, __wasi_oflags_t oflags,
                                 __wasi_rights_t rights, __wasi_fdflags_t fdflags) {
    __wasi_fd_t fd = 0;
    __wasi_errno_t error = __wasi_path_open(3, lookup, path, oflags, rights, rights, fdflags, &fd);
    if (!error) __wasi_fd_close(fd);
    return error;
}

int main(void) {
    unbuffered();
    const __wasi_rights_t R = __WASI_RIGHTS_FD_READ, W = __WASI_RIGHTS_FD_WRITE;
    CHECK(open_close("existing.txt", 0, 0, R, __WASI_FDFLAGS_NONBLOCK));
    CHECK(open_close("existing.txt/", 0, 0, R, 0));
    CHECK(open_close("sub/", 0, 0, R, 0));
    CHECK(open_close("newdir/", 0, __WASI_OFLAGS_CREAT, R | W, 0));
    CHECK(open_close("newfile", 0, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_DIRECTORY, R, 0));
    CHECK(open_close("sub", 0, __WASI_OFLAGS_TRUNC, R, 0));
    CHECK(open_close("inside_up/existing.txt", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, 0, R, 0));
    CHECK(open_close("inside_up/existing.txt", 0, 0, R, 0));
    CHECK(open_close("sub/./../sub/inner.txt", 0, 0, R, 0));
    CHECK(open_close(".", 0, __WASI_OFLAGS_DIRECTORY, R, 0));
    CHECK(open_close(".", 0, __WASI_OFLAGS_CREAT, R, 0));
    CHECK(open_close("sub//inner.txt", 0, 0, R, 0));
    CHECK(__wasi_path_create_directory(3, "new/"));
    CHECK(__wasi_path_create_directory(3, "sub/."));
    CHECK(__wasi_path_create_directory(3, "."));
    CHECK(__wasi_path_create_directory(3, "existing.txt"));
    CHECK(__wasi_path_create_directory(3, "d2"));
    __wasi_errno_t error;
    __wasi_fd_t fd = open_at(3, "d2/x", __WASI_OFLAGS_CREAT, W, 0, &error);
    CHECK(__wasi_fd_close(fd));
    CHECK(__wasi_path_rename(3, "new", 3, "d2"));
    CHECK(__wasi_path_rename(3, "d2", 3, "new"));
    CHECK(__wasi_path_rename(3, "existing.txt", 3, "x/"));
    CHECK(__wasi_path_rename(3, "existing.txt", 3, "sub"));
    CHECK(__wasi_path_rename(3, "sub", 3, "existing.txt"));
    CHECK(__wasi_path_rename(3, "sub", 3, "sub/deeper"));
    CHECK(__wasi_path_rename(3, "existing.txt", 3, "existing.txt"));
    CHECK(__wasi_path_symlink("target", 3, "sl/"));
    CHECK(__wasi_path_symlink("", 3, "empty_link"));
    CHECK(__wasi_path_link(3, 0, "existing.txt", 3, "sub"));
    CHECK(__wasi_path_link(3, 0, "existing.txt", 3, "newlink/"));
    CHECK(__wasi_path_link(3, 0, "rel_out", 3, "copy_of_link"));
    __wasi_filestat_t stat;
    CHECK(__wasi_path_filestat_get(3, 0, "copy_of_link", &stat));
    printf("type=%u\n", stat.filetype);
    CHECK(__wasi_path_filestat_get(3, 0, "sub/.", &stat));
    CHECK(__wasi_path_filestat_get(3, 0, "sub/..", &stat));
    CHECK(__wasi_path_filestat_get(3, 0, "existing.txt/", &stat));
    CHECK(__wasi_path_filestat_get(3, 0, "sub/", &stat));
    CHECK(__wasi_path_filestat_get(3, 0, "dir_out/", &stat));

    __wasi_ciovec_t abc = {(const uint8_t *)"abc", 3};
    char buffer[8];
    __wasi_iovec_t into = {(uint8_t *)buffer, sizeof buffer};
    __wasi_size_t moved;
    __wasi_fd_t appending = open_at(3, "appending.txt", __WASI_OFLAGS_CREAT, R | W, __WASI_FDFLAGS_APPEND, &error);
    CHECK(__wasi_fd_pwrite(appending, &abc, 1, 0, &moved));
    __wasi_fd_t readonly = open_at(3, "existing.txt", 0, R, 0, &error);
    CHECK(__wasi_fd_filestat_set_size(readonly, 1));
    CHECK(__wasi_fd_pwrite(readonly, &abc, 1, 0, &moved));
    __wasi_fd_t writeonly = open_at(3, "existing.txt", 0, W, 0, &error);
    CHECK(__wasi_fd_read(writeonly, &into, 1, &moved));
    CHECK(__wasi_fd_pread(writeonly, &into, 1, 0, &moved));
    CHECK(__wasi_fd_fdstat_set_flags(writeonly, __WASI_FDFLAGS_NONBLOCK));
    CHECK(__wasi_fd_renumber(3, 3));

    // Directories.
    __wasi_fd_t sub = open_at(3, "sub", __WASI_OFLAGS_DIRECTORY, R, 0, &error);
    CHECK(__wasi_fd_advise(sub, 0, 0, 0));
    CHECK(__wasi_fd_sync(sub));
    CHECK(__wasi_fd_datasync(sub));
    CHECK(__wasi_fd_allocate(sub, 0, 1));
    CHECK(__wasi_fd_filestat_set_times(sub, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    CHECK(__wasi_fd_filestat_set_size(sub, 0));
    CHECK(__wasi_fd_fdstat_set_flags(sub, __WASI_FDFLAGS_APPEND));
    CHECK(__wasi_fd_fdstat_set_rights(sub, 0, 0));
    CHECK(__wasi_fd_pwrite(sub, &abc, 1, 0, &moved));
    CHECK(__wasi_fd_pread(sub, &into, 1, 0, &moved));
    CHECK(__wasi_fd_write(sub, &abc, 1, &moved));
    CHECK(__wasi_fd_readdir(sub, (uint8_t *)buffer, sizeof buffer, 1000, &moved));
    printf("used=%u\n", (unsigned)moved);
    CHECK(__wasi_path_readlink(3, "rel_out", (uint8_t *)buffer, 0, &moved));
    printf("used=%u\n", (unsigned)moved);

    // The standard streams are streams, whatever the host connected them to.
    CHECK(__wasi_fd_write(0, &abc, 1, &moved));
    CHECK(__wasi_fd_read(1, &into, 1, &moved));
    CHECK(__wasi_fd_write(1, &abc, 0, &moved));
    CHECK(__wasi_fd_seek(1, 0, __WASI_WHENCE_SET, &(__wasi_filesize_t){0}));
    CHECK(__wasi_fd_tell(1, &(__wasi_filesize_t){0}));
    CHECK(__wasi_fd_pread(1, &into, 1, 0, &moved));
    CHECK(__wasi_fd_pwrite(1, &abc, 1, 0, &moved));
    CHECK(__wasi_fd_filestat_set_size(1, 0));
    CHECK(__wasi_fd_advise(1, 0, 0, 0));
    CHECK(__wasi_fd_sync(1));
    CHECK(__wasi_fd_datasync(1));
    CHECK(__wasi_fd_allocate(1, 0, 1));
    CHECK(__wasi_fd_readdir(1, (uint8_t *)buffer, sizeof buffer, 0, &moved));
    CHECK(__wasi_fd_fdstat_set_flags(1, __WASI_FDFLAGS_NONBLOCK));
    CHECK(__wasi_fd_fdstat_set_flags(0, __WASI_FDFLAGS_APPEND));
    CHECK(__wasi_fd_filestat_set_times(1, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    CHECK(__wasi_fd_filestat_get(0, &stat));
    printf("stdin filestat: type=%u dev=%llu ino=%llu size=%llu mtim=%llu\n", stat.filetype,
           (unsigned long long)stat.dev, (unsigned long long)stat.ino, (unsigned long long)stat.size,
           (unsigned long long)stat.mtim);
    __wasi_fdstat_t fdstat;
    CHECK(__wasi_fd_fdstat_get(0, &fdstat));
    printf("stdin fdstat: type=%u flags=%u\n", fdstat.fs_filetype, fdstat.fs_flags);
    CHECK(__wasi_fd_close(3));
    CHECK(open_close("existing.txt", 0, 0, R, 0));
    CHECK(__wasi_fd_close(0));
    CHECK(__wasi_fd_read(0, &into, 1, &moved));
    return 0;
}
