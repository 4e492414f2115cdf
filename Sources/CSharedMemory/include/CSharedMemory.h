#ifndef CSHARED_MEMORY_H
#define CSHARED_MEMORY_H

// What Swift cannot express on a raw address: atomic operations on words of guest memory (which the guest changes
// concurrently through its own mapping, so Swift's `Atomic`, which owns its storage, does not apply) and the
// futex wait and wake calls (`syscall` is variadic, so Swift cannot call it). Used by the monitor's WASI mailbox
// worker (Sources/Monitor/WASICallServer.swift); every pointer must be 8-byte (or, for the futex words, 4-byte)
// aligned and stay mapped for the call.
#ifdef __linux__
#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t shm_load_acquire(const uint64_t *word) {
    return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

static inline void shm_store_release(uint64_t *word, uint64_t value) {
    __atomic_store_n(word, value, __ATOMIC_RELEASE);
}

/// `lock cmpxchg`: replaces `expected` by `desired`; returns whether it did.
static inline int shm_compare_exchange(uint64_t *word, uint64_t expected, uint64_t desired) {
    return __atomic_compare_exchange_n(word, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static inline uint32_t shm_load32(const uint32_t *word) {
    return __atomic_load_n(word, __ATOMIC_SEQ_CST);
}

static inline void shm_store32(uint32_t *word, uint32_t value) {
    __atomic_store_n(word, value, __ATOMIC_SEQ_CST);
}

static inline uint32_t shm_exchange32(uint32_t *word, uint32_t value) {
    return __atomic_exchange_n(word, value, __ATOMIC_SEQ_CST);
}

static inline int shm_compare_exchange32(uint32_t *word, uint32_t expected, uint32_t desired) {
    return __atomic_compare_exchange_n(word, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/// `pause`: a spin-wait hint (yields the core's resources to its sibling thread and saves power).
static inline void shm_pause(void) {
    __builtin_ia32_pause();
}

/// Sleeps while `*word == expected`, until woken, a signal, or CLOCK_MONOTONIC reaches `deadline_ns` (0: no limit).
/// Returns 0 when woken or the word differed, else the errno (ETIMEDOUT, EINTR).
static inline int shm_futex_wait(uint32_t *word, uint32_t expected, uint64_t deadline_ns) {
    struct timespec deadline = {.tv_sec = (time_t)(deadline_ns / 1000000000u), .tv_nsec = (long)(deadline_ns % 1000000000u)};
    long result = syscall(SYS_futex, word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected,
                          deadline_ns == 0 ? NULL : &deadline, NULL, FUTEX_BITSET_MATCH_ANY);
    if (result == 0 || errno == EAGAIN) return 0;
    return errno;
}

/// Restricts `thread` (a pthread_t) to the CPUs this process may use except the one the caller runs on, so that a
/// polling worker never takes turns on one core with the vCPU thread it serves. Returns 0, or an errno (EINVAL when
/// no other CPU is allowed), leaving the thread's affinity as it was.
int shm_keep_off_current_cpu(unsigned long thread);

/// The CPU the calling thread runs on (sched_getcpu: no system call), or -1.
int shm_current_cpu(void);

/// The number of CPUs the calling thread may run on (1 if it cannot be told).
int shm_allowed_cpu_count(void);

/// Wakes up to `count` threads sleeping on `word`.
static inline void shm_futex_wake(uint32_t *word, int count) {
    syscall(SYS_futex, word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, count, NULL, NULL, 0);
}
#endif

#endif
