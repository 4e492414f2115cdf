#if hasFeature(Embedded)
import Hooks
import SwiftletABI
import WasmEngine

/// The WASI preview1 functions the guest answers itself, without leaving the VM (arguments, environment,
/// `proc_exit`, `random_get`, and the clocks when the monitor gave the time-stamp counter's frequency), or with
/// exactly one exit (`fd_write` to stdout/stderr). Every other preview1 import is linked to a stub that forwards the
/// call to the host's WASI implementation (through the WASI mailbox, or the generic ``Hypercall/wasi`` exit: see
/// ``WASIMailboxClient``), so a module links whatever it imports and the host decides what each call does.
final class GuestWASI {
    /// NUL-terminated strings back to back, as `args_get`/`environ_get` lay them out. Replaced by the restored run's
    /// after an ``SnapshotPoint/afterInitialization`` snapshot, before the module has read them.
    var arguments: StringTable
    var environment: StringTable

    init(arguments: StringTable, environment: StringTable) {
        self.arguments = arguments
        self.environment = environment
    }

    struct StringTable {
        let bytes: UnsafeRawBufferPointer
        let count: UInt32
    }

    /// One import definition for each function `module` imports from `wasi_snapshot_preview1`, each run inside
    /// `hooks` when there are some.
    func imports(for module: Module, store: Store, hooks: HookSet?) -> Imports {
        var imports = Imports()
        for entry in module.imports {
            guard WASIFunction.equal(WASIFunction.moduleName, entry.module),
                case .function(let typeIndex) = entry.descriptor, Int(typeIndex) < module.types.count
            else { continue }
            var (type, body) = hostFunction(named: entry.name, declaredType: module.types[Int(typeIndex)])
            if let hooks, let number = WASIFunction.number(of: entry.name) {
                body = hooks.wrap(call: UInt32(number), body)
            }
            imports.define(module: entry.module, name: entry.name, .function(store.makeHostFunction(type: type, body)))
        }
        return imports
    }

    /// A preview1 function's type and body: the guest's own answer, or a stub forwarding it to the host.
    private func hostFunction(named name: String, declaredType: FuncType) -> (FuncType, HostFunctionBody) {
        let i32 = ValueType.i32
        func define(
            _ parameters: [ValueType], _ body: @escaping (Caller, [Value]) -> UInt64
        ) -> (FuncType, HostFunctionBody) {
            (FuncType(parameters: parameters, results: [i32]), { caller, arguments in
                [.i32(UInt32(truncatingIfNeeded: body(caller, arguments)))]
            })
        }
        if WASIFunction.equal("fd_write", name) {
            let number = WASIFunction.number(of: name)
            return define([i32, i32, i32, i32]) { caller, values in
                // stdout and stderr in one exit with the iovecs gathered here; files and sockets are the host's.
                guard Self.u32(values, 0) == 1 || Self.u32(values, 0) == 2 else {
                    return Self.forward(number: number, caller, values)
                }
                return Self.fdWrite(caller, values)
            }
        }
        if WASIFunction.equal("args_sizes_get", name) {
            return define([i32, i32]) { caller, values in Self.sizes(of: self.arguments, caller, values) }
        }
        if WASIFunction.equal("args_get", name) {
            return define([i32, i32]) { caller, values in Self.copy(self.arguments, caller, values) }
        }
        if WASIFunction.equal("environ_sizes_get", name) {
            return define([i32, i32]) { caller, values in Self.sizes(of: self.environment, caller, values) }
        }
        if WASIFunction.equal("environ_get", name) {
            return define([i32, i32]) { caller, values in Self.copy(self.environment, caller, values) }
        }
        if WASIFunction.equal("random_get", name) {
            return define([i32, i32]) { caller, values in Self.randomGet(caller, values) }
        }
        if GuestClock.isAvailable, WASIFunction.equal("clock_time_get", name) {
            let number = WASIFunction.number(of: name)
            return define([i32, ValueType.i64, i32]) { caller, values in
                // A VM restored where the monitor gives no counter frequency asks the host instead.
                guard GuestClock.isAvailable else { return Self.forward(number: number, caller, values) }
                guard let time = GuestClock.now(Self.u32(values, 0)) else { return WASIErrno.invalidArgument }
                return Self.store(time, at: Self.u32(values, 2), caller) ? WASIErrno.success : WASIErrno.fault
            }
        }
        if GuestClock.isAvailable, WASIFunction.equal("clock_res_get", name) {
            let number = WASIFunction.number(of: name)
            return define([i32, i32]) { caller, values in
                guard GuestClock.isAvailable else { return Self.forward(number: number, caller, values) }
                guard let resolution = GuestClock.resolution(Self.u32(values, 0)) else { return WASIErrno.invalidArgument }
                return Self.store(resolution, at: Self.u32(values, 1), caller)
                    ? WASIErrno.success : WASIErrno.fault
            }
        }
        if WASIFunction.equal("proc_exit", name) {
            return (FuncType(parameters: [i32], results: []), { _, values in
                Hypercalls.exit(status: Self.u32(values, 0))
            })
        }
        if Snapshot.point == .atFirstStandardInputRead, WASIFunction.equal("fd_read", name) {
            return forwardingStub(number: WASIFunction.number(of: name), declaredType: declaredType) {
                caller, values in
                guard !Snapshot.isTaken, Self.u32(values, 0) == 0 else { return }
                let bootInfo = Snapshot.take()
                // The run started with limited fuel (ModuleRun), and the engine's running code takes whatever budget
                // is set here as limited: "unlimited" is again the budget no run spends (UInt64.max would overflow).
                caller.store.remainingFuel = min(bootInfo.fuel, BootInfo.unlimitedFuel - 1)
            }
        }
        return forwardingStub(number: WASIFunction.number(of: name), declaredType: declaredType)
    }

