/* A WASI program with a known sequence of calls, for the hook tests: it reads in.txt, fails to open missing.txt,
 * writes out.txt and tries to write outside /out, under a preopen named /out (with in.txt in it) and one named
 * /data. It keeps a pattern in its memory and checks, after every call, that no hook changed it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static unsigned char pattern[4096];

static void check_pattern(const char *after) {
    for (unsigned i = 0; i < sizeof pattern; i++) {
        if (pattern[i] != (unsigned char)(i * 7 + 3)) {
            printf("memory changed after %s\n", after);
            return;
        }
    }
}

static void report(const char *what, int ok) {
    char line[128];
    int length = snprintf(line, sizeof line, "%s: %s\n", what, ok ? "ok" : strerror(errno));
    write(1, line, (size_t)length); /* one iovec per line, so both isolations make the same calls */
    check_pattern(what);
}

int main(void) {
    for (unsigned i = 0; i < sizeof pattern; i++) pattern[i] = (unsigned char)(i * 7 + 3);
    char buffer[64] = {0};
    int in = open("/out/in.txt", O_RDONLY);
    report("open in.txt", in >= 0);
    ssize_t got = in >= 0 ? read(in, buffer, sizeof buffer - 1) : -1;
    report("read in.txt", got == 5 && memcmp(buffer, "hello", 5) == 0);
    if (in >= 0) close(in);
    int missing = open("/out/missing.txt", O_RDONLY);
    report("open missing.txt", missing >= 0);
    int out = open("/out/out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    report("create out.txt", out >= 0);
    report("write out.txt", out >= 0 && write(out, "written\n", 8) == 8);
    if (out >= 0) close(out);
    int outside = open("/data/outside.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    report("create /data/outside.txt", outside >= 0);
    if (outside >= 0) close(outside);
    return 0;
}
