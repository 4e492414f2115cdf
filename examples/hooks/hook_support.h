// What the example hooks share (hook_support.c, linked into each): text lines for the output stream, reading the
// application's memory, the accepted sockets, the CONFIG string and the calls' names.
#ifndef HOOK_SUPPORT_H
#define HOOK_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <swiftlet/hook.h>

typedef const uint64_t hook_arguments[SWIFTLET_HOOK_ARGUMENT_COUNT];

// WASI's name of `call` ("fd_write"), or "unknown" for a number past the last call.
const char *call_name(uint32_t call);

// A line of text built in place and emitted whole: a line too long for it is cut short, never split.
#define LINE_CAPACITY 1024
struct line {
    uint32_t length;
    char text[LINE_CAPACITY];
};

void line_append(struct line *line, const char *text);
void line_append_bytes(struct line *line, const char *bytes, uint32_t length);
void line_append_decimal(struct line *line, uint64_t value);
void line_append_signed(struct line *line, int64_t value);
void line_append_hex(struct line *line, uint64_t value);
// `bytes` between double quotes, with \" \\ \n \r \t and \xHH for the other bytes outside printable ASCII, then
// `...` when `truncated` (the string went on).
void line_append_quoted(struct line *line, const char *bytes, uint32_t length, bool truncated);
// Ends the line with a newline, emits it and empties it.
void line_emit(struct line *line);

// Little-endian values in the application's memory; false when `address` is outside it.
bool read_application_u32(uint64_t address, uint32_t *value);
bool read_application_u64(uint64_t address, uint64_t *value);
// The byte count of `count` iovecs (ciovecs, the same layout) at `address`; false when they are outside the
// application's memory.
bool iovec_total(uint64_t address, uint64_t count, uint64_t *total);

// The sockets: fds that sock_accept returned, followed through fd_close and fd_renumber. Descriptors from
// MAX_SOCKET_FD on are not followed.
#define MAX_SOCKET_FD 4096
enum socket_change_kind { SOCKETS_UNCHANGED, SOCKET_ACCEPTED, SOCKET_CLOSED, SOCKET_RENUMBERED };
struct socket_change {
    enum socket_change_kind kind;
    // The accepted or closed socket; for SOCKET_RENUMBERED the socket's old number.
    uint32_t fd;
    // For SOCKET_RENUMBERED, its new number (a socket that had that number is gone).
    uint32_t renumbered_to;
};
// Call from a call exit handler: updates the sockets and says what changed.
struct socket_change follow_sockets(uint32_t call, uint32_t error, hook_arguments arguments);
// The calls whose exits follow_sockets needs to see.
#define SOCKET_CALLS                                                                                           \
    (SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_SOCK_ACCEPT) | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_FD_CLOSE)  \
     | SWIFTLET_HOOK_CALL_BIT(SWIFTLET_HOOK_CALL_FD_RENUMBER))
bool is_socket(uint64_t fd);

// The value of `key` in the hook's CONFIG, a comma-separated list of key=value, copied NUL-terminated into value
// (cut at capacity - 1 bytes); false when CONFIG does not name `key`.
bool config_value(const char *key, char *value, uint32_t capacity);
// `text` as a decimal number; false when it is not one (or too large for 64 bits).
bool parse_decimal(const char *text, uint64_t *value);

#endif
