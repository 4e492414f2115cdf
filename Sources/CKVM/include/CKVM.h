#ifndef CKVM_H
#define CKVM_H

// The KVM ioctl request numbers are function-like macros (_IO/_IOR/_IOW) that Swift cannot import;
// this header re-exports each one the monitor uses as a constant. The structs come from <linux/kvm.h>.
#ifdef __linux__
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <fcntl.h>

static const unsigned long CKVM_GET_API_VERSION = KVM_GET_API_VERSION;
static const unsigned long CKVM_CREATE_VM = KVM_CREATE_VM;
static const unsigned long CKVM_CHECK_EXTENSION = KVM_CHECK_EXTENSION;
static const unsigned long CKVM_GET_VCPU_MMAP_SIZE = KVM_GET_VCPU_MMAP_SIZE;
static const unsigned long CKVM_CREATE_VCPU = KVM_CREATE_VCPU;
static const unsigned long CKVM_SET_USER_MEMORY_REGION = KVM_SET_USER_MEMORY_REGION;
static const unsigned long CKVM_RUN = KVM_RUN;
static const unsigned long CKVM_GET_REGS = KVM_GET_REGS;
static const unsigned long CKVM_SET_REGS = KVM_SET_REGS;
static const unsigned long CKVM_GET_SREGS = KVM_GET_SREGS;
static const unsigned long CKVM_SET_SREGS = KVM_SET_SREGS;
static const unsigned long CKVM_GET_TSC_KHZ = KVM_GET_TSC_KHZ;
static const unsigned long CKVM_GET_STATS_FD = KVM_GET_STATS_FD;
static const unsigned long CKVM_GET_FPU = KVM_GET_FPU;
static const unsigned long CKVM_SET_FPU = KVM_SET_FPU;

// KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP) with no IOAPIC routes: each vCPU gets an in-kernel local APIC and the PIC and
// IOAPIC stay with userspace (which has none). struct kvm_enable_cap's argument arrays are simplest filled in C.
// Returns the ioctl's result: 0 on success, -1 with errno set.
static inline int ckvm_enable_split_irqchip(int vm_fd) {
    struct kvm_enable_cap capability = {.cap = KVM_CAP_SPLIT_IRQCHIP, .args = {0}};
    return ioctl(vm_fd, KVM_ENABLE_CAP, &capability);
}

