// Pages for machine code, never writable and executable at once (W^X). On Linux hosts they are mapped writable, filled,
// then made executable; in the guest kernel the monitor copies the code into pages of the VM's code arena that the guest
// never maps writable (kernel/README.md). Elsewhere the compiler tier is unavailable and stores run the interpreter.

#if canImport(Glibc)
import Glibc
#elseif hasFeature(Embedded)
/// The guest kernel's (Kernel/Swift/GuestCodeArena.swift): `count` bytes of `code` in fresh pages of its code arena,
/// sealed by the monitor (read-only and executable), or nil when the VM has no arena or it is full.
@_extern(c, "swiftlet_seal_code") func swiftletSealCode(_ code: UnsafeRawPointer, _ count: Int) -> UnsafeRawPointer?
#endif

enum ExecutableMemory {
    static var isAvailable: Bool {
        #if canImport(Glibc) || hasFeature(Embedded)
        true
        #else
        false
        #endif
    }

    /// `code` in fresh pages that are readable and executable only, or nil when they cannot be had. Freed by `free`.
    static func seal(_ code: [UInt8]) -> UnsafeRawBufferPointer? {
        #if canImport(Glibc)
        let byteCount = Swift.max(code.count, 1)
        guard let pages = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            pages != MAP_FAILED
        else { return nil }
        // SAFETY: the mapping has `byteCount` ≥ `code.count` writable bytes.
        code.withUnsafeBytes { pages.copyMemory(from: $0.baseAddress!, byteCount: code.count) }
        guard mprotect(pages, byteCount, PROT_READ | PROT_EXEC) == 0 else {
            munmap(pages, byteCount)
            return nil
        }
        return UnsafeRawBufferPointer(start: pages, count: byteCount)
        #elseif hasFeature(Embedded)
        guard !code.isEmpty else { return nil }
        // SAFETY: the kernel reads `code.count` bytes of the array's buffer during the call (the monitor copies them).
        let pages = code.withUnsafeBytes { swiftletSealCode($0.baseAddress!, code.count) }
        return pages.map { UnsafeRawBufferPointer(start: $0, count: code.count) }
        #else
        return nil
        #endif
    }

    static func free(_ pages: UnsafeRawBufferPointer) {
        #if canImport(Glibc)
        munmap(UnsafeMutableRawPointer(mutating: pages.baseAddress), pages.count)
        #endif
        // The guest's sealed pages are never reused: they can never be made writable again to take other code.
    }
}
