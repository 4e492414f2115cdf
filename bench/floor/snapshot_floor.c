// The floor for a sandbox restored from a snapshot (issue 18): the least work a C monitor does, inside one long-lived
// process, to bring a micro-VM from a copy-on-write snapshot to its guest's first exit, timed over many restores.
// Swiftlet's own restore is to be printed next to these figures (--json); bench/floor/floor.c is the whole-process
// floor of a cold boot, bench/floor/phases.c the phases of the monitor's setup.
//
// The snapshot (built once, `snapshot_build`): guest memory in a memfd sealed against writes, holding the page tables
// and GDT of user_mode_vm.h, a little code and a few MiB of non-zero data, plus the vCPU state saved at an exit of a
// guest that ran from that memory: registers, special registers and FPU/SSE state (a real guest uses SSE). Restoring
// maps the memfd MAP_PRIVATE: the guest reads the snapshot's pages from the page cache and each page it writes becomes
// its own copy, so no restore reads or copies the image.
//
// The restored guest writes one word to each of K pages (as a restored guest dirties its stack, heap and globals),
// counts the pages that did not hold the snapshot's word and whether xmm0 lost the snapshot's value, and exits by
// `out` with that count. Every restore checks that it is 0, so a reset that leaks a previous tenant's writes or
// forgets the FPU state fails the run; a control run without a reset checks that the check can fail.
//
// Measured, in µs (p50, p99, min, mean):
// - fresh: a new VM per restore, each phase timed: map the memfd, create the VM, its memslot, create the vCPU (and map
//   its kvm_run), set the vCPU state, KVM_RUN to the exit, teardown;
// - pool: one VM and vCPU kept, each tenant's memory reset by one of four ways (see `reset_memory`), its vCPU state
//   set, and run to the exit;
// - per dirty page: the pool's reset + run at several K, and the cost of one more dirty page for each way;
// - each vCPU state ioctl alone (KVM_SET_FPU against KVM_SET_XSAVE among them), and a bare exit.
// Two choices of the restore are options. The registers and special registers go through kvm_run's sync area, applied
// by KVM_RUN itself (--state sync, the default), or by KVM_SET_REGS and KVM_SET_SREGS (--state ioctl). The FPU state
// is set by KVM_SET_XSAVE (--fpu xsave, the default: what a monitor does for any guest), or the guest reloads it from
// the snapshot's memory itself (--fpu guest: one ioctl less, for a guest that cooperates, as Swiftlet's own kernel
// can). Not by KVM_SET_FPU: it fills the legacy FXSAVE area of KVM's XSAVE buffer but leaves XSTATE_BV clear, so on a
// fresh vCPU (XSTATE_BV 0) the guest is entered with its XMM registers in their initial state, zero, though
// KVM_GET_FPU reads the values back (the check here fails with it; after a run has set XSTATE_BV it works).
// Every vCPU ioctl costs ~11 µs on this nested machine (each loads and puts the vCPU), against ~0.1 µs for a system
// call or a VM ioctl, so each one avoided counts.
//
// Build: cc -O2 -Wall -Wextra -o .build-floor/snapshot_floor bench/floor/snapshot_floor.c   (make bench-snapshot-floor)
// Run:   .build-floor/snapshot_floor [--restores N] [--dirty-pages K] [--memory-mib M] [--data-mib D]
//            [--state sync|ioctl] [--fpu xsave|guest] [--sweep K,K,...] [--sweep-runs N] [--json]
// Exit status 0 when every check passed, 1 on a failed check or call, 2 on bad options.
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

#define PAGE_SIZE 4096ul
// Guest physical layout: the first 2 MiB page holds the page tables and GDT (supervisor-only); the second the code
// and, in its second 4 KiB page, the guest's own copy of its FPU state; the data starts at the third 2 MiB page, and
// the dirtied pages are the first K pages from there.
#define CODE_ADDRESS 0x200000ul
#define FXSAVE_ADDRESS 0x201000ul
#define DATA_ADDRESS 0x400000ul
#define EXIT_PORT 0x5702
// The snapshot's data: each 64-bit word holds its own guest address XOR this, so that the guest knows any page's
// expected contents without a table. Pages past the data are zero.
#define DATA_PATTERN 0x5a5a5a5a00000000
// What the guest leaves in xmm0 before the snapshot: only a restore of the FPU state gives it back.
#define FPU_MARKER 0x0123456789abcdef
#define WARM_UP 3
#define VCPU_CALL_COUNT 1000
#define MAX_SWEEP 16

