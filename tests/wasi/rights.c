// Rights, one by one: for each of preview1's 30 rights, the calls that need it, on a descriptor opened with every
// right, with every right but that one, and with that one alone; what fd_fdstat_get reports for each; the open mode
// the rights asked for choose; what is inherited from a directory; what fd_fdstat_set_rights does; what a path call
// through something other than a directory does. Each line is compared with wasmtime's.
//
// wasmtime 51 keeps no rights: the rights asked for at path_open choose the open mode, and a call fails only where
// the open mode or the kind of descriptor forbids it (never with ENOTCAPABLE), so many "all but it" lines succeed.
// The comparison pins that down, right by right.
//
// Arguments name the sections to run (a right's name, or reported, open_modes, inheritance, set_rights,
// directory_descriptors); without any, every section runs.
#include "check.h"

#define ALL_RIGHTS ((__wasi_rights_t)0x3FFFFFFF)
// Every right but fd_write, which a directory is never opened with.
#define DIRECTORY_RIGHTS (ALL_RIGHTS & ~__WASI_RIGHTS_FD_WRITE)

static const char *const right_names[30] = {
    "fd_datasync", "fd_read", "fd_seek", "fd_fdstat_set_flags", "fd_sync", "fd_tell", "fd_write", "fd_advise",
    "fd_allocate", "path_create_directory", "path_create_file", "path_link_source", "path_link_target", "path_open",
    "fd_readdir", "path_readlink", "path_rename_source", "path_rename_target", "path_filestat_get",
    "path_filestat_set_size", "path_filestat_set_times", "fd_filestat_get", "fd_filestat_set_size",
    "fd_filestat_set_times", "path_symlink", "path_remove_directory", "path_unlink_file", "poll_fd_readwrite",
    "sock_shutdown", "sock_accept",
};

static void show_fdstat(const char *label, __wasi_fd_t fd) {
    __wasi_fdstat_t stat;
    __wasi_errno_t error = __wasi_fd_fdstat_get(fd, &stat);
    if (error != 0) {
        printf("  %s: fdstat -> %d\n", label, error);
        return;
    }
    printf("  %s: type=%u flags=%u base=%llx inheriting=%llx\n", label, stat.fs_filetype, stat.fs_flags,
           (unsigned long long)stat.fs_rights_base, (unsigned long long)stat.fs_rights_inheriting);
}

static __wasi_fd_t open_with(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags, __wasi_rights_t base,
                             __wasi_rights_t inheriting, __wasi_fdflags_t fdflags, const char *label) {
    __wasi_fd_t fd = (__wasi_fd_t)-1;
    __wasi_errno_t error = __wasi_path_open(dir, 0, path, oflags, base, inheriting, fdflags, &fd);
    printf("  open %s -> %d\n", label, error);
    if (error != 0) return (__wasi_fd_t)-1;
    show_fdstat(label, fd);
    return fd;
}

