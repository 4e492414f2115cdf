import Swiftlet
import WASIHost

/// The `kv` functions as include/swiftlet/kv.h declares them, for one list of granted stores: the wasm32 ABI
/// (pointers and `size_t` are i32, the cursor i64, every result an i32 WASI errno), the capability check, the limits
/// and the checks on the module's pointers. It holds no state of a run: a handle is 1 + the position of the store's
/// name among the granted ones.
struct KeyValueCalls: Sendable {
    let service: KeyValueService
    let grantedStores: [String]

    /// The imports, named as the header's `import_name`s.
    enum Function: String, CaseIterable {
        case open, get, set, delete, exists, list, close

        var type: FuncType {
            let parameters: [ValueType] =
                switch self {
                case .open: [.i32, .i32, .i32]
                case .get: [.i32, .i32, .i32, .i32, .i32, .i32]
                case .set: [.i32, .i32, .i32, .i32, .i32]
                case .delete: [.i32, .i32, .i32]
                case .exists: [.i32, .i32, .i32, .i32]
                case .list: [.i32, .i64, .i32, .i32, .i32, .i32]
                case .close: [.i32]
                }
            return FuncType(parameters: parameters, results: [.i32])
        }
    }

    /// Runs `function` and returns its errno.
    func call(_ function: Function, memory: HostMemory, arguments: [Value]) -> [Value] {
        let call = GuestCall(memory: memory, arguments: arguments)
        do throws(WASIErrno) {
            switch function {
            case .open: try open(call)
            case .get: try get(call)
            case .set: try set(call)
            case .delete: try delete(call)
            case .exists: try exists(call)
            case .list: try list(call)
            case .close: _ = try store(call.u32(0))
            }
            return [.i32(UInt32(WASIErrno.success.rawValue))]
        } catch {
            return [.i32(UInt32(error.rawValue))]
        }
    }

    // open(name, name_len, *store)
    private func open(_ call: GuestCall) throws(WASIErrno) {
        let (name, length, handleAddress) = (call.u32(0), call.u32(1), call.u32(2))
        guard length > 0 else { throw .invalid }
        try call.check(handleAddress, count: 4)
        let bytes = try call.read(name, count: length)
        guard let index = grantedStores.firstIndex(where: { $0.utf8.elementsEqual(bytes) }) else {
            throw .notCapable
        }
        try call.store(UInt32(index + 1), at: handleAddress)
    }

    // get(store, key, key_len, value, value_capacity, *value_len)
    private func get(_ call: GuestCall) throws(WASIErrno) {
        let store = try store(call.u32(0))
        try checkKey(length: call.u32(2))
        let (buffer, capacity, lengthAddress) = (call.u32(3), call.u32(4), call.u32(5))
        try call.check(buffer, count: capacity)
        try call.check(lengthAddress, count: 4)
        let key = try call.read(call.u32(1), count: call.u32(2))
        let value = try backend { () throws(BackendFailure) in
            try service.backend.value(store: store, key: key, capacity: Int(capacity))
        }
        guard let value else { throw .noEntry }
        // The length fits: no value longer than the limit (at most `Configuration.largestLimit`) is ever set.
        try call.store(UInt32(value.length), at: lengthAddress)
        guard case .bytes(let bytes) = value, bytes.count <= capacity else { throw .range }
        try call.write(bytes, at: buffer)
    }

    // set(store, key, key_len, value, value_len)
    private func set(_ call: GuestCall) throws(WASIErrno) {
        let store = try store(call.u32(0))
        try checkKey(length: call.u32(2))
        let (value, length) = (call.u32(3), call.u32(4))
        guard length <= service.configuration.maximumValueBytes else { throw .tooBig }
        let key = try call.read(call.u32(1), count: call.u32(2))
        let bytes = try call.read(value, count: length)
        try backend { () throws(BackendFailure) in try service.backend.setValue(bytes, store: store, key: key) }
    }

    // delete(store, key, key_len)
    private func delete(_ call: GuestCall) throws(WASIErrno) {
        let store = try store(call.u32(0))
        try checkKey(length: call.u32(2))
        let key = try call.read(call.u32(1), count: call.u32(2))
        let removed = try backend { () throws(BackendFailure) in try service.backend.removeValue(store: store, key: key) }
        guard removed else { throw .noEntry }
    }

    // exists(store, key, key_len, *exists)
    private func exists(_ call: GuestCall) throws(WASIErrno) {
        let store = try store(call.u32(0))
        try checkKey(length: call.u32(2))
        try call.check(call.u32(3), count: 4)
        let key = try call.read(call.u32(1), count: call.u32(2))
        let exists = try backend { () throws(BackendFailure) in try service.backend.containsKey(store: store, key: key) }
        try call.store(UInt32(exists ? 1 : 0), at: call.u32(3))
    }

    /// The most keys `list` asks a backend for at once: enough for a large buffer of short keys in a few round trips,
    /// few enough that a small buffer does not fetch keys it will not take.
    private static let keysPerBatch = 512

    // list(store, cursor, buffer, capacity, *count, *next_cursor). The cursor is the number of keys listed before:
    // an offset, so that a handle and a cursor are all a module keeps between calls (the header allows the
    // consequence: keys set or deleted meanwhile shift the keys after them by one).
    private func list(_ call: GuestCall) throws(WASIErrno) {
        let store = try store(call.u32(0))
        let (cursor, buffer, capacity) = (call.u64(1), call.u32(2), Int(call.u32(3)))
        let (countAddress, nextAddress) = (call.u32(4), call.u32(5))
        try call.check(buffer, count: UInt32(capacity))
        try call.check(countAddress, count: 4)
        try call.check(nextAddress, count: 8)
        // A cursor past any possible key count is past the end.
        let start = Int(exactly: cursor) ?? Int.max
        var listed: [UInt8] = []
        var count = 0
        var next: UInt64 = 0
        batches: while true {
            // One key more than the rest of the buffer could hold (a key takes at least 4 + 1 bytes), so a batch
            // that all fits was the last one.
            let limit = min((capacity - listed.count) / 5 + 1, Self.keysPerBatch)
            let (offset, overflow) = start.addingReportingOverflow(count)
            let keys = overflow ? [] : try backend { () throws(BackendFailure) in
                try service.backend.keys(store: store, offset: offset, limit: limit)
            }
            for key in keys {
                guard listed.count + 4 + key.count <= capacity else {
                    if count == 0 { throw .range }
                    next = UInt64(start + count)
                    break batches
                }
                let length = UInt32(key.count)
                listed += [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: length >> $0) }  // little-endian
                listed += key
                count += 1
            }
            if keys.count < limit { break }
        }
        try call.write(listed, at: buffer)
        try call.store(UInt32(count), at: countAddress)
        try call.store(next, at: nextAddress)
    }

    /// The granted store a handle names.
    private func store(_ handle: UInt32) throws(WASIErrno) -> String {
        guard handle >= 1, handle <= grantedStores.count else { throw .badDescriptor }
        return grantedStores[Int(handle) - 1]
    }

    private func checkKey(length: UInt32) throws(WASIErrno) {
        guard length > 0 else { throw .invalid }
        guard length <= service.configuration.maximumKeyBytes else { throw .tooBig }
    }

    /// What a backend returns; its failure is logged (the service's rate-limited log) and is `EIO` for the module.
    private func backend<R>(_ operation: () throws(BackendFailure) -> R) throws(WASIErrno) -> R {
        do {
            let result = try operation()
            service.failureLog.recordSuccess()
            return result
        } catch {
            service.failureLog.recordFailure(error)
            throw .io
        }
    }
}
