#include <stdio.h>

int main(int argc, char **argv) {
    printf("hello from C in WebAssembly\n");
    return 0;
}
