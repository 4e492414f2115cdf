// policy: denies writes outside a directory and network sends beyond a byte budget, and emits a line for each denial:
//
//   policy: denied path_open "/etc/passwd": outside /out
//   policy: denied sock_send of 5000 bytes: over the budget of 4096 (1200 sent)
//
// CONFIG: `prefix=DIR,budget=BYTES`, each optional (without `prefix` any path may be written, without `budget` any
// number of bytes sent), e.g. `swiftlet run --hook policy.wasm::prefix=/out,budget=4096 --dir out::/out app.wasm`.
// A mistaken value denies rather than allows: a prefix that climbs above `/` holds no path, and a budget that is not a
// number is 0.
//
// Writes. A path is judged as the application names it: its directory's guest path (a preopen's name, learned when
// fd_prestat_dir_name returns; a name not starting with `/` is taken from `/`, so `.` is `/`) joined with the
// relative path and normalized (`.`, `..`, repeated `/`). A path outside DIR, or one whose `..` climbs above its
// preopen, is denied with PERM (63). These calls write through a path: path_open with O_CREAT, O_EXCL or O_TRUNC, with
// FD_WRITE, FD_ALLOCATE or FD_FILESTAT_SET_SIZE among its base rights, or with the APPEND flag;
// path_create_directory, path_remove_directory, path_unlink_file, path_filestat_set_times, path_rename (either
// path), path_symlink and path_link (the new path). The other rights a path_open may carry (creating, renaming,
// unlinking through the new fd, changing its times) are not writes by themselves: wasi-libc asks for all of them even
// to read a file, and each is judged when the call that uses it comes. fd_allocate, fd_filestat_set_size and
// fd_filestat_set_times are judged by the path their fd was opened with.
//
// The directories the hook follows are the preopens and what path_open returns, for fds below MAX_KNOWN_FD with
// guest paths shorter than PATH_CAPACITY; a write relative to any other directory fd is denied, since the hook cannot
// tell where it lands. Symbolic links are the host's to resolve within the preopen: the policy judges the path named.
//
// Sends: sock_send, and fd_write on an accepted socket. The bytes sends have moved are added up (the count the call
// returned); a send whose iovecs hold more than the budget has left is denied with DQUOT (19), "quota exceeded",
// which is what the application ran out of (not AGAIN: retrying will not help, nor NOBUFS, which promises buffers
// later).
#include <string.h>
#include <wasi/api.h>

#include "hook_support.h"

#define MAX_KNOWN_FD 256
#define PATH_CAPACITY 512

#define WRITE_OFLAGS (__WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL | __WASI_OFLAGS_TRUNC)
#define WRITE_RIGHTS (__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE)

// A directory or file the application opened, by its guest path.
struct known_fd {
    bool known;
    // The length of its preopen's path, the start of `path`: `..` cannot climb above it.
    uint16_t root_length;
    char path[PATH_CAPACITY];
};

static struct known_fd known_fds[MAX_KNOWN_FD];
static bool has_prefix;
static char prefix[PATH_CAPACITY];
static bool has_budget;
static uint64_t budget;
static uint64_t sent;
static struct line line;

enum judgement { INSIDE, OUTSIDE, ESCAPES, UNKNOWN_DIRECTORY, TOO_LONG };

// Appends the relative path `relative` to `path` (NUL-terminated, normalized), resolving `.`, `..` and repeated `/`;
// `..` never climbs above the first root_length bytes.
static enum judgement join(char path[PATH_CAPACITY], uint32_t root_length, const char *relative, uint32_t length) {
    uint32_t path_length = (uint32_t)strlen(path);
    for (uint32_t start = 0; start < length;) {
        uint32_t end = start;
        while (end < length && relative[end] != '/') end++;
        uint32_t component = end - start;
        if (component == 2 && relative[start] == '.' && relative[start + 1] == '.') {
            if (path_length <= root_length) return ESCAPES;
            while (path_length > 1 && path[path_length - 1] != '/') path_length--;
            if (path_length > 1) path_length--;  // the separator, unless it is the root itself
            if (path_length < root_length) return ESCAPES;
            path[path_length] = 0;
        } else if (component > 0 && !(component == 1 && relative[start] == '.')) {
            bool separator = path[path_length - 1] != '/';
            if (path_length + separator + component >= PATH_CAPACITY) return TOO_LONG;
            if (separator) path[path_length++] = '/';
            memcpy(path + path_length, relative + start, component);
            path_length += component;
            path[path_length] = 0;
        }
        start = end + 1;
    }
    return INSIDE;
}

