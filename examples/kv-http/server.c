// The kv-http demo (issue 19): a small HTTP service over a Swiftlet key-value store.
//
//   GET /hello   a greeting
//   GET /foo     the value of key `key` in store `my-container` (404 "Key not found" when it has none)
//   PUT /bar     sets that key to the request body (204)
//
// One program, two ways to serve:
// - long-running: the host preopened a listening socket as fd 3 (`swiftlet serve --model long-running`, or
//   `swiftlet run --tcplisten`), and this program serves every connection itself, many at once, from one thread: a
//   poll() loop over non-blocking sockets, so a slow client never holds up the others;
// - per request (WAGI, `swiftlet serve`): no socket, the request is in CGI variables and on stdin, and the response
//   goes to stdout as CGI headers, a blank line and the body.
//
// Build: make demo (clang --target=wasm32-wasi with wasi-libc, -I include for swiftlet/kv.h). Plain POSIX and kv.h
// only, so it also builds natively against a C definition of the kv functions.
#define _GNU_SOURCE  // accept4 in a native build (wasi-libc declares it anyway)
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <swiftlet/kv.h>

#define STORE_NAME "my-container"
#define KEY "key"
// The host's default value limit (kv.h): a longer body could not be stored anyway.
#define MAX_BODY (1 << 20)
#define MAX_HEAD 8192
#define MAX_CONNECTIONS 256

struct response {
    int status;
    const char *reason;
    const char *content_type;  // NULL: no body, no Content-Type
    const char *body;
    size_t body_length;
    // A heap buffer the body points into, freed once the response is sent.
    char *owned;
};

static void respond(struct response *response, int status, const char *reason, const char *body) {
    response->status = status;
    response->reason = reason;
    response->content_type = "text/plain";
    response->body = body;
    response->body_length = strlen(body);
    response->owned = NULL;
}

// The store is opened once per run; a handle holds nothing on the host (kv.h). Under `swiftlet serve` it is opened
// while the module is initialized, before the snapshot every request is restored from: requests then make no host
// call (an exit, in a micro-VM) to open it again.
static uint32_t open_store(swiftlet_kv_store *store) {
    static swiftlet_kv_store opened;
    static int is_open;
    if (!is_open) {
        uint32_t error = swiftlet_kv_open(STORE_NAME, strlen(STORE_NAME), &opened);
        if (error) return error;
        is_open = 1;
    }
    *store = opened;
    return 0;
}

// Wizer's initialization export, which `swiftlet serve` calls before its snapshot (a route that grants no store
// leaves the store to be refused when a request asks for it).
#ifdef __wasm__
__attribute__((export_name("wizer.initialize")))
#endif
void initialize(void) {
    swiftlet_kv_store store;
    (void)open_store(&store);
}

static void get_value(struct response *response) {
    swiftlet_kv_store store;
    uint32_t error = open_store(&store);
    // Most values fit the first guess; a longer one says its length (RANGE) and is read again into a buffer its size.
    size_t capacity = 4096, length = 0;
    char *value = NULL;
    while (!error) {
        value = realloc(value, capacity ? capacity : 1);
        if (!value) {
            respond(response, 500, "Internal Server Error", "Out of memory\n");
            return;
        }
        error = swiftlet_kv_get(store, KEY, strlen(KEY), value, capacity, &length);
        if (error != SWIFTLET_KV_ERRNO_RANGE) break;
        capacity = length;
        error = 0;
    }
    if (error == SWIFTLET_KV_ERRNO_NOENT) {
        free(value);
        respond(response, 404, "Not Found", "Key not found\n");
    } else if (error) {
        free(value);
        respond(response, 500, "Internal Server Error", "The key-value store failed\n");
    } else {
        respond(response, 200, "OK", "");
        response->content_type = "application/octet-stream";
        response->body = value;
        response->body_length = length;
        response->owned = value;
    }
}

static void set_value(const char *body, size_t length, struct response *response) {
    swiftlet_kv_store store;
    uint32_t error = open_store(&store);
    if (!error) error = swiftlet_kv_set(store, KEY, strlen(KEY), body, length);
    if (error == SWIFTLET_KV_ERRNO_2BIG) {
        respond(response, 413, "Content Too Large", "Value too large\n");
    } else if (error) {
        respond(response, 500, "Internal Server Error", "The key-value store failed\n");
    } else {
        respond(response, 204, "No Content", "");
        response->content_type = NULL;  // a 204 has no body to describe
    }
}

