import Synchronization

/// The stacks of a dropped store, parked for the next store to take. A store's value stack is 32 MiB by default, so
/// the allocator maps it for each store and unmaps it when the store goes: a host that makes a store per execution (a
/// sandbox restored from a snapshot, every few microseconds) would pay two system calls and a page fault for each
/// stack page its short execution touches. One slot of each kind, for stacks of the default sizes only; a store
/// finding it empty allocates as before, and one finding it full frees its stacks as before. The cost: the pages a
/// parked stack had touched stay resident until a store takes it (at most the default 32 MiB and 320 KiB, once).
enum StackCache {
    private static let valueStack = Atomic<UInt>(0)
    private static let callFrames = Atomic<UInt>(0)

    /// A parked value stack of `slots` (plus the store's slack) slots, or nil.
    static func takeValueStack(slots: Int) -> UnsafeMutablePointer<UInt64>? {
        guard slots == Store.Configuration().valueStackSlots else { return nil }
        return UnsafeMutablePointer(bitPattern: valueStack.exchange(0, ordering: .acquiring))
    }

    /// A parked array of `depth` call frames, or nil.
    static func takeCallFrames(depth: Int) -> UnsafeMutablePointer<CallFrame>? {
        guard depth == Store.Configuration().maxCallDepth else { return nil }
        return UnsafeMutablePointer(bitPattern: callFrames.exchange(0, ordering: .acquiring))
    }

    /// Parks `stack` (of `slots` slots plus slack) if it has the default size and the slot is free; frees it otherwise.
    static func park(valueStack stack: UnsafeMutablePointer<UInt64>, slots: Int) {
        let bits = UInt(bitPattern: stack)
        guard slots == Store.Configuration().valueStackSlots,
            valueStack.compareExchange(expected: 0, desired: bits, ordering: .releasing).exchanged
        else { return stack.deallocate() }
    }

    /// Parks `frames` (`depth` of them) if it has the default size and the slot is free; frees it otherwise.
    static func park(callFrames frames: UnsafeMutablePointer<CallFrame>, depth: Int) {
        let bits = UInt(bitPattern: frames)
        guard depth == Store.Configuration().maxCallDepth,
            callFrames.compareExchange(expected: 0, desired: bits, ordering: .releasing).exchanged
        else { return frames.deallocate() }
    }
}
