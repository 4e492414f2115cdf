#include <stdio.h>
#include <unistd.h>

// Four bytes from WASI random_get, which the kernel answers from its ChaCha20 generator without an exit.
int main(void) {
    unsigned char bytes[4];
    if (getentropy(bytes, sizeof bytes) != 0) {
        printf("random_get failed\n");
        return 1;
    }
    printf("%02x%02x%02x%02x\n", bytes[0], bytes[1], bytes[2], bytes[3]);
    return 0;
}