// The service itself, the same whichever way the request came.
static void handle(const char *method, const char *path, size_t path_length, const char *body, size_t body_length,
                   struct response *response) {
#define IS(literal) (path_length == strlen(literal) && memcmp(path, literal, path_length) == 0)
    int get = strcmp(method, "GET") == 0, put = strcmp(method, "PUT") == 0;
    if (IS("/hello")) {
        if (get) respond(response, 200, "OK", "Hello from Swiftlet!\n");
        else respond(response, 405, "Method Not Allowed", "Method not allowed\n");
    } else if (IS("/foo")) {
        if (get) get_value(response);
        else respond(response, 405, "Method Not Allowed", "Method not allowed\n");
    } else if (IS("/bar")) {
        if (put) set_value(body, body_length, response);
        else respond(response, 405, "Method Not Allowed", "Method not allowed\n");
    } else {
        respond(response, 404, "Not Found", "Not found\n");
    }
#undef IS
}

// MARK: Per request (WAGI)

static int write_all(int fd, const char *bytes, size_t length) {
    while (length > 0) {
        ssize_t written = write(fd, bytes, length);
        if (written < 0) return -1;
        bytes += written;
        length -= (size_t)written;
    }
    return 0;
}

static int serve_cgi_request(const char *method) {
    const char *script = getenv("SCRIPT_NAME"), *info = getenv("PATH_INFO");
    const char *content_length = getenv("CONTENT_LENGTH");
    // The request path is SCRIPT_NAME (the route) followed by PATH_INFO (the rest), as CGI splits it.
    char path[MAX_HEAD];
    int path_length = snprintf(path, sizeof path, "%s%s", script ? script : "", info ? info : "");
    if (path_length < 0 || path_length >= (int)sizeof path) path_length = 0;

    size_t expected = content_length ? strtoul(content_length, NULL, 10) : 0;
    if (expected > MAX_BODY) expected = MAX_BODY + 1;
    char *body = malloc(expected + 1);
    size_t length = 0;
    while (body && length < expected) {
        ssize_t got = read(0, body + length, expected - length);
        if (got <= 0) break;
        length += (size_t)got;
    }
    struct response response;
    if (!body) respond(&response, 500, "Internal Server Error", "Out of memory\n");
    else if (length > MAX_BODY) respond(&response, 413, "Content Too Large", "Value too large\n");
    else handle(method, path, (size_t)path_length, body, length, &response);

    // Headers and body in one write: in a micro-VM each write to stdout is one exit.
    char head[256];
    int head_length = snprintf(head, sizeof head, "Status: %d %s\n%s%s%s\n", response.status, response.reason,
                               response.content_type ? "Content-Type: " : "",
                               response.content_type ? response.content_type : "", response.content_type ? "\n" : "");
    char *out = malloc((size_t)head_length + response.body_length);
    if (!out) return 1;
    memcpy(out, head, (size_t)head_length);
    memcpy(out + head_length, response.body, response.body_length);
    int failed = write_all(1, out, (size_t)head_length + response.body_length);
    free(out);
    free(response.owned);
    free(body);
    return failed ? 1 : 0;
}

// MARK: Long-running (the host's listening socket, fd 3)

struct connection {
    int fd;
    // Bytes received and not yet consumed (a request in progress, and any pipelined after it).
    char *in;
    size_t in_length, in_capacity;
    // The response being sent, and how much of it went.
    char *out;
    size_t out_length, out_sent;
    int close_after_response;
};

static struct connection connections[MAX_CONNECTIONS];
static size_t connection_count;

static void close_connection(size_t index) {
    struct connection *connection = &connections[index];
    close(connection->fd);
    free(connection->in);
    free(connection->out);
    connections[index] = connections[--connection_count];
}

static const char *find(const char *bytes, size_t length, const char *needle) {
    size_t needle_length = strlen(needle);
    for (size_t at = 0; at + needle_length <= length; at++) {
        if (memcmp(bytes + at, needle, needle_length) == 0) return bytes + at;
    }
    return NULL;
}

