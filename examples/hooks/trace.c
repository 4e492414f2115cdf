// trace: an strace-like tracer. One line per WASI call to the hook output, written when the call returns (proc_exit's
// when it is made: it never returns), with its decoded arguments and its result:
//
//   path_open(3, 0x1, "out.txt", 0x9, 0x2400ffff, 0x2400ffff, 0x0) = 0 -> fd 4
//   fd_write(1, [13 bytes], 1) = 0 -> 13
//   path_open(3, 0x1, "missing.txt", 0x0, 0x2400ffff, 0x2400ffff, 0x0) = 44 (noent)
//   proc_exit(0) = ?
//
// Arguments: fds and counts in decimal, flags and rights in hex, pointers in hex, strings (paths) quoted with
// non-printable bytes escaped and `...` after a cut, the bytes an iovec list holds as `[N bytes]` (for a read, what
// it has room for) followed by its count. Result pointers are not shown: what the call wrote through them follows
// `->` when it succeeded. A call that failed ends `= ERRNO (name)` with WASI's name of the errno.
//
// Nothing in a line depends on when the program ran (no clock readings or timestamps), so the same program traces the
// same in a micro-VM and in-process.
//
// CONFIG: `strings=N`, the most bytes of a string shown (default 64, at most 256).
#include "hook_support.h"

#define DEFAULT_STRING_LIMIT 64
#define MAX_STRING_LIMIT 256

static uint32_t string_limit = DEFAULT_STRING_LIMIT;

// What a call wrote through its result pointers, shown after `->`.
enum result {
    RESULT_NONE,
    RESULT_U32,           // a u32 at the slot's pointer: a byte count
    RESULT_U64,           // a u64 at the slot's pointer: an offset
    RESULT_FD,            // a new fd at the slot's pointer
    RESULT_SIZES,         // two u32s, at slots 0 and 1 (args_sizes_get, environ_sizes_get)
    RESULT_FDSTAT,        // an fdstat at the slot's pointer
    RESULT_FILESTAT,      // a filestat at the slot's pointer
    RESULT_PRESTAT,       // a prestat at the slot's pointer
    RESULT_NAME,          // a string of slot 2's length at slot 1 (fd_prestat_dir_name)
    RESULT_LINK_TARGET,   // a string at slot 3, its length a u32 at slot 5 (path_readlink)
};

// How each call's argument slots are shown, one letter a slot: f an fd, u unsigned decimal, i signed decimal,
// x hex (flags, rights), p a pointer, s a string (pointer and length: two slots), v an iovec list's byte count (its
// pointer; the next slot, its count, is shown by the next letter), - a result pointer (not shown).
struct call_format {
    const char *arguments;
    enum result result;
    uint8_t result_slot;
};

