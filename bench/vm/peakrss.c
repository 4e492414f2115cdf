// Runs a command and prints its peak resident set size in KiB (ru_maxrss of the child). A small C parent, because
// Linux charges the parent's pre-exec memory to a forked child's peak: measured from Python it would read Python's.
// Build: cc -O2 -o peakrss bench/vm/peakrss.c      Run: ./peakrss COMMAND [ARGS...]
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    pid_t child = fork();
    if (child == 0) {
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    int status;
    struct rusage usage;
    if (wait4(child, &status, 0, &usage) < 0) return 1;
    printf("%ld\n", usage.ru_maxrss);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
