/// An address in the guest's physical address space. Distinct from host addresses so the two cannot be mixed up;
/// arithmetic is checked and returns nil instead of wrapping.
public struct GuestPhysicalAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// `self + offset`, or nil on overflow.
    public func adding(_ offset: UInt64) -> GuestPhysicalAddress? {
        let (sum, overflow) = rawValue.addingReportingOverflow(offset)
        return overflow ? nil : GuestPhysicalAddress(sum)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// A range of guest-physical memory, `[start, start + length)`, whose end is known not to overflow.
public struct GuestRange: Equatable, Sendable {
    public let start: GuestPhysicalAddress
    public let length: UInt64

    /// Nil when `start + length` overflows.
    public init?(start: GuestPhysicalAddress, length: UInt64) {
        guard start.adding(length) != nil else { return nil }
        self.start = start
        self.length = length
    }

    public var end: UInt64 { start.rawValue + length }

    /// Whether every byte of `other` lies inside `self`.
    public func contains(_ other: GuestRange) -> Bool {
        other.start.rawValue >= start.rawValue && other.end <= end
    }

    public func overlaps(_ other: GuestRange) -> Bool {
        start.rawValue < other.end && other.start.rawValue < end
    }
}