// KVM_CAP_SYNC_REGS: the general and special registers travel through kvm_run instead of an ioctl each (~10 us per
// vCPU ioctl on a nested KVM). After every exit KVM stores them in `s.regs` (valid_regs); before the next KVM_RUN it
// loads what `dirty_regs` marks, and clears the mark. `struct kvm_run`'s union of sync areas is simplest reached in C.
static inline int ckvm_supports_sync_regs(int vm_fd) {
    int supported = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
    return supported > 0 && (supported & (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) == (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS);
}

static inline void ckvm_sync_regs_enable(struct kvm_run *run) {
    run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
}

static inline void ckvm_sync_set_regs(struct kvm_run *run, const struct kvm_regs *regs) {
    run->s.regs.regs = *regs;
    run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
}

// The registers set for the next KVM_RUN and not yet loaded, or NULL.
static inline const struct kvm_regs *ckvm_sync_pending_regs(const struct kvm_run *run) {
    return (run->kvm_dirty_regs & KVM_SYNC_X86_REGS) ? &run->s.regs.regs : 0;
}

static inline const struct kvm_sregs *ckvm_sync_sregs(const struct kvm_run *run) {
    return &run->s.regs.sregs;
}

// Not an ioctl, but as unreachable from Swift: the calling thread's kernel id, for a timer that signals exactly
// the thread running a vCPU. Glibc's module hides gettid() (no _GNU_SOURCE) and Swift cannot call syscall(),
// which is variadic.
static inline int ckvm_gettid(void) {
    return (int)syscall(SYS_gettid);
}

// Snapshot memory is a memfd sealed against any change. glibc declares memfd_create and the sealing and SEEK_DATA
// constants only under _GNU_SOURCE, which Swift's Glibc module is built without; the values are Linux's stable ABI
// (include/uapi/linux/memfd.h, fcntl.h, fs.h).
#define CKVM_MFD_CLOEXEC 0x0001U
#define CKVM_MFD_ALLOW_SEALING 0x0002U
#define CKVM_F_ADD_SEALS 1033
#define CKVM_F_GET_SEALS 1034
#define CKVM_F_SEAL_SEAL 0x0001
#define CKVM_F_SEAL_SHRINK 0x0002
#define CKVM_F_SEAL_GROW 0x0004
#define CKVM_F_SEAL_WRITE 0x0008
#define CKVM_SEEK_DATA 3
#define CKVM_SEEK_HOLE 4

// A close-on-exec memfd that accepts seals. Returns the descriptor, or -1 with errno set.
static inline int ckvm_memfd_create(const char *name) {
    return (int)syscall(SYS_memfd_create, name, CKVM_MFD_CLOEXEC | CKVM_MFD_ALLOW_SEALING);
}

// getrandom(2): glibc's declaration needs <sys/random.h>, which the Glibc module does not include. Returns the bytes
// filled, or -1 with errno set.
static inline long ckvm_getrandom(void *buffer, unsigned long count) {
    return syscall(SYS_getrandom, buffer, count, 0);
}

// fcntl is variadic, which Swift cannot call. Returns fcntl's result: 0, or -1 with errno set.
static inline int ckvm_add_seals(int fd, int seals) {
    return fcntl(fd, CKVM_F_ADD_SEALS, seals);
}

static inline int ckvm_get_seals(int fd) {
    return fcntl(fd, CKVM_F_GET_SEALS);
}

// PAGEMAP_SCAN on /proc/self/pagemap (Linux 6.7): the runs of pages in [start, end) that are present and not file pages,
// which in a private mapping of a file are exactly the pages written since it was mapped (each write made a private
// copy). The structures are <linux/fs.h>'s, which conflicts with glibc's headers. Returns the number of runs filled,
// or -1 with errno set; `*walk_end` is where the walk stopped (before `end` when `regions` filled up).
struct ckvm_page_region {
    unsigned long long start, end, categories;
};

static inline long ckvm_written_private_pages(int pagemap_fd, void *start, void *end, struct ckvm_page_region *regions,
                                              unsigned long long count, unsigned long long *walk_end) {
    struct {
        unsigned long long size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted,
            category_mask, category_anyof_mask, return_mask;
    } argument = {0};
    const unsigned long long is_file = 1 << 2, is_present = 1 << 3;
    argument.size = sizeof argument;
    argument.start = (unsigned long long)start;
    argument.end = (unsigned long long)end;
    argument.vec = (unsigned long long)regions;
    argument.vec_len = count;
    argument.category_inverted = is_file;
    argument.category_mask = is_file | is_present;
    argument.return_mask = is_present;
    long result = ioctl(pagemap_fd, _IOWR('f', 16, argument), &argument);
    *walk_end = argument.walk_end;
    return result;
}

// KVM_GET_MSRS for the one MSR IA32_TSC (the guest's time-stamp counter as it reads now). struct kvm_msrs ends in a
// flexible array, which Swift does not import. Returns the ioctl's result: 1 when the MSR was read, -1 on error.
static inline int ckvm_get_guest_tsc(int vcpu_fd, unsigned long long *value) {
    struct {
        struct kvm_msrs header;
        struct kvm_msr_entry entry;
    } request = {.header = {.nmsrs = 1}, .entry = {.index = 0x10}};
    int result = ioctl(vcpu_fd, KVM_GET_MSRS, &request);
    *value = request.entry.data;
    return result;
}
#endif

#endif
