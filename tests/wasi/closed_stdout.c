// Writes to stdout until a write fails, then reports why on stderr: with stdout a pipe nobody reads,
// the guest gets EPIPE and carries on (the host must not die of SIGPIPE).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    long result = 0;
    for (int i = 0; i < 1000000 && result >= 0; i++) result = write(1, "line\n", 5);
    fprintf(stderr, "stopped: %s\n", result < 0 ? strerror(errno) : "never");
    return 3;
}
