import WasmEngine

/// One hook, instantiated in a store of its own with the `swiftlet_hook` functions as its only imports.
final class LoadedHook {
    let name: String
    let store: Store
    let callEnter: Function?
    let callExit: Function?
    let data: Function?
    /// The calls whose enter and exit events this hook hears (bit `n` for call `n`).
    let enterCalls: UInt64
    let exitCalls: UInt64
    var failureCount = 0

    init(_ hook: HookModule, settings: HookSettings, context: EventContext) throws(HookError) {
        var configuration = Store.Configuration()
        configuration.fuel = settings.fuelPerEvent
        configuration.maxMemoryPages = settings.maxMemoryPages
        // Handlers are small: a value stack of 512 KiB and a thousand frames, not an application's 32 MiB.
        configuration.valueStackSlots = 1 << 16
        configuration.maxCallDepth = 1000
        let store = Store(configuration: configuration)
        var imports = Imports()
        for function in HookABI.Function.allCases {
            let body = Self.body(of: function, configuration: hook.configuration, context: context)
            imports.define(
                module: HookABI.importModule, name: function.name,
                .function(store.makeSlotHostFunction(type: function.type, body)))
        }
        let instance: Instance
        do throws(InstantiationError) {
            instance = try store.instantiate(hook.module, imports: imports)
        } catch {
            switch error {
            case .unlinkable(let reason): throw .invalid(hook: hook.name, reason: reason)
            case .trap(let trap): throw .initializationFailed(hook: hook.name, reason: trap.reason.message)
            }
        }
        func handler(_ handler: HookABI.Handler) -> Function? {
            guard case .function(let function)? = instance.export(handler.exportName) else { return nil }
            return function
        }
        for initializer in [instance.export("_initialize"), instance.export(HookABI.Handler.initialize.exportName)] {
            guard case .function(let function)? = initializer, store.type(of: function) == HookABI.Handler.initialize.type
            else { continue }
            store.remainingFuel = settings.fuelPerEvent
            do throws(Trap) {
                _ = try store.invoke(function, [])
            } catch {
                throw .initializationFailed(hook: hook.name, reason: error.reason.message)
            }
        }
        func selectedCalls(_ selection: HookABI.Selection) throws(HookError) -> UInt64 {
            guard case .function(let function)? = instance.export(selection.exportName) else { return UInt64.max }
            store.remainingFuel = settings.fuelPerEvent
            do throws(Trap) {
                guard case .i64(let calls)? = try store.invoke(function, []).first else { return UInt64.max }
                return calls
            } catch {
                throw .initializationFailed(hook: hook.name, reason: error.reason.message)
            }
        }
        enterCalls = try selectedCalls(.callEnter)
        exitCalls = try selectedCalls(.callExit)
        name = hook.name
        self.store = store
        callEnter = handler(.callEnter)
        callExit = handler(.callExit)
        data = handler(.data)
    }

