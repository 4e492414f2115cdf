// See include/CMemfd.h: memfd_create and the F_*_SEALS commands need _GNU_SOURCE.
#define _GNU_SOURCE
#include "CMemfd.h"

#ifdef __linux__
#include <fcntl.h>
#include <sys/mman.h>

int cmemfd_create(const char *name) {
    return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

int cmemfd_seal(int fd) {
    return fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
}
#endif