// The normalized absolute form of a guest directory name (a preopen's, the prefix): from `/` unless it starts with it.
static enum judgement normalize(char path[PATH_CAPACITY], const char *name, uint32_t length) {
    path[0] = '/';
    path[1] = 0;
    return join(path, 1, name, length);
}

static bool under_prefix(const char *path) {
    size_t length = strlen(prefix);
    // An empty prefix (CONFIG's climbed above `/`) holds no path.
    if (length == 0 || strncmp(path, prefix, length) != 0) return false;
    // "/" (length 1) holds every path; "/out" holds "/out" and "/out/x", not "/outside".
    return length == 1 || path[length] == 0 || path[length] == '/';
}

// Starts the line of a denial: what follows says what was denied and why, then line_emit.
static void begin_denial(uint32_t call) {
    line_append(&line, "policy: denied ");
    line_append(&line, call_name(call));
    line_append(&line, " ");
}

static void append_path(const char *path) {
    line_append_quoted(&line, path, (uint32_t)strlen(path), false);
}

// Judges the path the application names with directory fd `fd` and the relative path at `address`, and emits the
// denial line when it is not INSIDE.
static enum judgement judge_path(uint32_t call, uint64_t fd, uint64_t address, uint64_t length) {
    static char relative[PATH_CAPACITY];
    static char resolved[PATH_CAPACITY];
    if (length >= PATH_CAPACITY) {
        begin_denial(call);
        line_append(&line, "of a ");
        line_append_decimal(&line, length);
        line_append(&line, "-byte path: too long to judge");
        line_emit(&line);
        return TOO_LONG;
    }
    if (address > UINT32_MAX || swiftlet_hook_read_memory((uint32_t)address, (uint32_t)length, relative) < 0) {
        // The call itself fails (FAULT) when the application's path is not in its memory.
        return INSIDE;
    }
    relative[length] = 0;
    if (fd >= MAX_KNOWN_FD || !known_fds[fd].known) {
        begin_denial(call);
        append_path(relative);
        line_append(&line, " in fd ");
        line_append_decimal(&line, fd);
        line_append(&line, ": not a directory the policy knows");
        line_emit(&line);
        return UNKNOWN_DIRECTORY;
    }
    memcpy(resolved, known_fds[fd].path, PATH_CAPACITY);
    enum judgement judgement = join(resolved, known_fds[fd].root_length, relative, (uint32_t)length);
    if (judgement == INSIDE && under_prefix(resolved)) return INSIDE;
    begin_denial(call);
    if (judgement == INSIDE) {
        append_path(resolved);
        line_append(&line, ": outside ");
        line_append(&line, prefix);
        judgement = OUTSIDE;
    } else {
        append_path(relative);
        line_append(&line, " in ");
        append_path(known_fds[fd].path);
        line_append(&line, judgement == ESCAPES ? ": escapes its preopen" : ": too long to judge");
    }
    line_emit(&line);
    return judgement;
}

static int32_t verdict_for_path(uint32_t call, uint64_t fd, uint64_t address, uint64_t length) {
    return judge_path(call, fd, address, length) == INSIDE ? SWIFTLET_HOOK_ALLOW : __WASI_ERRNO_PERM;
}

// fd_allocate, fd_filestat_set_size, fd_filestat_set_times: by the path `fd` was opened with, when the policy knows it.
static int32_t verdict_for_fd(uint32_t call, uint64_t fd) {
    if (!has_prefix || fd >= MAX_KNOWN_FD || !known_fds[fd].known || under_prefix(known_fds[fd].path)) {
        return SWIFTLET_HOOK_ALLOW;
    }
    begin_denial(call);
    line_append_decimal(&line, fd);
    line_append(&line, " (");
    append_path(known_fds[fd].path);
    line_append(&line, "): outside ");
    line_append(&line, prefix);
    line_emit(&line);
    return __WASI_ERRNO_PERM;
}

