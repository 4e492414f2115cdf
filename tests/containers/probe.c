// The Wasm container the containerd tests run: what it does is chosen by its first argument.
//   (none)            prints a greeting
//   args A B...       prints each argument on its own line
//   env NAME          prints NAME's value
//   cat PATH          prints a file (a preopened directory's, or the image's root filesystem's)
//   write PATH TEXT   writes TEXT to a file
//   sleep             prints "sleeping", then sleeps until killed
//   exit N            exits with status N
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        printf("hello from a Wasm container\n");
        return 0;
    }
    const char *mode = argv[1];
    if (strcmp(mode, "args") == 0) {
        for (int i = 2; i < argc; i++) printf("%s\n", argv[i]);
    } else if (strcmp(mode, "env") == 0 && argc == 3) {
        const char *value = getenv(argv[2]);
        printf("%s=%s\n", argv[2], value ? value : "(unset)");
    } else if (strcmp(mode, "cat") == 0 && argc == 3) {
        FILE *file = fopen(argv[2], "r");
        if (!file) { perror(argv[2]); return 2; }
        char buffer[4096];
        size_t count;
        while ((count = fread(buffer, 1, sizeof buffer, file)) > 0) fwrite(buffer, 1, count, stdout);
        fclose(file);
    } else if (strcmp(mode, "write") == 0 && argc == 4) {
        FILE *file = fopen(argv[2], "w");
        if (!file) { perror(argv[2]); return 2; }
        fputs(argv[3], file);
        fclose(file);
    } else if (strcmp(mode, "sleep") == 0) {
        printf("sleeping\n");
        fflush(stdout);
        for (;;) sleep(1);
    } else if (strcmp(mode, "exit") == 0 && argc == 3) {
        return atoi(argv[2]);
    } else {
        fprintf(stderr, "probe: unknown mode %s\n", mode);
        return 64;
    }
    return 0;
}
