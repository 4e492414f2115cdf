// Module instantiation (spec §4.5.4): import matching, allocation, segment initialization, start function.

extension Store {
    public func instantiate(_ module: Module, imports: Imports) throws(InstantiationError) -> Instance {
        let resolved = try resolveImports(of: module, from: imports)
        try checkResourceLimits(of: module)
        let instance: UnsafeMutablePointer<InstanceRecord>
        do {
            instance = try allocateInstance(of: module, imports: resolved)
        } catch {
            throw .trap(error)
        }
        let exports = exportList(of: module, instance: instance)
        try initializeSegments(of: module, instance: instance)
        if let start = module.start {
            let function = Function(address: instance.pointee.functions[Int(start)].pointee.address)
            do {
                _ = try invoke(function, [])
            } catch {
                throw .trap(error)
            }
        }
        return Instance(exports: exports, store: self, index: instance.pointee.index)
    }

    // MARK: Imports

    struct ResolvedImports {
        var functions: [UnsafeMutablePointer<FunctionRecord>] = []
        var tables: [UnsafeMutablePointer<TableRecord>] = []
        var memories: [UnsafeMutablePointer<MemoryRecord>] = []
        var globals: [UnsafeMutablePointer<GlobalRecord>] = []
        /// Tag addresses.
        var tags: [Int] = []
    }

    func resolveImports(of module: Module, from imports: Imports) throws(InstantiationError) -> ResolvedImports {
        var resolved = ResolvedImports()
        // Store type ids, needed only to compare types with concrete references (rare: typed function references).
        var typeIDs: [Int]?
        func storeTypes() -> [Int] {
            if typeIDs == nil { typeIDs = storeTypeIDs(of: module) }
            return typeIDs!
        }
        for item in module.imports {
            // The messages are built only when thrown: a restore (`restore(_:imports:)`) resolves imports in
            // microseconds, which formatting each name would double.
            guard let external = imports.lookup(module: item.module, name: item.name) else {
                throw .unknownImport(module: item.module, name: item.name)
            }
            var incompatible: InstantiationError { .incompatibleImportType(module: item.module, name: item.name) }
            switch (item.descriptor, external) {
            case (.function(let typeIndex), .function(let function)):
                let record = functions[function.address]
                guard isSubtype(record.pointee.typeID, of: storeTypes()[Int(typeIndex)]) else { throw incompatible }
                resolved.functions.append(record)
            case (.table(let expected), .table(let table)):
                let record = tables[table.address]
                guard record.pointee.elementType == Store.storeType(expected.elementType, typeIDs: storeTypes()),
                    record.pointee.addressType == expected.addressType,
                    Store.limits(
                        min: UInt64(record.pointee.count), max: record.pointee.declaredMaximum, match: expected.limits)
                else { throw incompatible }
                resolved.tables.append(record)
            case (.memory(let expected), .memory(let memory)):
                let record = memories[memory.address]
                guard record.pointee.addressType == expected.addressType,
                    Store.limits(
                        min: record.pointee.pageCount, max: record.pointee.declaredMaximum, match: expected.limits)
                else { throw incompatible }
                resolved.memories.append(record)
            case (.global(let expected), .global(let global)):
                let record = globals[global.address]
                let expectedType = Store.storeType(expected.valueType, typeIDs: storeTypes())
                // A constant global's value may be of a subtype; a variable's is read and written, so is of the type.
                guard record.pointee.type.isMutable == expected.isMutable,
                    expected.isMutable
                        ? record.pointee.type.valueType == expectedType
                        : record.pointee.type.valueType.matches(expectedType, typeHierarchy)
                else { throw incompatible }
                resolved.globals.append(record)
            case (.tag(let typeIndex), .tag(let tag)):
                guard tags[tag.address].typeID == storeTypes()[Int(typeIndex)] else { throw incompatible }
                if tags[tag.address].name == nil { tags[tag.address].name = item.name }
                resolved.tags.append(tag.address)
            default:
                throw incompatible
            }
        }
        return resolved
    }

