// The phases of the Swift monitor's setup, in C: VM creation, first exit, further exits and teardown, each timed over
// many runs in one process (bench/floor/run.sh prints them next to the Swift monitor's own, bench/wasi/run.py reads
// the next-exit price). It creates a VM with 64 MiB of MAP_NORESERVE memory and one vCPU in long mode at CPL3 (the
// same setup as the Swift monitor, see Sources/Monitor/LongModeSetup.swift), runs three instructions to an `out`, and
// prints the median and p90 of each phase. The whole-process floor, with the least setup, is floor.c.
//
// Build: cc -O2 -o phases bench/floor/phases.c      Run: ./phases [iterations]
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "user_mode_vm.h"

#define MEMORY_SIZE (64ul << 20)
#define CODE_ADDRESS 0x200000ul
#define EXIT_PORT 0x5702
// Exits timed after the first one, re-entering the guest's `out` loop: the round-trip price of one exit.
#define NEXT_EXITS 20

static double now_us(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec * 1e6 + time.tv_nsec / 1e3;
}

static long check(long result, const char *what) {
    if (result < 0) {
        fprintf(stderr, "phases: %s: %s\n", what, strerror(errno));
        exit(1);
    }
    return result;
}

static void run_once(int kvm, int run_size, double *create_us, double *first_exit_us, double *next_exit_us,
                     double *teardown_us) {
    double start = now_us();
    int vm = check(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    uint8_t *memory = mmap(NULL, MEMORY_SIZE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (memory == MAP_FAILED) check(-1, "mmap guest memory");

    user_mode_tables(memory, MEMORY_SIZE);
    // mov edx, EXIT_PORT; mov eax, 0; loop: out dx, eax; jmp loop
    const uint8_t code[] = {0xba, EXIT_PORT & 0xff, EXIT_PORT >> 8, 0, 0, 0xb8, 0, 0, 0, 0, 0xef, 0xeb, 0xfd};
    memcpy(memory + CODE_ADDRESS, code, sizeof code);

    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = MEMORY_SIZE, .userspace_addr = (uint64_t)memory,
    };
    check(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
    int vcpu = check(ioctl(vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) check(-1, "mmap kvm_run");

    const char *failed = user_mode_enter(vcpu, (struct kvm_regs){.rip = CODE_ADDRESS, .rsp = CODE_ADDRESS});
    if (failed) check(-1, failed);

    double ready = now_us();
    check(ioctl(vcpu, KVM_RUN, 0), "KVM_RUN");
    double exited = now_us();
    for (int round = 0; round <= NEXT_EXITS; round++) {
        if (run->exit_reason != KVM_EXIT_IO || run->io.port != EXIT_PORT) {
            fprintf(stderr, "phases: unexpected exit %u\n", run->exit_reason);
            exit(1);
        }
        if (round < NEXT_EXITS) check(ioctl(vcpu, KVM_RUN, 0), "KVM_RUN");
    }
    double looped = now_us();
    munmap(run, run_size);
    close(vcpu);
    close(vm);
    munmap(memory, MEMORY_SIZE);
    *create_us = ready - start;
    *first_exit_us = exited - ready;
    *next_exit_us = (looped - exited) / NEXT_EXITS;
    *teardown_us = now_us() - looped;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *samples, int count) {
    qsort(samples, count, sizeof *samples, compare);
    printf("  %-11s median %8.1f us   p90 %8.1f us   min %8.1f us\n", what, samples[count / 2],
           samples[count * 9 / 10], samples[0]);
}

int main(int argc, char **argv) {
    int iterations = argc > 1 ? atoi(argv[1]) : 200;
    if (iterations < 1) iterations = 1;
    int kvm = check(open("/dev/kvm", O_RDWR | O_CLOEXEC), "open /dev/kvm");
    int run_size = check(ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");
    double *create = calloc(iterations, sizeof *create), *first_exit = calloc(iterations, sizeof *first_exit);
    double *total = calloc(iterations, sizeof *total), *teardown = calloc(iterations, sizeof *teardown);
    double *next_exit = calloc(iterations, sizeof *next_exit);
    for (int index = 0; index < iterations; index++) {
        run_once(kvm, run_size, &create[index], &first_exit[index], &next_exit[index], &teardown[index]);
        total[index] = create[index] + first_exit[index];
    }
    printf("C monitor setup (%d runs: VM + 64 MiB + vCPU in long mode, 3 instructions to the first out)\n", iterations);
    report("create", create, iterations);
    report("first exit", first_exit, iterations);
    report("total", total, iterations);
    report("next exit", next_exit, iterations);
    report("teardown", teardown, iterations);
    return 0;
}
