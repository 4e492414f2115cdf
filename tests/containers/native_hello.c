// The native container of the containerd tests and the benchmark, built with `gcc -static`: what runc runs. With an
// argument it then waits for a signal (the benchmark's long-running container, whose memory it reads).
#include <unistd.h>

int main(int argc, char **argv) {
    (void)argv;
    static const char greeting[] = "hello from a native container\n";
    write(1, greeting, sizeof greeting - 1);
    if (argc > 1) pause();
    return 0;
}