    /// The store's type id of each of `module`'s types. Each recursion group is interned with its references to
    /// earlier groups naming store type ids (see `internRecursionGroup`): equivalent types of any modules share an id.
    /// A module built by hand, without type definitions, has a group per function type.
    func storeTypeIDs(of module: Module) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(module.types.count)
        let definitions =
            module.typeDefinitions.count == module.types.count
            ? module.typeDefinitions : module.types.map { SubType(composite: .function($0)) }
        var groupStart = 0
        for groupEnd in module.recursionGroupEnds(count: definitions.count) {
            let key = definitions[groupStart..<groupEnd].map {
                $0.key(groupStart: UInt32(groupStart)) { UInt32(ids[Int($0)]) }
            }
            let first = internRecursionGroup(key)
            ids.append(contentsOf: first..<first + key.count)
            groupStart = groupEnd
        }
        return ids
    }

    /// A module's value type as the store's records hold it: a concrete reference names a store type id.
    static func storeType(_ type: ValueType, typeIDs: [Int]) -> ValueType {
        type.mappingTypeIndex { UInt32(typeIDs[Int($0)]) }
    }

    /// Limits subtyping (spec §4.5.2.1): the actual limits must lie within the expected ones.
    static func limits(min: UInt64, max: UInt64?, match expected: Limits) -> Bool {
        guard min >= expected.min else { return false }
        guard let expectedMax = expected.max else { return true }
        guard let max else { return false }
        return max <= expectedMax
    }

    // MARK: Allocation

    /// Refuses, before allocating anything, memories and tables whose initial size exceeds what this store
    /// allows (`Configuration.maxMemoryPages`, `TableRecord.implementationLimit`).
    private func checkResourceLimits(of module: Module) throws(InstantiationError) {
        let memoryCap = Swift.min(configuration.maxMemoryPages, 65536)
        for memory in module.memories[module.importedMemoryCount...] where memory.limits.min > memoryCap {
            throw .unlinkable("memory size exceeds the limit: \(memory.limits.min) pages, at most \(memoryCap) allowed")
        }
        for table in module.tables[module.importedTableCount...] where table.limits.min > TableRecord.implementationLimit {
            throw .unlinkable(
                "table size exceeds the limit: \(table.limits.min) elements, at most \(TableRecord.implementationLimit) allowed")
        }
    }

    private func allocateInstance(
        of module: Module, imports: ResolvedImports
    ) throws(Trap) -> UnsafeMutablePointer<InstanceRecord> {
        let instance = allocateInstanceRecord(of: module, imports: imports, snapshot: nil)
        for index in module.importedMemoryCount..<module.memories.count {
            instance.pointee.memories[index] = memories[allocateMemory(type: module.memories[index])]
        }
        instance.pointee.memory = instance.pointee.memories[0]
        let typeIDs = instance.pointee.typeIDs(module.types.count)
        for (offset, initializer) in module.globalInitializers.enumerated() {
            let index = module.importedGlobalCount + offset
            let value = try evaluate(initializer, in: instance)
            let type = module.globals[index]
            let storeType = GlobalType(
                valueType: Store.storeType(type.valueType, typeIDs: typeIDs),
                isMutable: type.isMutable)
            instance.pointee.globals[index] = globals[allocateGlobal(type: storeType, value: value)]
            instance.pointee.globals[index].pointee.high = evaluateHigh(initializer, in: instance)
        }
        // After the globals, which a table's initializer may read. A module built by hand may give no initializers.
        for index in module.importedTableCount..<module.tables.count {
            let offset = index - module.importedTableCount
            let initialValue = offset < module.tableInitializers.count
                ? try evaluate(module.tableInitializers[offset], in: instance) : 0
            var type = module.tables[index]
            type.elementType = Store.storeType(type.elementType, typeIDs: typeIDs)
            instance.pointee.tables[index] = tables[allocateTable(type: type, initialValue: initialValue)]
        }
        return instance
    }

    /// An instance's record with its types, its functions (each defined one with its stand-in) and its imports;
    /// its defined tables, memory and globals are the caller's to allocate (instantiation and restore differ
    /// there). `snapshot` is the one it is restored from, if it is.
    func allocateInstanceRecord(
        of module: Module, imports: ResolvedImports, snapshot: InstanceSnapshot?
    ) -> UnsafeMutablePointer<InstanceRecord> {
        let functionCount = module.functionTypeIndices.count
        let instance = UnsafeMutablePointer<InstanceRecord>.allocate(capacity: 1)
        instance.initialize(
            to: InstanceRecord(
                functions: .allocate(capacity: Swift.max(functionCount, 1)),
                globals: .allocate(capacity: Swift.max(module.globals.count, 1)),
                tables: .allocate(capacity: Swift.max(module.tables.count, 1)),
                memory: imports.memories.first ?? placeholderMemory,
                types: .allocate(capacity: Swift.max(module.types.count, 1)),
                index: instances.count,
                memories: .allocate(capacity: Swift.max(module.memories.count, 1))))
        instance.pointee.memories[0] = instance.pointee.memory
        instances.append(instance)
        instanceSegments.append(InstanceSegments(elements: [], data: []))
        instanceModules.append(module)
        instanceSnapshots.append(snapshot)
        let typeIDs = storeTypeIDs(of: module)
        instanceTags.append(allocateTags(of: module, typeIDs: typeIDs, imports: imports.tags))

        for (index, id) in typeIDs.enumerated() {
            instance.pointee.types[index] = TypeRecord(id: id, parameterCount: module.types[index].parameterSlotCount)
        }
        for (index, function) in imports.functions.enumerated() {
            instance.pointee.functions[index] = function
        }
        // Every defined function starts with a one-instruction stand-in for its code, which translates it on its
        // first call; a function given already translated is installed once all records exist, for its calls to name.
        let standIns = UnsafeMutablePointer<LinkedInstruction>.allocate(capacity: Swift.max(module.functions.count, 1))
        codeBuffers.append(standIns)
        var translated: [(UnsafeMutablePointer<FunctionRecord>, CompiledFunction)] = []
        for (offset, code) in module.functions.enumerated() {
            let index = module.importedFunctionCount + offset
            let type = module.functionType(ofFunction: UInt32(index))
            let typeID = instance.pointee.types[Int(module.functionTypeIndices[index])].id
            (standIns + offset).initialize(
                to: LinkedInstruction(
                    handler: Opcode.translateFunction.handler, instruction: Instruction(.translateFunction, UInt32(index))))
            let record = FunctionRecord(
                code: standIns + offset, frameSize: Swift.max(type.parameterSlotCount, type.resultSlotCount),
                localCount: type.parameterSlotCount, parameterCount: type.parameterSlotCount,
                resultCount: type.resultSlotCount, typeID: typeID, instance: instance, hostIndex: -1,
                address: functions.count)
            instance.pointee.functions[index] = functions[allocateFunction(record)]
            if case .compiled(let function) = code { translated.append((instance.pointee.functions[index], function)) }
        }
        for (record, function) in translated { install(function, in: record) }

        for (index, table) in imports.tables.enumerated() {
            instance.pointee.tables[index] = table
        }
        for (index, memory) in imports.memories.enumerated() {
            instance.pointee.memories[index] = memory
        }
        for (index, global) in imports.globals.enumerated() {
            instance.pointee.globals[index] = global
        }
        return instance
    }

    /// A constant expression's slot value; validation guarantees the indices are in range.
    /// The value of a constant expression in `instance`; only GC's allocation of an array too large traps.
    func evaluate(
        _ expression: ConstantExpression, in instance: UnsafeMutablePointer<InstanceRecord>
    ) throws(Trap) -> UInt64 {
        switch expression {
        case .i32(let bits): return UInt64(bits)
        case .i64(let bits): return bits
        case .f32(let bits): return UInt64(bits)
        case .f64(let bits): return bits
        case .nullReference: return 0
        case .functionReference(let index):
            return UInt64(UInt(bitPattern: instance.pointee.functions[Int(index)]))
        case .globalGet(let index):
            return instance.pointee.globals[Int(index)].pointee.value
        case .v128(let vector):
            return vector.low
        case .arithmetic(let operations):
            var stack: [UInt64] = []
            for operation in operations {
                if case .gc(let instruction, let operandCount) = operation {
                    var slots = Array(stack.suffix(operandCount))
                    stack.removeLast(operandCount)
                    if slots.isEmpty { slots.append(0) }
                    try slots.withUnsafeMutableBufferPointer { (buffer) throws(Trap) in
                        try executeGC(instruction, fp: buffer.baseAddress.unsafelyUnwrapped, instance: instance)
                    }
                    stack.append(slots[0])
                    continue
                }
                guard case .push(let operand) = operation else {
                    let right = stack.removeLast()
                    let left = stack.removeLast()
                    stack.append(Self.apply(operation, left, right))
                    continue
                }
                stack.append(try evaluate(operand, in: instance))
            }
            return stack[0]
        }
    }

    /// An extended constant expression's arithmetic on two slot values (an i32 in the low half, as everywhere).
    private static func apply(_ operation: ConstantOperation, _ left: UInt64, _ right: UInt64) -> UInt64 {
        let (left32, right32) = (UInt32(truncatingIfNeeded: left), UInt32(truncatingIfNeeded: right))
        switch operation {
        case .i32Add: return UInt64(left32 &+ right32)
        case .i32Sub: return UInt64(left32 &- right32)
        case .i32Mul: return UInt64(left32 &* right32)
        case .i64Add: return left &+ right
        case .i64Sub: return left &- right
        case .i64Mul: return left &* right
        case .push, .gc: preconditionFailure("not an arithmetic operation")
        }
    }

    /// A constant expression's high slot: a v128's high half, 0 for every other type.
    func evaluateHigh(_ expression: ConstantExpression, in instance: UnsafeMutablePointer<InstanceRecord>) -> UInt64 {
        switch expression {
        case .v128(let vector): vector.high
        case .globalGet(let index): instance.pointee.globals[Int(index)].pointee.high
        default: 0
        }
    }

    func exportList(
        of module: Module, instance: UnsafeMutablePointer<InstanceRecord>
    ) -> [(name: String, value: ExternalValue)] {
        module.exports.map { export in
            let value: ExternalValue
            switch export.descriptor {
            case .function(let index):
                value = .function(Function(address: instance.pointee.functions[Int(index)].pointee.address))
            case .table(let index):
                value = .table(Table(address: instance.pointee.tables[Int(index)].pointee.address))
            case .memory(let index):
                value = .memory(Memory(address: instance.pointee.memories[Int(index)].pointee.address))
            case .global(let index):
                value = .global(Global(address: instance.pointee.globals[Int(index)].pointee.address))
            case .tag(let index):
                let address = instanceTags[instance.pointee.index][Int(index)]
                if tags[address].name == nil { tags[address].name = export.name }
                value = .tag(Tag(address: address))
            }
            return (export.name, value)
        }
    }

    // MARK: Segments

    /// Applies active segments one by one, elements first, then data (spec 2.0: each is a `table.init` or
    /// `memory.init` followed by a drop). A failing segment leaves the writes of earlier ones in place.
    private func initializeSegments(
        of module: Module, instance: UnsafeMutablePointer<InstanceRecord>
    ) throws(InstantiationError) {
        let segmentsIndex = instance.pointee.index
        func evaluate(_ expression: ConstantExpression) throws(InstantiationError) -> UInt64 {
            do {
                return try self.evaluate(expression, in: instance)
            } catch {
                throw .trap(error)
            }
        }
        instanceSegments[segmentsIndex].elements = try module.elements.map { (segment) throws(InstantiationError) in
            try segment.items.map { (item) throws(InstantiationError) in try evaluate(item) }
        }
        instanceSegments[segmentsIndex].data = module.dataSegments

        for (index, segment) in module.elements.enumerated() {
            switch segment.mode {
            case .active(let table, let offset):
                let items = instanceSegments[segmentsIndex].elements[index]
                let tableRecord = instance.pointee.tables[Int(table)]
                let destination = Self.address(try evaluate(offset), of: tableRecord.pointee.addressType)
                guard Self.range(at: destination, count: UInt64(items.count), fitsIn: UInt64(tableRecord.pointee.count))
                else { throw .trap(Trap(.tableOutOfBounds)) }
                for (itemIndex, item) in items.enumerated() {
                    tableRecord.pointee.elements[Int(destination) + itemIndex] = item
                }
                instanceSegments[segmentsIndex].elements[index] = []
            case .declarative:
                instanceSegments[segmentsIndex].elements[index] = []
            case .passive:
                break
            }
        }

        for (index, segment) in module.dataSegments.enumerated() {
            guard case .active(let memoryIndex, let offset) = segment.mode else { continue }
            let memory = instance.pointee.memories[Int(memoryIndex)]
            let destination = Self.address(try evaluate(offset), of: memory.pointee.addressType)
            guard Self.range(at: destination, count: UInt64(segment.range.count), fitsIn: UInt64(memory.pointee.byteCount))
            else { throw .trap(Trap(.memoryOutOfBounds)) }
            segment.source.withUnsafeBytes(in: segment.range) { bytes in
                guard let source = bytes.baseAddress else { return }
                // SAFETY: the destination range was bounds-checked against the memory's size above.
                (memory.pointee.base + Int(destination)).copyMemory(from: source, byteCount: bytes.count)
            }
            instanceSegments[segmentsIndex].data[index].range = 0..<0
        }
    }

    /// An address or index operand's value from its slot: an i32's upper half may hold anything.
    static func address(_ slot: UInt64, of type: ValueType) -> UInt64 {
        type == .i64 ? slot : UInt64(UInt32(truncatingIfNeeded: slot))
    }

    /// Whether `start..<start + count` lies within `0..<size`, for 64-bit operands whose sum may wrap.
    static func range(at start: UInt64, count: UInt64, fitsIn size: UInt64) -> Bool {
        start <= size && count <= size - start
    }

    /// Makes `record` run `function`: a store-owned copy of the code with its handlers, its branch targets made
    /// relative and its calls linked. The record's stand-in, if it had one, is never reached again.
    func install(_ function: CompiledFunction, in record: UnsafeMutablePointer<FunctionRecord>) {
        let count = function.code.count
        let code = allocateCode(count: count)
        Self.writeRelocatable(function, into: code)
        link(code, count: count, localCount: Int(function.localCount), frameSize: Int(function.frameSize), in: record)
    }

    /// Room for `count` instructions of linked code, which the store frees.
    func allocateCode(count: Int) -> UnsafeMutablePointer<LinkedInstruction> {
        // On a cache line: where the instructions (24 bytes each) straddle lines then depends on the code alone, not
        // on the allocator's history, which differs between the CLI's and the guest kernel's (and between runs).
        let code = UnsafeMutableRawPointer.allocate(
            byteCount: Swift.max(count, 1) * MemoryLayout<LinkedInstruction>.stride, alignment: 64
        ).bindMemory(to: LinkedInstruction.self, capacity: Swift.max(count, 1))
        codeBuffers.append(code)
        return code
    }

    /// Writes `function`'s code into `code` (room for `function.code.count` instructions) as the interpreter runs
    /// it, but for the callees of `callDefined`: each names its callee by function index where `linkCalls` puts the
    /// record. This form depends on no store, so a snapshot keeps its code in it (see `CodeTemplates`).
    static func writeRelocatable(_ function: CompiledFunction, into code: UnsafeMutablePointer<LinkedInstruction>) {
        let count = function.code.count
        for (position, instruction) in function.code.enumerated() {
            // SAFETY: `code` has room for `count` instructions (the caller's promise).
            (code + position).initialize(to: LinkedInstruction(handler: instruction.opcode.handler, instruction: instruction))
        }
        // The interpreter jumps relative to the branch itself (see `Registers.branch`), so it needs no register for
        // the code's start: targets become signed byte distances in this copy. A backward branch (a loop's back-edge,
        // or a jump onto itself) holds minus the bytes from its target through itself instead, which is also the
        // fuel it charges.
        let stride = MemoryLayout<LinkedInstruction>.stride
        for position in 0..<count {
            switch code[position].instruction.opcode {
            case let opcode where opcode.isBranch:
                let distance = (Int(code[position].instruction.a) - position) * stride
                let offset = distance > 0 ? distance : distance - stride
                code[position].instruction.a = UInt32(bitPattern: Int32(truncatingIfNeeded: offset))
            case .callDefined:
                let callee = UInt(code[position].instruction.a)
                code[position].instruction.a = code[position].instruction.b
                // SAFETY: `b` and `c` are the linked instruction's last 8 bytes.
                UnsafeMutableRawPointer(code + position).storeBytes(
                    of: callee, toByteOffset: LinkedInstruction.calleeOffset, as: UInt.self)
            default:
                break
            }
        }
    }

    /// Links relocatable `code` (see `writeRelocatable`) and makes `record` run it.
    func link(
        _ code: UnsafeMutablePointer<LinkedInstruction>, count: Int, localCount: Int, frameSize: Int,
        in record: UnsafeMutablePointer<FunctionRecord>
    ) {
        linkCalls(code, count: count, in: record.pointee.instance.unsafelyUnwrapped)
        registerCatchClauses(code, count: count, instance: record.pointee.instance.unsafelyUnwrapped)
        record.pointee.localCount = localCount
        record.pointee.frameSize = Swift.max(frameSize, localCount, record.pointee.resultCount)
        record.pointee.code = code
        codeLengths[record.pointee.address] = count
    }

    /// Rewrites each `callDefined` in an instance's copy of the code to name its callee's record directly
    /// (see `Opcode.callDefined`): a call then loads the record from the instruction instead of through the
    /// instance's function table. A callee not yet translated is named all the same: its record's code changes
    /// when it is, and a call reads it each time.
    func linkCalls(_ code: UnsafeMutablePointer<LinkedInstruction>, count: Int, in instance: UnsafeMutablePointer<InstanceRecord>) {
        for position in 0..<count where code[position].instruction.opcode == .callDefined {
            // SAFETY: `b` and `c` are the linked instruction's last 8 bytes, which hold the callee's function index.
            let slot = UnsafeMutableRawPointer(code + position)
            let callee = instance.pointee.functions[Int(slot.load(fromByteOffset: LinkedInstruction.calleeOffset, as: UInt.self))]
            slot.storeBytes(of: UInt(bitPattern: callee), toByteOffset: LinkedInstruction.calleeOffset, as: UInt.self)
        }
    }

    // MARK: Translation on first call

    /// The `translateFunction` stand-in at `r.pc`, reached by a call whose frame is set up: translates the function,
    /// points its record at the translation (so later calls go straight there) and continues at its first instruction.
    func translateOnFirstCall(_ r: inout Registers) throws(Trap) {
        let record = r.instance.pointee.functions[Int(r.pc.pointee.instruction.a)]
        try translateIfNeeded(record)
        // The call checked the stand-in's frame; the translation's may be larger.
        guard r.fp + record.pointee.frameSize <= valueStackEnd.unsafelyUnwrapped else {
            throw Trap(.callStackExhausted)
        }
        r.pc = UnsafePointer(record.pointee.code.unsafelyUnwrapped)
    }

    /// Translates `function` now if it is a wasm function not called yet (which would translate it then): before a
    /// capture, so that no restore of the snapshot translates it (see `snapshot(of:)`).
    public func translate(_ function: Function) throws(Trap) {
        try translateIfNeeded(functions[function.address])
    }

    /// Translates every wasm function `instance` defines that has not been called yet: before a capture whose restores
    /// will each run much of the module (a server's snapshot, restored per request), so that none of them translates
    /// anything. Translating a large module whole costs far more than the parts a run reaches.
    /// - Precondition: `instance` was made by this store.
    public func translateAllFunctions(of instance: Instance) throws(Trap) {
        precondition(instance.store == ObjectIdentifier(self), "an instance of another store")
        let record = instances[instance.index]
        let module = instanceModules[instance.index]
        for index in module.importedFunctionCount..<module.functionTypeIndices.count {
            try translateIfNeeded(record.pointee.functions[index])
        }
    }

    /// Whether `function` has its internal code: a host function, or a wasm function called at least once (or
    /// given already translated). A wasm function nothing has called yet is still its body.
    public func isTranslated(_ function: Function) -> Bool {
        functions[function.address].pointee.code?.pointee.instruction.opcode != .translateFunction
    }

    /// Translates the wasm function of `record` if it still has its stand-in for code.
    func translateIfNeeded(_ record: UnsafeMutablePointer<FunctionRecord>) throws(Trap) {
        guard let code = record.pointee.code, code.pointee.instruction.opcode == .translateFunction,
            let instance = record.pointee.instance
        else { return }
        let module = instanceModules[instance.pointee.index]
        let functionIndex = Int(code.pointee.instruction.a)
        if let snapshot = instanceSnapshots[instance.pointee.index],
            snapshot.code.install(definedIndex: functionIndex - module.importedFunctionCount, in: record, store: self)
        {
            return
        }
        let function: CompiledFunction
        do throws(ModuleError) {
            function = try module.compiledFunction(definedIndex: functionIndex - module.importedFunctionCount)
        } catch {
            // Validation accepted the body, so only an engine limit can stop its translation.
            throw Trap(.host("function \(functionIndex) cannot be translated: \(error.description)"))
        }
        install(function, in: record)
        translatedFunctionCount += 1
    }
}