static const struct call_format formats[SWIFTLET_HOOK_CALL_COUNT] = {
    [SWIFTLET_HOOK_CALL_ARGS_GET] = {"pp", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_ARGS_SIZES_GET] = {"--", RESULT_SIZES, 0},
    [SWIFTLET_HOOK_CALL_ENVIRON_GET] = {"pp", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_ENVIRON_SIZES_GET] = {"--", RESULT_SIZES, 0},
    // The clocks' readings are left out: they would make two traces of the same program differ.
    [SWIFTLET_HOOK_CALL_CLOCK_RES_GET] = {"u-", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_CLOCK_TIME_GET] = {"uu-", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_FD_ADVISE] = {"fuuu", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_FD_ALLOCATE] = {"fuu", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_FD_CLOSE] = {"f", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_FD_DATASYNC] = {"f", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_FD_FDSTAT_GET] = {"f-", RESULT_FDSTAT, 1},
    [SWIFTLET_HOOK_CALL_FD_FDSTAT_SET_FLAGS] = {"fx", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_FD_FDSTAT_SET_RIGHTS] = {"fxx", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_FD_FILESTAT_GET] = {"f-", RESULT_FILESTAT, 1},
    [SWIFTLET_HOOK_CALL_FD_FILESTAT_SET_SIZE] = {"fu", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_FD_FILESTAT_SET_TIMES] = {"fuux", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_FD_PREAD] = {"fvuu-", RESULT_U32, 4},
    [SWIFTLET_HOOK_CALL_FD_PRESTAT_GET] = {"f-", RESULT_PRESTAT, 1},
    [SWIFTLET_HOOK_CALL_FD_PRESTAT_DIR_NAME] = {"fpu", RESULT_NAME, 1},
    [SWIFTLET_HOOK_CALL_FD_PWRITE] = {"fvuu-", RESULT_U32, 4},
    [SWIFTLET_HOOK_CALL_FD_READ] = {"fvu-", RESULT_U32, 3},
    [SWIFTLET_HOOK_CALL_FD_READDIR] = {"fpuu-", RESULT_U32, 4},
    [SWIFTLET_HOOK_CALL_FD_RENUMBER] = {"ff", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_FD_SEEK] = {"fiu-", RESULT_U64, 3},
    [SWIFTLET_HOOK_CALL_FD_SYNC] = {"f", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_FD_TELL] = {"f-", RESULT_U64, 1},
    [SWIFTLET_HOOK_CALL_FD_WRITE] = {"fvu-", RESULT_U32, 3},
    [SWIFTLET_HOOK_CALL_PATH_CREATE_DIRECTORY] = {"fs", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_PATH_FILESTAT_GET] = {"fxs-", RESULT_FILESTAT, 4},
    [SWIFTLET_HOOK_CALL_PATH_FILESTAT_SET_TIMES] = {"fxsuux", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_PATH_LINK] = {"fxsfs", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_PATH_OPEN] = {"fxsxxxx-", RESULT_FD, 8},
    [SWIFTLET_HOOK_CALL_PATH_READLINK] = {"fspu-", RESULT_LINK_TARGET, 3},
    [SWIFTLET_HOOK_CALL_PATH_REMOVE_DIRECTORY] = {"fs", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_PATH_RENAME] = {"fsfs", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_PATH_SYMLINK] = {"sfs", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_PATH_UNLINK_FILE] = {"fs", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_POLL_ONEOFF] = {"ppu-", RESULT_U32, 3},
    [SWIFTLET_HOOK_CALL_PROC_EXIT] = {"u", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_PROC_RAISE] = {"u", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_RANDOM_GET] = {"pu", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_SCHED_YIELD] = {"", RESULT_NONE, 0},
    [SWIFTLET_HOOK_CALL_SOCK_ACCEPT] = {"fx-", RESULT_FD, 2},
    [SWIFTLET_HOOK_CALL_SOCK_RECV] = {"fvux--", RESULT_U32, 4},
    [SWIFTLET_HOOK_CALL_SOCK_SEND] = {"fvux-", RESULT_U32, 4},
    [SWIFTLET_HOOK_CALL_SOCK_SHUTDOWN] = {"fx", RESULT_NONE, 0},
};

// WASI's errno names, indexed by errno.
static const char *const errno_names[] = {
    "success", "2big", "acces", "addrinuse", "addrnotavail", "afnosupport", "again", "already", "badf", "badmsg",
    "busy", "canceled", "child", "connaborted", "connrefused", "connreset", "deadlk", "destaddrreq", "dom", "dquot",
    "exist", "fault", "fbig", "hostunreach", "idrm", "ilseq", "inprogress", "intr", "inval", "io", "isconn", "isdir",
    "loop", "mfile", "mlink", "msgsize", "multihop", "nametoolong", "netdown", "netreset", "netunreach", "nfile",
    "nobufs", "nodev", "noent", "noexec", "nolck", "nolink", "nomem", "nomsg", "noprotoopt", "nospc", "nosys",
    "notconn", "notdir", "notempty", "notrecoverable", "notsock", "notsup", "notty", "nxio", "overflow", "ownerdead",
    "perm", "pipe", "proto", "protonosupport", "prototype", "range", "rofs", "spipe", "srch", "stale", "timedout",
    "txtbsy", "xdev", "notcapable",
};

static struct line line;

static void start(void) {
    char text[24];
    uint64_t limit;
    if (config_value("strings", text, sizeof text) && parse_decimal(text, &limit)) {
        string_limit = limit < MAX_STRING_LIMIT ? (uint32_t)limit : MAX_STRING_LIMIT;
    }
}
SWIFTLET_HOOK_ON_INIT(start)

// The string of `length` bytes at `address` in the application's memory, quoted; its address when unreadable.
static void append_string(uint64_t address, uint64_t length) {
    static char bytes[MAX_STRING_LIMIT];
    uint32_t shown = length < string_limit ? (uint32_t)length : string_limit;
    if (address <= UINT32_MAX && swiftlet_hook_read_memory((uint32_t)address, shown, bytes) >= 0) {
        line_append_quoted(&line, bytes, shown, shown < length);
    } else {
        line_append_hex(&line, address);
    }
}

static void append_arguments(const char *format, hook_arguments arguments) {
    uint32_t slot = 0;
    bool first = true;
    for (const char *kind = format; *kind; kind++, slot++) {
        if (*kind == '-') continue;
        if (!first) line_append(&line, ", ");
        first = false;
        uint64_t argument = arguments[slot];
        switch (*kind) {
        case 'f':
        case 'u':
            line_append_decimal(&line, argument);
            break;
        case 'i':
            line_append_signed(&line, (int64_t)argument);
            break;
        case 'x':
        case 'p':
            line_append_hex(&line, argument);
            break;
        case 's':
            append_string(argument, arguments[slot + 1]);
            slot++;
            break;
        case 'v': {
            uint64_t total;
            if (iovec_total(argument, arguments[slot + 1], &total)) {
                line_append(&line, "[");
                line_append_decimal(&line, total);
                line_append(&line, " bytes]");
            } else {
                line_append_hex(&line, argument);
            }
            break;
        }
        }
    }
}

