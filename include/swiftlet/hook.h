/*
 * swiftlet/hook.h: the ABI of a Swiftlet hook, a WebAssembly module the guest kernel runs on the application's events.
 *
 * `swiftlet run --hook HOOK.wasm[::CONFIG] ... MODULE.wasm` (repeatable) loads each hook into the guest kernel beside
 * the application, in its own instance with its own linear memory. A hook sees the application only through the
 * imports below (module "swiftlet_hook"; a hook importing anything else is refused), and its records go to the file
 * given with `--hook-output FILE`.
 *
 * Events, each an export of the hook (all optional; a hook exports at least one handler):
 *   _initialize()            a reactor's initializer, called first if present
 *   swiftlet_hook_init()     once, before the application starts
 *   swiftlet_hook_call_enter(call, a0..a8) -> verdict
 *                            before every WASI call: `call` is a SWIFTLET_HOOK_CALL_* number, a0..a8 the call's
 *                            arguments in order (i32 ones zero-extended, unused ones 0), copied by the kernel before
 *                            the hook runs, so what the hook judged is what the call gets
 *   swiftlet_hook_call_exit(call, errno, a0..a8)
 *                            after every WASI call that returned (every call but proc_exit), with its WASI errno;
 *                            what the call wrote (e.g. `*nwritten`, path_open's new fd) is read with
 *                            swiftlet_hook_read_memory through the pointer arguments
 *   swiftlet_hook_data(call, fd, length)
 *                            after a successful fd_read, fd_write, fd_pread, fd_pwrite, sock_recv or sock_send that
 *                            moved length > 0 bytes, on any fd; swiftlet_hook_read_data gives the bytes
 *
 *   swiftlet_hook_call_enter_calls() -> mask, swiftlet_hook_call_exit_calls() -> mask
 *                            which calls the enter and exit events come for: bit n (SWIFTLET_HOOK_CALL_BIT(n)) for
 *                            call n, read once after swiftlet_hook_init; without one, every call. A call no hook
 *                            selects runs as if there were no hooks, so a hook that cares about a few calls costs
 *                            nothing on the others (define them with SWIFTLET_HOOK_SELECT_CALL_ENTER/_EXIT)
 *
 * Verdicts (what swiftlet_hook_call_enter returns): SWIFTLET_HOOK_ALLOW (0) lets the call run; 1..76 denies it: the
 * call returns that WASI errno to the application without running; SWIFTLET_HOOK_END_RUN (-1) ends the run, which
 * fails with a message naming the hook and the call. Hooks run in the order given; the first denial wins. proc_exit
 * cannot be denied (a denial lets it proceed), but it can end the run.
 *
 * Fuel: each event may execute a bounded number of instructions (`--hook-fuel N`, default 1,000,000). A hook that
 * traps, runs out of fuel or returns any other verdict fails: the call is denied with ENOTCAPABLE (76), or the run
 * ends with `--hook-failure end`; swiftlet reports the failure on stderr. The application is suspended during every
 * event, so it cannot change its memory under a hook that reads it.
 *
 * Build a hook as a reactor that imports nothing else: `clang --target=wasm32-wasi -nostartfiles -Wl,--no-entry
 * -I include ...`, with only the C library functions that import nothing (memcpy, memcmp, strlen, ...) and no stdio;
 * `make hooks` builds the examples in examples/hooks that way.
 */
