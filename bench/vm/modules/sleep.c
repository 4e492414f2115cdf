#include <stdio.h>
#include <unistd.h>

// Blocks in the host (WASI poll_oneoff) rather than spinning: --timeout must wake it.
int main(void) {
    printf("sleeping\n");
    fflush(stdout);
    sleep(30);
    printf("woke\n");
    return 0;
}
