/// Where hooks' output collects before the host writes it out (``BootInfo/hookOutputAddress``): the monitor reserves
/// ``size`` bytes of guest memory; its first word is the fill level (bytes used), the bytes start at ``dataOffset``.
/// The guest drains it with a ``Hypercall/hookOutput`` exit when it is full; the host drains it once more when the run
/// ends. An in-process sandbox uses the same layout in its own memory.
public enum HookOutputRegion {
    public static let size: UInt64 = 64 << 10
    public static let fillLevelOffset: UInt64 = 0
    public static let dataOffset: UInt64 = 64
    public static var capacity: UInt64 { size - dataOffset }
}
