// Files through the raw preview1 calls: open flags, reading, writing, seeking, metadata, descriptors.
#include "check.h"

static void show_stat(__wasi_fd_t fd) {
    __wasi_filestat_t stat;
    __wasi_errno_t error = __wasi_fd_filestat_get(fd, &stat);
    printf("filestat -> %d type=%u size=%llu nlink=%llu\n", error, stat.filetype, (unsigned long long)stat.size,
           (unsigned long long)stat.nlink);
}

int main(void) {
    unbuffered();
    __wasi_errno_t error;
    __wasi_fd_t fd = open_at(3, "new.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL,
                             __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK, 0, &error);
    printf("create -> %d\n", error);
    open_at(3, "new.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, __WASI_RIGHTS_FD_READ, 0, &error);
    printf("create again (excl) -> %d\n", error);
    CHECK(write_string(fd, "hello, world\n"));
    __wasi_filesize_t position;
    CHECK(__wasi_fd_tell(fd, &position));
    printf("position=%llu\n", (unsigned long long)position);
    CHECK(__wasi_fd_seek(fd, 7, __WASI_WHENCE_SET, &position));
    char buffer[64] = {0};
    __wasi_iovec_t vectors[2] = {{(uint8_t *)buffer, 3}, {(uint8_t *)buffer + 10, 4}};
    __wasi_size_t moved;
    CHECK(__wasi_fd_read(fd, vectors, 2, &moved));
    printf("read %u: [%.3s][%.4s]\n", (unsigned)moved, buffer, buffer + 10);
    CHECK(__wasi_fd_seek(fd, -2, __WASI_WHENCE_END, &position));
    printf("position=%llu\n", (unsigned long long)position);
    CHECK(__wasi_fd_seek(fd, -100, __WASI_WHENCE_CUR, &position));
    CHECK(__wasi_fd_read(fd, vectors, 1, &moved));
    printf("read at end region %u\n", (unsigned)moved);

    __wasi_ciovec_t patch = {(const uint8_t *)"HELLO", 5};
    CHECK(__wasi_fd_pwrite(fd, &patch, 1, 0, &moved));
    memset(buffer, 0, sizeof buffer);
    __wasi_iovec_t whole = {(uint8_t *)buffer, sizeof buffer - 1};
    CHECK(__wasi_fd_pread(fd, &whole, 1, 0, &moved));
    printf("pread %u: %s", (unsigned)moved, buffer);
    CHECK(__wasi_fd_pread(fd, &whole, 1, 1000, &moved));
    printf("pread past end %u\n", (unsigned)moved);
    CHECK(__wasi_fd_tell(fd, &position));
    printf("position unchanged=%llu\n", (unsigned long long)position);

    show_stat(fd);
    CHECK(__wasi_fd_filestat_set_size(fd, 5));
    show_stat(fd);
    CHECK(__wasi_fd_filestat_set_size(fd, 100000));
    show_stat(fd);
    CHECK(__wasi_fd_filestat_set_times(fd, 1000000000ull * 1000000000ull, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM_NOW));
    __wasi_filestat_t stat;
    CHECK(__wasi_fd_filestat_get(fd, &stat));
    printf("atim=%llu\n", (unsigned long long)stat.atim);
    CHECK(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW));
    CHECK(__wasi_path_filestat_set_times(3, 0, "new.txt", 0, 5000000000ull, __WASI_FSTFLAGS_MTIM));
    CHECK(__wasi_path_filestat_get(3, 0, "new.txt", &stat));
    printf("mtim=%llu size=%llu type=%u\n", (unsigned long long)stat.mtim, (unsigned long long)stat.size, stat.filetype);
    CHECK(__wasi_path_filestat_get(3, 0, "missing", &stat));

    __wasi_fdstat_t fdstat;
    CHECK(__wasi_fd_fdstat_get(fd, &fdstat));
    printf("type=%u flags=%u rights=%llx/%llx\n", fdstat.fs_filetype, fdstat.fs_flags,
           (unsigned long long)fdstat.fs_rights_base, (unsigned long long)fdstat.fs_rights_inheriting);
    CHECK(__wasi_fd_fdstat_get(3, &fdstat));
    printf("preopen type=%u rights=%llx/%llx\n", fdstat.fs_filetype, (unsigned long long)fdstat.fs_rights_base,
           (unsigned long long)fdstat.fs_rights_inheriting);
    CHECK(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
    CHECK(__wasi_fd_fdstat_get(fd, &fdstat));
    printf("flags=%u\n", fdstat.fs_flags);
    CHECK(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_SYNC));
    CHECK(__wasi_fd_fdstat_set_flags(fd, 0));
    CHECK(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ, 0));
    CHECK(__wasi_fd_advise(fd, 0, 100, __WASI_ADVICE_SEQUENTIAL));
    CHECK(__wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_DONTNEED));
    CHECK(__wasi_fd_allocate(fd, 0, 4096));
    CHECK(__wasi_fd_datasync(fd));
    CHECK(__wasi_fd_sync(fd));

    // Append mode: writes land at the end whatever the position.
    __wasi_fd_t appending = open_at(3, "log.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_READ,
                                    __WASI_FDFLAGS_APPEND, &error);
    printf("open append -> %d\n", error);
    CHECK(write_string(appending, "one\n"));
    CHECK(__wasi_fd_seek(appending, 0, __WASI_WHENCE_SET, &position));
    CHECK(write_string(appending, "two\n"));
    CHECK(__wasi_fd_fdstat_get(appending, &fdstat));
    printf("append flags=%u\n", fdstat.fs_flags);
    CHECK(__wasi_fd_close(appending));

    // Truncation, read-only opens, directories opened as files.
    __wasi_fd_t truncated = open_at(3, "log.txt", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_WRITE, 0, &error);
    printf("open trunc -> %d\n", error);
    show_stat(truncated);
    __wasi_fd_t readonly = open_at(3, "new.txt", 0, __WASI_RIGHTS_FD_READ, 0, &error);
    printf("open read-only -> %d\n", error);
    CHECK(write_string(readonly, "nope"));
    open_at(3, "missing.txt", 0, __WASI_RIGHTS_FD_READ, 0, &error);
    printf("open missing -> %d\n", error);
    open_at(3, "new.txt", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READ, 0, &error);
    printf("open file as directory -> %d\n", error);
    open_at(3, "sub", 0, __WASI_RIGHTS_FD_WRITE, 0, &error);
    printf("open directory for writing -> %d\n", error);
    __wasi_fd_t directory = open_at(3, "sub", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, &error);
    printf("open directory -> %d\n", error);
    CHECK(__wasi_fd_fdstat_get(directory, &fdstat));
    printf("directory type=%u rights=%llx/%llx\n", fdstat.fs_filetype, (unsigned long long)fdstat.fs_rights_base,
           (unsigned long long)fdstat.fs_rights_inheriting);
    CHECK(__wasi_fd_read(directory, &whole, 1, &moved));
    CHECK(__wasi_fd_seek(directory, 0, __WASI_WHENCE_SET, &position));
    CHECK(__wasi_fd_tell(directory, &position));
    CHECK(__wasi_path_open(fd, 0, "x", 0, 0, 0, 0, &directory));
    __wasi_fd_t nested = open_at(directory, "inner.txt", 0, __WASI_RIGHTS_FD_READ, 0, &error);
    printf("open beneath opened directory -> %d\n", error);
    memset(buffer, 0, sizeof buffer);
    CHECK(__wasi_fd_read(nested, &whole, 1, &moved));
    printf("inner: %s", buffer);

    // Renumbering replaces the target descriptor; closed descriptors are EBADF.
    CHECK(__wasi_fd_renumber(nested, readonly));
    memset(buffer, 0, sizeof buffer);
    CHECK(__wasi_fd_pread(readonly, &whole, 1, 0, &moved));
    printf("after renumber: %s", buffer);
    CHECK(__wasi_fd_read(nested, &whole, 1, &moved));
    CHECK(__wasi_fd_renumber(readonly, 4000));
    CHECK(__wasi_fd_close(readonly));
    CHECK(__wasi_fd_close(readonly));
    CHECK(__wasi_fd_filestat_get(readonly, &stat));

    // Readiness of a regular file.
    __wasi_subscription_t subscription = {0};
    subscription.userdata = 9;
    subscription.u.tag = __WASI_EVENTTYPE_FD_READ;
    subscription.u.u.fd_read.file_descriptor = fd;
    __wasi_event_t event;
    __wasi_size_t count;
    CHECK(__wasi_poll_oneoff(&subscription, &event, 1, &count));
    printf("ready=%u userdata=%llu error=%u type=%u\n", (unsigned)count, (unsigned long long)event.userdata, event.error,
           event.type);
    subscription.u.tag = __WASI_EVENTTYPE_FD_WRITE;
    CHECK(__wasi_poll_oneoff(&subscription, &event, 1, &count));
    printf("ready=%u type=%u\n", (unsigned)count, event.type);
    CHECK(__wasi_fd_close(fd));
    return 0;
}