// The guest's code. guest_entry runs once, for the snapshot, with rdi = DATA_ADDRESS, r8 = the end of the data and
// edx = EXIT_PORT from the monitor; the snapshot is taken at its `out`. A restore resumes after it with rcx = the
// pages to dirty, the one register the monitor changes (a tenant's argument): at guest_reload_fpu when the guest
// reloads its FPU state itself, past it at guest_resume when the monitor restores that state.
// The guest ends in a loop of exits, as phases.c's does, to time a bare exit (`measure_vcpu_calls`).
// `xchg` reads the old word and writes the tenant's in one write access, so a page costs one write fault, as a plain
// store would, and not a read fault then a write fault.
#define STRINGIFY(x) #x
#define VALUE(x) STRINGIFY(x)
__asm__(".pushsection .rodata\n"
        ".globl guest_entry, guest_reload_fpu, guest_resume, guest_end\n"
        ".hidden guest_entry, guest_reload_fpu, guest_resume, guest_end\n"
        "guest_entry:\n"
        "    movabs $" VALUE(FPU_MARKER) ", %rax\n"
        "    movq %rax, %xmm0\n"
        "    mov $" VALUE(FXSAVE_ADDRESS) ", %esi\n"
        "    fxsave64 (%rsi)\n"            // x87, MMX, SSE and MXCSR: all the FPU state CR4 0x620 enables (no XSAVE)
        "    out %eax, %dx\n"              // the snapshot's exit
        "guest_reload_fpu:\n"
        "    fxrstor64 (%rsi)\n"
        "guest_resume:\n"
        "    xor %r10d, %r10d\n"           // mismatches
        "    movabs $" VALUE(DATA_PATTERN) ", %r9\n"
        "    test %rcx, %rcx\n"
        "    jz 3f\n"
        "1:  mov %rdi, %rax\n"
        "    xor %r9, %rax\n"              // the snapshot's word in a data page
        "    xor %ebx, %ebx\n"
        "    cmp %r8, %rdi\n"
        "    cmovae %rbx, %rax\n"          // past the data: zero
        "    mov %rdi, %rbx\n"             // this tenant's word: the page's address
        "    xchg %rbx, (%rdi)\n"
        "    cmp %rax, %rbx\n"
        "    je 2f\n"
        "    inc %r10\n"
        "2:  add $4096, %rdi\n"
        "    dec %rcx\n"
        "    jnz 1b\n"
        "3:  movq %xmm0, %rax\n"
        "    movabs $" VALUE(FPU_MARKER) ", %rbx\n"
        "    cmp %rbx, %rax\n"
        "    je 4f\n"
        "    inc %r10\n"
        "4:  pxor %xmm0, %xmm0\n"          // so that a reset that skips the FPU state fails the next tenant's check
        "    mov %r10d, %eax\n"
        "guest_exit:\n"
        "    out %eax, %dx\n"              // the restored guest's first exit
        "    jmp guest_exit\n"             // and each KVM_RUN after it another: the price of a bare exit
        "guest_end:\n"
        ".popsection\n");
extern const uint8_t guest_entry[], guest_reload_fpu[], guest_resume[], guest_end[];

enum state_method { STATE_SYNC, STATE_IOCTL };
enum fpu_method { FPU_XSAVE, FPU_GUEST };
static const char *const state_names[] = {"sync", "ioctl"};
static const char *const fpu_names[] = {"xsave", "guest"};

struct options {
    int restores, dirty_pages, sweep_runs, sweep_count, json;
    uint64_t memory_size, data_size;
    enum state_method state;
    enum fpu_method fpu;
    int sweep[MAX_SWEEP];
};

struct snapshot {
    int memfd;
    uint64_t size;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;  // for timing KVM_SET_FPU only (see above)
    struct kvm_xsave xsave;
};

