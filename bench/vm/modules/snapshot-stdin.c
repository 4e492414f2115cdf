#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// Initializes state, then reads a line from stdin, as an interpreter reading its script with `python -` does: a VM
// snapshot taken at the first read of stdin keeps the state, and each restored run answers its own input.
static unsigned table[4096];
// Memory the module touches before reading stdin on request (`snapshot-stdin.wasm MIB`), so that the snapshot holds
// that much more: bench/snapshot measures capture and restore against it.
static char touched[64 << 20];

int main(int argc, char **argv) {
    long mebibytes = argc > 1 ? atol(argv[1]) : 0;
    unsigned sum = 0;
    volatile char *pages = touched;  // volatile: the stores stay although nothing reads them
    for (long offset = 0; offset < mebibytes << 20 && offset < (long)sizeof touched; offset += 4096) pages[offset] = 1;
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
