// The guest's code arena: the pages where the kernel's compiler tier puts machine code, and the monitor's half of
// sealing them (Hypercall.sealCode).

import SwiftletABI

/// A range of guest memory, whole large pages at the end of the heap, that the guest never maps writable: its pages are
/// not present until the monitor seals them, copying machine code in from a guest buffer and mapping them present,
/// read-only and executable. So no guest page is writable and executable at once, and no translation has to be taken
/// back from the vCPU (a guest access to an unsealed page faults and ends the VM, so none is ever cached).
///
/// Its 4 KiB page tables lie in the monitor's supervisor-only first large page, one per 2 MiB of arena from
/// ``firstTableAddress`` on, back to back: the entry of the arena's page `i` is the `i`-th word from there, zero until
/// the page is sealed. That state lives in guest memory only, so a snapshot captures it with the code.
struct CodeArena {
    static let firstTableAddress: UInt64 = 0x1_0000
    static let maximumTableCount: UInt64 = 256
    /// 512 MiB: far more machine code than a module in a micro-VM makes.
    static let maximumSize = maximumTableCount * LongModeSetup.largePageSize

    let range: GuestRange

    /// Whether `size` bytes can be an arena: whole large pages, no more than the tables cover.
    static func isSupportedSize(_ size: UInt64) -> Bool {
        size % LongModeSetup.largePageSize == 0 && size <= maximumSize
    }

    /// The page-table entry mapping the arena's page at `address`.
    /// - Precondition: `address` is a page of the arena.
    func entryAddress(ofPage address: UInt64) -> GuestPhysicalAddress {
        GuestPhysicalAddress(Self.firstTableAddress + (address - range.start.rawValue) / GuestMemory.pageSize * 8)
    }

    /// The page directory entry for the arena's large page at `address` (a pointer to its table).
    /// - Precondition: `address` is a large page of the arena.
    func directoryEntry(ofLargePage address: UInt64) -> UInt64 {
        let table = Self.firstTableAddress + (address - range.start.rawValue) / LongModeSetup.largePageSize * 0x1000
        return table | LongModeSetup.present | LongModeSetup.writable | LongModeSetup.user
    }

    /// Carries out a ``Hypercall/sealCode`` request: checks that the source lies where `bounds` admit and the
    /// destination pages in the arena, none sealed before, then copies the code and maps those pages executable.
    /// Nothing is written unless every check passes.
    func seal(
        _ request: SealCodeRequest, memory: borrowing GuestMemory, bounds: HypercallBounds
    ) throws(HypercallError) {
        let page = GuestMemory.pageSize
        func refuse(_ reason: String) -> HypercallError { .malformedRequest(.sealCode, reason) }
        guard request.length > 0, request.destinationAddress % page == 0 else {
            throw refuse("\(request.length) bytes to 0x\(String(request.destinationAddress, radix: 16)): "
                + "code goes to a page boundary and is not empty")
        }
        let source = try bounds.checkedBuffer(request.sourceAddress, length: request.length)
        // A length past the end of memory cannot round up to wrap: it would not lie in the arena anyway.
        let pagesLength = request.length > UInt64.max - page ? request.length : (request.length + page - 1) / page * page
        guard let pages = GuestRange(start: GuestPhysicalAddress(request.destinationAddress), length: pagesLength),
            range.length > 0, range.contains(pages)
        else {
            throw refuse("0x\(String(request.destinationAddress, radix: 16)) + \(request.length) lies outside the code "
                + "arena [\(range.start), 0x\(String(range.end, radix: 16)))")
        }
        do {
            for address in stride(from: pages.start.rawValue, to: pages.end, by: Int(page)) {
                guard try memory.load(UInt64.self, at: entryAddress(ofPage: address)) == 0 else {
                    throw refuse("the code page at 0x\(String(address, radix: 16)) is sealed already")
                }
            }
            // Unsealed pages hold zeros (neither the guest nor the monitor wrote them), so the last page's tail needs
            // no clearing.
            try memory.write(try memory.readBytes(at: source.start, count: source.length), at: pages.start)
            for address in stride(from: pages.start.rawValue, to: pages.end, by: Int(page)) {
                try memory.store(address | LongModeSetup.present | LongModeSetup.user, at: entryAddress(ofPage: address))
            }
        } catch let error as HypercallError {
            throw error
        } catch {
            // Unreachable: the tables lie in the monitor's page and the buffers were checked against guest memory.
            throw .bufferOutsideGuestRegion(address: source.start, length: source.length)
        }
    }
}