// A file call that needs `right`; returns its errno (and prints what it returned, where that is deterministic).
static __wasi_errno_t file_call(int right, __wasi_fd_t fd) {
    char buffer[16] = {0};
    __wasi_iovec_t into = {(uint8_t *)buffer, 4};
    __wasi_ciovec_t from = {(const uint8_t *)"w", 1};
    __wasi_size_t count = 0;
    __wasi_filesize_t position = 0;
    __wasi_filestat_t filestat;
    __wasi_errno_t error;
    switch (right) {
    case 0: return __wasi_fd_datasync(fd);
    case 1: {
        // fd_pread needs fd_seek too; sock_recv is fd_read's on a socket. Empty buffers show which check comes
        // first.
        __wasi_iovec_t empty = {(uint8_t *)buffer, 0};
        __wasi_roflags_t roflags;
        printf("    fd_read of nothing -> %d\n", __wasi_fd_read(fd, &empty, 1, &count));
        printf("    fd_pread of nothing -> %d\n", __wasi_fd_pread(fd, &empty, 1, 0, &count));
        printf("    sock_recv -> %d\n", __wasi_sock_recv(fd, &into, 1, 0, &count, &roflags));
        error = __wasi_fd_pread(fd, &into, 1, 5, &count);
        printf("    fd_pread -> %d\n", error);
        if (error == 0) printf("    read %u [%.*s]\n", (unsigned)count, (int)count, buffer);
        error = __wasi_fd_read(fd, &into, 1, &count);
        if (error == 0) printf("    read %u [%.*s]\n", (unsigned)count, (int)count, buffer);
        return error;
    }
    case 2:
        error = __wasi_fd_seek(fd, 2, __WASI_WHENCE_SET, &position);
        if (error == 0) printf("    position %llu\n", (unsigned long long)position);
        return error;
    case 3: return __wasi_fd_fdstat_set_flags(fd, 0);
    case 4: return __wasi_fd_sync(fd);
    case 5:
        error = __wasi_fd_tell(fd, &position);
        if (error == 0) printf("    position %llu\n", (unsigned long long)position);
        return error;
    case 6: {
        // fd_pwrite needs fd_seek too; sock_send is fd_write's on a socket.
        __wasi_ciovec_t empty = {(const uint8_t *)"", 0};
        printf("    fd_write of nothing -> %d\n", __wasi_fd_write(fd, &empty, 1, &count));
        printf("    fd_pwrite of nothing -> %d\n", __wasi_fd_pwrite(fd, &empty, 1, 0, &count));
        printf("    sock_send -> %d\n", __wasi_sock_send(fd, &from, 1, 0, &count));
        if (fd > 2) printf("    fd_pwrite -> %d\n", __wasi_fd_pwrite(fd, &from, 1, 3, &count));
        error = __wasi_fd_write(fd, &from, 1, &count);
        if (error == 0) printf("    wrote %u\n", (unsigned)count);
        return error;
    }
    case 7: return __wasi_fd_advise(fd, 0, 4, __WASI_ADVICE_NORMAL);
    case 8: return __wasi_fd_allocate(fd, 0, 4);
    case 21:
        error = __wasi_fd_filestat_get(fd, &filestat);
        if (error == 0) printf("    type=%u size=%llu\n", filestat.filetype, (unsigned long long)filestat.size);
        return error;
    case 22: return __wasi_fd_filestat_set_size(fd, 6);
    case 23: return __wasi_fd_filestat_set_times(fd, 0, 7000000000ull, __WASI_FSTFLAGS_MTIM);
    case 27:
        // One subscription a call: with both, which of a file's two ready events wasmtime reports varies.
        for (int type = __WASI_EVENTTYPE_FD_READ; type <= __WASI_EVENTTYPE_FD_WRITE; type++) {
            __wasi_subscription_t subscription;
            memset(&subscription, 0, sizeof subscription);
            subscription.userdata = (uint64_t)type;
            subscription.u.tag = (uint8_t)type;
            subscription.u.u.fd_read.file_descriptor = fd;
            __wasi_event_t event;
            memset(&event, 0, sizeof event);
            error = __wasi_poll_oneoff(&subscription, &event, 1, &count);
            printf("    poll_oneoff for %s -> %d\n", type == __WASI_EVENTTYPE_FD_READ ? "reading" : "writing", error);
            if (error == 0) {
                printf("    %u event: %llu type=%u error=%u\n", (unsigned)count, (unsigned long long)event.userdata,
                       event.type, event.error);
            }
        }
        return 0;
    case 28: return __wasi_sock_shutdown(fd, __WASI_SDFLAGS_WR);
    case 29: {
        __wasi_fd_t accepted;
        return __wasi_sock_accept(fd, 0, &accepted);
    }
    }
    return 0;
}

