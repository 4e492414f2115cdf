#include "hook_support.h"

#include <string.h>

static const char *const call_names[SWIFTLET_HOOK_CALL_COUNT] = {
    "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get", "clock_time_get",
    "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags",
    "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
    "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
    "fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get", "path_filestat_set_times",
    "path_link", "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
    "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise", "random_get", "sched_yield", "sock_accept",
    "sock_recv", "sock_send", "sock_shutdown",
};

const char *call_name(uint32_t call) {
    return call < SWIFTLET_HOOK_CALL_COUNT ? call_names[call] : "unknown";
}

void line_append_bytes(struct line *line, const char *bytes, uint32_t length) {
    // One byte stays free for line_emit's newline.
    uint32_t room = LINE_CAPACITY - 1 - line->length;
    if (length > room) length = room;
    memcpy(line->text + line->length, bytes, length);
    line->length += length;
}

void line_append(struct line *line, const char *text) {
    line_append_bytes(line, text, (uint32_t)strlen(text));
}

static void append_digits(struct line *line, uint64_t value, uint32_t base) {
    char digits[20];
    uint32_t count = 0;
    do {
        digits[sizeof digits - ++count] = "0123456789abcdef"[value % base];
        value /= base;
    } while (value);
    line_append_bytes(line, digits + sizeof digits - count, count);
}

void line_append_decimal(struct line *line, uint64_t value) {
    append_digits(line, value, 10);
}

void line_append_signed(struct line *line, int64_t value) {
    if (value < 0) {
        line_append(line, "-");
        // Negated as unsigned, so INT64_MIN has a magnitude too.
        append_digits(line, 0 - (uint64_t)value, 10);
    } else {
        append_digits(line, (uint64_t)value, 10);
    }
}

void line_append_hex(struct line *line, uint64_t value) {
    line_append(line, "0x");
    append_digits(line, value, 16);
}

void line_append_quoted(struct line *line, const char *bytes, uint32_t length, bool truncated) {
    line_append(line, "\"");
    for (uint32_t index = 0; index < length; index++) {
        unsigned char byte = (unsigned char)bytes[index];
        const char *escape = byte == '"' ? "\\\"" : byte == '\\' ? "\\\\" : byte == '\n' ? "\\n"
                           : byte == '\r' ? "\\r" : byte == '\t' ? "\\t" : NULL;
        if (escape) {
            line_append(line, escape);
        } else if (byte < 0x20 || byte >= 0x7f) {
            char hex[4] = {'\\', 'x', "0123456789abcdef"[byte >> 4], "0123456789abcdef"[byte & 15]};
            line_append_bytes(line, hex, sizeof hex);
        } else {
            line_append_bytes(line, (const char *)&byte, 1);
        }
    }
    line_append(line, truncated ? "\"..." : "\"");
}

void line_emit(struct line *line) {
    line->text[line->length++] = '\n';
    swiftlet_hook_emit(line->text, line->length);
    line->length = 0;
}

