// The same machine code run natively and in a bare KVM micro-VM (the Swift monitor's setup: long mode at CPL3,
// 2 MiB guest pages): what the VM itself costs CPU-bound code, apart from how the guest kernel was compiled.
// bench/vm/run.py part 3 prints it next to the --invoke comparison; if this says ~1.00x and part 3 does not, the
// difference is in the kernel's code generation (see kernel/README.md), not in the VM.
//
// The workloads live in their own section, position-independent and self-contained (no data, no calls out), so
// the section's bytes can be copied into the guest at the same offset within a page as they have here.
//
// Build: cc -O2 -o same-code bench/vm/same-code.c      Run: ./same-code ROUNDS
#define _GNU_SOURCE
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

#include "../floor/user_mode_vm.h"

#define MEMORY_SIZE (64ul << 20)
#define STUB_ADDRESS 0x200000ul
#define CODE_PAGE 0x201000ul
#define STACK_TOP 0x1000000ul
#define EXIT_PORT 0x5702

#define SAME_CODE __attribute__((section("same_code"), noinline, used))

SAME_CODE static uint64_t fib(uint64_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

// An interpreter's shape: a 16-instruction program (4 bits per opcode, in a register) run by indirect jumps.
SAME_CODE static uint64_t dispatch(uint64_t rounds, uint64_t program) {
    void *handlers[5] = {&&multiply, &&shift, &&add, &&subtract, &&next_round};
    uint64_t accumulator = 1, pc = 0;
    goto *handlers[program & 15];
multiply: accumulator = accumulator * 3 + 1; pc++; goto *handlers[(program >> (pc * 4)) & 15];
shift: accumulator ^= accumulator >> 7; pc++; goto *handlers[(program >> (pc * 4)) & 15];
add: accumulator += pc; pc++; goto *handlers[(program >> (pc * 4)) & 15];
subtract: accumulator -= 5; pc++; goto *handlers[(program >> (pc * 4)) & 15];
next_round:
    pc = 0;
    if (--rounds) goto *handlers[program & 15];
    return accumulator;
}

SAME_CODE uint64_t same_code_entry(uint64_t which, uint64_t n) {
    return which == 0 ? fib(n) : dispatch(n, 0x4231203102130210ull);
}

extern uint8_t __start_same_code[], __stop_same_code[];

static double cpu_ms(void) {
    struct timespec time;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time);
    return time.tv_sec * 1e3 + time.tv_nsec / 1e6;
}

static void fail(const char *what) {
    perror(what);
    exit(1);
}

// Runs same_code_entry(which, n) in a fresh VM; returns its result and the vCPU thread's CPU time in KVM_RUN.
static uint64_t run_in_vm(int kvm, int run_size, uint64_t which, uint64_t n, double *used_ms) {
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) fail("KVM_CREATE_VM");
    uint8_t *memory = mmap(NULL, MEMORY_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (memory == MAP_FAILED) fail("mmap");
    user_mode_tables(memory, MEMORY_SIZE);

    // The section at the same offset within its page as here, so its code has the same alignment.
    uint64_t page_offset = (uintptr_t)__start_same_code & 0xfff;
    uint64_t code = CODE_PAGE + page_offset;
    memcpy(memory + code, __start_same_code, __stop_same_code - __start_same_code);
    // call same_code_entry; mov edx, EXIT_PORT; out dx, eax; jmp .
    uint8_t stub[] = {0xe8, 0, 0, 0, 0, 0xba, EXIT_PORT & 0xff, EXIT_PORT >> 8, 0, 0, 0xef, 0xeb, 0xfe};
    int32_t displacement = (int32_t)(code + ((uint8_t *)same_code_entry - __start_same_code) - (STUB_ADDRESS + 5));
    memcpy(stub + 1, &displacement, 4);
    memcpy(memory + STUB_ADDRESS, stub, sizeof stub);

    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = MEMORY_SIZE, .userspace_addr = (uint64_t)memory,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) fail("KVM_SET_USER_MEMORY_REGION");
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) fail("KVM_CREATE_VCPU");
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) fail("mmap kvm_run");
    struct kvm_regs regs = {.rip = STUB_ADDRESS, .rsp = STACK_TOP, .rdi = which, .rsi = n};
    const char *failed = user_mode_enter(vcpu, regs);
    if (failed) fail(failed);

    double start = cpu_ms();
    if (ioctl(vcpu, KVM_RUN, 0) < 0) fail("KVM_RUN");
    *used_ms = cpu_ms() - start;
    if (run->exit_reason != KVM_EXIT_IO || run->io.port != EXIT_PORT) {
        fprintf(stderr, "same-code: unexpected exit %u\n", run->exit_reason);
        exit(1);
    }
    if (ioctl(vcpu, KVM_GET_REGS, &regs) < 0) fail("KVM_GET_REGS");
    munmap(run, run_size);
    close(vcpu);
    close(vm);
    munmap(memory, MEMORY_SIZE);
    return regs.rax;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    if (rounds < 1) rounds = 1;
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) fail("open /dev/kvm");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    const struct { const char *name; uint64_t which, n; } workloads[] = {
        {"recursive fib(37)", 0, 37}, {"indirect-jump dispatch", 1, 6000000},
    };
    double *native = calloc(rounds, sizeof *native), *in_vm = calloc(rounds, sizeof *in_vm);
    for (unsigned index = 0; index < sizeof workloads / sizeof *workloads; index++) {
        for (int round = 0; round < rounds; round++) {
            double start = cpu_ms();
            uint64_t expected = same_code_entry(workloads[index].which, workloads[index].n);
            native[round] = cpu_ms() - start;
            if (run_in_vm(kvm, run_size, workloads[index].which, workloads[index].n, &in_vm[round]) != expected) {
                fprintf(stderr, "same-code: the VM computed a different %s\n", workloads[index].name);
                return 1;
            }
        }
        qsort(native, rounds, sizeof *native, compare);
        qsort(in_vm, rounds, sizeof *in_vm, compare);
        printf("  %-24s native min %7.2f ms median %7.2f ms | micro-VM min %7.2f ms median %7.2f ms | "
               "ratio min %.3fx median %.3fx\n", workloads[index].name, native[0], native[rounds / 2], in_vm[0],
               in_vm[rounds / 2], in_vm[0] / native[0], in_vm[rounds / 2] / native[rounds / 2]);
    }
    return 0;
}
