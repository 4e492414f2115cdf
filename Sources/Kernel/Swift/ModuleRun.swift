#if hasFeature(Embedded)
import Hooks
import KernelSupport
import SwiftletABI
import WasmEngine

/// Runs the module the monitor placed in guest memory, as BootInfo describes it, and ends the VM: exit status 0
/// (or the module's `proc_exit` status) on success, a ``Hypercall/failure`` report otherwise.
struct ModuleRun {
    let bootInfo: BootInfo
    let bootInfoAddress: UInt

    func run() -> Never {
        let module: Module
        do throws(ModuleError) {
            let validation = ModuleValidation(rawValue: bootInfo.moduleValidation) ?? .validate
            // Lent, not copied: the monitor's copy in guest memory stays in place for the whole run.
            module = try Module(
                bytes: ModuleBytes(unsafeBorrowing: bytes(at: bootInfo.moduleAddress, count: bootInfo.moduleSize)),
                bodies: validation == .alreadyValidated ? .alreadyValidated : .eager)
            if validation == .validateAndReport { Hypercalls.moduleValidated() }
        } catch {
            Hypercalls.failure(.invalidModule, message: error.description)
        }

        // Before the module's store measures the heap left for it: the hooks' stores take their share first.
        let hooks = KernelHooks.load(bootInfo)
        var configuration = Store.Configuration()
        configuration.fuel = bootInfo.fuel == BootInfo.unlimitedFuel ? nil : bootInfo.fuel
        // The guest compiles (the compiler stays inside the sandbox) when the monitor gave it somewhere to seal the code.
        configuration.tier = GuestCodeArena.isAvailable ? .compiler : .interpreter
        // A snapshot taken inside `_start` refuels the store from a host call; the engine reads a new budget there only
        // when the run started with limited fuel, so "unlimited" is a budget no run spends instead.
        if Snapshot.point == .atFirstStandardInputRead, configuration.fuel == nil {
            configuration.fuel = BootInfo.unlimitedFuel - 1
        }
        // The engine's stacks are allocated on the first call; what is left after them is shared by linear memory
        // and everything else. memory.grow copies into a block up to twice the size, so a linear memory may take a
        // third of that, and a grow beyond it fails in the module (-1: malloc returns NULL) instead of exhausting
        // the kernel's heap.
        // A small VM gets a smaller value stack (the default is 32 MiB) rather than none: at most a quarter of the
        // heap. Untouched stack costs nothing, so the default stays whenever it fits.
        configuration.valueStackSlots = min(configuration.valueStackSlots, Int(Heap.untouchedBytes / 4 / 8))
        // A call frame is 32 bytes; 64 per level leaves room for the allocator's rounding.
        let stackBytes = UInt64(configuration.valueStackSlots) * 8 + UInt64(configuration.maxCallDepth) * 64
        let available = UInt64(Heap.untouchedBytes) - min(UInt64(Heap.untouchedBytes), stackBytes + (1 << 20))
        let heapPages = available / 3 / 65536
        configuration.maxMemoryPages = min(bootInfo.maxMemoryPages, heapPages)
        // A memory the user's cap allows but this VM cannot hold is the VM's shortage, not the module's fault: say
        // "out of memory" (raise --memory) rather than the engine's "exceeds the limit".
        for memory in module.memories[module.importedMemoryCount...]
        where memory.limits.min > heapPages && memory.limits.min <= bootInfo.maxMemoryPages {
            Hypercalls.outOfMemory(requested: UInt(min(memory.limits.min * 65536, UInt64(UInt32.max))))
        }
        let store = Store(configuration: configuration)
        let wasi = GuestWASI(
            arguments: .init(bytes: bytes(at: bootInfo.argumentsAddress, count: bootInfo.argumentsSize),
                count: UInt32(truncatingIfNeeded: bootInfo.argumentCount)),
            environment: .init(bytes: bytes(at: bootInfo.environmentAddress, count: bootInfo.environmentSize),
                count: UInt32(truncatingIfNeeded: bootInfo.environmentCount)))
        var imports = wasi.imports(for: module, store: store, hooks: hooks)
        if bootInfo.linksHostFunctions != 0 { HostCallStubs.define(in: &imports, for: module, store: store) }
        let instance: Instance
        do throws(InstantiationError) {
            instance = try store.instantiate(module, imports: imports)
        } catch {
            switch error {
            case .unlinkable(let reason): Hypercalls.failure(.unlinkable, message: reason)
            case .trap(let trap): Hypercalls.failure(trap)
            }
        }

        var bootInfo = self.bootInfo
        if Snapshot.point == .afterInitialization {
            // Wizer's initialization export first, else a reactor's; the state it leaves is what restored VMs share.
            for name in ["wizer.initialize", "_initialize"] {
                guard case .function(let initialize)? = instance.export(name) else { continue }
                do throws(Trap) {
                    _ = try store.invoke(initialize, [])
                } catch {
                    Hypercalls.failure(error)
                }
                break
            }
            if bootInfo.translatesAllFunctions != 0 {
                do throws(Trap) {
                    try store.translateAllFunctions(of: instance)
                } catch {
                    Hypercalls.failure(error)
                }
                // Sealed code is guest memory: every restore shares it.
                store.compileAllFunctions(of: instance)
            }
            bootInfo = Snapshot.take()
            wasi.arguments = .init(bytes: bytes(at: bootInfo.argumentsAddress, count: bootInfo.argumentsSize),
                count: UInt32(truncatingIfNeeded: bootInfo.argumentCount))
            wasi.environment = .init(bytes: bytes(at: bootInfo.environmentAddress, count: bootInfo.environmentSize),
                count: UInt32(truncatingIfNeeded: bootInfo.environmentCount))
            store.remainingFuel = bootInfo.fuel == BootInfo.unlimitedFuel ? nil : bootInfo.fuel
        }

        // The flag, not the name's length, says whether an export is invoked: its name may be empty.
        if bootInfo.invokesExport == 0 {
            guard case .function(let start)? = instance.export("_start") else {
                Hypercalls.failure(.noStartFunction, message: "")
            }
            _ = invoke(start, [], in: store)
            Hypercalls.exit(status: 0)
        }
        let name = String(decoding: bytes(at: bootInfo.invokeNameAddress, count: bootInfo.invokeNameLength), as: UTF8.self)
        guard case .function(let function)? = instance.export(name) else {
            Hypercalls.failure(.noSuchFunction, message: name)
        }
        let argumentRecords = bytes(at: bootInfo.invokeArgumentsAddress, count: bootInfo.invokeArgumentCount * 16)
        let records = (0..<Int(bootInfo.invokeArgumentCount)).map { index in
            ABIValue(word: { argumentRecords.loadUnaligned(fromByteOffset: index * 16 + $0 * 8, as: UInt64.self) })
        }
        var arguments: [Value] = []
        var index = 0
        while index < records.count {
            // A v128 is two records, its low half first.
            if records[index].type == ABIValue.v128Type, index + 1 < records.count {
                arguments.append(.v128(V128(low: records[index].bits, high: records[index + 1].bits)))
                index += 2
            } else {
                arguments.append(Self.value(of: records[index]))
                index += 1
            }
        }
        var results: [ABIValue] = []
        for result in invoke(function, arguments, in: store) {
            if case .v128(let vector) = result {
                results.append(ABIValue(type: ABIValue.v128Type, bits: vector.low))
                results.append(ABIValue(type: ABIValue.v128Type, bits: vector.high))
            } else {
                results.append(ABIValue(type: UInt64(result.type.rawValue), bits: GuestWASI.slot(of: result)))
            }
        }
        Hypercalls.exit(withResults: results)
    }