// The value of header `name` in the head (from just after the request line to the blank line), or NULL.
static const char *header_value(const char *head, const char *end, const char *name, size_t *length) {
    size_t name_length = strlen(name);
    for (const char *line = head; line < end;) {
        const char *line_end = find(line, (size_t)(end - line), "\r\n");
        if (!line_end) line_end = end;
        if ((size_t)(line_end - line) > name_length && line[name_length] == ':' &&
            strncasecmp(line, name, name_length) == 0) {
            const char *value = line + name_length + 1;
            while (value < line_end && (*value == ' ' || *value == '\t')) value++;
            *length = (size_t)(line_end - value);
            return value;
        }
        line = line_end + 2;
    }
    return NULL;
}

static void queue_response(struct connection *connection, const struct response *response) {
    char head[256], framing[128] = "";
    // A 204 carries neither a body nor its length (RFC 9110 8.6).
    if (response->content_type) {
        snprintf(framing, sizeof framing, "Content-Type: %s\r\nContent-Length: %zu\r\n", response->content_type,
                 response->body_length);
    }
    int head_length = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\n%s%s\r\n", response->status, response->reason,
                               framing, connection->close_after_response ? "Connection: close\r\n" : "");
    connection->out = malloc((size_t)head_length + response->body_length);
    if (!connection->out) {
        connection->out_length = 0;
        connection->close_after_response = 1;
        return;
    }
    memcpy(connection->out, head, (size_t)head_length);
    memcpy(connection->out + head_length, response->body, response->body_length);
    connection->out_length = (size_t)head_length + response->body_length;
    connection->out_sent = 0;
}

// Answers the request at the front of the connection's input once all of it arrived; 0 while it is incomplete.
static int take_request(struct connection *connection) {
    const char *in = connection->in;
    const char *head_end = find(in, connection->in_length, "\r\n\r\n");
    struct response response;
    if (!head_end) {
        if (connection->in_length <= MAX_HEAD) return 0;
        connection->close_after_response = 1;
        respond(&response, 431, "Request Header Fields Too Large", "Request head too large\n");
        queue_response(connection, &response);
        return 1;
    }
    size_t head_length = (size_t)(head_end - in) + 4;
    // Request line: METHOD SP TARGET SP VERSION.
    const char *line_end = find(in, head_length, "\r\n");
    const char *space = memchr(in, ' ', (size_t)(line_end - in));
    const char *target = space ? space + 1 : NULL;
    const char *target_end = target ? memchr(target, ' ', (size_t)(line_end - target)) : NULL;
    if (!space || !target_end || space - in > 15 || line_end - target_end != 9 ||
        memcmp(target_end + 1, "HTTP/1.", 7) != 0) {
        connection->close_after_response = 1;
        respond(&response, 400, "Bad Request", "Bad request\n");
        queue_response(connection, &response);
        return 1;
    }
    size_t value_length;
    const char *value = header_value(line_end + 2, head_end, "Content-Length", &value_length);
    size_t body_length = value ? strtoul(value, NULL, 10) : 0;
    if (body_length > MAX_BODY) {
        connection->close_after_response = 1;
        respond(&response, 413, "Content Too Large", "Value too large\n");
        queue_response(connection, &response);
        return 1;
    }
    if (connection->in_length < head_length + body_length) return 0;

    // HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 closes it unless told to keep it.
    value = header_value(line_end + 2, head_end, "Connection", &value_length);
    int is_http10 = target_end[8] == '0';
    if (value && value_length == 5 && strncasecmp(value, "close", 5) == 0) connection->close_after_response = 1;
    else if (is_http10 && !(value && value_length == 10 && strncasecmp(value, "keep-alive", 10) == 0))
        connection->close_after_response = 1;

    char method[16];
    memcpy(method, in, (size_t)(space - in));
    method[space - in] = 0;
    const char *query = memchr(target, '?', (size_t)(target_end - target));
    size_t path_length = (size_t)((query ? query : target_end) - target);
    handle(method, target, path_length, in + head_length, body_length, &response);
    queue_response(connection, &response);
    free(response.owned);
    // Pipelined requests after this one stay for the next turn.
    size_t used = head_length + body_length;
    memmove(connection->in, connection->in + used, connection->in_length - used);
    connection->in_length -= used;
    return 1;
}

