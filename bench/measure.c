// Runs a command and prints, on one line, its wall time (seconds, from fork to reaping it), CPU time (user + system,
// seconds), peak RSS (KiB, ru_maxrss) and exit status: the whole-process measurement of bench/vm and bench/real.
// A small C parent rather than Python: Linux charges a child's peak RSS with its parent's memory at exec when the
// parent used vfork (as Python's subprocess does), Python's own spawning adds ~0.3 ms to every run here (a quarter
// of the C floor's whole process), and this program's own start-up happens before its clock starts.
// The child's stdin is /dev/null; its stdout and stderr go to the two files named (use /dev/null to drop them).
// Build: cc -O2 -o measure bench/measure.c      Run: ./measure STDOUT-FILE STDERR-FILE COMMAND [ARGS...]
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec + time.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: measure STDOUT-FILE STDERR-FILE COMMAND [ARGS...]\n");
        return 2;
    }
    int input = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int output = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int errors = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (input < 0 || output < 0 || errors < 0) {
        perror("measure: open");
        return 2;
    }
    double start = now();
    pid_t child = fork();
    if (child == 0) {
        dup2(input, 0);
        dup2(output, 1);
        dup2(errors, 2);
        execvp(argv[3], argv + 3);
        _exit(127);
    }
    int status;
    struct rusage usage;
    if (child < 0 || wait4(child, &status, 0, &usage) < 0) {
        perror("measure: fork/wait4");
        return 2;
    }
    double elapsed = now() - start;
    double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
                 usage.ru_stime.tv_usec / 1e6;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("%.6f %.6f %ld %d\n", elapsed, cpu, usage.ru_maxrss, code);
    return 0;
}