// Puts rights/d back as every directory call expects to find it: a file `f` with known contents, a link `lnk`
// to it, and nothing else.
static void reset_directory(void) {
    (void)__wasi_path_unlink_file(3, "rights/d/f");
    __wasi_errno_t error;
    __wasi_fd_t file = open_at(3, "rights/d/f", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_WRITE, 0,
                               &error);
    if (error == 0) {
        write_string(file, "directory file\n");
        (void)__wasi_fd_close(file);
    }
    const char *leftovers[] = {"rights/d/newfile", "rights/d/linked", "rights/d/sym", "rights/d/f2",
                               "rights/linked", "rights/moved", "rights/d/unl"};
    for (unsigned index = 0; index < sizeof leftovers / sizeof *leftovers; index++) {
        (void)__wasi_path_unlink_file(3, leftovers[index]);
    }
    (void)__wasi_path_remove_directory(3, "rights/d/newdir");
    (void)__wasi_path_remove_directory(3, "rights/d/rmme");
}

// A call through directory `dir` that needs `right`.
static __wasi_errno_t directory_call(int right, __wasi_fd_t dir) {
    char buffer[256];
    __wasi_size_t count = 0;
    __wasi_filestat_t filestat;
    __wasi_fd_t fd;
    __wasi_errno_t error;
    switch (right) {
    case 9: return __wasi_path_create_directory(dir, "newdir");
    case 10:
        error = __wasi_path_open(dir, 0, "newfile", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
        if (error == 0) (void)__wasi_fd_close(fd);
        return error;
    case 11: return __wasi_path_link(dir, 0, "f", 3, "rights/linked");
    case 12: return __wasi_path_link(3, 0, "rights/d/f", dir, "linked");
    case 13:
        error = __wasi_path_open(dir, 0, "f", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
        if (error == 0) {
            show_fdstat("opened beneath", fd);
            (void)__wasi_fd_close(fd);
        }
        return error;
    case 14:
        error = __wasi_fd_readdir(dir, (uint8_t *)buffer, sizeof buffer, 0, &count);
        if (error == 0) printf("    listed something: %s\n", count > 0 ? "yes" : "no");
        return error;
    case 15:
        error = __wasi_path_readlink(dir, "lnk", (uint8_t *)buffer, sizeof buffer, &count);
        if (error == 0) printf("    link [%.*s]\n", (int)count, buffer);
        return error;
    case 16: return __wasi_path_rename(dir, "f", 3, "rights/moved");
    case 17: return __wasi_path_rename(3, "rights/d/f", dir, "f2");
    case 18:
        error = __wasi_path_filestat_get(dir, 0, "f", &filestat);
        if (error == 0) printf("    type=%u size=%llu\n", filestat.filetype, (unsigned long long)filestat.size);
        return error;
    case 19:
        error = __wasi_path_open(dir, 0, "f", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
        if (error == 0) (void)__wasi_fd_close(fd);
        return error;
    case 20: return __wasi_path_filestat_set_times(dir, 0, "f", 0, 9000000000ull, __WASI_FSTFLAGS_MTIM);
    case 24: return __wasi_path_symlink("f", dir, "sym");
    case 25:
        (void)__wasi_path_create_directory(3, "rights/d/rmme");
        return __wasi_path_remove_directory(dir, "rmme");
    case 26:
        fd = open_at(3, "rights/d/unl", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, &error);
        if (error == 0) (void)__wasi_fd_close(fd);
        return __wasi_path_unlink_file(dir, "unl");
    }
    return 0;
}

static int is_directory_right(int right) { return (right >= 9 && right <= 20) || (right >= 24 && right <= 26); }

static void reset_file(void) {
    __wasi_errno_t error;
    __wasi_fd_t file = open_at(3, "rights/file.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_WRITE,
                               0, &error);
    if (error == 0) {
        write_string(file, "file contents\n");
        (void)__wasi_fd_close(file);
    }
}

static void one_right(int right) {
    {
        __wasi_rights_t bit = (__wasi_rights_t)1 << right;
        printf("right %s (%llx)\n", right_names[right], (unsigned long long)bit);
        // A directory is never opened with fd_write (EISDIR), so "all" is every other right for one.
        const __wasi_rights_t all = is_directory_right(right) ? DIRECTORY_RIGHTS : ALL_RIGHTS;
        const __wasi_rights_t sets[3] = {all, all & ~bit, bit};
        const char *labels[3] = {"all", "all but it", "it alone"};
        for (int set = 0; set < 3; set++) {
            __wasi_fd_t fd;
            if (is_directory_right(right)) {
                reset_directory();
                fd = open_with(3, "rights/d", __WASI_OFLAGS_DIRECTORY, sets[set], ALL_RIGHTS, 0, labels[set]);
                if (fd == (__wasi_fd_t)-1) continue;
                printf("    %s -> %d\n", right_names[right], directory_call(right, fd));
            } else {
                reset_file();
                fd = open_with(3, "rights/file.txt", 0, sets[set], ALL_RIGHTS, 0, labels[set]);
                if (fd == (__wasi_fd_t)-1) continue;
                printf("    %s -> %d\n", right_names[right], file_call(right, fd));
            }
            (void)__wasi_fd_close(fd);
        }
        // The same call through a directory opened with no rights at all, or on the standard streams.
        if (is_directory_right(right)) {
            reset_directory();
            __wasi_fd_t dir = open_with(3, "rights/d", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, "no rights");
            if (dir != (__wasi_fd_t)-1) {
                printf("    %s -> %d\n", right_names[right], directory_call(right, dir));
                (void)__wasi_fd_close(dir);
            }
        } else {
            printf("  stdin\n");
            printf("    %s -> %d\n", right_names[right], file_call(right, 0));
            printf("  stdout\n");
            printf("    %s -> %d\n", right_names[right], file_call(right, 1));
        }
    }
    reset_directory();
}

// The open mode the rights asked for choose, with and without creating or truncating: what a file reports, and
// whether it can be read and written.
static void open_modes(void) {
    printf("open modes\n");
    const __wasi_rights_t asked[] = {
        0,
        __WASI_RIGHTS_FD_READ,
        __WASI_RIGHTS_FD_WRITE,
        __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE,
        __WASI_RIGHTS_FD_READDIR,
        __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_FD_WRITE,
        __WASI_RIGHTS_FD_DATASYNC,
        __WASI_RIGHTS_FD_ALLOCATE,
        __WASI_RIGHTS_FD_FILESTAT_SET_SIZE,
        ALL_RIGHTS & ~__WASI_RIGHTS_FD_WRITE,
    };
    const __wasi_oflags_t oflags[] = {0, __WASI_OFLAGS_CREAT, __WASI_OFLAGS_TRUNC,
                                      __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC};
    for (unsigned o = 0; o < sizeof oflags / sizeof *oflags; o++) {
        for (unsigned a = 0; a < sizeof asked / sizeof *asked; a++) {
            reset_file();
            __wasi_fd_t fd;
            __wasi_errno_t error = __wasi_path_open(3, 0, "rights/file.txt", oflags[o], asked[a], asked[a], 0, &fd);
            printf("  oflags=%u rights=%llx -> %d", oflags[o], (unsigned long long)asked[a], error);
            if (error != 0) {
                printf("\n");
                continue;
            }
            __wasi_fdstat_t stat;
            (void)__wasi_fd_fdstat_get(fd, &stat);
            char buffer[8];
            __wasi_iovec_t into = {(uint8_t *)buffer, 3};
            __wasi_ciovec_t from = {(const uint8_t *)"Z", 1};
            __wasi_size_t count;
            __wasi_errno_t read = __wasi_fd_read(fd, &into, 1, &count);
            __wasi_errno_t write = __wasi_fd_write(fd, &from, 1, &count);
            __wasi_errno_t pread = __wasi_fd_pread(fd, &into, 1, 0, &count);
            __wasi_errno_t pwrite = __wasi_fd_pwrite(fd, &from, 1, 0, &count);
            printf(" base=%llx read=%d write=%d pread=%d pwrite=%d\n", (unsigned long long)stat.fs_rights_base, read,
                   write, pread, pwrite);
            (void)__wasi_fd_close(fd);
        }
    }
}

// The path_* rights belong to directories: a path call through anything else, and path_open's flags that no
// directory takes, checked before the path is looked at.
static void directory_descriptors(void) {
    printf("directory descriptors\n");
    reset_file();
    __wasi_errno_t error;
    __wasi_fd_t file = open_at(3, "rights/file.txt", 0, __WASI_RIGHTS_FD_READ, 0, &error);
    const __wasi_fd_t fds[] = {file, 1, 99};
    const char *names[] = {"file", "stdout", "closed"};
    __wasi_fd_t fd;
    __wasi_filestat_t filestat;
    for (int index = 0; index < 3; index++) {
        __wasi_fd_t through = fds[index];
        printf("  through %s\n", names[index]);
        CHECK(__wasi_path_open(through, 0, "x", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd));
        CHECK(__wasi_path_create_directory(through, "x"));
        CHECK(__wasi_path_filestat_get(through, 0, "x", &filestat));
        CHECK(__wasi_path_unlink_file(through, "x"));
        CHECK(__wasi_path_link(through, 0, "x", 3, "y"));
        CHECK(__wasi_path_link(3, 0, "rights/file.txt", through, "y"));
        CHECK(__wasi_path_rename(3, "rights/missing", through, "y"));
        CHECK(__wasi_path_symlink("x", through, "y"));
        CHECK(__wasi_fd_readdir(through, (uint8_t *)&filestat, sizeof filestat, 0, &(__wasi_size_t){0}));
    }
    (void)__wasi_fd_close(file);
    const char *paths[] = {".", "rights/file.txt", "rights/missing", "no/such/dir", "../escape"};
    const __wasi_oflags_t D = __WASI_OFLAGS_DIRECTORY, C = __WASI_OFLAGS_CREAT, X = __WASI_OFLAGS_EXCL,
                          T = __WASI_OFLAGS_TRUNC;
    const __wasi_oflags_t oflags[] = {D | C, D | X, D | T, D, T};
    const __wasi_fdflags_t fdflags[] = {0, __WASI_FDFLAGS_DSYNC};
    for (unsigned p = 0; p < sizeof paths / sizeof *paths; p++) {
        for (unsigned o = 0; o < sizeof oflags / sizeof *oflags; o++) {
            for (unsigned f = 0; f < 2; f++) {
                for (__wasi_rights_t rights = 0; rights <= __WASI_RIGHTS_FD_WRITE; rights += __WASI_RIGHTS_FD_WRITE) {
                    error = __wasi_path_open(3, 0, paths[p], oflags[o], rights, 0, fdflags[f], &fd);
                    printf("  open %s oflags=%u fdflags=%u rights=%llx -> %d\n", paths[p], oflags[o], fdflags[f],
                           (unsigned long long)rights, error);
                    if (error == 0) (void)__wasi_fd_close(fd);
                }
            }
        }
    }
    reset_file();
}

// What a descriptor reports for the rights it was opened with, file and directory, and what the open mode is.
static void reported_rights(void) {
    printf("reported rights\n");
    show_fdstat("stdin", 0);
    show_fdstat("stdout", 1);
    show_fdstat("stderr", 2);
    show_fdstat("preopen", 3);
    const __wasi_rights_t asked[] = {
        0,
        __WASI_RIGHTS_FD_READ,
        __WASI_RIGHTS_FD_WRITE,
        __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE,
        __WASI_RIGHTS_FD_READDIR,
        __WASI_RIGHTS_FD_DATASYNC,
        __WASI_RIGHTS_FD_ALLOCATE,
        __WASI_RIGHTS_FD_FILESTAT_SET_SIZE,
        __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL,
        __WASI_RIGHTS_PATH_OPEN,
        __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SYNC,
        ALL_RIGHTS,
    };
    char label[64];
    for (unsigned index = 0; index < sizeof asked / sizeof *asked; index++) {
        reset_file();
        snprintf(label, sizeof label, "file %llx", (unsigned long long)asked[index]);
        __wasi_fd_t fd = open_with(3, "rights/file.txt", 0, asked[index], asked[index], 0, label);
        if (fd != (__wasi_fd_t)-1) (void)__wasi_fd_close(fd);
        snprintf(label, sizeof label, "directory %llx", (unsigned long long)asked[index]);
        fd = open_with(3, "rights/d", __WASI_OFLAGS_DIRECTORY, asked[index], asked[index], 0, label);
        if (fd != (__wasi_fd_t)-1) (void)__wasi_fd_close(fd);
    }
    // Creating or truncating with read rights only; the fdflags that change the open mode.
    reset_file();
    __wasi_fd_t fd = open_with(3, "rights/created.txt", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_READ, 0, 0, "created read");
    if (fd != (__wasi_fd_t)-1) (void)__wasi_fd_close(fd);
    (void)__wasi_path_unlink_file(3, "rights/created.txt");
    fd = open_with(3, "rights/created.txt", __WASI_OFLAGS_CREAT, 0, 0, 0, "created none");
    if (fd != (__wasi_fd_t)-1) (void)__wasi_fd_close(fd);
    (void)__wasi_path_unlink_file(3, "rights/created.txt");
    fd = open_with(3, "rights/file.txt", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READ, 0, 0, "truncated read");
    if (fd != (__wasi_fd_t)-1) (void)__wasi_fd_close(fd);
    reset_file();
    const __wasi_fdflags_t fdflags[] = {__WASI_FDFLAGS_APPEND, __WASI_FDFLAGS_NONBLOCK, __WASI_FDFLAGS_DSYNC,
                                        __WASI_FDFLAGS_RSYNC, __WASI_FDFLAGS_SYNC};
    for (unsigned index = 0; index < sizeof fdflags / sizeof *fdflags; index++) {
        snprintf(label, sizeof label, "read with fdflags %u", fdflags[index]);
        fd = open_with(3, "rights/file.txt", 0, __WASI_RIGHTS_FD_READ, 0, fdflags[index], label);
        if (fd != (__wasi_fd_t)-1) (void)__wasi_fd_close(fd);
    }
}

// Inheriting rights: what a directory passes on to what is opened beneath it.
static void inheritance(void) {
    printf("inheritance\n");
    reset_file();
    reset_directory();
    __wasi_fd_t narrow = open_with(3, "rights/d", __WASI_OFLAGS_DIRECTORY, DIRECTORY_RIGHTS, __WASI_RIGHTS_FD_READ, 0,
                                   "directory inheriting fd_read");
    if (narrow != (__wasi_fd_t)-1) {
        __wasi_fd_t child = open_with(narrow, "f", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, ALL_RIGHTS, 0,
                                      "read-write beneath it");
        if (child != (__wasi_fd_t)-1) {
            printf("    fd_write -> %d\n", file_call(6, child));
            (void)__wasi_fd_close(child);
        }
        (void)__wasi_fd_close(narrow);
    }
    __wasi_fd_t none = open_with(3, "rights/d", __WASI_OFLAGS_DIRECTORY, DIRECTORY_RIGHTS, 0, 0,
                                 "directory inheriting none");
    if (none != (__wasi_fd_t)-1) {
        __wasi_fd_t child = open_with(none, "f", 0, __WASI_RIGHTS_FD_READ, 0, 0, "read beneath it");
        if (child != (__wasi_fd_t)-1) {
            printf("    fd_read -> %d\n", file_call(1, child));
            (void)__wasi_fd_close(child);
        }
        __wasi_fd_t subdirectory = open_with(none, ".", __WASI_OFLAGS_DIRECTORY, DIRECTORY_RIGHTS, ALL_RIGHTS, 0,
                                             "directory beneath it");
        if (subdirectory != (__wasi_fd_t)-1) (void)__wasi_fd_close(subdirectory);
        (void)__wasi_fd_close(none);
    }
    // Rights beyond the preopen's inheriting set (path_* rights on a file).
    __wasi_fd_t file = open_with(3, "rights/file.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_PATH_OPEN,
                                 __WASI_RIGHTS_PATH_OPEN, 0, "file with path_open");
    if (file != (__wasi_fd_t)-1) (void)__wasi_fd_close(file);
    // A file as the directory of path_open.
    file = open_with(3, "rights/file.txt", 0, ALL_RIGHTS, ALL_RIGHTS, 0, "file");
    if (file != (__wasi_fd_t)-1) {
        open_with(file, "x", 0, __WASI_RIGHTS_FD_READ, 0, 0, "beneath a file");
        (void)__wasi_fd_close(file);
    }
}

// fd_fdstat_set_rights: narrowing, widening, on every kind of descriptor.
static void set_rights(void) {
    printf("set rights\n");
    reset_file();
    __wasi_fd_t file = open_with(3, "rights/file.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK,
                                 __WASI_RIGHTS_FD_READ, 0, "file");
    if (file != (__wasi_fd_t)-1) {
        CHECK(__wasi_fd_fdstat_set_rights(file, __WASI_RIGHTS_FD_READ, __WASI_RIGHTS_FD_READ));
        show_fdstat("narrowed to fd_read", file);
        printf("    fd_seek -> %d\n", file_call(2, file));
        CHECK(__wasi_fd_fdstat_set_rights(file, 0, 0));
        show_fdstat("narrowed to nothing", file);
        printf("    fd_read -> %d\n", file_call(1, file));
        CHECK(__wasi_fd_fdstat_set_rights(file, ALL_RIGHTS, ALL_RIGHTS));
        show_fdstat("widened to all", file);
        printf("    fd_write -> %d\n", file_call(6, file));
        (void)__wasi_fd_close(file);
    }
    __wasi_fd_t dir = open_with(3, "rights/d", __WASI_OFLAGS_DIRECTORY, DIRECTORY_RIGHTS, ALL_RIGHTS, 0, "directory");
    if (dir != (__wasi_fd_t)-1) {
        CHECK(__wasi_fd_fdstat_set_rights(dir, __WASI_RIGHTS_FD_READDIR, 0));
        show_fdstat("narrowed to fd_readdir", dir);
        printf("    path_open -> %d\n", directory_call(13, dir));
        (void)__wasi_fd_close(dir);
    }
    CHECK(__wasi_fd_fdstat_set_rights(3, 0, 0));
    show_fdstat("preopen narrowed to nothing", 3);
    printf("    path_filestat_get -> %d\n", directory_call(18, 3));
    CHECK(__wasi_fd_fdstat_set_rights(0, 0, 0));
    CHECK(__wasi_fd_fdstat_set_rights(1, ALL_RIGHTS, ALL_RIGHTS));
    CHECK(__wasi_fd_fdstat_set_rights(2, __WASI_RIGHTS_FD_WRITE, __WASI_RIGHTS_FD_WRITE));
    CHECK(__wasi_fd_fdstat_set_rights(99, 0, 0));
}

static const struct {
    const char *name;
    void (*run)(void);
} sections[] = {
    {"reported", reported_rights},
    {"open_modes", open_modes},
    {"inheritance", inheritance},
    {"set_rights", set_rights},
    {"directory_descriptors", directory_descriptors},
};

static int run_section(const char *name) {
    for (unsigned index = 0; index < sizeof sections / sizeof *sections; index++) {
        if (strcmp(name, sections[index].name) == 0) {
            sections[index].run();
            return 1;
        }
    }
    for (int right = 0; right < 30; right++) {
        if (strcmp(name, right_names[right]) == 0) {
            one_right(right);
            return 1;
        }
    }
    printf("no section %s\n", name);
    return 0;
}

int main(int argc, char **argv) {
    unbuffered();
    CHECK(__wasi_path_create_directory(3, "rights"));
    CHECK(__wasi_path_create_directory(3, "rights/d"));
    reset_directory();
    CHECK(__wasi_path_symlink("f", 3, "rights/d/lnk"));
    if (argc > 1) {
        for (int index = 1; index < argc; index++) {
            if (!run_section(argv[index])) return 1;
        }
        return 0;
    }
    for (unsigned index = 0; index < sizeof sections / sizeof *sections; index++) sections[index].run();
    for (int right = 0; right < 30; right++) one_right(right);
    return 0;
}
