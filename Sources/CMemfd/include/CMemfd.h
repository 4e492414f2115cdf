#ifndef CMEMFD_H
#define CMEMFD_H

// memfd_create and its seals, which glibc declares only under _GNU_SOURCE (a Clang module header cannot set it for
// the system headers it imports, so the calls are compiled in CMemfd.c). Used by Sources/MemfdImages.
#ifdef __linux__

/// A new anonymous file that can be sealed (MFD_CLOEXEC | MFD_ALLOW_SEALING), or -1 with errno set.
int cmemfd_create(const char *name);

/// Seals the file for good against writes, growth and shrinking, and against further seals
/// (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL): 0, or -1 with errno set (EBUSY while a writable
/// shared mapping of it exists).
int cmemfd_seal(int fd);

#endif
#endif
