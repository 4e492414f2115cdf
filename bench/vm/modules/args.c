#include <stdio.h>
#include <stdlib.h>

// Prints its arguments and the environment, to stdout and (the count) to stderr.
extern char **environ;

int main(int argc, char **argv) {
    for (int index = 0; index < argc; index++) printf("arg %d: %s\n", index, argv[index]);
    for (char **entry = environ; *entry; entry++) printf("env: %s\n", *entry);
    fprintf(stderr, "%d arguments\n", argc);
    FILE *file = fopen("/etc/passwd", "r");
    printf("fopen: %s\n", file ? "opened" : "failed");
    return 0;
}
