// A WAGI module for `swiftlet serve`'s tests and benchmarks: what it does depends on the request's path (PATH_INFO
// after the route). Each response is written whole, in one write (one exit in a micro-VM).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

// Set by a request to /mark: a restored sandbox must never see an earlier request's mark.
static char mark[64] = "unmarked";

static void respond(const char *head, const char *body, size_t length) {
    size_t head_length = strlen(head);
    char *out = malloc(head_length + length);
    memcpy(out, head, head_length);
    memcpy(out + head_length, body, length);
    for (size_t sent = 0; sent < head_length + length;) {
        ssize_t written = write(1, out + sent, head_length + length - sent);
        if (written <= 0) exit(1);
        sent += (size_t)written;
    }
}

static void text(const char *body) {
    respond("Content-Type: text/plain\n\n", body, strlen(body));
}

int main(void) {
    const char *path = getenv("PATH_INFO");
    if (!path) return 2;
    if (strcmp(path, "/hello") == 0) {
        text("hello from a fresh sandbox\n");
    } else if (strcmp(path, "/echo") == 0) {
        // The body from stdin, all of it, with the request's content type.
        size_t capacity = 1 << 16, length = 0;
        char *body = malloc(capacity);
        for (;;) {
            if (length == capacity) body = realloc(body, capacity *= 2);
            ssize_t got = read(0, body + length, capacity - length);
            if (got <= 0) break;
            length += (size_t)got;
        }
        char head[256];
        const char *type = getenv("CONTENT_TYPE");
        snprintf(head, sizeof head, "Content-Type: %s\nX-Content-Length: %s\n\n", type && *type ? type : "text/plain",
                 getenv("CONTENT_LENGTH"));
        respond(head, body, length);
    } else if (strcmp(path, "/env") == 0) {
        char body[16384] = "";
        for (char **variable = environ; *variable; variable++) {
            strncat(body, *variable, sizeof body - strlen(body) - 2);
            strcat(body, "\n");
        }
        text(body);
    } else if (strcmp(path, "/mark") == 0) {
        char body[128];
        snprintf(body, sizeof body, "%s\n", mark);
        snprintf(mark, sizeof mark, "marked by %s", getenv("QUERY_STRING"));
        text(body);
    } else if (strcmp(path, "/trap") == 0) {
        __builtin_trap();
    } else if (strcmp(path, "/loop") == 0) {
        volatile unsigned long spins = 0;
        for (;;) spins++;
    } else if (strcmp(path, "/sleep") == 0) {
        struct timespec pause = {0, 200 * 1000 * 1000};
        nanosleep(&pause, NULL);
        text("slept\n");
    } else if (strcmp(path, "/redirect") == 0) {
        respond("Location: /hello\n\n", "", 0);
    } else if (strcmp(path, "/teapot") == 0) {
        respond("Status: 418 I'm a teapot\r\nContent-Type: text/plain\r\nX-Probe: yes\r\n\r\n", "short and stout\n", 16);
    } else if (strcmp(path, "/silent") == 0) {
        // No output at all: not a CGI response.
    } else if (strcmp(path, "/exit") == 0) {
        text("exiting with 3\n");
        return 3;
    } else {
        respond("Status: 404 Not Found\nContent-Type: text/plain\n\n", "no such probe\n", 14);
    }
    return 0;
}
