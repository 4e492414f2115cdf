import CKVM
import SwiftletABI

/// Puts a vCPU straight into 64-bit long mode at CPL3, with no real-mode boot code in the guest.
///
/// CPL3 because on kvm-pvm guest code at CPL0 is emulated instruction by instruction and cannot execute SSE, while
/// CPL3 runs natively. So: user (DPL3) segments, the U/S bit on every page-table level, and IOPL 3 so that `out`
/// works at CPL3 and becomes a `KVM_EXIT_IO`. The guest has no IDT: any exception is a triple fault, which KVM
/// reports as `KVM_EXIT_SHUTDOWN`.
///
/// Every page is mapped non-executable (EFER.NXE) but the kernel's text and the code pages the monitor sealed
/// (``CodeArena``); the kernel image's pages take their access from its segments' flags, 4 KiB at a time.
///
/// Guest-physical layout below ``SwiftletABI/guestRegionStart`` (the monitor's, mapped supervisor-only):
/// PML4 at 0x1000, PDPT at 0x2000, one page directory per GiB from 0x3000, GDT at 0x8000, the code arena's page tables
/// from 0x10000 (``CodeArena``), then the kernel image's page tables from ``firstKernelTableAddress``.
enum LongModeSetup {
    static let pml4Address = GuestPhysicalAddress(0x1000)
    static let pdptAddress = GuestPhysicalAddress(0x2000)
    static let firstPageDirectoryAddress: UInt64 = 0x3000
    static let gdtAddress = GuestPhysicalAddress(0x8000)
    static let firstKernelTableAddress = CodeArena.firstTableAddress + CodeArena.maximumTableCount * 0x1000
    /// The kernel image's large pages that have tables: up to the guest region, 480 MiB of image.
    static let maximumKernelTableCount = (SwiftletABI.guestRegionStart - firstKernelTableAddress) / 0x1000

    static let largePageSize: UInt64 = 2 << 20
    static let gigabyte: UInt64 = 1 << 30

    // Page-table entry bits.
    static let present: UInt64 = 1 << 0
    static let writable: UInt64 = 1 << 1
    static let user: UInt64 = 1 << 2
    static let largePage: UInt64 = 1 << 7
    static let noExecute: UInt64 = 1 << 63

    // GDT: null, 64-bit code DPL3, data DPL3 (flat, base 0).
    static let gdtEntries: [UInt64] = [0, 0x00AF_FA00_0000_FFFF, 0x00CF_F200_0000_FFFF]
    static let codeSelector: UInt16 = 1 << 3 | 3
    static let dataSelector: UInt16 = 2 << 3 | 3

    static let cr0: UInt64 = 0x8001_0033  // PE | MP | ET | NE | WP | PG
    static let cr4: UInt64 = 0x620  // PAE | OSFXSR | OSXMMEXCPT: SSE usable
    static let efer: UInt64 = 0xD00  // LME | LMA | NXE: the no-execute bit in page-table entries
    static let rflags: UInt64 = 0x3002  // IOPL 3 and the always-one bit 1; interrupts off

    /// Memory sizes the identity map can cover: whole large pages, at least one page past the monitor's area,
    /// at most ``SwiftletABI/maximumMemorySize``.
    static func isSupportedMemorySize(_ size: UInt64) -> Bool {
        size % largePageSize == 0 && size > SwiftletABI.guestRegionStart && size <= SwiftletABI.maximumMemorySize
    }

