// An echo server on the listening socket the host passes as fd 3 (swiftlet run --tcplisten): serves two
// clients in turn, each until it shuts down its side, then reports what it served. The first is served with
// sock_recv/sock_send, the second with fd_read/fd_write.
#include "check.h"

static int serve(__wasi_fd_t listener, int with_fd_calls) {
    __wasi_subscription_t subscription = {0};
    subscription.userdata = 3;
    subscription.u.tag = __WASI_EVENTTYPE_FD_READ;
    subscription.u.u.fd_read.file_descriptor = listener;
    __wasi_event_t event;
    __wasi_size_t count;
    __wasi_errno_t error = __wasi_poll_oneoff(&subscription, &event, 1, &count);
    if (error || count != 1 || event.error) {
        printf("poll -> %d events=%u\n", error, (unsigned)count);
        return -1;
    }
    __wasi_fd_t connection;
    error = __wasi_sock_accept(listener, 0, &connection);
    if (error) {
        printf("accept -> %d\n", error);
        return -1;
    }
    __wasi_fdstat_t stat;
    __wasi_fd_fdstat_get(connection, &stat);
    printf("accepted, filetype=%u\n", stat.fs_filetype);
    char peeked[4] = {0};
    __wasi_iovec_t peek = {(uint8_t *)peeked, 3};
    __wasi_size_t used;
    __wasi_roflags_t flags;
    error = __wasi_sock_recv(connection, &peek, 1, __WASI_RIFLAGS_RECV_PEEK, &used, &flags);
    printf("peek -> %d [%s]\n", error, peeked);
    int total = 0;
    for (;;) {
        char buffer[256];
        __wasi_iovec_t in = {(uint8_t *)buffer, sizeof buffer};
        error = with_fd_calls ? __wasi_fd_read(connection, &in, 1, &used)
                              : __wasi_sock_recv(connection, &in, 1, 0, &used, &flags);
        if (error) {
            printf("recv -> %d\n", error);
            return -1;
        }
        if (used == 0) break;
        total += used;
        size_t sent = 0;
        while (sent < used) {
            __wasi_ciovec_t out = {(const uint8_t *)buffer + sent, used - sent};
            __wasi_size_t wrote;
            error = with_fd_calls ? __wasi_fd_write(connection, &out, 1, &wrote)
                                  : __wasi_sock_send(connection, &out, 1, 0, &wrote);
            if (error) {
                printf("send -> %d\n", error);
                return -1;
            }
            sent += wrote;
        }
    }
    CHECK(__wasi_sock_shutdown(connection, __WASI_SDFLAGS_WR));
    CHECK(__wasi_fd_close(connection));
    return total;
}

int main(void) {
    unbuffered();
    __wasi_fdstat_t stat;
    CHECK(__wasi_fd_fdstat_get(3, &stat));
    printf("listener filetype=%u\n", stat.fs_filetype);
    CHECK(__wasi_sock_shutdown(0, __WASI_SDFLAGS_WR));
    __wasi_fd_t none;
    CHECK(__wasi_sock_accept(3, 0, &none));
    printf("listener flags=%u\n", stat.fs_flags);
    for (int client = 0; client < 2; client++) printf("served %d bytes\n", serve(3, client == 1));
    return 0;
}
