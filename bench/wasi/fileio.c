// 16 MiB written and then read back in 64 KiB calls, in a file in the preopened directory /sandbox.
// Prints the two phases' times measured inside the module (CLOCK_MONOTONIC) and a checksum of what was read.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
#define TOTAL (16 * 1024 * 1024)

static double now_ms(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec * 1e3 + time.tv_nsec / 1e6;
}

int main(void) {
    static uint8_t buffer[CHUNK];
    for (int i = 0; i < CHUNK; i++) buffer[i] = (uint8_t)(i * 7 + 1);
    double start = now_ms();
    int fd = open("/sandbox/fileio.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror("open for writing"); return 1; }
    for (int written = 0; written < TOTAL; written += CHUNK) {
        if (write(fd, buffer, CHUNK) != CHUNK) { perror("write"); return 1; }
    }
    close(fd);
    double wrote = now_ms();
    fd = open("/sandbox/fileio.bin", O_RDONLY);
    if (fd < 0) { perror("open for reading"); return 1; }
    uint64_t checksum = 0, total = 0;
    ssize_t count;
    while ((count = read(fd, buffer, CHUNK)) > 0) {
        total += count;
        for (ssize_t i = 0; i < count; i += 4096) checksum = checksum * 31 + buffer[i];
    }
    close(fd);
    double done = now_ms();
    unlink("/sandbox/fileio.bin");
    printf("write_ms=%.3f read_ms=%.3f bytes=%llu checksum=%llu\n", wrote - start, done - wrote,
           (unsigned long long)total, (unsigned long long)checksum);
    return total == TOTAL ? 0 : 1;
}
