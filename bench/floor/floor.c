// The true floor of a KVM micro-VM run, whole process: the least a C monitor can do to get from exec to the guest's
// first exit. bench/vm/run.py part 1 times it (exec to exit status, from the parent) next to `swiftlet run
// empty.wasm`; bench/floor/phases.c times the phases of the Swift monitor's larger setup instead.
//
// Only what reaching the first exit needs, each measured on this machine (kvm-pvm, nested):
// - No libc: `_start` makes raw system calls. glibc's start-up alone (static or dynamic) costs more than the whole VM
//   part here: it executes 68 CPUID instructions (cache and CPU feature detection, init_cpu_features and
//   init_cacheinfo), each one a VM exit of ~10 µs on this nested machine; the dynamic loader adds the mapping and
//   relocation of libc. Build with -DFLOOR_LIBC for the same program on glibc (bench/vm/run.py prints it too).
// - One 4 KiB page of guest memory, in this program's own data (no mmap, no stores at run time). Its first 8 bytes
//   are the only page-table entry: CR3 points at the page and entry 0 points back at the page, so it serves as PML4,
//   PDPT, PD and PT at once and maps virtual page 0 onto itself (present, writable, user). The code follows it.
// - The guest runs `out 0x57, al` at CPL3 in 64-bit mode: the first instruction is the exit. Long mode at CPL3 is
//   what the Swift monitor enters too (kvm-pvm emulates CPL0 code one instruction at a time); IOPL 3 allows `out`.
// - No GDT, no KVM_GET_SREGS: the segment registers' hidden parts come whole from KVM_SET_SREGS and nothing reloads
//   them before the first exit. No KVM_GET_VCPU_MMAP_SIZE: the first page of the vCPU mapping holds `kvm_run`.
// - No teardown calls: exit_group closes the vCPU and VM and unmaps everything, as it would for any monitor.
//
// Exit status 0 if the first exit is the expected port write, else the failing step (see `fail`).
// Build: cc -O2 -static -nostdlib -fno-stack-protector -o floor bench/floor/floor.c      Run: ./floor
// Variants for comparison: -DFLOOR_LIBC (glibc's start-up: build without -nostdlib); -DFLOOR_PROCESS_ONLY (exec and
// exit, no VM: the process part of the floor).
#include <linux/kvm.h>
#include <stdint.h>

#define EXIT_PORT 0x57
#define SYS_IOCTL 16
#define SYS_MMAP 9
#define SYS_OPENAT 257
#define SYS_EXIT_GROUP 231

static long syscall6(long number, long a, long b, long c, long d, long e, long f) {
    long result;
    register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return result;
}

static long kvm_ioctl(long fd, unsigned long request, const void *argument) {
    return syscall6(SYS_IOCTL, fd, (long)request, (long)argument, 0, 0, 0);
}

// Guest physical page 0, mapped at guest virtual address 0 by its own first entry.
static uint8_t guest_page[4096] __attribute__((aligned(4096))) = {
    0x07, 0, 0, 0, 0, 0, 0, 0,  // PML4[0] = PDPT[0] = PD[0] = PT[0]: page 0, present | writable | user
    0xe6, EXIT_PORT,            // 0x8: out EXIT_PORT, al
};
#define GUEST_ENTRY 0x8

static struct kvm_segment user_segment(uint16_t selector, uint8_t type, int long_mode) {
    return (struct kvm_segment){.limit = 0xffffffff, .selector = selector, .type = type, .present = 1, .dpl = 3,
                                .db = !long_mode, .s = 1, .l = long_mode, .g = 1};
}

enum fail { FAIL_OPEN = 10, FAIL_CREATE_VM, FAIL_MEMORY, FAIL_CREATE_VCPU, FAIL_MMAP_RUN, FAIL_SREGS, FAIL_REGS,
            FAIL_RUN, FAIL_EXIT_REASON };

static int floor_run(void) {
#ifdef FLOOR_PROCESS_ONLY
    return 0;
#endif
    long kvm = syscall6(SYS_OPENAT, -100 /* AT_FDCWD */, (long)"/dev/kvm", 02 | 02000000 /* O_RDWR | O_CLOEXEC */,
                        0, 0, 0);
    if (kvm < 0) return FAIL_OPEN;
    long vm = kvm_ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) return FAIL_CREATE_VM;
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = sizeof guest_page, .userspace_addr = (uint64_t)guest_page,
    };
    if (kvm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) return FAIL_MEMORY;
    long vcpu = kvm_ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) return FAIL_CREATE_VCPU;
    long run_address = syscall6(SYS_MMAP, 0, 4096, 1 /* PROT_READ */, 1 /* MAP_SHARED */, vcpu, 0);
    if (run_address < 0 && run_address > -4096) return FAIL_MMAP_RUN;
    const struct kvm_run *run = (const struct kvm_run *)run_address;

    struct kvm_sregs sregs = {
        .cs = user_segment(0x0b, 11, 1),  // 64-bit code, DPL 3, selector with RPL 3
        .ds = user_segment(0x13, 3, 0), .es = user_segment(0x13, 3, 0), .fs = user_segment(0x13, 3, 0),
        .gs = user_segment(0x13, 3, 0), .ss = user_segment(0x13, 3, 0),
        .tr = {.limit = 0xffff, .type = 11, .present = 1},  // a busy 64-bit TSS, as VM entry requires
        .ldt = {.limit = 0xffff, .type = 2, .present = 1},
        .cr0 = 0x80010033,  // PE | MP | ET | NE | WP | PG
        .cr3 = 0,           // guest_page
        .cr4 = 0x620,       // PAE | OSFXSR | OSXMMEXCPT
        .efer = 0x500,      // LME | LMA
    };
    if (kvm_ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) return FAIL_SREGS;
    struct kvm_regs regs = {.rip = GUEST_ENTRY, .rflags = 0x3002 /* IOPL 3 */};
    if (kvm_ioctl(vcpu, KVM_SET_REGS, &regs) < 0) return FAIL_REGS;
    if (kvm_ioctl(vcpu, KVM_RUN, 0) < 0) return FAIL_RUN;
    return run->exit_reason == KVM_EXIT_IO && run->io.port == EXIT_PORT ? 0 : FAIL_EXIT_REASON;
}

#ifdef FLOOR_LIBC
int main(void) { return floor_run(); }
#else
// The kernel enters with the stack 16-byte aligned (no return address pushed): realign for the compiler's frame.
__attribute__((force_align_arg_pointer, noreturn)) void _start(void) {
    syscall6(SYS_EXIT_GROUP, floor_run(), 0, 0, 0, 0, 0);
    __builtin_unreachable();
}
#endif