    /// Forwards the call as the module declared it; an unknown name, or a declared type no preview1 function has,
    /// answers ENOSYS without leaving the VM.
    /// - Parameter beforeForwarding: runs first on every call (the stdin snapshot point's hook).
    private func forwardingStub(
        number: UInt64?, declaredType: FuncType, beforeForwarding: ((Caller, [Value]) -> Void)? = nil
    ) -> (FuncType, HostFunctionBody) {
        let forwardable = declaredType.parameters.count <= WASICallRequest.maximumArgumentCount
            && declaredType.results.count <= 1
        return (declaredType, { caller, values in
            beforeForwarding?(caller, values)
            let errno = forwardable ? Self.forward(number: number, caller, values) : WASIErrno.notImplemented
            return declaredType.results.map { type in
                switch type {
                case .i32: .i32(UInt32(truncatingIfNeeded: errno))
                case .i64: .i64(errno)
                default: .zero(type)
                }
            }
        })
    }

    /// One ``Hypercall/wasi`` exit; ENOSYS without one for a name preview1 does not have.
    private static func forward(number: UInt64?, _ caller: Caller, _ values: [Value]) -> UInt64 {
        guard let number else { return WASIErrno.notImplemented }
        let (memoryAddress, memorySize) = memoryRange(caller)
        return Hypercalls.wasi(
            WASICallRequest(
                function: number, memoryAddress: memoryAddress, memorySize: memorySize,
                arguments: values.map(slot(of:))))
    }

    // MARK: Calls

    /// `fd_write(fd, iovs, iovs_len, nwritten) -> errno`: the iovecs are translated to guest-physical ranges
    /// inside linear memory and handed to the host in one exit.
    private static func fdWrite(_ caller: Caller, _ values: [Value]) -> UInt64 {
        let fd = u32(values, 0)
        let iovecs = u32(values, 1)
        let iovecCount = u32(values, 2)
        let resultAddress = u32(values, 3)
        guard let memory = caller.memory else { return WASIErrno.fault }
        let ranges: [UInt64]? = caller.store.withBytes(of: memory) { bytes in
            guard let base = bytes.baseAddress else { return nil }
            var ranges: [UInt64] = []
            var total: UInt64 = 0
            for index in 0..<UInt64(iovecCount) {
                let entry = UInt64(iovecs) + index * 8
                guard entry + 8 <= UInt64(bytes.count) else { return nil }
                let offset = UInt64(bytes.loadUnaligned(fromByteOffset: Int(entry), as: UInt32.self))
                let length = UInt64(bytes.loadUnaligned(fromByteOffset: Int(entry) + 4, as: UInt32.self))
                guard offset + length <= UInt64(bytes.count) else { return nil }
                total += length
                if length > 0 { ranges += [UInt64(UInt(bitPattern: base)) + offset, length] }
            }
            return total <= UInt64(UInt32.max) ? ranges : nil
        }
        guard let ranges else { return WASIErrno.fault }
        var written: UInt64 = 0
        var errno = WASIErrno.success
        if !ranges.isEmpty {
            Console.flush()  // the kernel's own output stays in order with the module's
            (written, errno) = Hypercalls.fdWrite(fd: UInt64(fd), iovecs: ranges)
        }
        guard errno == WASIErrno.success else { return errno }
        return store(UInt32(truncatingIfNeeded: written), at: resultAddress, caller) ? WASIErrno.success : WASIErrno.fault
    }

