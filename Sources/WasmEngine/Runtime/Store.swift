import Synchronization

/// Owns every runtime object (functions, tables, memories, globals, instances) and runs code.
///
/// Objects are allocated at stable addresses (see `Records.swift`) and live as long as the store: the spec's
/// store never frees anything either, and an instance that failed to instantiate may still be reachable
/// through the tables and memories it wrote to.
public final class Store {
    public struct Configuration: Sendable {
        /// Cap on any memory's size in pages, applied at instantiation and by `memory.grow`.
        public var maxMemoryPages: UInt64 = 65536
        /// Nested wasm calls allowed before the trap "call stack exhausted".
        public var maxCallDepth: Int = 10_000
        /// Size of the value stack (all frames' slots together); exceeding it also traps "call stack exhausted".
        public var valueStackSlots: Int = 1 << 22
        /// Instructions budget, polled at calls and loop back-edges; `nil` is unlimited.
        /// A call costs 1; a loop back-edge costs the length of the loop body in instructions.
        public var fuel: UInt64? = nil
        /// Seals the memory images of snapshots this store captures so that restores map them copy-on-write
        /// (see `MemoryImageMapper`); without one, an image is a plain copy and each restore copies it.
        public var memoryImageMapper: MemoryImageMapper? = nil
        /// Whether instances run as machine code or in the interpreter.
        public var tier: ExecutionTier = .interpreter

        public init() {}
    }

    /// Host code re-entering `invoke` from a host function nests on the host stack; beyond this many
    /// levels the call traps "call stack exhausted" instead of risking the host stack.
    static let maxInvokeNesting = 100
    /// How many declared locals a call zeroes, with straight stores; a function that declares more begins
    /// with a `zeroLocals` instruction for the rest.
    static let localsZeroedByCall = 4
    /// The most locals a `zeroLocals` handler zeroes itself, with that many straight stores; more are left to
    /// `memset`, out of line.
    static let localsZeroedInHandler = 8
    /// Slots allocated past the value stack's end, so those straight stores may run past a frame's end.
    static let valueStackSlack = max(localsZeroedByCall, localsZeroedInHandler)

    public let configuration: Configuration
    /// Raises the interruption flag; may be handed to another thread.
    public let interruptHandle = InterruptHandle()

    var functions: [UnsafeMutablePointer<FunctionRecord>] = []
    var tables: [UnsafeMutablePointer<TableRecord>] = []
    var memories: [UnsafeMutablePointer<MemoryRecord>] = []
    var globals: [UnsafeMutablePointer<GlobalRecord>] = []
    var instances: [UnsafeMutablePointer<InstanceRecord>] = []
    var instanceSegments: [InstanceSegments] = []
    /// Each instance's module, whose bodies its functions are translated from on first call.
    var instanceModules: [Module] = []
    /// The snapshot each instance was restored from (nil for an instantiated one). A function it holds translated is
    /// installed from it on its first call instead of being translated; and it keeps its memory image alive for as
    /// long as the instance's memory maps it (see `MemoryImageMapper.unmap`).
    var instanceSnapshots: [InstanceSnapshot?] = []
    /// The instruction count of each function's installed code, by function address (0 while it has none), for
    /// a capture to copy the code.
    var codeLengths: [Int] = []
    /// The image and mapper of each memory restored as a mapping of a snapshot's image, by memory address.
    var mappedImages: [Int: (image: MemoryImageMapper.Image, mapper: MemoryImageMapper)] = [:]
    /// How many functions were translated on their first call so far.
    public internal(set) var translatedFunctionCount = 0
    /// The linked code of every function (and each instance's stand-ins), freed with the store.
    var codeBuffers: [UnsafeMutablePointer<LinkedInstruction>] = []
    var hostFunctions: [HostFunctionImplementation] = []
    /// Canonical types: a type's id is its index in each. `functionTypes` holds an empty function type for a struct or
    /// array type; `typeDefinitions` names store type ids; `typeHierarchy` gives each id's kind and supertype.
    var functionTypes: [FuncType] = []
    var typeDefinitions: [SubType] = []
    var typeHierarchy = TypeEquivalence()
    /// The first id of each recursion group interned, by its key (see `SubType.key`).
    var recursionGroupIDs: [[SubType]: Int] = [:]
    /// Per store type id: the ids of its supertypes, directly or through others, after their count (what a function
    /// record's `supertypes` points to).
    var supertypeChains: [UnsafeMutablePointer<Int>] = []
    /// GC's structs and arrays (see `Store+GC.swift`): allocated by running code, freed with the store.
    var gcObjects: [UnsafeMutableRawPointer] = []
    /// Exception handling's objects (see `Store+Exceptions.swift`), used only out of line: every tag by address, each
    /// instance's tag index space, the exceptions thrown (an exnref is an address plus one), and the catch clauses of
    /// the linked code that has any.
    var tags: [TagRecord] = []
    var instanceTags: [[Int]] = []
    var exceptions: [ExceptionRecord] = []
    var freeExceptionAddresses: [Int] = []
    var handlerTables: [HandlerTable] = []
    /// The exception that last escaped a run, for the run that called the host function that started it to go on
    /// unwinding (see `Store.execute`).
    var escapedException: Int?
    /// The memory of instances that have none: zero bytes, so every access traps.
    let placeholderMemory: UnsafeMutablePointer<MemoryRecord>
    /// Each instance's machine code under the compiler tier, by instance index.
    var instanceMachineCode: [InstanceMachineCode] = []
    /// The executable pages of every instance's machine code.
    var machineCodePages: [UnsafeRawBufferPointer] = []
    /// The lowest stack address compiled code may call down to, while a machine code run lasts.
    var machineStackFloor: UInt?
    /// What a Swift function called from machine code threw, until the run that called it rethrows it.
    var pendingMachineCodeTrap: Trap?