    private func invoke(_ function: Function, _ arguments: [Value], in store: Store) -> [Value] {
        // SAFETY: the boot info record lies at `bootInfoAddress` (the monitor put it there), with this word in it.
        UnsafeMutableRawPointer(bitPattern: bootInfoAddress).unsafelyUnwrapped.storeBytes(
            of: swiftlet_rdtsc(), toByteOffset: BootInfo.moduleStartCounterWordIndex * 8, as: UInt64.self)
        do throws(Trap) {
            return try store.invoke(function, arguments)
        } catch {
            Hypercalls.failure(error)
        }
    }

    /// Bytes the monitor placed in guest memory (identity-mapped, so the address is a pointer).
    private func bytes(at address: UInt64, count: UInt64) -> UnsafeRawBufferPointer {
        // SAFETY: the monitor placed `count` bytes at `address` inside guest memory (BootInfo), below the heap,
        // and nothing writes there during the run.
        UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: UInt(address)), count: Int(count))
    }

    static func value(of record: ABIValue) -> Value {
        switch record.type {
        case ABIValue.i64Type: .i64(record.bits)
        case ABIValue.f32Type: .f32(bits: UInt32(truncatingIfNeeded: record.bits))
        case ABIValue.f64Type: .f64(bits: record.bits)
        case ABIValue.funcrefType: .funcref(nil)
        case ABIValue.externrefType: .externref(record.bits == 0 ? nil : UInt32(truncatingIfNeeded: record.bits - 1))
        case ABIValue.exnrefType: .exnref(nil)
        case ABIValue.anyrefType: .anyref(nil)
        default: .i32(UInt32(truncatingIfNeeded: record.bits))
        }
    }
}

extension Hypercalls {
    /// Ends the VM with a trap's failure report: an uncaught exception is reported as such, not as a trap.
    static func failure(_ trap: Trap) -> Never {
        failure(trap.reason.isUncaughtException ? .uncaughtException : .trap, message: trap.reason.message)
    }
}

#endif