    /// The import `function`, over the hook's own memory (its caller's) and, during an event, the application's. Each
    /// takes its arguments from the call's slots and leaves its one result in the first: called on every event, they
    /// make no arrays.
    private static func body(
        of function: HookABI.Function, configuration: [UInt8], context: EventContext
    ) -> SlotHostFunctionBody {
        switch function {
        case .readMemory:
            return { hook, slots in
                let (address, length, destination) = (u32(slots, 0), u32(slots, 1), u32(slots, 2))
                guard length <= HookABI.maximumReadLength, let application = context.application,
                    let memory = application.memory
                else { return slots[0] = failure }
                let copied = application.store.withBytes(of: memory) { source in
                    guard UInt64(address) + UInt64(length) <= UInt64(source.count) else { return false }
                    return copy(UnsafeRawBufferPointer(rebasing: source[Int(address)..<Int(address + length)]),
                        into: hook, at: UInt64(destination))
                }
                slots[0] = copied ? UInt64(length) : failure
            }
        case .readData:
            return { hook, slots in
                guard let transfer = context.transfer, let application = context.application,
                    let memory = application.memory
                else { return slots[0] = failure }
                let (offset, length, destination) = (u32(slots, 0), u32(slots, 1), u32(slots, 2))
                let copied = application.store.withBytes(of: memory) { source in
                    gather(transfer, from: source, offset: offset, length: length, into: hook, at: destination)
                }
                slots[0] = copied.map(UInt64.init) ?? failure
            }
        case .emit:
            return { hook, slots in
                let (address, length) = (UInt64(u32(slots, 0)), UInt64(u32(slots, 1)))
                guard let memory = hook.memory else { return slots[0] = length == 0 ? 0 : failure }
                let emitted = hook.store.withBytes(of: memory) { bytes in
                    guard address + length <= UInt64(bytes.count) else { return false }
                    context.output.append(UnsafeRawBufferPointer(rebasing: bytes[Int(address)..<Int(address + length)]))
                    return true
                }
                slots[0] = emitted ? 0 : failure
            }
        case .now:
            return { _, slots in slots[0] = context.now() }
        case .config:
            return { hook, slots in
                let capacity = min(Int(u32(slots, 1)), configuration.count)
                let copied = configuration.withUnsafeBytes { bytes in
                    copy(UnsafeRawBufferPointer(rebasing: bytes[..<capacity]), into: hook, at: UInt64(u32(slots, 0)))
                }
                slots[0] = copied ? UInt64(configuration.count) : failure
            }
        }
    }

    /// -1 as an i32 result: the call did nothing.
    private static let failure = UInt64(UInt32(bitPattern: -1))

    private static func u32(_ slots: UnsafeMutableBufferPointer<UInt64>, _ index: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: slots[index])
    }

    /// Copies `source` into the hook's memory at `destination`; false, copying nothing, if it does not fit there.
    private static func copy(_ source: UnsafeRawBufferPointer, into hook: Caller, at destination: UInt64) -> Bool {
        guard let memory = hook.memory else { return source.isEmpty }
        return hook.store.withBytes(of: memory) { bytes in
            guard destination + UInt64(source.count) <= UInt64(bytes.count) else { return false }
            UnsafeMutableRawBufferPointer(rebasing: bytes[Int(destination)..<Int(destination) + source.count])
                .copyMemory(from: source)
            return true
        }
    }

    /// Copies up to `length` of a transfer's bytes from `offset` on, gathered from its iovecs, into the hook's memory;
    /// the count copied, or nil if the iovecs lie outside the application's memory or the bytes do not fit the hook's.
    private static func gather(
        _ transfer: Transfer, from application: UnsafeMutableRawBufferPointer, offset: UInt32, length: UInt32,
        into hook: Caller, at destination: UInt32
    ) -> UInt32? {
        guard offset < transfer.length else { return 0 }
        let wanted = min(UInt64(length), UInt64(transfer.length - offset), UInt64(HookABI.maximumReadLength))
        var skipped: UInt64 = 0  // bytes of the transfer before the current iovec
        var copied: UInt64 = 0
        for index in 0..<UInt64(transfer.iovecCount) where copied < wanted {
            let entry = UInt64(transfer.iovecs) + index * 8
            guard entry + 8 <= UInt64(application.count) else { return nil }
            let base = UInt64(UInt32(littleEndian: application.loadUnaligned(fromByteOffset: Int(entry), as: UInt32.self)))
            let size = UInt64(UInt32(littleEndian: application.loadUnaligned(fromByteOffset: Int(entry) + 4, as: UInt32.self)))
            defer { skipped += size }
            let start = UInt64(offset) + copied
            guard start < skipped + size else { continue }
            let from = base + (start - skipped)
            let count = min(size - (start - skipped), wanted - copied)
            guard from + count <= UInt64(application.count),
                copy(UnsafeRawBufferPointer(rebasing: application[Int(from)..<Int(from + count)]), into: hook,
                    at: UInt64(destination) + copied)
            else { return nil }
            copied += count
        }
        return UInt32(copied)
    }
}