static void fail(const char *what) {
    fprintf(stderr, "snapshot_floor: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

static void fail_check(const char *what) {
    errno = 0;
    fail(what);
}

static long check(long result, const char *what) {
    if (result < 0) fail(what);
    return result;
}

static void *check_map(void *address, const char *what) {
    if (address == MAP_FAILED) fail(what);
    return address;
}

static void *allocate(size_t count, size_t size) {
    void *memory = calloc(count, size);
    if (!memory) fail("calloc");
    return memory;
}

static uint64_t now_ns(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (uint64_t)time.tv_sec * 1000000000u + (uint64_t)time.tv_nsec;
}

// ---- The snapshot and a restore's vCPU state ----

// Guest memory as a restored guest finds it, in a sealed memfd, and the vCPU state saved at the guest's first exit.
static struct snapshot snapshot_build(int kvm, const struct options *options) {
    struct snapshot snapshot = {.size = options->memory_size};
    snapshot.memfd = check(memfd_create("swiftlet-snapshot", MFD_CLOEXEC | MFD_ALLOW_SEALING), "memfd_create");
    check(ftruncate(snapshot.memfd, (off_t)snapshot.size), "ftruncate");
    uint8_t *memory = check_map(mmap(NULL, snapshot.size, PROT_READ | PROT_WRITE, MAP_SHARED, snapshot.memfd, 0),
                                "mmap snapshot");
    user_mode_tables(memory, snapshot.size);
    // Accessed and Dirty set in every entry, as in the snapshot of a guest that had used its memory: otherwise each
    // restored guest's first walk and first write make the CPU (here KVM's shadow walker) set them, a copy of a
    // page-table page per restore that the floor need not pay.
    uint64_t *tables = (uint64_t *)(memory + 0x1000);
    for (int entry = 0; entry < 3 * 512; entry++)
        if (tables[entry]) tables[entry] |= 0x60;
    memcpy(memory + CODE_ADDRESS, guest_entry, (size_t)(guest_end - guest_entry));
    for (uint64_t address = DATA_ADDRESS; address < DATA_ADDRESS + options->data_size; address += 8)
        *(uint64_t *)(memory + address) = address ^ DATA_PATTERN;

    // Run the guest from its entry to its first exit on a VM over the shared mapping, and save its state there.
    int vm = check(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = snapshot.size, .userspace_addr = (uint64_t)memory,
    };
    check(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
    int vcpu = check(ioctl(vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
    struct kvm_regs regs = {.rip = CODE_ADDRESS, .rdi = DATA_ADDRESS, .r8 = DATA_ADDRESS + options->data_size,
                            .rdx = EXIT_PORT};
    const char *failed = user_mode_enter(vcpu, regs);
    if (failed) fail(failed);
    check(ioctl(vcpu, KVM_RUN, 0), "KVM_RUN (snapshot)");
    check(ioctl(vcpu, KVM_GET_REGS, &snapshot.regs), "KVM_GET_REGS");
    check(ioctl(vcpu, KVM_GET_SREGS, &snapshot.sregs), "KVM_GET_SREGS");
    check(ioctl(vcpu, KVM_GET_FPU, &snapshot.fpu), "KVM_GET_FPU");
    check(ioctl(vcpu, KVM_GET_XSAVE, &snapshot.xsave), "KVM_GET_XSAVE");
    close(vcpu);
    close(vm);
    if (snapshot.regs.rip != CODE_ADDRESS + (uint64_t)(guest_reload_fpu - guest_entry))
        fail_check("the snapshot's guest did not stop at its first exit");
    munmap(memory, snapshot.size);
    // With no writable shared mapping left the image can be sealed: from here on nothing can change it.
    check(fcntl(snapshot.memfd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), "F_ADD_SEALS");
    return snapshot;
}

// Gives the vCPU the snapshot's state, with rcx = the pages this tenant dirties.
static void set_state(int vcpu, struct kvm_run *run, const struct snapshot *snapshot, const struct options *options,
                      int dirty_pages) {
    struct kvm_regs regs = snapshot->regs;
    regs.rcx = (uint64_t)dirty_pages;
    if (options->fpu != FPU_GUEST) regs.rip += (uint64_t)(guest_resume - guest_reload_fpu);
    if (options->state == STATE_SYNC) {
        // KVM_RUN applies these before entering the guest, inside the vCPU load it does anyway. kvm_valid_regs stays
        // 0, so KVM copies nothing back at the exit.
        run->s.regs.regs = regs;
        run->s.regs.sregs = snapshot->sregs;
        run->kvm_dirty_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
    } else {
        check(ioctl(vcpu, KVM_SET_SREGS, &snapshot->sregs), "KVM_SET_SREGS");
        check(ioctl(vcpu, KVM_SET_REGS, &regs), "KVM_SET_REGS");
    }
    if (options->fpu == FPU_XSAVE) check(ioctl(vcpu, KVM_SET_XSAVE, &snapshot->xsave), "KVM_SET_XSAVE");
}

// Runs the restored guest to its first exit; returns the mismatches it counted.
static uint32_t run_to_exit(int vcpu, const struct kvm_run *run) {
    check(ioctl(vcpu, KVM_RUN, 0), "KVM_RUN");
    if (run->exit_reason != KVM_EXIT_IO || run->io.port != EXIT_PORT || run->io.size != 4) {
        fprintf(stderr, "snapshot_floor: unexpected exit %u\n", run->exit_reason);
        exit(1);
    }
    return *(const uint32_t *)((const uint8_t *)run + run->io.data_offset);
}

// ---- Statistics ----

struct summary { double p50, p99, min, mean; };

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

// Nearest-rank percentiles of `count` durations in ns, in µs. Sorts `samples`.
static struct summary summarize(uint64_t *samples, int count) {
    qsort(samples, (size_t)count, sizeof *samples, compare_u64);
    double sum = 0;
    for (int index = 0; index < count; index++) sum += (double)samples[index];
    int p99 = (count * 99 + 99) / 100 - 1;
    return (struct summary){samples[(count - 1) / 2] / 1e3, samples[p99] / 1e3, samples[0] / 1e3, sum / count / 1e3};
}

// ---- A fresh VM per restore ----

enum phase { MAP_IMAGE, CREATE_VM, MEMSLOT, CREATE_VCPU, SET_STATE, FIRST_RUN, TEARDOWN, PHASES };
static const char *const phase_names[PHASES] = {"map_image", "create_vm", "memslot", "create_vcpu", "set_state",
                                                "first_run", "teardown"};

struct fresh_result { struct summary total, to_exit, phase[PHASES]; };

// One restore into a new VM; `mark` gets the time at the start and at the end of each phase.
static uint32_t restore_fresh(int kvm, int run_size, const struct snapshot *snapshot, const struct options *options,
                              uint64_t mark[PHASES + 1]) {
    mark[0] = now_ns();
    // MAP_NORESERVE: only the pages the guest writes take memory, so none is committed for the rest.
    uint8_t *memory = check_map(mmap(NULL, snapshot->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE,
                                     snapshot->memfd, 0), "mmap image");
    mark[1] = now_ns();
    int vm = check(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    mark[2] = now_ns();
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = snapshot->size, .userspace_addr = (uint64_t)memory,
    };
    check(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
    mark[3] = now_ns();
    int vcpu = check(ioctl(vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
    struct kvm_run *run = check_map(mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0),
                                    "mmap kvm_run");
    mark[4] = now_ns();
    set_state(vcpu, run, snapshot, options, options->dirty_pages);
    mark[5] = now_ns();
    uint32_t mismatches = run_to_exit(vcpu, run);
    mark[6] = now_ns();
    // The VM before its memory: unmapping memory a live VM maps would make KVM zap its mappings of it first.
    munmap(run, (size_t)run_size);
    close(vcpu);
    close(vm);
    munmap(memory, snapshot->size);
    mark[7] = now_ns();
    return mismatches;
}

static struct fresh_result measure_fresh(int kvm, int run_size, const struct snapshot *snapshot,
                                         const struct options *options) {
    int count = options->restores;
    uint64_t *samples = allocate((size_t)count * (PHASES + 2), sizeof *samples);
    uint64_t mark[PHASES + 1];
    for (int index = -WARM_UP; index < count; index++) {
        if (restore_fresh(kvm, run_size, snapshot, options, mark) != 0)
            fail_check("a fresh restore's guest did not see the snapshot's memory or FPU state");
        if (index < 0) continue;
        samples[index] = mark[PHASES] - mark[0];
        samples[count + index] = mark[FIRST_RUN + 1] - mark[0];
        for (int phase = 0; phase < PHASES; phase++)
            samples[(size_t)(phase + 2) * count + index] = mark[phase + 1] - mark[phase];
    }
    struct fresh_result result;
    result.total = summarize(samples, count);
    result.to_exit = summarize(samples + count, count);
    for (int phase = 0; phase < PHASES; phase++)
        result.phase[phase] = summarize(samples + (size_t)(phase + 2) * count, count);
    free(samples);
    return result;
}

// ---- A warm pool: one VM and vCPU, reset between tenants ----

enum reset_method { RESET_REMAP, RESET_DONTNEED, RESET_DIRTY_LOG, RESET_DIRTY_SET, RESET_METHODS };
static const char *const reset_names[RESET_METHODS] = {"remap", "dontneed", "dirty_log", "dirty_set"};

struct pool {
    enum reset_method method;
    int vm, vcpu, run_size, memfd;
    uint64_t size;
    struct kvm_run *run;
    uint8_t *memory;
    const uint8_t *image;  // dirty_log, dirty_set: the snapshot mapped shared and read-only, the source of copies
    uint64_t *bitmap;      // dirty_log, dirty_set: KVM's dirty log, a bit per guest page
    int copied_pages;      // dirty_log, dirty_set: the pages the last reset copied back
};

static struct pool pool_create(int kvm, int run_size, const struct snapshot *snapshot, enum reset_method method) {
    struct pool pool = {.method = method, .run_size = run_size, .memfd = snapshot->memfd, .size = snapshot->size};
    pool.memory = check_map(mmap(NULL, pool.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, pool.memfd, 0),
                            "mmap image");
    pool.vm = check(ioctl(kvm, KVM_CREATE_VM, 0), "KVM_CREATE_VM");
    int logs = method == RESET_DIRTY_LOG || method == RESET_DIRTY_SET;
    if (method == RESET_DIRTY_SET) {
        struct kvm_enable_cap manual = {.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
                                        .args = {KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE}};
        check(ioctl(pool.vm, KVM_ENABLE_CAP, &manual), "KVM_ENABLE_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2)");
    }
    struct kvm_userspace_memory_region region = {
        .slot = 0, .flags = logs ? KVM_MEM_LOG_DIRTY_PAGES : 0, .guest_phys_addr = 0, .memory_size = pool.size,
        .userspace_addr = (uint64_t)pool.memory,
    };
    check(ioctl(pool.vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
    pool.vcpu = check(ioctl(pool.vm, KVM_CREATE_VCPU, 0), "KVM_CREATE_VCPU");
    pool.run = check_map(mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, pool.vcpu, 0),
                         "mmap kvm_run");
    if (logs) {
        pool.image = check_map(mmap(NULL, pool.size, PROT_READ, MAP_SHARED, pool.memfd, 0), "mmap image");
        pool.bitmap = allocate((pool.size / PAGE_SIZE + 63) / 64, sizeof *pool.bitmap);
    }
    return pool;
}

static void pool_destroy(struct pool *pool) {
    munmap(pool->run, (size_t)pool->run_size);
    close(pool->vcpu);
    close(pool->vm);
    munmap(pool->memory, pool->size);
    if (pool->image) munmap((void *)pool->image, pool->size);
    free(pool->bitmap);
}

// Gives the guest the snapshot's memory again, discarding the last tenant's writes:
// - remap: a new MAP_PRIVATE mapping of the memfd over the old one (MAP_FIXED), the memslot left as registered.
//   Unmapping the old mapping invalidates KVM's mappings of the range (its MMU notifier), so the guest's next accesses
//   fault in the new mapping's pages: every page the guest touches faults again, read or written.
// - dontneed: madvise(MADV_DONTNEED) over the range, which in a private file mapping drops the private copies so the
//   next accesses see the file: the same invalidation, without replacing the mapping.
// - dirty_log: the memslot logs dirty pages; KVM_GET_DIRTY_LOG returns the pages written since the last call and
//   write-protects them again, and those alone are copied back. The guest keeps its mappings; the next tenant's first
//   write to each such page is a write-protection fault, with no page to allocate or copy.
// - dirty_set: the same log with KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 and no KVM_CLEAR_DIRTY_LOG, so KVM never
//   write-protects a page again once written: the log is the set of every page any tenant has written, and all of
//   them are copied back at each reset. A page then costs a 4 KiB copy per reset instead of a fault per tenant that
//   writes it; the set only grows, which suits a pool serving one program whose tenants write the same pages.
// (A monitor that writes guest memory itself must also copy back what it wrote: KVM logs only the guest's writes.)
static void reset_memory(struct pool *pool) {
    switch (pool->method) {
    case RESET_REMAP:
        check_map(mmap(pool->memory, pool->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE | MAP_FIXED,
                       pool->memfd, 0), "mmap MAP_FIXED");
        break;
    case RESET_DONTNEED:
        check(madvise(pool->memory, pool->size, MADV_DONTNEED), "madvise");
        break;
    case RESET_DIRTY_LOG:
    case RESET_DIRTY_SET: {
        struct kvm_dirty_log log = {.slot = 0, .dirty_bitmap = pool->bitmap};
        check(ioctl(pool->vm, KVM_GET_DIRTY_LOG, &log), "KVM_GET_DIRTY_LOG");
        pool->copied_pages = 0;
        for (uint64_t word = 0; word < (pool->size / PAGE_SIZE + 63) / 64; word++) {
            for (uint64_t bits = pool->bitmap[word]; bits; bits &= bits - 1) {
                uint64_t offset = (word * 64 + (uint64_t)__builtin_ctzll(bits)) * PAGE_SIZE;
                memcpy(pool->memory + offset, pool->image + offset, PAGE_SIZE);
                pool->copied_pages++;
            }
        }
        break;
    }
    case RESET_METHODS:
        break;
    }
}

struct pool_result { struct summary cycle, reset, state, run; };

// `count` tenants of `dirty_pages` each on `pool` (after warm-up tenants): each reset, given its state and run.
static struct pool_result measure_pool(struct pool *pool, const struct snapshot *snapshot,
                                       const struct options *options, int dirty_pages, int count) {
    uint64_t *samples = allocate((size_t)count * 4, sizeof *samples);
    for (int index = -WARM_UP; index < count; index++) {
        uint64_t start = now_ns();
        reset_memory(pool);
        uint64_t reset = now_ns();
        set_state(pool->vcpu, pool->run, snapshot, options, dirty_pages);
        uint64_t state = now_ns();
        if (run_to_exit(pool->vcpu, pool->run) != 0) {
            fprintf(stderr, "snapshot_floor: %s: a tenant saw a previous tenant's writes or lost the FPU state\n",
                    reset_names[pool->method]);
            exit(1);
        }
        uint64_t exited = now_ns();
        if (index < 0) continue;
        samples[index] = exited - start;
        samples[count + index] = reset - start;
        samples[2 * count + index] = state - reset;
        samples[3 * count + index] = exited - state;
    }
    struct pool_result result = {summarize(samples, count), summarize(samples + count, count),
                                 summarize(samples + 2 * count, count), summarize(samples + 3 * count, count)};
    free(samples);
    return result;
}

// The check's own check: a tenant given its state but no memory reset must count every page the previous tenant
// wrote. Returns what it counted (the expected answer is --dirty-pages).
static uint32_t stale_control(struct pool *pool, const struct snapshot *snapshot, const struct options *options) {
    reset_memory(pool);
    set_state(pool->vcpu, pool->run, snapshot, options, options->dirty_pages);
    run_to_exit(pool->vcpu, pool->run);
    set_state(pool->vcpu, pool->run, snapshot, options, options->dirty_pages);
    return run_to_exit(pool->vcpu, pool->run);
}

// ---- vCPU calls alone ----

// Each state ioctl a restore may make, and a bare exit: KVM_RUN re-entering a guest that has just exited, to run one
// `out` (the guest's final loop), timed first, while the vCPU is still at a tenant's exit.
enum vcpu_call { CALL_EXIT, CALL_SREGS, CALL_REGS, CALL_FPU, CALL_XSAVE, VCPU_CALLS };
static const char *const vcpu_call_names[VCPU_CALLS] = {"KVM_RUN_bare_exit", "KVM_SET_SREGS", "KVM_SET_REGS",
                                                        "KVM_SET_FPU", "KVM_SET_XSAVE"};

static void measure_vcpu_calls(int vcpu, const struct kvm_run *run, const struct snapshot *snapshot,
                               struct summary result[VCPU_CALLS]) {
    const unsigned long requests[VCPU_CALLS] = {0, KVM_SET_SREGS, KVM_SET_REGS, KVM_SET_FPU, KVM_SET_XSAVE};
    const void *arguments[VCPU_CALLS] = {0, &snapshot->sregs, &snapshot->regs, &snapshot->fpu, &snapshot->xsave};
    uint64_t *samples = allocate(VCPU_CALL_COUNT, sizeof *samples);
    for (int which = 0; which < VCPU_CALLS; which++) {
        for (int index = 0; index < VCPU_CALL_COUNT; index++) {
            uint64_t start = now_ns();
            if (which == CALL_EXIT) run_to_exit(vcpu, run);
            else check(ioctl(vcpu, requests[which], arguments[which]), vcpu_call_names[which]);
            samples[index] = now_ns() - start;
        }
        result[which] = summarize(samples, VCPU_CALL_COUNT);
    }
    free(samples);
}

// ---- Options and output ----

static void usage(void) {
    fprintf(stderr, "usage: snapshot_floor [--restores N] [--dirty-pages K] [--memory-mib M] [--data-mib D]\n"
                    "           [--state sync|ioctl] [--fpu xsave|guest] [--sweep K,K,...] [--sweep-runs N]"
                    " [--json]\n");
    exit(2);
}

static long number(const char *text) {
    char *end;
    long value = strtol(text, &end, 10);
    if (*text == 0 || *end != 0 || value < 0 || value > 1 << 20) usage();
    return value;
}

// The index of `text` in `names`, or a usage error.
static int choice(const char *text, const char *const *names, int count) {
    for (int index = 0; index < count; index++)
        if (!strcmp(text, names[index])) return index;
    usage();
    return 0;
}

static struct options parse_options(int argc, char **argv) {
    struct options options = {.restores = 10000, .dirty_pages = 4, .sweep_runs = 50, .memory_size = 64ul << 20,
                              .data_size = 4ul << 20, .state = STATE_SYNC, .fpu = FPU_XSAVE, .sweep_count = 4,
                              .sweep = {1, 16, 256, 4096}};
    for (int index = 1; index < argc; index++) {
        const char *name = argv[index];
        if (!strcmp(name, "--json")) {
            options.json = 1;
            continue;
        }
        if (index + 1 == argc) usage();
        const char *value = argv[++index];
        if (!strcmp(name, "--restores")) options.restores = (int)number(value);
        else if (!strcmp(name, "--dirty-pages")) options.dirty_pages = (int)number(value);
        else if (!strcmp(name, "--memory-mib")) options.memory_size = (uint64_t)number(value) << 20;
        else if (!strcmp(name, "--data-mib")) options.data_size = (uint64_t)number(value) << 20;
        else if (!strcmp(name, "--sweep-runs")) options.sweep_runs = (int)number(value);
        else if (!strcmp(name, "--state")) options.state = (enum state_method)choice(value, state_names, 2);
        else if (!strcmp(name, "--fpu")) options.fpu = (enum fpu_method)choice(value, fpu_names, 2);
        else if (!strcmp(name, "--sweep")) {
            options.sweep_count = 0;
            char *copy = strdup(value), *rest = copy, *item;
            while ((item = strsep(&rest, ",")) && options.sweep_count < MAX_SWEEP)
                options.sweep[options.sweep_count++] = (int)number(item);
            free(copy);
        } else usage();
    }
    int most_pages = options.dirty_pages;
    for (int index = 0; index < options.sweep_count; index++)
        if (options.sweep[index] > most_pages) most_pages = options.sweep[index];
    // The page tables map at most 1 GiB, in 2 MiB pages; the data and every dirtied page must be in guest memory.
    if (options.restores < 1 || options.sweep_runs < 1 || options.sweep_count < 2 ||
        options.sweep[0] == options.sweep[options.sweep_count - 1] || options.memory_size % (2ul << 20) ||
        options.memory_size > (1ul << 30) || DATA_ADDRESS + options.data_size > options.memory_size ||
        DATA_ADDRESS + (uint64_t)most_pages * PAGE_SIZE > options.memory_size) {
        fprintf(stderr, "snapshot_floor: guest memory is a multiple of 2 MiB up to 1 GiB holding 4 MiB + the data "
                        "and 4 MiB + every dirtied page; at least one restore, one run, two different sweep ends\n");
        exit(2);
    }
    return options;
}

struct sweep_result { double p50[MAX_SWEEP], per_page; };

struct results {
    double load_average;  // the machine's, over the minute before the run: the figures depend on it
    struct fresh_result fresh;
    struct pool_result pool[RESET_METHODS];
    uint32_t stale[RESET_METHODS];
    int logged_pages;  // the pages KVM logged as written by a tenant that wrote --dirty-pages
    struct sweep_result sweep[RESET_METHODS];
    struct summary vcpu_calls[VCPU_CALLS];
};

static void print_summary(const char *label, struct summary summary) {
    printf("  %-26s p50 %8.1f   p99 %8.1f   min %8.1f   mean %8.1f\n", label, summary.p50, summary.p99, summary.min,
           summary.mean);
}

static void print_text(const struct options *options, const struct results *results) {
    printf("Snapshot restore floor: %lu MiB guest (%lu MiB non-zero data) from a sealed memfd mapped MAP_PRIVATE, "
           "%d dirty pages, regs/sregs by %s, FPU state by %s; times in us; load average %.2f\n",
           options->memory_size >> 20, options->data_size >> 20, options->dirty_pages, state_names[options->state],
           fpu_names[options->fpu], results->load_average);
    printf("fresh VM per restore (%d restores)\n", options->restores);
    print_summary("restore incl. teardown", results->fresh.total);
    print_summary("restore to first exit", results->fresh.to_exit);
    for (int phase = 0; phase < PHASES; phase++) {
        char label[40];
        snprintf(label, sizeof label, "  %s", phase_names[phase]);
        print_summary(label, results->fresh.phase[phase]);
    }
    printf("warm pool: one VM and vCPU, reset between tenants (%d tenants each: reset + set state + run to exit)\n",
           options->restores);
    for (int method = 0; method < RESET_METHODS; method++) {
        print_summary(reset_names[method], results->pool[method].cycle);
        print_summary("  reset memory", results->pool[method].reset);
        print_summary("  set state", results->pool[method].state);
        print_summary("  KVM_RUN to exit", results->pool[method].run);
    }
    printf("checks passed: every guest saw the snapshot's memory and xmm0 (remap kept the memslot as registered); "
           "a tenant run without a reset counted the previous one's %d pages: remap %u, dontneed %u, dirty_log %u, "
           "dirty_set %u; KVM logged %d pages for a tenant writing %d\n",
           options->dirty_pages, results->stale[RESET_REMAP], results->stale[RESET_DONTNEED],
           results->stale[RESET_DIRTY_LOG], results->stale[RESET_DIRTY_SET], results->logged_pages,
           options->dirty_pages);
    printf("per dirty page: pool reset + run p50 with K dirty pages (a new pool and %d tenants each)\n  %-12s",
           options->sweep_runs, "K");
    for (int index = 0; index < options->sweep_count; index++) printf(" %9d", options->sweep[index]);
    printf("   us/page\n");
    for (int method = 0; method < RESET_METHODS; method++) {
        printf("  %-12s", reset_names[method]);
        for (int index = 0; index < options->sweep_count; index++) printf(" %9.1f", results->sweep[method].p50[index]);
        printf("   %7.3f\n", results->sweep[method].per_page);
    }
    printf("vCPU calls alone (%d each)\n", VCPU_CALL_COUNT);
    for (int which = 0; which < VCPU_CALLS; which++) print_summary(vcpu_call_names[which], results->vcpu_calls[which]);
}

static void json_summary(const char *key, struct summary summary, const char *after) {
    printf("\"%s\": {\"p50\": %.2f, \"p99\": %.2f, \"min\": %.2f, \"mean\": %.2f}%s", key, summary.p50, summary.p99,
           summary.min, summary.mean, after);
}

// One JSON object, times in µs: config, fresh (total, to_exit, phases), pool (per reset method: cycle, reset, state,
// run, stale_control), logged_dirty_pages, per_dirty_page (pages, and per method p50 at each and us_per_page),
// vcpu_calls.
static void print_json(const struct options *options, const struct results *results) {
    printf("{\"config\": {\"restores\": %d, \"dirty_pages\": %d, \"memory_mib\": %lu, \"data_mib\": %lu, "
           "\"state\": \"%s\", \"fpu\": \"%s\", \"sweep_runs\": %d, \"load_average\": %.2f},\n",
           options->restores, options->dirty_pages, options->memory_size >> 20, options->data_size >> 20,
           state_names[options->state], fpu_names[options->fpu], options->sweep_runs, results->load_average);
    printf(" \"fresh\": {");
    json_summary("total", results->fresh.total, ", ");
    json_summary("to_exit", results->fresh.to_exit, ", \"phases\": {");
    for (int phase = 0; phase < PHASES; phase++)
        json_summary(phase_names[phase], results->fresh.phase[phase], phase + 1 < PHASES ? ", " : "}},\n");
    printf(" \"pool\": {");
    for (int method = 0; method < RESET_METHODS; method++) {
        printf("\"%s\": {", reset_names[method]);
        json_summary("cycle", results->pool[method].cycle, ", ");
        json_summary("reset", results->pool[method].reset, ", ");
        json_summary("state", results->pool[method].state, ", ");
        json_summary("run", results->pool[method].run, ", ");
        printf("\"stale_control\": %u}%s", results->stale[method], method + 1 < RESET_METHODS ? ",\n  " : "},\n");
    }
    printf(" \"logged_dirty_pages\": %d,\n \"per_dirty_page\": {\"pages\": [", results->logged_pages);
    for (int index = 0; index < options->sweep_count; index++)
        printf("%d%s", options->sweep[index], index + 1 < options->sweep_count ? ", " : "]");
    for (int method = 0; method < RESET_METHODS; method++) {
        printf(",\n  \"%s\": {\"p50\": [", reset_names[method]);
        for (int index = 0; index < options->sweep_count; index++)
            printf("%.2f%s", results->sweep[method].p50[index], index + 1 < options->sweep_count ? ", " : "]");
        printf(", \"us_per_page\": %.4f}", results->sweep[method].per_page);
    }
    printf("},\n \"vcpu_calls\": {");
    for (int which = 0; which < VCPU_CALLS; which++)
        json_summary(vcpu_call_names[which], results->vcpu_calls[which], which + 1 < VCPU_CALLS ? ", " : "}}\n");
}

int main(int argc, char **argv) {
    struct options options = parse_options(argc, argv);
    int kvm = check(open("/dev/kvm", O_RDWR | O_CLOEXEC), "open /dev/kvm");
    int run_size = check(ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), "KVM_GET_VCPU_MMAP_SIZE");
    if (options.state == STATE_SYNC &&
        (check(ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS), "KVM_CHECK_EXTENSION") &
         (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) != (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS))
        fail_check("KVM_CAP_SYNC_REGS lacks regs or sregs (use --state ioctl)");
    struct snapshot snapshot = snapshot_build(kvm, &options);
    static struct results results;
    if (getloadavg(&results.load_average, 1) != 1) results.load_average = -1;

    results.fresh = measure_fresh(kvm, run_size, &snapshot, &options);
    for (int method = 0; method < RESET_METHODS; method++) {
        struct pool pool = pool_create(kvm, run_size, &snapshot, (enum reset_method)method);
        results.pool[method] = measure_pool(&pool, &snapshot, &options, options.dirty_pages, options.restores);
        results.stale[method] = stale_control(&pool, &snapshot, &options);
        if (results.stale[method] != (uint32_t)options.dirty_pages)
            fail_check("a tenant run without a reset did not count the previous tenant's writes");
        if (method == RESET_DIRTY_LOG) {
            // The control's two tenants wrote the same pages since the last reset: the next reset copies what KVM
            // logged for them.
            reset_memory(&pool);
            results.logged_pages = pool.copied_pages;
            measure_vcpu_calls(pool.vcpu, pool.run, &snapshot, results.vcpu_calls);
        }
        pool_destroy(&pool);
        // A new pool for each K: dirty_set's set of written pages is then the K pages of its own tenants.
        for (int index = 0; index < options.sweep_count; index++) {
            pool = pool_create(kvm, run_size, &snapshot, (enum reset_method)method);
            results.sweep[method].p50[index] =
                measure_pool(&pool, &snapshot, &options, options.sweep[index], options.sweep_runs).cycle.p50;
            pool_destroy(&pool);
        }
        struct sweep_result *sweep = &results.sweep[method];
        int last = options.sweep_count - 1;
        sweep->per_page = (sweep->p50[last] - sweep->p50[0]) / (options.sweep[last] - options.sweep[0]);
    }
    if (options.json) print_json(&options, &results);
    else print_text(&options, &results);
    return 0;
}
