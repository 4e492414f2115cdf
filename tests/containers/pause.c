/* A pod's pause container for the CRI test: a static native program that sleeps until it is stopped, as Kubernetes'
 * pause image does (built by the test; the real one is on a registry this machine does not reach). */
#include <signal.h>
#include <unistd.h>

static void stop(int signal) {
    (void)signal;
    _exit(0);
}

int main(void) {
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    for (;;) pause();
}
