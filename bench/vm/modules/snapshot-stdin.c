#include <stdio.h>
#include <string.h>
#include <unistd.h>

// Initializes state, then reads a line from stdin, as an interpreter reading its script with `python -` does: a VM
// snapshot taken at the first read of stdin keeps the state, and each restored run answers its own input.
static unsigned table[4096];

int main(void) {
    unsigned sum = 0;
    for (unsigned index = 0; index < 4096; index++) {
        table[index] = index * index;
        sum += table[index];
    }
    char line[128];
    if (!fgets(line, sizeof line, stdin)) {
        printf("no input\n");
        return 1;
    }
    line[strcspn(line, "\n")] = 0;
    unsigned char bytes[4];
    if (getentropy(bytes, sizeof bytes) != 0) return 2;
    printf("sum %u input %s random %02x%02x%02x%02x\n", sum, line, bytes[0], bytes[1], bytes[2], bytes[3]);
    if (strcmp(line, "spin") == 0) {
        volatile unsigned spins = 0;
        for (;;) spins++;
    }
    return 0;
}