    /// `random_get(buffer, length) -> errno`: filled from the guest's CSPRNG.
    private static func randomGet(_ caller: Caller, _ values: [Value]) -> UInt64 {
        let buffer = UInt64(u32(values, 0))
        let length = UInt64(u32(values, 1))
        guard let memory = caller.memory else { return WASIErrno.fault }
        let filled = caller.store.withBytes(of: memory) { bytes -> Bool in
            guard buffer + length <= UInt64(bytes.count) else { return false }
            guard length > 0 else { return true }
            Random.generator.fill(UnsafeMutableRawBufferPointer(rebasing: bytes[Int(buffer)..<Int(buffer + length)]))
            return true
        }
        return filled ? WASIErrno.success : WASIErrno.fault
    }

    /// `args_sizes_get` / `environ_sizes_get(count, buffer_size) -> errno`.
    private static func sizes(of table: StringTable, _ caller: Caller, _ values: [Value]) -> UInt64 {
        guard store(table.count, at: u32(values, 0), caller),
            store(UInt32(table.bytes.count), at: u32(values, 1), caller)
        else { return WASIErrno.fault }
        return WASIErrno.success
    }

    /// `args_get` / `environ_get(pointers, buffer) -> errno`.
    private static func copy(_ table: StringTable, _ caller: Caller, _ values: [Value]) -> UInt64 {
        let pointers = UInt64(u32(values, 0))
        let buffer = UInt64(u32(values, 1))
        guard let memory = caller.memory else { return WASIErrno.fault }
        let copied = caller.store.withBytes(of: memory) { bytes -> Bool in
            let size = UInt64(bytes.count)
            guard pointers + UInt64(table.count) * 4 <= size, buffer + UInt64(table.bytes.count) <= size else {
                return false
            }
            var index: UInt64 = 0
            var stringStart = 0
            for (offset, byte) in table.bytes.enumerated() {
                bytes[Int(buffer) + offset] = byte
                guard byte == 0 else { continue }
                bytes.storeBytes(
                    of: UInt32(buffer + UInt64(stringStart)).littleEndian, toByteOffset: Int(pointers + index * 4),
                    as: UInt32.self)
                index += 1
                stringStart = offset + 1
            }
            return true
        }
        return copied ? WASIErrno.success : WASIErrno.fault
    }

    // MARK: Linear memory

    private static func store<T: FixedWidthInteger>(_ value: T, at address: UInt32, _ caller: Caller) -> Bool {
        guard let memory = caller.memory else { return false }
        return caller.store.withBytes(of: memory) { bytes in
            guard UInt64(address) + UInt64(MemoryLayout<T>.size) <= UInt64(bytes.count) else { return false }
            bytes.storeBytes(of: value.littleEndian, toByteOffset: Int(address), as: T.self)
            return true
        }
    }

    /// The caller's linear memory as a guest-physical range (identity-mapped: its address in the kernel).
    static func memoryRange(_ caller: Caller) -> (UInt64, UInt64) {
        guard let memory = caller.memory else { return (0, 0) }
        return caller.store.withBytes(of: memory) { bytes in
            (UInt64(UInt(bitPattern: bytes.baseAddress)), UInt64(bytes.count))
        }
    }

    static func u32(_ values: [Value], _ index: Int) -> UInt32 {
        guard index < values.count, case .i32(let bits) = values[index] else { return 0 }
        return bits
    }

    static func slot(of value: Value) -> UInt64 {
        switch value {
        case .i32(let bits): UInt64(bits)
        case .i64(let bits): bits
        case .f32(let bits): UInt64(bits)
        case .f64(let bits): bits
        case .funcref(let function): function == nil ? 0 : 1
        case .externref(let reference): reference.map { UInt64($0) + 1 } ?? 0
        case .exnref(let exception): exception == nil ? 0 : 1
        case .anyref(let reference): reference == nil ? 0 : 1
        case .v128(let vector): vector.low
        }
    }
}
#endif
