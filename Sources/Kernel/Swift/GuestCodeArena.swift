#if hasFeature(Embedded)
import SwiftletABI

/// The kernel's half of the code arena the monitor reserved (``BootInfo/codeArenaAddress``): the engine's compiler tier
/// compiles here, in the guest, and hands each instance's machine code to `swiftlet_seal_code`, which takes the arena's
/// next pages for it and has the monitor copy it in and map them read-only and executable (``Hypercall/sealCode``). The
/// guest never maps an arena page writable, so its pages are never both; sealed pages are never handed out again.
enum GuestCodeArena {
    nonisolated(unsafe) static var next: UInt = 0
    nonisolated(unsafe) static var end: UInt = 0
    static let pageSize: UInt = 4096

    static func start(bootInfo: BootInfo) {
        next = UInt(bootInfo.codeArenaAddress)
        end = next + UInt(bootInfo.codeArenaSize)
    }

    /// Whether the monitor gave an arena, and so whether stores use the compiler tier.
    static var isAvailable: Bool { end != 0 }
}

/// WasmEngine's `ExecutableMemory.seal` in the guest: `count` bytes at `code` sealed into fresh arena pages, or nil when
/// they do not fit (the instance then runs in the interpreter).
@_cdecl("swiftlet_seal_code")
public func sealCode(_ code: UnsafeRawPointer, _ count: Int) -> UnsafeRawPointer? {
    let length = UInt(count)
    let pages = (length + GuestCodeArena.pageSize - 1) & ~(GuestCodeArena.pageSize - 1)
    guard count > 0, pages <= GuestCodeArena.end - GuestCodeArena.next else { return nil }
    let destination = GuestCodeArena.next
    Hypercalls.sealCode(source: code, destination: destination, length: length)
    GuestCodeArena.next += pages
    return UnsafeRawPointer(bitPattern: destination)
}
#endif