    /// Writes page tables identity-mapping all of `memory` and the GDT: 2 MiB pages, read/write and non-executable,
    /// except the large page at `unmappedLargePage` (a guard: any access to it faults), the kernel image's large pages
    /// (4 KiB pages with its segments' access: text read-only and executable) and the code arena's (4 KiB pages, none
    /// present until sealed).
    ///
    /// - Precondition: `isSupportedMemorySize(memory.size)`; the kernel image's large pages number at most
    ///   ``maximumKernelTableCount`` and the arena is a ``CodeArena`` of large pages.
    static func writeTables(
        into memory: borrowing GuestMemory, kernel: KernelImage, unmappedLargePage: UInt64? = nil,
        codeArena: CodeArena? = nil
    ) throws(GuestMemoryError) {
        let gigabytes = (memory.size + gigabyte - 1) / gigabyte
        let kernelEnd = (kernel.end + largePageSize - 1) / largePageSize * largePageSize
        try memory.store(pdptAddress.rawValue | present | writable | user, at: pml4Address)
        for gigabyteIndex in 0..<gigabytes {
            let directory = firstPageDirectoryAddress + gigabyteIndex * 0x1000
            try memory.store(directory | present | writable | user, at: pdptAddress.adding(gigabyteIndex * 8)!)
            for entryIndex in 0..<UInt64(512) {
                let address = gigabyteIndex * gigabyte + entryIndex * largePageSize
                guard address < memory.size else { break }
                let entry: UInt64
                if address < SwiftletABI.guestRegionStart {
                    // The monitor's first large page is supervisor-only: the guest at CPL3 cannot touch its page
                    // tables or GDT, and a null-pointer dereference faults instead of reading them.
                    entry = address | present | writable | largePage | noExecute
                } else if address == unmappedLargePage {
                    continue  // not present: a guard
                } else if address < kernelEnd {
                    let table = firstKernelTableAddress + (address - SwiftletABI.guestRegionStart) / largePageSize * 0x1000
                    try writeKernelTable(at: table, for: address, kernel: kernel, into: memory)
                    entry = table | present | writable | user
                } else if let codeArena, codeArena.range.contains(GuestRange(start: GuestPhysicalAddress(address), length: 1)!) {
                    entry = codeArena.directoryEntry(ofLargePage: address)
                } else {
                    entry = address | present | writable | user | largePage | noExecute
                }
                try memory.store(entry, at: GuestPhysicalAddress(directory + entryIndex * 8))
            }
        }
        for (index, entry) in gdtEntries.enumerated() {
            try memory.store(entry, at: gdtAddress.adding(UInt64(index * 8))!)
        }
    }

    /// The 4 KiB entries of the kernel image's large page at `largePageAddress`: each page as its segments need it,
    /// pages no segment covers not present.
    private static func writeKernelTable(
        at table: UInt64, for largePageAddress: UInt64, kernel: KernelImage, into memory: borrowing GuestMemory
    ) throws(GuestMemoryError) {
        for index in 0..<UInt64(512) {
            let address = largePageAddress + index * GuestMemory.pageSize
            guard let access = kernel.pageAccess(at: address) else { continue }
            let entry = address | present | user | (access.writable ? writable : 0) | (access.executable ? 0 : noExecute)
            try memory.store(entry, at: GuestPhysicalAddress(table + index * 8))
        }
    }

    /// `registers` (as read from a fresh vCPU) switched to long mode at CPL3 with the tables of ``writeTables``.
    static func specialRegisters(from registers: kvm_sregs) -> kvm_sregs {
        var registers = registers
        registers.cs = segment(selector: codeSelector, type: 11, longMode: true)
        let data = segment(selector: dataSelector, type: 3, longMode: false)
        registers.ds = data
        registers.es = data
        registers.fs = data
        registers.gs = data
        registers.ss = data
        registers.gdt.base = gdtAddress.rawValue
        registers.gdt.limit = UInt16(gdtEntries.count * 8 - 1)
        registers.cr0 = cr0
        registers.cr3 = pml4Address.rawValue
        registers.cr4 = cr4
        registers.efer = efer
        return registers
    }

    /// Registers at the kernel's entry: `RIP` at the entry point, `RSP` at the stack top, `RDI` = boot info address
    /// (the first argument in the System V ABI, which the entry stub passes on to Swift).
    static func registers(entry: GuestPhysicalAddress, stackTop: UInt64, bootInfo: GuestPhysicalAddress) -> kvm_regs {
        var registers = kvm_regs()
        registers.rip = entry.rawValue
        registers.rsp = stackTop
        registers.rdi = bootInfo.rawValue
        registers.rflags = rflags
        return registers
    }

    private static func segment(selector: UInt16, type: UInt8, longMode: Bool) -> kvm_segment {
        var segment = kvm_segment()
        segment.base = 0
        segment.limit = 0xFFFF_FFFF
        segment.selector = selector
        segment.type = type
        segment.present = 1
        segment.dpl = 3
        segment.db = longMode ? 0 : 1
        segment.s = 1
        segment.l = longMode ? 1 : 0
        segment.g = 1
        return segment
    }
}