#ifndef SWIFTLET_HOOK_H
#define SWIFTLET_HOOK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The WASI preview1 calls, numbered in the alphabetical order of preview1's function list. */
enum {
    SWIFTLET_HOOK_CALL_ARGS_GET = 0,
    SWIFTLET_HOOK_CALL_ARGS_SIZES_GET = 1,
    SWIFTLET_HOOK_CALL_ENVIRON_GET = 2,
    SWIFTLET_HOOK_CALL_ENVIRON_SIZES_GET = 3,
    SWIFTLET_HOOK_CALL_CLOCK_RES_GET = 4,
    SWIFTLET_HOOK_CALL_CLOCK_TIME_GET = 5,
    SWIFTLET_HOOK_CALL_FD_ADVISE = 6,
    SWIFTLET_HOOK_CALL_FD_ALLOCATE = 7,
    SWIFTLET_HOOK_CALL_FD_CLOSE = 8,
    SWIFTLET_HOOK_CALL_FD_DATASYNC = 9,
    SWIFTLET_HOOK_CALL_FD_FDSTAT_GET = 10,
    SWIFTLET_HOOK_CALL_FD_FDSTAT_SET_FLAGS = 11,
    SWIFTLET_HOOK_CALL_FD_FDSTAT_SET_RIGHTS = 12,
    SWIFTLET_HOOK_CALL_FD_FILESTAT_GET = 13,
    SWIFTLET_HOOK_CALL_FD_FILESTAT_SET_SIZE = 14,
    SWIFTLET_HOOK_CALL_FD_FILESTAT_SET_TIMES = 15,
    SWIFTLET_HOOK_CALL_FD_PREAD = 16,
    SWIFTLET_HOOK_CALL_FD_PRESTAT_GET = 17,
    SWIFTLET_HOOK_CALL_FD_PRESTAT_DIR_NAME = 18,
    SWIFTLET_HOOK_CALL_FD_PWRITE = 19,
    SWIFTLET_HOOK_CALL_FD_READ = 20,
    SWIFTLET_HOOK_CALL_FD_READDIR = 21,
    SWIFTLET_HOOK_CALL_FD_RENUMBER = 22,
    SWIFTLET_HOOK_CALL_FD_SEEK = 23,
    SWIFTLET_HOOK_CALL_FD_SYNC = 24,
    SWIFTLET_HOOK_CALL_FD_TELL = 25,
    SWIFTLET_HOOK_CALL_FD_WRITE = 26,
    SWIFTLET_HOOK_CALL_PATH_CREATE_DIRECTORY = 27,
    SWIFTLET_HOOK_CALL_PATH_FILESTAT_GET = 28,
    SWIFTLET_HOOK_CALL_PATH_FILESTAT_SET_TIMES = 29,
    SWIFTLET_HOOK_CALL_PATH_LINK = 30,
    SWIFTLET_HOOK_CALL_PATH_OPEN = 31,
    SWIFTLET_HOOK_CALL_PATH_READLINK = 32,
    SWIFTLET_HOOK_CALL_PATH_REMOVE_DIRECTORY = 33,
    SWIFTLET_HOOK_CALL_PATH_RENAME = 34,
    SWIFTLET_HOOK_CALL_PATH_SYMLINK = 35,
    SWIFTLET_HOOK_CALL_PATH_UNLINK_FILE = 36,
    SWIFTLET_HOOK_CALL_POLL_ONEOFF = 37,
    SWIFTLET_HOOK_CALL_PROC_EXIT = 38,
    SWIFTLET_HOOK_CALL_PROC_RAISE = 39,
    SWIFTLET_HOOK_CALL_RANDOM_GET = 40,
    SWIFTLET_HOOK_CALL_SCHED_YIELD = 41,
    SWIFTLET_HOOK_CALL_SOCK_ACCEPT = 42,
    SWIFTLET_HOOK_CALL_SOCK_RECV = 43,
    SWIFTLET_HOOK_CALL_SOCK_SEND = 44,
    SWIFTLET_HOOK_CALL_SOCK_SHUTDOWN = 45,
    SWIFTLET_HOOK_CALL_COUNT = 46,
};

/* The bit of call `call` in a mask of swiftlet_hook_call_enter_calls or swiftlet_hook_call_exit_calls. */
#define SWIFTLET_HOOK_CALL_BIT(call) (UINT64_C(1) << (call))

/* Every event carries nine argument slots: path_open, the longest call, has nine arguments. */
#define SWIFTLET_HOOK_ARGUMENT_COUNT 9

/* Verdicts; a denial is the WASI errno (1..76) the call returns instead. */
enum {
    SWIFTLET_HOOK_ALLOW = 0,
    SWIFTLET_HOOK_END_RUN = -1,
    SWIFTLET_HOOK_DENY_LOWEST = 1,
    SWIFTLET_HOOK_DENY_HIGHEST = 76,
};

/* The most bytes one swiftlet_hook_read_memory copies. */
#define SWIFTLET_HOOK_READ_MEMORY_LIMIT 65536

#ifdef __wasm__
#define SWIFTLET_HOOK_IMPORT(name) __attribute__((import_module("swiftlet_hook"), import_name(name)))
#define SWIFTLET_HOOK_EXPORT(name) __attribute__((export_name(name)))
#else
/* A native build (a test of a hook's logic) links its own definitions of the imports. */
#define SWIFTLET_HOOK_IMPORT(name)
#define SWIFTLET_HOOK_EXPORT(name)
#endif

/* Copies application[address ..< address + length] into destination[0 ..< length]. Returns length, or -1 when the
 * source is outside the application's memory, length > SWIFTLET_HOOK_READ_MEMORY_LIMIT or the destination is
 * outside the hook's memory (then nothing is copied). */
SWIFTLET_HOOK_IMPORT("read_memory")
int32_t swiftlet_hook_read_memory(uint32_t address, uint32_t length, void *destination);

/* Only during swiftlet_hook_data: copies up to `length` of the bytes the call moved, from `offset` on, into
 * destination. Returns the count copied (0 at or past the end), or -1 outside a data event or for a bad
 * destination. */
SWIFTLET_HOOK_IMPORT("read_data")
int32_t swiftlet_hook_read_data(uint32_t offset, uint32_t length, void *destination);

/* Appends bytes[0 ..< length] to the hook output stream (`--hook-output FILE`), as they are: text, pcap records, ...
 * Returns 0, or -1 when the range is outside the hook's memory. */
SWIFTLET_HOOK_IMPORT("emit")
int32_t swiftlet_hook_emit(const void *bytes, uint32_t length);

/* The host's CLOCK_REALTIME, in nanoseconds since the Unix epoch. */
SWIFTLET_HOOK_IMPORT("now")
int64_t swiftlet_hook_now(void);

