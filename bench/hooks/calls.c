// The hook benchmark's application: argv[1] args_sizes_get calls and nothing else. The guest kernel answers
// args_sizes_get itself, without leaving the micro-VM, so a call's cost is the kernel's and its hooks'.
#include <stdlib.h>
#include <wasi/api.h>

int main(int argc, char **argv) {
    long count = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    __wasi_size_t arguments, bytes;
    for (long index = 0; index < count; index++) {
        if (__wasi_args_sizes_get(&arguments, &bytes) != 0) return 1;
    }
    return 0;
}
