import Swiftlet
import WASIHost

/// One call's arguments and the module's memory, where an address outside the memory is the module's `EFAULT` (not
/// the trap `HostMemory` raises).
struct GuestCall {
    let memory: HostMemory
    let arguments: [Value]

    /// The i32 argument at `index`. The engine checked the arguments against the function's type when it linked it.
    func u32(_ index: Int) -> UInt32 {
        guard case .i32(let value) = arguments[index] else { preconditionFailure("kv: argument \(index) is not an i32") }
        return value
    }

    func u64(_ index: Int) -> UInt64 {
        guard case .i64(let value) = arguments[index] else { preconditionFailure("kv: argument \(index) is not an i64") }
        return value
    }

    /// Checks that `count` bytes at `address` are in the memory, before a call that writes there does anything else.
    func check(_ address: UInt32, count: UInt32) throws(WASIErrno) {
        guard UInt64(address) + UInt64(count) <= UInt64(memory.count) else { throw .fault }
    }

    func read(_ address: UInt32, count: UInt32) throws(WASIErrno) -> [UInt8] {
        try faulting { () throws(Trap) in try memory.read(at: address, count: count) }
    }

    func write(_ bytes: [UInt8], at address: UInt32) throws(WASIErrno) {
        try faulting { () throws(Trap) in try memory.write(bytes, at: address) }
    }

    func store<T: FixedWidthInteger>(_ value: T, at address: UInt32) throws(WASIErrno) {
        try faulting { () throws(Trap) in try memory.store(value, at: address) }
    }

    private func faulting<R>(_ access: () throws(Trap) -> R) throws(WASIErrno) -> R {
        do {
            return try access()
        } catch {
            throw .fault
        }
    }
}
