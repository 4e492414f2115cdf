#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Allocates and touches 1 MiB blocks until malloc fails, then reports how many it got.
static char *volatile last;

int main(void) {
    int blocks = 0;
    for (;;) {
        char *block = malloc(1 << 20);
        if (!block) break;
        memset(block, 1, 1 << 20);
        last = block;
        blocks++;
    }
    printf("allocated %d MiB before malloc failed\n", blocks);
    return 0;
}
