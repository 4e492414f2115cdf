// The Swift monitor's vCPU setup (Sources/Monitor/LongModeSetup.swift) in C, shared by the bench programs that
// compare against it: guest memory identity-mapped with 2 MiB pages (the first one supervisor-only), a GDT with
// user code and data segments, and a vCPU entering 64-bit mode at CPL3 with IOPL 3.
#ifndef USER_MODE_VM_H
#define USER_MODE_VM_H
#include <linux/kvm.h>
#include <stdint.h>
#include <sys/ioctl.h>

#define USER_MODE_GDT 0x8000ul

static struct kvm_segment user_segment(uint16_t selector, uint8_t type, int long_mode) {
    struct kvm_segment segment = {
        .base = 0, .limit = 0xffffffff, .selector = selector, .type = type, .present = 1, .dpl = 3,
        .db = !long_mode, .s = 1, .l = long_mode, .g = 1,
    };
    return segment;
}

// Page tables at 0x1000-0x3fff and the GDT at USER_MODE_GDT, for `size` bytes (at most 1 GiB) of guest memory.
static void user_mode_tables(uint8_t *memory, uint64_t size) {
    uint64_t *pml4 = (uint64_t *)(memory + 0x1000), *pdpt = (uint64_t *)(memory + 0x2000);
    uint64_t *pd = (uint64_t *)(memory + 0x3000), *gdt = (uint64_t *)(memory + USER_MODE_GDT);
    pml4[0] = 0x2000 | 7;
    pdpt[0] = 0x3000 | 7;
    for (uint64_t page = 0; page < size >> 21; page++) pd[page] = page << 21 | (page ? 0x87 : 0x83);
    gdt[1] = 0x00affa000000ffff;
    gdt[2] = 0x00cff2000000ffff;
}

// Points the vCPU at `regs` in 64-bit mode at CPL3; returns the failing ioctl's name, or NULL.
static const char *user_mode_enter(int vcpu, struct kvm_regs regs) {
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) return "KVM_GET_SREGS";
    sregs.cs = user_segment(0x0b, 11, 1);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = user_segment(0x13, 3, 0);
    sregs.gdt.base = USER_MODE_GDT;
    sregs.gdt.limit = 23;
    sregs.cr0 = 0x80010033;
    sregs.cr3 = 0x1000;
    sregs.cr4 = 0x620;
    sregs.efer = 0x500;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) return "KVM_SET_SREGS";
    regs.rflags = 0x3002;
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) return "KVM_SET_REGS";
    return 0;
}
#endif