// What the call wrote through its result pointers, after ` -> `; nothing when there is none or it is unreadable.
static void append_result(const struct call_format *format, hook_arguments arguments) {
    uint64_t address = arguments[format->result_slot];
    uint32_t first, second;
    uint64_t wide;
    unsigned char bytes[4];
    switch (format->result) {
    case RESULT_NONE:
        break;
    case RESULT_U32:
        if (read_application_u32(address, &first)) {
            line_append(&line, " -> ");
            line_append_decimal(&line, first);
        }
        break;
    case RESULT_U64:
        if (read_application_u64(address, &wide)) {
            line_append(&line, " -> ");
            line_append_decimal(&line, wide);
        }
        break;
    case RESULT_FD:
        if (read_application_u32(address, &first)) {
            line_append(&line, " -> fd ");
            line_append_decimal(&line, first);
        }
        break;
    case RESULT_SIZES:
        if (read_application_u32(arguments[0], &first) && read_application_u32(arguments[1], &second)) {
            line_append(&line, " -> ");
            line_append_decimal(&line, first);
            line_append(&line, ", ");
            line_append_decimal(&line, second);
        }
        break;
    case RESULT_FDSTAT:
        // fdstat: u8 filetype at 0, u16 flags at 2 (the rights are left out: they are the host's to choose).
        if (address <= UINT32_MAX && swiftlet_hook_read_memory((uint32_t)address, 4, bytes) >= 0) {
            line_append(&line, " -> filetype ");
            line_append_decimal(&line, bytes[0]);
            line_append(&line, ", flags ");
            line_append_hex(&line, (uint32_t)bytes[2] | (uint32_t)bytes[3] << 8);
        }
        break;
    case RESULT_FILESTAT:
        // filestat: u8 filetype at 16, u64 size at 32 (the times are left out, as the clocks are).
        if (address <= UINT32_MAX - 40 && swiftlet_hook_read_memory((uint32_t)address + 16, 1, bytes) >= 0
            && read_application_u64(address + 32, &wide)) {
            line_append(&line, " -> filetype ");
            line_append_decimal(&line, bytes[0]);
            line_append(&line, ", size ");
            line_append_decimal(&line, wide);
        }
        break;
    case RESULT_PRESTAT:
        // prestat: u8 tag at 0 (0, a directory: the only kind), u32 name length at 4.
        if (read_application_u32(address + 4, &first)) {
            line_append(&line, " -> name length ");
            line_append_decimal(&line, first);
        }
        break;
    case RESULT_NAME:
        line_append(&line, " -> ");
        append_string(address, arguments[2]);
        break;
    case RESULT_LINK_TARGET:
        if (read_application_u32(arguments[5], &first)) {
            line_append(&line, " -> ");
            append_string(address, first);
        }
        break;
    }
}

static void append_call(uint32_t call, hook_arguments arguments) {
    line_append(&line, call_name(call));
    line_append(&line, "(");
    if (call < SWIFTLET_HOOK_CALL_COUNT) append_arguments(formats[call].arguments, arguments);
    line_append(&line, ")");
}

static int32_t enter(uint32_t call, hook_arguments arguments) {
    if (call == SWIFTLET_HOOK_CALL_PROC_EXIT) {
        append_call(call, arguments);
        line_append(&line, " = ?");
        line_emit(&line);
    }
    return SWIFTLET_HOOK_ALLOW;
}
SWIFTLET_HOOK_ON_CALL_ENTER(enter)
// Only proc_exit, which never returns, is traced on entry: no other call pays for an enter event.
SWIFTLET_HOOK_SELECT_CALL_ENTER(SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_PROC_EXIT))

static void leave(uint32_t call, uint32_t error, hook_arguments arguments) {
    append_call(call, arguments);
    line_append(&line, " = ");
    line_append_decimal(&line, error);
    if (error) {
        if (error < sizeof errno_names / sizeof errno_names[0]) {
            line_append(&line, " (");
            line_append(&line, errno_names[error]);
            line_append(&line, ")");
        }
    } else if (call < SWIFTLET_HOOK_CALL_COUNT) {
        append_result(&formats[call], arguments);
    }
    line_emit(&line);
}
SWIFTLET_HOOK_ON_CALL_EXIT(leave)