// Reads what the connection has; returns -1 when it should be closed.
static int receive(struct connection *connection) {
    for (;;) {
        if (connection->in_capacity - connection->in_length < 4096) {
            size_t capacity = connection->in_capacity ? connection->in_capacity * 2 : 8192;
            if (capacity > MAX_HEAD + MAX_BODY + 8192) capacity = MAX_HEAD + MAX_BODY + 8192;
            if (capacity == connection->in_capacity) return -1;
            char *grown = realloc(connection->in, capacity);
            if (!grown) return -1;
            connection->in = grown;
            connection->in_capacity = capacity;
        }
        ssize_t got = recv(connection->fd, connection->in + connection->in_length,
                           connection->in_capacity - connection->in_length, 0);
        if (got > 0) {
            connection->in_length += (size_t)got;
            continue;
        }
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        return -1;  // the peer closed, or the connection failed
    }
}

// Sends what it can of the queued response; returns -1 when the connection should be closed.
static int transmit(struct connection *connection) {
    while (connection->out_sent < connection->out_length) {
        ssize_t sent = send(connection->fd, connection->out + connection->out_sent,
                            connection->out_length - connection->out_sent, 0);
        if (sent < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        connection->out_sent += (size_t)sent;
    }
    free(connection->out);
    connection->out = NULL;
    connection->out_length = connection->out_sent = 0;
    return connection->close_after_response ? -1 : 1;
}

static void accept_all(int listener) {
    while (connection_count < MAX_CONNECTIONS) {
        struct sockaddr address;
        socklen_t address_length = sizeof address;
        int fd = accept4(listener, &address, &address_length, SOCK_NONBLOCK);
        if (fd < 0) return;  // EAGAIN: nobody else waiting
        connections[connection_count++] = (struct connection){.fd = fd};
    }
}

// Moves one connection as far as it can go without waiting; -1 when it should be closed.
static int advance(struct connection *connection, short events) {
    if (events & (POLLERR | POLLNVAL)) return -1;
    if (events & POLLOUT || connection->out) {
        int sent = transmit(connection);
        if (sent <= 0) return sent;
    }
    // A peer that closed its side may still be owed responses to what it sent before; then it is closed.
    int peer_closed = events & (POLLIN | POLLHUP) ? receive(connection) < 0 : 0;
    // Requests already received (pipelined) are answered one at a time, each after the previous response went.
    while (!connection->out && connection->in_length > 0 && take_request(connection)) {
        int sent = transmit(connection);
        if (sent <= 0) return sent;
    }
    return peer_closed && !connection->out ? -1 : 0;
}

static int serve_connections(int listener) {
    static struct pollfd polled[MAX_CONNECTIONS + 1];
    for (;;) {
        size_t count = connection_count;
        for (size_t index = 0; index < count; index++) {
            polled[index] = (struct pollfd){
                .fd = connections[index].fd, .events = connections[index].out ? POLLOUT : POLLIN};
        }
        // At capacity the listener is left alone: new clients wait in its backlog.
        size_t polled_count = count;
        if (count < MAX_CONNECTIONS) polled[polled_count++] = (struct pollfd){.fd = listener, .events = POLLIN};
        if (poll(polled, polled_count, -1) < 0) {
            if (errno == EINTR) continue;
            perror("poll");
            return 1;
        }
        // Backwards, so closing one (which moves the last into its place) never skips another.
        for (size_t index = count; index-- > 0;) {
            if (polled[index].revents && advance(&connections[index], polled[index].revents) < 0) {
                close_connection(index);
            }
        }
        if (polled_count > count && polled[count].revents) accept_all(listener);
    }
}

int main(void) {
    // A request's CGI variables first: the environment is answered inside a micro-VM, while asking about fd 3 is an
    // exit to the host, which a request need not pay.
    const char *method = getenv("REQUEST_METHOD");
    if (method) return serve_cgi_request(method);
    struct stat listener;
    if (fstat(3, &listener) == 0 && S_ISSOCK(listener.st_mode)) return serve_connections(3);
    fprintf(stderr, "no request (REQUEST_METHOD) and no listening socket (fd 3): run me with `swiftlet serve`\n");
    return 2;
}
