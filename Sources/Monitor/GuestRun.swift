import SwiftletABI

/// A WebAssembly run for the kernel: what the monitor places in guest memory next to ``BootInfo``.
public struct GuestRun: Sendable {
    /// The export to call instead of `_start`, and its arguments.
    public struct Invocation: Sendable {
        public var name: String
        public var arguments: [ABIValue]

        public init(name: String, arguments: [ABIValue]) {
            self.name = name
            self.arguments = arguments
        }
    }

    /// Where the module's bytes come from.
    public enum ModuleSource: Sendable {
        case bytes([UInt8])
        /// `size` bytes of an open file, read straight into guest memory, so the host keeps no copy for the run.
        /// The descriptor stays the caller's.
        case file(descriptor: Int32, size: UInt64)

        var size: UInt64 {
            switch self {
            case .bytes(let bytes): UInt64(bytes.count)
            case .file(_, let size): size
            }
        }
    }

    public var module: ModuleSource
    /// WASI `args`, the program name first.
    public var arguments: [String] = []
    /// WASI `environ`, `NAME=value` each.
    public var environment: [String] = []
    public var invocation: Invocation?
    /// Instruction budget; nil is unlimited.
    public var fuel: UInt64?
    public var maxMemoryPages: UInt64 = 65536
    public var moduleValidation = ModuleValidation.validate
    /// The hooks the kernel runs around the module's WASI calls, in order.
    public var hooks: [Hook] = []
    /// Fuel for each call of a hook's handler.
    public var hookFuel: UInt64 = 1_000_000
    /// Whether a hook's failure ends the run instead of denying the call.
    public var hookFailureEndsRun = false

    /// A hook module for the kernel (``BootInfo/hookTableAddress``).
    public struct Hook: Sendable {
        public var module: [UInt8]
        /// How messages name it.
        public var name: String
        /// What its `config` import reads.
        public var configuration: [UInt8]

        public init(module: [UInt8], name: String, configuration: [UInt8]) {
            self.module = module
            self.name = name
            self.configuration = configuration
        }
    }

    public init(module: [UInt8]) {
        self.module = .bytes(module)
    }

    public init(moduleFile descriptor: Int32, size: UInt64) {
        module = .file(descriptor: descriptor, size: size)
    }

    /// The pieces after the module in the order ``place(at:in:)`` lays them out, each with the BootInfo fields it fills;
    /// then each hook's module, name and configuration.
    func pieces() -> [[UInt8]] {
        [
            Self.stringTable(arguments),
            Self.stringTable(environment),
            Array((invocation?.name ?? "").utf8),
            Self.argumentRecords(invocation?.arguments ?? []),
        ] + hooks.flatMap { [$0.module, Array($0.name.utf8), $0.configuration] }
    }

