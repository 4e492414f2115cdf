// Not a kernel: how much of a run's time the machine takes away from it. Reads CLOCK_MONOTONIC in a tight loop for N
// seconds and adds up every gap between two reads longer than 2 µs: the time spent in interrupts (the host's timer
// tick, and in the micro-VM the exit each costs), preemption and anything else that stops the loop. In the micro-VM
// the clock is read in the guest (rdtsc, no exit); in-process through the WASI host (the vDSO).
// Usage: interruptions N; prints the percentage lost and the gaps' count.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec * 1000000000ll + time.tv_nsec;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 2;
    long long start = now(), last = start, lost = 0, gaps = 0;
    while (last - start < seconds * 1e9) {
        long long time = now();
        if (time - last > 2000) {
            gaps++;
            lost += time - last;
        }
        last = time;
    }
    printf("%.2f%% lost in %lld gaps\n", 100.0 * lost / (last - start), gaps);
    return 0;
}
