#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// A command module with a Wizer-style initializer, for VM snapshots taken after initialization: the restored runs
// call _start (main) or the `bump` export with their own arguments, and must each find the state the initializer left
// (counter 41, "initialized"), never a previous restored run's.
static int counter;
static char state[16];
// Pages a run dirties on request (`dirty N`): .bss, so part of linear memory from the start and untouched until then.
static char scratch[80 << 20];

__attribute__((export_name("wizer.initialize"))) void initialize(void) {
    counter = 41;
    memcpy(state, "initialized", 12);
}

__attribute__((export_name("bump"))) int bump(int by) {
    counter += 1;
    return counter + by;
}

int main(int argc, char **argv) {
    counter += 1;
    unsigned char bytes[8];
    if (getentropy(bytes, sizeof bytes) != 0) return 2;
    struct timespec monotonic, realtime;
    clock_gettime(CLOCK_MONOTONIC, &monotonic);
    clock_gettime(CLOCK_REALTIME, &realtime);
    printf("counter %d state %s args", counter, state);
    for (int index = 1; index < argc; index++) printf(" %s", argv[index]);
    printf("\nrandom ");
    for (unsigned index = 0; index < sizeof bytes; index++) printf("%02x", bytes[index]);
    printf("\nmonotonic %lld\nrealtime %lld\n", monotonic.tv_sec * 1000000000LL + monotonic.tv_nsec,
           realtime.tv_sec * 1000000000LL + realtime.tv_nsec);
    if (argc > 1 && strcmp(argv[1], "spin") == 0) {
        volatile unsigned spins = 0;
        for (;;) spins++;
    }
    long pages = argc > 2 ? atol(argv[2]) : 0;
    if (pages > (long)(sizeof scratch / 4096)) pages = sizeof scratch / 4096;
    if (argc > 2 && strcmp(argv[1], "dirty") == 0) {
        for (long page = 0; page < pages; page++) scratch[page * 4096] = 1;
    }
    if (argc > 2 && strcmp(argv[1], "check") == 0) {
        long seen = 0;
        for (long page = 0; page < pages; page++) seen += scratch[page * 4096] != 0;
        printf("dirty pages seen %ld\n", seen);
    }
    return 0;
}
