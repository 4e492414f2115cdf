// The inline atomics and futex calls are in include/CSharedMemory.h; CPU affinity needs _GNU_SOURCE, which a Clang
// module header cannot set for the system headers it imports, so it is compiled here.
#define _GNU_SOURCE
#include "CSharedMemory.h"

#include <pthread.h>
#include <sched.h>

int shm_keep_off_current_cpu(unsigned long thread) {
    int current = sched_getcpu();
    cpu_set_t allowed;
    if (current < 0 || sched_getaffinity(0, sizeof allowed, &allowed) != 0) return errno;
    CPU_CLR(current, &allowed);
    if (CPU_COUNT(&allowed) == 0) return EINVAL;
    return pthread_setaffinity_np((pthread_t)thread, sizeof allowed, &allowed);
}

int shm_allowed_cpu_count(void) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 1;
    return CPU_COUNT(&allowed);
}

int shm_current_cpu(void) {
    return sched_getcpu();
}
