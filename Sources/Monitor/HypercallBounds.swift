/// The guest memory a hypercall may name as a request, a buffer or a linear memory: the guest's own region less its
/// code arena. Only the seal hypercall writes sealed code; a buffer in the arena would let the host write where the
/// guest executes (an `fd_read` into a sealed page), sidestepping W^X, so every other hypercall is refused there.
struct HypercallBounds: Sendable {
    let guestRegion: GuestRange
    /// Empty when the VM has no arena.
    let codeArena: GuestRange

    init(guestRegion: GuestRange, codeArena: GuestRange? = nil) {
        self.guestRegion = guestRegion
        self.codeArena = codeArena ?? GuestRange(start: GuestPhysicalAddress(0), length: 0)!
    }

    func admits(_ range: GuestRange) -> Bool {
        guestRegion.contains(range) && !(codeArena.length > 0 && range.overlaps(codeArena))
    }

    /// The guest-supplied buffer `[address, address + length)`, which must be admitted.
    func checkedBuffer(_ address: UInt64, length: UInt64) throws(HypercallError) -> GuestRange {
        let start = GuestPhysicalAddress(address)
        guard let buffer = GuestRange(start: start, length: length), admits(buffer) else {
            throw .bufferOutsideGuestRegion(address: start, length: length)
        }
        return buffer
    }

    /// The calling module's linear memory as a request names it: admitted, or nil when its size is 0 (a module without
    /// memory, whose address means nothing).
    func checkedLinearMemory(_ address: UInt64, size: UInt64) throws(HypercallError) -> GuestRange? {
        size == 0 ? nil : try checkedBuffer(address, length: size)
    }
}
