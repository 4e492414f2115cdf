/// The contract between the Swiftlet monitor (host) and the Swiftlet kernel (guest).
///
/// This module is the single source of truth for that boundary and is compiled twice: once for the host and once,
/// as Embedded Swift, into the guest kernel. Records cross the boundary as little-endian 64-bit words at fixed
/// offsets (word `i` at byte `8 * i`), never as Swift struct layouts, which the language does not pin down.
/// Must not touch: anything beyond the boundary's definitions (no Foundation, no OS calls): it is portable and
/// Embedded-clean.
public enum SwiftletABI {
    /// Bumped on every incompatible change; the monitor writes it into ``BootInfo`` and the kernel refuses to run
    /// on a mismatch.
    public static let version: UInt64 = 14

    /// The lowest guest-physical (and, identity-mapped, virtual) address the guest may use. Everything below it
    /// belongs to the monitor (page tables, GDT) and is mapped supervisor-only, so a guest null dereference faults.
    /// kernel/kernel.ld links the kernel at this address.
    public static let guestRegionStart: UInt64 = 0x20_0000

    /// Guest memory must fit below 4 GiB: hypercalls pass guest-physical addresses in a 32-bit port write.
    public static let maximumMemorySize: UInt64 = 0x1_0000_0000
}

/// A fixed-size record that crosses the guest/host boundary as little-endian 64-bit words.
public protocol ABIRecord {
    /// Number of 64-bit words in the record; its size in bytes is `8 * wordCount`.
    static var wordCount: Int { get }

    /// Decodes the record from `word(i)`, the `i`-th 64-bit word.
    init(word: (Int) -> UInt64)

    /// Calls `body(i, value)` for every word of the record in order.
    func forEachWord(_ body: (Int, UInt64) -> Void)
}

extension ABIRecord {
    /// Size of the record in guest memory.
    public static var byteCount: Int { wordCount * 8 }
}
