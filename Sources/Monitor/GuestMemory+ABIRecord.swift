import SwiftletABI

extension GuestMemory {
    /// Reads a guest/host ABI record (little-endian words) at `address`.
    public func load<R: ABIRecord>(_ type: R.Type, at address: GuestPhysicalAddress) throws(GuestMemoryError) -> R {
        try sharedView.load(type, at: address)
    }

    /// Writes a guest/host ABI record (little-endian words) at `address`.
    public func store<R: ABIRecord>(_ record: R, at address: GuestPhysicalAddress) throws(GuestMemoryError) {
        let offset = try checkedOffset(address, count: UInt64(R.byteCount))
        record.forEachWord { index, value in
            precondition(index >= 0 && index < R.wordCount, "ABI record word out of range")
            // SAFETY: the whole record was checked to lie inside the mapping; `index` is one of its words.
            base.storeBytes(of: value.littleEndian, toByteOffset: offset + index * 8, as: UInt64.self)
        }
    }
}

extension GuestMemoryView {
    /// Reads a guest/host ABI record at `address`, each word exactly once (the guest may be changing them: the
    /// record is the one copy the host works from).
    func load<R: ABIRecord>(_ type: R.Type, at address: GuestPhysicalAddress) throws(GuestMemoryError) -> R {
        let offset = try checkedOffset(address, count: UInt64(R.byteCount))
        // SAFETY: the whole record, [offset, offset + R.byteCount), was checked to lie inside the mapping, and the
        // decoder only asks for words 0..<R.wordCount.
        return R(word: { index in
            precondition(index >= 0 && index < R.wordCount, "ABI record word out of range")
            return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + index * 8, as: UInt64.self))
        })
    }
}
