import SwiftletABI

/// The stream hooks `emit` into: a ``HookOutputRegion`` (its fill level, then its bytes) that the embedder drains
/// with `flush` when it is full, and once more after the run. In a micro-VM the monitor reserved the region in guest
/// memory and drains it on a ``Hypercall/hookOutput`` exit and at the end of the run (whatever ended it), so bytes
/// emitted before a crash are not lost.
public final class HookOutput {
    private let fillLevel: UnsafeMutablePointer<UInt64>
    private let bytes: UnsafeMutableRawBufferPointer
    private let flush: () -> Void

    /// - Parameters:
    ///   - region: ``HookOutputRegion/size`` bytes laid out as ``HookOutputRegion`` says, zeroed.
    ///   - flush: writes the region's bytes out and sets its fill level to 0.
    /// - Precondition: `region` is 8-byte aligned and lives as long as this object.
    public init(region: UnsafeMutableRawBufferPointer, flush: @escaping () -> Void) {
        precondition(region.count == Int(HookOutputRegion.size))
        // SAFETY: the region is 8-byte aligned (precondition) and its first word is the fill level.
        fillLevel = region.baseAddress!.assumingMemoryBound(to: UInt64.self)
        bytes = UnsafeMutableRawBufferPointer(rebasing: region[Int(HookOutputRegion.dataOffset)...])
        self.flush = flush
    }

    /// Appends `source`, draining the region as often as it fills.
    func append(_ source: UnsafeRawBufferPointer) {
        var remaining = source[...]
        while !remaining.isEmpty {
            var used = Int(fillLevel.pointee)
            if used == bytes.count {
                flush()
                used = 0
            }
            let chunk = remaining.prefix(bytes.count - used)
            UnsafeMutableRawBufferPointer(rebasing: bytes[used..<used + chunk.count]).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: chunk))
            fillLevel.pointee = UInt64(used + chunk.count)
            remaining = remaining.dropFirst(chunk.count)
        }
    }
}