bool read_application_u32(uint64_t address, uint32_t *value) {
    unsigned char bytes[4];
    if (address > UINT32_MAX || swiftlet_hook_read_memory((uint32_t)address, sizeof bytes, bytes) < 0) return false;
    *value = (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
    return true;
}

bool read_application_u64(uint64_t address, uint64_t *value) {
    uint32_t low, high;
    if (!read_application_u32(address, &low) || !read_application_u32(address + 4, &high)) return false;
    *value = (uint64_t)high << 32 | low;
    return true;
}

bool iovec_total(uint64_t address, uint64_t count, uint64_t *total) {
    // An iovec is {u32 buffer, u32 length}; they are read a batch per import call.
    enum { IOVEC_SIZE = 8, BATCH = 64 };
    static unsigned char iovecs[BATCH * IOVEC_SIZE];
    if (address > UINT32_MAX || count > UINT32_MAX / IOVEC_SIZE) return false;
    *total = 0;
    for (uint64_t done = 0; done < count;) {
        uint32_t batch = count - done < BATCH ? (uint32_t)(count - done) : BATCH;
        if (swiftlet_hook_read_memory((uint32_t)(address + done * IOVEC_SIZE), batch * IOVEC_SIZE, iovecs) < 0) {
            return false;
        }
        for (uint32_t index = 0; index < batch; index++) {
            const unsigned char *length = iovecs + index * IOVEC_SIZE + 4;
            *total += (uint32_t)length[0] | (uint32_t)length[1] << 8 | (uint32_t)length[2] << 16
                    | (uint32_t)length[3] << 24;
        }
        done += batch;
    }
    return true;
}

static uint8_t sockets[MAX_SOCKET_FD / 8];

bool is_socket(uint64_t fd) {
    return fd < MAX_SOCKET_FD && sockets[fd / 8] & 1u << (fd % 8);
}

static void mark_socket(uint32_t fd, bool socket) {
    if (fd >= MAX_SOCKET_FD) return;
    if (socket) {
        sockets[fd / 8] |= (uint8_t)(1u << (fd % 8));
    } else {
        sockets[fd / 8] &= (uint8_t)~(1u << (fd % 8));
    }
}

struct socket_change follow_sockets(uint32_t call, uint32_t error, hook_arguments arguments) {
    struct socket_change change = {SOCKETS_UNCHANGED, 0, 0};
    if (error) return change;
    switch (call) {
    case SWIFTLET_HOOK_CALL_SOCK_ACCEPT: {
        uint32_t fd;
        if (read_application_u32(arguments[2], &fd) && fd < MAX_SOCKET_FD) {
            mark_socket(fd, true);
            change = (struct socket_change){SOCKET_ACCEPTED, fd, 0};
        }
        break;
    }
    case SWIFTLET_HOOK_CALL_FD_CLOSE:
        if (is_socket(arguments[0])) {
            mark_socket((uint32_t)arguments[0], false);
            change = (struct socket_change){SOCKET_CLOSED, (uint32_t)arguments[0], 0};
        }
        break;
    case SWIFTLET_HOOK_CALL_FD_RENUMBER: {
        uint64_t from = arguments[0], to = arguments[1];
        if (from == to) break;
        if (is_socket(from)) {
            mark_socket((uint32_t)from, false);
            mark_socket((uint32_t)to, true);
            change = (struct socket_change){SOCKET_RENUMBERED, (uint32_t)from, (uint32_t)to};
        } else if (is_socket(to)) {
            mark_socket((uint32_t)to, false);
            change = (struct socket_change){SOCKET_CLOSED, (uint32_t)to, 0};
        }
        break;
    }
    }
    return change;
}

bool config_value(const char *key, char *value, uint32_t capacity) {
    static char config[1024];
    int32_t length = swiftlet_hook_config(config, sizeof config);
    if (length < 0) return false;
    if ((uint32_t)length > sizeof config) length = sizeof config;
    size_t key_length = strlen(key);
    for (int32_t start = 0; start < length;) {
        int32_t end = start;
        while (end < length && config[end] != ',') end++;
        if ((size_t)(end - start) > key_length && memcmp(config + start, key, key_length) == 0
            && config[start + key_length] == '=') {
            uint32_t value_length = (uint32_t)(end - start - (int32_t)key_length - 1);
            if (value_length > capacity - 1) value_length = capacity - 1;
            memcpy(value, config + start + key_length + 1, value_length);
            value[value_length] = 0;
            return true;
        }
        start = end + 1;
    }
    return false;
}

bool parse_decimal(const char *text, uint64_t *value) {
    if (!*text) return false;
    *value = 0;
    for (; *text; text++) {
        if (*text < '0' || *text > '9') return false;
        uint64_t digit = (uint64_t)(*text - '0');
        if (*value > (UINT64_MAX - digit) / 10) return false;
        *value = *value * 10 + digit;
    }
    return true;
}