/* Copies min(capacity, length) bytes of the hook's CONFIG string (`--hook HOOK.wasm::CONFIG`; empty without one) to
 * destination, not NUL-terminated, and returns its full length; -1 for a bad destination. */
SWIFTLET_HOOK_IMPORT("config")
int32_t swiftlet_hook_config(char *destination, uint32_t capacity);

/*
 * The handlers. Each macro defines the exported function the kernel calls, forwarding to a function of the hook:
 *
 *   static void start(void) { ... }
 *   SWIFTLET_HOOK_ON_INIT(start)
 *
 *   static int32_t judge(uint32_t call, const uint64_t arguments[SWIFTLET_HOOK_ARGUMENT_COUNT]) { ... }
 *   SWIFTLET_HOOK_ON_CALL_ENTER(judge)
 *
 *   static void observe(uint32_t call, uint32_t error, const uint64_t arguments[SWIFTLET_HOOK_ARGUMENT_COUNT]) { ... }
 *   SWIFTLET_HOOK_ON_CALL_EXIT(observe)
 *
 *   static void capture(uint32_t call, uint32_t fd, uint32_t length) { ... }
 *   SWIFTLET_HOOK_ON_DATA(capture)
 *
 * A handler that is not defined is not exported, and the kernel skips its event.
 */
#define SWIFTLET_HOOK_ON_INIT(handler)                                                                          \
    SWIFTLET_HOOK_EXPORT("swiftlet_hook_init") void swiftlet_hook_init(void);                                  \
    void swiftlet_hook_init(void) { handler(); }

#define SWIFTLET_HOOK_ON_CALL_ENTER(handler)                                                                   \
    SWIFTLET_HOOK_EXPORT("swiftlet_hook_call_enter")                                                           \
    int32_t swiftlet_hook_call_enter(int32_t call, int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4,  \
                                     int64_t a5, int64_t a6, int64_t a7, int64_t a8);                          \
    int32_t swiftlet_hook_call_enter(int32_t call, int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4,  \
                                     int64_t a5, int64_t a6, int64_t a7, int64_t a8) {                         \
        const uint64_t arguments[SWIFTLET_HOOK_ARGUMENT_COUNT] = {                                              \
            (uint64_t)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3, (uint64_t)a4,                               \
            (uint64_t)a5, (uint64_t)a6, (uint64_t)a7, (uint64_t)a8};                                            \
        return handler((uint32_t)call, arguments);                                                             \
    }

#define SWIFTLET_HOOK_ON_CALL_EXIT(handler)                                                                    \
    SWIFTLET_HOOK_EXPORT("swiftlet_hook_call_exit")                                                            \
    void swiftlet_hook_call_exit(int32_t call, int32_t error, int64_t a0, int64_t a1, int64_t a2, int64_t a3,   \
                                 int64_t a4, int64_t a5, int64_t a6, int64_t a7, int64_t a8);                  \
    void swiftlet_hook_call_exit(int32_t call, int32_t error, int64_t a0, int64_t a1, int64_t a2, int64_t a3,   \
                                 int64_t a4, int64_t a5, int64_t a6, int64_t a7, int64_t a8) {                 \
        const uint64_t arguments[SWIFTLET_HOOK_ARGUMENT_COUNT] = {                                              \
            (uint64_t)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3, (uint64_t)a4,                               \
            (uint64_t)a5, (uint64_t)a6, (uint64_t)a7, (uint64_t)a8};                                            \
        handler((uint32_t)call, (uint32_t)error, arguments);                                                   \
    }

#define SWIFTLET_HOOK_ON_DATA(handler)                                                                         \
    SWIFTLET_HOOK_EXPORT("swiftlet_hook_data") void swiftlet_hook_data(int32_t call, int32_t fd, int32_t length); \
    void swiftlet_hook_data(int32_t call, int32_t fd, int32_t length) {                                         \
        handler((uint32_t)call, (uint32_t)fd, (uint32_t)length);                                               \
    }

/* The calls whose enter (or exit) events the hook hears, as a mask of SWIFTLET_HOOK_CALL_BIT(...): e.g.
 *   SWIFTLET_HOOK_SELECT_CALL_ENTER(SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_PROC_EXIT))
 */
#define SWIFTLET_HOOK_SELECT_CALL_ENTER(mask)                                                                  \
    SWIFTLET_HOOK_EXPORT("swiftlet_hook_call_enter_calls") uint64_t swiftlet_hook_call_enter_calls(void);       \
    uint64_t swiftlet_hook_call_enter_calls(void) { return (mask); }

#define SWIFTLET_HOOK_SELECT_CALL_EXIT(mask)                                                                   \
    SWIFTLET_HOOK_EXPORT("swiftlet_hook_call_exit_calls") uint64_t swiftlet_hook_call_exit_calls(void);         \
    uint64_t swiftlet_hook_call_exit_calls(void) { return (mask); }

#undef SWIFTLET_HOOK_IMPORT

#ifdef __cplusplus
}
#endif

#endif