    /// The hook table: a ``HookRecord`` for each hook, whose pieces lie at `addresses` (three each, in order).
    private func hookTable(addresses: ArraySlice<UInt64>) -> [UInt8] {
        hooks.indices.flatMap { index in
            let first = addresses.startIndex + index * 3
            let record = HookRecord(
                moduleAddress: addresses[first], moduleSize: UInt64(hooks[index].module.count),
                nameAddress: addresses[first + 1], nameLength: UInt64(hooks[index].name.utf8.count),
                configurationAddress: addresses[first + 2], configurationLength: UInt64(hooks[index].configuration.count))
            var bytes: [UInt8] = []
            record.forEachWord { _, word in bytes += (0..<8).map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) } }
            return bytes
        }
    }

    /// ``ABIValue`` records back to back, as ``BootInfo/invokeArgumentsAddress`` holds them.
    static func argumentRecords(_ values: [ABIValue]) -> [UInt8] {
        values.flatMap { value in
            [value.type, value.bits].flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) } }
        }
    }

    /// Writes the run's inputs from `start` on, each 16-byte aligned, fills in their BootInfo fields and returns the
    /// first address after them. Nothing is written unless everything fits below `limit`.
    func place(
        at start: UInt64, limit: UInt64, into bootInfo: inout BootInfo, memory: borrowing GuestMemory
    ) throws(GuestRunError) -> UInt64 {
        var pieces = pieces()
        // The hook table follows the pieces, then the hooks' output region, which is only reserved (guest memory starts
        // zeroed, so its fill level is 0).
        let hookTableSize = UInt64(hooks.count * HookRecord.byteCount)
        let hookOutputSize = hooks.isEmpty ? 0 : HookOutputRegion.size
        let sizes = [module.size] + pieces.map { UInt64($0.count) } + [hookTableSize, hookOutputSize]
        var addresses: [UInt64] = []
        var cursor = start
        for size in sizes {
            cursor = (cursor + 15) & ~15
            addresses.append(cursor)
            let (end, overflow) = cursor.addingReportingOverflow(size)
            guard !overflow, end <= limit else { throw .doesNotFit(bytes: size, limit: limit) }
            cursor = end
        }
        pieces.append(hookTable(addresses: addresses[5..<5 + hooks.count * 3]))
        do {
            try placeModule(at: GuestPhysicalAddress(addresses[0]), memory: memory)
            for (piece, address) in zip(pieces, addresses.dropFirst()) {
                try memory.write(piece, at: GuestPhysicalAddress(address))
            }
        } catch {
            throw .doesNotFit(bytes: module.size, limit: limit)
        }
        bootInfo.moduleAddress = addresses[0]
        bootInfo.moduleSize = module.size
        bootInfo.argumentsAddress = addresses[1]
        bootInfo.argumentsSize = UInt64(pieces[0].count)
        bootInfo.argumentCount = UInt64(arguments.count)
        bootInfo.environmentAddress = addresses[2]
        bootInfo.environmentSize = UInt64(pieces[1].count)
        bootInfo.environmentCount = UInt64(environment.count)
        bootInfo.invokesExport = invocation == nil ? 0 : 1
        bootInfo.moduleValidation = moduleValidation.rawValue
        bootInfo.invokeNameAddress = addresses[3]
        bootInfo.invokeNameLength = UInt64(pieces[2].count)
        bootInfo.invokeArgumentsAddress = addresses[4]
        bootInfo.invokeArgumentCount = UInt64(invocation?.arguments.count ?? 0)
        bootInfo.fuel = fuel ?? BootInfo.unlimitedFuel
        bootInfo.maxMemoryPages = maxMemoryPages
        if !hooks.isEmpty {
            bootInfo.hookTableAddress = addresses[addresses.count - 2]
            bootInfo.hookCount = UInt64(hooks.count)
            bootInfo.hookOutputAddress = addresses[addresses.count - 1]
            bootInfo.hookFuel = hookFuel
            bootInfo.hookFailureEndsRun = hookFailureEndsRun ? 1 : 0
        }
        return cursor
    }

    private func placeModule(at address: GuestPhysicalAddress, memory: borrowing GuestMemory) throws(GuestRunError) {
        switch module {
        case .bytes(let bytes):
            do throws(GuestMemoryError) {
                try memory.write(bytes, at: address)
            } catch {
                throw .doesNotFit(bytes: module.size, limit: address.rawValue)
            }
        case .file(let descriptor, let size):
            let failure: Errno?
            do throws(GuestMemoryError) {
                failure = try memory.withMutableBytes(at: address, count: size) { buffer in
                    do throws(Errno) {
                        try Syscalls.readExactly(descriptor, into: buffer)
                        return nil
                    } catch {
                        return error
                    }
                }
            } catch {
                throw .doesNotFit(bytes: size, limit: address.rawValue)
            }
            if let failure { throw .cannotReadModule(failure) }
        }
    }

    /// NUL-terminated strings back to back, as WASI's `args_get` lays them out.
    static func stringTable(_ strings: [String]) -> [UInt8] {
        strings.flatMap { Array($0.utf8) + [0] }
    }
}

public enum GuestRunError: Error, Equatable, Sendable, CustomStringConvertible {
    case doesNotFit(bytes: UInt64, limit: UInt64)
    /// Reading the module file failed (or it ended early).
    case cannotReadModule(Errno)

    public var description: String {
        switch self {
        case .doesNotFit(let bytes, let limit):
            "the module and its arguments (\(bytes) bytes and more) do not fit in guest memory below 0x"
                + String(limit, radix: 16) + "; give the VM more memory"
        case .cannotReadModule(let error):
            "cannot read the module file: \(error)"
        }
    }
}