    // Execution state. The stacks are allocated on first use; `stackTop` and `callFrameTop` mark where the
    // next (possibly nested, from a host function) execution starts.
    var valueStack: UnsafeMutablePointer<UInt64>?
    var valueStackEnd: UnsafeMutablePointer<UInt64>?
    var callFrames: UnsafeMutablePointer<CallFrame>?
    var callFramesEnd: UnsafeMutablePointer<CallFrame>?
    var stackTop: UnsafeMutablePointer<UInt64>?
    var callFrameTop: UnsafeMutablePointer<CallFrame>?
    var invokeNesting = 0
    /// Remaining fuel; `UInt64.max` stands for unlimited (it cannot run out in practice).
    var fuelRemaining: UInt64

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        fuelRemaining = configuration.fuel ?? UInt64.max
        placeholderMemory = .allocate(capacity: 1)
        placeholderMemory.initialize(to: MemoryRecord(pages: 0, declaredMaximum: 0, maximumPages: 0, address: -1))
    }

    deinit {
        for function in functions { function.deallocate() }
        for code in codeBuffers { code.deallocate() }
        for pages in machineCodePages { ExecutableMemory.free(pages) }
        for table in tables {
            table.pointee.elements.deallocate()
            table.deallocate()
        }
        for memory in memories + [placeholderMemory] {
            if let (image, mapper) = mappedImages[memory.pointee.address] {
                mapper.unmap(image, memory.pointee.base, memory.pointee.capacity, memory.pointee.byteCount)
            } else {
                memory.pointee.deallocateBuffer()
            }
            memory.deallocate()
        }
        for global in globals { global.deallocate() }
        for object in gcObjects { object.deallocate() }
        for chain in supertypeChains { chain.deallocate() }
        for instance in instances {
            instance.pointee.functions.deallocate()
            instance.pointee.globals.deallocate()
            instance.pointee.tables.deallocate()
            instance.pointee.memories.deallocate()
            instance.pointee.types.deallocate()
            instance.deallocate()
        }
        if let valueStack { StackCache.park(valueStack: valueStack, slots: Swift.max(configuration.valueStackSlots, 16)) }
        if let callFrames { StackCache.park(callFrames: callFrames, depth: Swift.max(configuration.maxCallDepth, 1)) }
    }

    /// Fuel left for running code, or nil when unlimited. Setting it refuels the store.
    public var remainingFuel: UInt64? {
        get { fuelRemaining == UInt64.max ? nil : fuelRemaining }
        set { fuelRemaining = newValue ?? UInt64.max }
    }

    public func makeHostFunction(type: FuncType, _ body: @escaping HostFunctionBody) -> Function {
        makeHostFunction(type: type, .values(body))
    }

    /// A host function of numeric parameters and results that works on the call's slots (see `SlotHostFunctionBody`).
    public func makeSlotHostFunction(type: FuncType, _ body: @escaping SlotHostFunctionBody) -> Function {
        precondition(!(type.parameters + type.results).contains { $0.isReference }, "slot host functions take numbers")
        return makeHostFunction(type: type, .slots(body))
    }

    private func makeHostFunction(type: FuncType, _ implementation: HostFunctionImplementation) -> Function {
        hostFunctions.append(implementation)
        let record = FunctionRecord(
            code: nil, frameSize: 0, localCount: 0, parameterCount: type.parameterSlotCount,
            resultCount: type.resultSlotCount, typeID: typeID(of: type), instance: nil,
            hostIndex: hostFunctions.count - 1, address: functions.count)
        return Function(address: allocateFunction(record))
    }

    /// How a host function takes its arguments and gives its results.
    enum HostFunctionImplementation {
        case values(HostFunctionBody)
        case slots(SlotHostFunctionBody)
    }

    public func makeTable(type: TableType, initialValue: Value) -> Table {
        Table(address: allocateTable(type: type, initialValue: slot(for: initialValue)))
    }

    public func makeMemory(type: MemoryType) -> Memory {
        Memory(address: allocateMemory(type: type))
    }

    public func makeGlobal(type: GlobalType, value: Value) -> Global {
        let address = allocateGlobal(type: type, value: slot(for: value))
        if case .v128(let vector) = value { globals[address].pointee.high = vector.high }
        return Global(address: address)
    }

    public func type(of function: Function) -> FuncType {
        functionTypes[functions[function.address].pointee.typeID]
    }

    public func type(of table: Table) -> TableType {
        let record = tables[table.address].pointee
        return TableType(
            elementType: record.elementType,
            limits: Limits(min: UInt64(record.count), max: record.declaredMaximum), addressType: record.addressType)
    }

    public func type(of memory: Memory) -> MemoryType {
        let record = memories[memory.address].pointee
        return MemoryType(limits: Limits(min: record.pageCount, max: record.declaredMaximum), addressType: record.addressType)
    }

    public func type(of global: Global) -> GlobalType {
        globals[global.address].pointee.type
    }

    public func value(of global: Global) -> Value {
        let record = globals[global.address].pointee
        guard record.type.valueType != .v128 else { return .v128(V128(low: record.value, high: record.high)) }
        return value(ofSlot: record.value, type: record.type.valueType)
    }

    /// Sets a mutable or immutable global from the host (the host is not bound by wasm's mutability).
    public func setValue(_ value: Value, of global: Global) {
        globals[global.address].pointee.value = slot(for: value)
        if case .v128(let vector) = value { globals[global.address].pointee.high = vector.high }
    }

    /// Runs `body` over the memory's current bytes. The buffer is valid only during the call.
    public func withBytes<R>(of memory: Memory, _ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
        let record = memories[memory.address].pointee
        // SAFETY: the record's `base` holds `byteCount` initialized bytes until the next grow, and no wasm
        // code runs during `body` unless `body` itself calls into the store.
        return body(UnsafeMutableRawBufferPointer(start: record.base, count: record.byteCount))
    }

    /// Asks running code to stop with the trap "interrupted" at a call or loop back-edge within tens of
    /// microseconds (the flag is read once per fuel slice, `Store.fuelSliceSize`, and after host calls).
    /// Safe to call from another thread (a timer or a signal handler's thread); see `InterruptHandle`.
    public func interrupt() {
        interruptHandle.interrupt()
    }

    // MARK: Allocation

    /// The id of a final function type of a recursion group of its own, whose concrete references name store type ids.
    func typeID(of type: FuncType) -> Int {
        internRecursionGroup([SubType(composite: .function(type))])
    }

    /// The first id of the recursion group of `key`s (see `SubType.key`, whose outside references name store type ids),
    /// interned on its first use: equivalent groups of any modules share ids.
    func internRecursionGroup(_ key: [SubType]) -> Int {
        if let id = recursionGroupIDs[key] { return id }
        let first = typeDefinitions.count
        guard !key.isEmpty else { return first }
        let lowestMarker = HeapType.selfReference - UInt32(key.count - 1)
        for type in key {
            let resolved = type.mappingTypeIndices { $0 >= lowestMarker ? UInt32(first) + (HeapType.selfReference - $0) : $0 }
            typeDefinitions.append(resolved)
            functionTypes.append(resolved.functionType)
            typeHierarchy.declare(resolved)
            var chain: [Int] = []
            var supertype = resolved.supertype
            while let id = supertype {
                chain.append(Int(id))
                supertype = typeHierarchy.supertype(of: id)
            }
            let buffer = UnsafeMutablePointer<Int>.allocate(capacity: chain.count + 1)
            buffer.initialize(to: chain.count)
            (buffer + 1).initialize(from: chain, count: chain.count)
            supertypeChains.append(buffer)
        }
        recursionGroupIDs[key] = first
        return first
    }

    /// Whether store type `id` is `expected` or declares it a supertype, directly or through others.
    func isSubtype(_ id: Int, of expected: Int) -> Bool {
        HeapType.concrete(UInt32(id)).matches(.concrete(UInt32(expected)), typeHierarchy)
    }

    func allocateFunction(_ record: FunctionRecord) -> Int {
        let pointer = UnsafeMutablePointer<FunctionRecord>.allocate(capacity: 1)
        pointer.initialize(to: record)
        pointer.pointee.supertypes = UnsafePointer(supertypeChains[record.typeID])
        functions.append(pointer)
        codeLengths.append(0)
        return record.address
    }

    func allocateMemory(type: MemoryType) -> Int {
        let address = memories.count
        let cap = Swift.min(configuration.maxMemoryPages, 65536)
        memories.append(.allocate(capacity: 1))
        memories[address].initialize(
            to: MemoryRecord(
                pages: type.limits.min, declaredMaximum: type.limits.max,
                maximumPages: Swift.min(type.limits.max ?? cap, cap), address: address, addressType: type.addressType))
        return address
    }

    func allocateTable(type: TableType, initialValue: UInt64 = 0) -> Int {
        let address = tables.count
        tables.append(.allocate(capacity: 1))
        tables[address].initialize(to: TableRecord(type: type, initialValue: initialValue, address: address))
        return address
    }

    func allocateGlobal(type: GlobalType, value: UInt64) -> Int {
        let address = globals.count
        globals.append(.allocate(capacity: 1))
        globals[address].initialize(to: GlobalRecord(value: value, type: type, address: address))
        return address
    }
}

