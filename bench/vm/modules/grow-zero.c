#include <stdio.h>
#include <stdint.h>

// Grows linear memory by 4 pages (256 KiB) at a time, 192 times, checking that every new page reads zero before
// filling it: the micro-VM's heap hands old copies of the memory back to the host and recycles blocks, and new
// pages must read zero wherever the memory lands.
int main(void) {
    int dirty = 0;
    for (int step = 0; step < 192; step++) {
        long old = __builtin_wasm_memory_grow(0, 4);
        if (old < 0) {
            printf("memory.grow failed at step %d\n", step);
            return 1;
        }
        uint8_t *block = (uint8_t *)(old * 65536);
        for (int index = 0; index < (256 << 10); index++) {
            if (block[index] != 0) dirty++;
            block[index] = (uint8_t)(step + 1);
        }
    }
    printf("grew by 48 MiB; %d non-zero bytes in new memory\n", dirty);
    return dirty != 0;
}
