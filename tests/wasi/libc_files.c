// The same services as seen through wasi-libc's POSIX layer: stdio files, directories, stat, links.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *path) {
    DIR *directory = opendir(path);
    if (!directory) {
        printf("opendir %s: %s\n", path, strerror(errno));
        return;
    }
    char *names[128];
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(directory)) && count < 128) names[count++] = strdup(entry->d_name);
    closedir(directory);
    qsort(names, count, sizeof names[0], compare);
    printf("%s:", path);
    for (int i = 0; i < count; i++) printf(" %s", names[i]);
    printf("\n");
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    FILE *file = fopen("/sandbox/notes.txt", "w");
    for (int i = 0; i < 1000; i++) fprintf(file, "line %d\n", i);
    fclose(file);
    file = fopen("/sandbox/notes.txt", "r");
    char line[64];
    int lines = 0;
    while (fgets(line, sizeof line, file)) lines++;
    printf("lines=%d last=%s", lines, line);
    fseek(file, -9, SEEK_END);
    printf("ftell=%ld\n", ftell(file));
    fclose(file);

    struct stat status;
    printf("stat=%d size=%lld regular=%d\n", stat("/sandbox/notes.txt", &status), (long long)status.st_size,
           S_ISREG(status.st_mode));
    printf("stat missing=%d errno=%s\n", stat("/sandbox/missing", &status), strerror(errno));
    printf("mkdir=%d\n", mkdir("/sandbox/dir", 0755));
    printf("mkdir again=%d errno=%s\n", mkdir("/sandbox/dir", 0755), strerror(errno));
    printf("rename=%d\n", rename("/sandbox/notes.txt", "/sandbox/dir/notes.txt"));
    printf("symlink=%d\n", symlink("dir/notes.txt", "/sandbox/notes-link"));
    printf("link=%d\n", link("/sandbox/dir/notes.txt", "/sandbox/hard"));
    char target[64] = {0};
    printf("readlink=%zd %s\n", readlink("/sandbox/notes-link", target, sizeof target), target);
    printf("lstat link=%d\n", lstat("/sandbox/notes-link", &status) == 0 && S_ISLNK(status.st_mode));
    printf("stat through link size=%lld\n", stat("/sandbox/notes-link", &status) == 0 ? (long long)status.st_size : -1);
    printf("access=%d\n", access("/sandbox/hard", R_OK));
    printf("chdir=%d\n", chdir("/sandbox/dir"));
    printf("relative open=%d\n", open("notes.txt", O_RDONLY) >= 0);
    printf("outside open=%d errno=%s\n", open("/etc/passwd", O_RDONLY), strerror(errno));
    printf("dotdot open=%d errno=%s\n", open("/sandbox/../outside/secret.txt", O_RDONLY), strerror(errno));
    int fd = open("/sandbox/trunc.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    printf("write=%zd ftruncate=%d\n", write(fd, "abcdef", 6), ftruncate(fd, 3));
    close(fd);
    list("/sandbox");
    list("/sandbox/dir");
    list("/sandbox/sub");
    printf("unlink=%d rmdir nonempty=%d errno=%s\n", unlink("/sandbox/hard"), rmdir("/sandbox/dir"), strerror(errno));
    printf("unlink=%d rmdir=%d\n", unlink("/sandbox/dir/notes.txt"), rmdir("/sandbox/dir"));
    struct timespec sleep_for = {0, 5000000};
    printf("nanosleep=%d\n", nanosleep(&sleep_for, NULL));
    printf("time plausible=%d\n", time(NULL) > 1600000000);
    return 0;
}