/// The interruption flag of a store, shareable across threads.
public final class InterruptHandle: Sendable {
    let flag = Atomic<Bool>(false)

    init() {}

    /// Makes the store's running code trap "interrupted" at a call or loop back-edge soon after (see
    /// `Store.interrupt`). If no code is running, the next run traps at its first such point. The flag is
    /// cleared when the trap is raised.
    public func interrupt() {
        flag.store(true, ordering: .relaxed)
    }
}

/// An instantiated module.
public final class Instance {
    /// In the module's order. A list rather than a `String`-keyed dictionary: export names are distinct as
    /// byte strings, but may be equal as Swift strings (see `ExactName`).
    public let exports: [(name: String, value: ExternalValue)]
    private let exportsByName: [ExactName: ExternalValue]
    /// The store it lives in, and its index there (in `Store.instances`), for a capture to find its records.
    let store: ObjectIdentifier
    let index: Int

    init(exports: [(name: String, value: ExternalValue)], store: Store, index: Int) {
        self.store = ObjectIdentifier(store)
        self.index = index
        self.exports = exports
        var exportsByName: [ExactName: ExternalValue] = [:]
        for export in exports { exportsByName[ExactName(export.name)] = export.value }
        self.exportsByName = exportsByName
    }

    /// The export of exactly this name (byte for byte).
    public func export(_ name: String) -> ExternalValue? { exportsByName[ExactName(name)] }
}
