// Pages for machine code: written while only writable, then made executable and never writable again (W^X).
// Only where the platform can map pages (Linux hosts); elsewhere (the guest kernel, so far) the compiler tier is
// unavailable and stores run the interpreter.

#if canImport(Glibc)
import Glibc
#endif

enum ExecutableMemory {
    static var isAvailable: Bool {
        #if canImport(Glibc)
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
        #else
        return nil
        #endif
    }

    static func free(_ pages: UnsafeRawBufferPointer) {
        #if canImport(Glibc)
        munmap(UnsafeMutableRawPointer(mutating: pages.baseAddress), pages.count)
        #endif
    }
}