static int32_t verdict_for_send(uint32_t call, uint64_t iovecs, uint64_t count) {
    uint64_t bytes;
    // Unreadable iovecs make the call itself fail (FAULT).
    if (!has_budget || !iovec_total(iovecs, count, &bytes) || (sent <= budget && bytes <= budget - sent)) {
        return SWIFTLET_HOOK_ALLOW;
    }
    begin_denial(call);
    line_append(&line, "of ");
    line_append_decimal(&line, bytes);
    line_append(&line, " bytes: over the budget of ");
    line_append_decimal(&line, budget);
    line_append(&line, " (");
    line_append_decimal(&line, sent);
    line_append(&line, " sent)");
    line_emit(&line);
    return __WASI_ERRNO_DQUOT;
}

static void start(void) {
    static char text[PATH_CAPACITY];
    if (config_value("prefix", text, sizeof text)) {
        has_prefix = true;
        if (normalize(prefix, text, (uint32_t)strlen(text)) != INSIDE) prefix[0] = 0;
    }
    if (config_value("budget", text, sizeof text)) {
        has_budget = true;
        if (!parse_decimal(text, &budget)) budget = 0;
    }
}
SWIFTLET_HOOK_ON_INIT(start)

static int32_t enter(uint32_t call, hook_arguments arguments) {
    switch (call) {
    case SWIFTLET_HOOK_CALL_PATH_OPEN:
        if (!has_prefix || !((arguments[4] & WRITE_OFLAGS) || (arguments[5] & WRITE_RIGHTS)
                             || (arguments[7] & __WASI_FDFLAGS_APPEND))) {
            return SWIFTLET_HOOK_ALLOW;
        }
        return verdict_for_path(call, arguments[0], arguments[2], arguments[3]);
    case SWIFTLET_HOOK_CALL_PATH_CREATE_DIRECTORY:
    case SWIFTLET_HOOK_CALL_PATH_REMOVE_DIRECTORY:
    case SWIFTLET_HOOK_CALL_PATH_UNLINK_FILE:
        return has_prefix ? verdict_for_path(call, arguments[0], arguments[1], arguments[2]) : SWIFTLET_HOOK_ALLOW;
    case SWIFTLET_HOOK_CALL_PATH_FILESTAT_SET_TIMES:
        return has_prefix ? verdict_for_path(call, arguments[0], arguments[2], arguments[3]) : SWIFTLET_HOOK_ALLOW;
    case SWIFTLET_HOOK_CALL_PATH_RENAME: {
        if (!has_prefix) return SWIFTLET_HOOK_ALLOW;
        int32_t verdict = verdict_for_path(call, arguments[0], arguments[1], arguments[2]);
        return verdict ? verdict : verdict_for_path(call, arguments[3], arguments[4], arguments[5]);
    }
    case SWIFTLET_HOOK_CALL_PATH_SYMLINK:
        return has_prefix ? verdict_for_path(call, arguments[2], arguments[3], arguments[4]) : SWIFTLET_HOOK_ALLOW;
    case SWIFTLET_HOOK_CALL_PATH_LINK:
        return has_prefix ? verdict_for_path(call, arguments[4], arguments[5], arguments[6]) : SWIFTLET_HOOK_ALLOW;
    case SWIFTLET_HOOK_CALL_FD_ALLOCATE:
    case SWIFTLET_HOOK_CALL_FD_FILESTAT_SET_SIZE:
    case SWIFTLET_HOOK_CALL_FD_FILESTAT_SET_TIMES:
        return verdict_for_fd(call, arguments[0]);
    case SWIFTLET_HOOK_CALL_SOCK_SEND:
        return verdict_for_send(call, arguments[1], arguments[2]);
    case SWIFTLET_HOOK_CALL_FD_WRITE:
        return is_socket(arguments[0]) ? verdict_for_send(call, arguments[1], arguments[2]) : SWIFTLET_HOOK_ALLOW;
    default:
        return SWIFTLET_HOOK_ALLOW;
    }
}
SWIFTLET_HOOK_ON_CALL_ENTER(enter)
// The calls `enter` judges; every other call runs without entering the hook.
SWIFTLET_HOOK_SELECT_CALL_ENTER(
    SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_PATH_OPEN) | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_PATH_CREATE_DIRECTORY)
    | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_PATH_REMOVE_DIRECTORY)
    | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_PATH_UNLINK_FILE)
    | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_PATH_FILESTAT_SET_TIMES) | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_PATH_RENAME)
    | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_PATH_SYMLINK) | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_PATH_LINK)
    | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_FD_ALLOCATE) | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_FD_FILESTAT_SET_SIZE)
    | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_FD_FILESTAT_SET_TIMES) | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_SOCK_SEND)
    | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_FD_WRITE))

