// The native container of the containerd tests and the benchmark, built with `gcc -static`: what runc runs.
#include <unistd.h>

int main(void) {
    static const char greeting[] = "hello from a native container\n";
    write(1, greeting, sizeof greeting - 1);
    return 0;
}