static void forget(uint64_t fd) {
    if (fd < MAX_KNOWN_FD) known_fds[fd].known = false;
}

static void learn_preopen(uint64_t fd, uint64_t address, uint64_t length) {
    static char name[PATH_CAPACITY];
    forget(fd);
    if (fd >= MAX_KNOWN_FD || length >= PATH_CAPACITY || address > UINT32_MAX
        || swiftlet_hook_read_memory((uint32_t)address, (uint32_t)length, name) < 0) {
        return;
    }
    struct known_fd *preopen = &known_fds[fd];
    if (normalize(preopen->path, name, (uint32_t)length) != INSIDE) return;
    preopen->root_length = (uint16_t)strlen(preopen->path);
    preopen->known = true;
}

static void learn_opened(hook_arguments arguments) {
    static char relative[PATH_CAPACITY];
    uint32_t fd;
    if (!read_application_u32(arguments[8], &fd)) return;
    forget(fd);
    uint64_t directory = arguments[0], address = arguments[2], length = arguments[3];
    if (fd >= MAX_KNOWN_FD || directory >= MAX_KNOWN_FD || !known_fds[directory].known || length >= PATH_CAPACITY
        || address > UINT32_MAX || swiftlet_hook_read_memory((uint32_t)address, (uint32_t)length, relative) < 0) {
        return;
    }
    static char path[PATH_CAPACITY];
    memcpy(path, known_fds[directory].path, PATH_CAPACITY);
    if (join(path, known_fds[directory].root_length, relative, (uint32_t)length) != INSIDE) return;
    memcpy(known_fds[fd].path, path, PATH_CAPACITY);
    known_fds[fd].root_length = known_fds[directory].root_length;
    known_fds[fd].known = true;
}

static void leave(uint32_t call, uint32_t error, hook_arguments arguments) {
    follow_sockets(call, error, arguments);
    if (error) return;
    uint32_t count;
    switch (call) {
    case SWIFTLET_HOOK_CALL_FD_PRESTAT_DIR_NAME:
        learn_preopen(arguments[0], arguments[1], arguments[2]);
        break;
    case SWIFTLET_HOOK_CALL_PATH_OPEN:
        learn_opened(arguments);
        break;
    case SWIFTLET_HOOK_CALL_FD_CLOSE:
        forget(arguments[0]);
        break;
    case SWIFTLET_HOOK_CALL_FD_RENUMBER:
        if (arguments[0] < MAX_KNOWN_FD && arguments[1] < MAX_KNOWN_FD && arguments[0] != arguments[1]) {
            known_fds[arguments[1]] = known_fds[arguments[0]];
            forget(arguments[0]);
        } else {
            forget(arguments[1]);
        }
        break;
    case SWIFTLET_HOOK_CALL_SOCK_SEND:
        if (read_application_u32(arguments[4], &count)) sent += count;
        break;
    case SWIFTLET_HOOK_CALL_FD_WRITE:
        if (is_socket(arguments[0]) && read_application_u32(arguments[3], &count)) sent += count;
        break;
    }
}
SWIFTLET_HOOK_ON_CALL_EXIT(leave)
// The calls `leave` learns from.
SWIFTLET_HOOK_SELECT_CALL_EXIT(
    SOCKET_CALLS | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_FD_PRESTAT_DIR_NAME) | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_PATH_OPEN)
    | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_SOCK_SEND) | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_FD_WRITE))
