// Capturing an instance's state (`snapshot(of:)`) and restoring it as a new instance (`restore(_:imports:)`).

extension Store {
    /// The state of `instance` now (typically after instantiation and its `initializer`), from which
    /// `restore(_:imports:)` makes any number of independent instances.
    ///
    /// Refused (`SnapshotError.unsupportedState`) when the state is not the instance's alone: an imported memory,
    /// table or global, or a reference in a global, table or segment to a host value or to a function outside the
    /// instance's function index space. With `Configuration.memoryImageMapper` set, the memory image is sealed for
    /// restores to map copy-on-write.
    /// - Precondition: `instance` was made by this store.
    public func snapshot(of instance: Instance) throws(SnapshotError) -> InstanceSnapshot {
        precondition(instance.store == ObjectIdentifier(self), "snapshot of an instance of another store")
        guard invokeNesting == 0 else { throw .storeIsRunning }
        let record = instances[instance.index]
        let module = instanceModules[instance.index]
        for item in module.imports {
            switch item.descriptor {
            case .function: continue
            case .table: throw .importedState("table", item)
            case .memory: throw .importedState("memory", item)
            case .global: throw .importedState("global", item)
            case .tag: continue
            }
        }
        // A snapshot records one memory image (and the guest's snapshot format, one memory).
        guard module.memories.count <= 1 else {
            throw .unsupportedState("the instance has \(module.memories.count) memories; snapshots record at most one")
        }

        var indexByAddress: [Int: Int] = [:]
        for index in 0..<module.functionTypeIndices.count {
            indexByAddress[record.pointee.functions[index].pointee.address] = index
        }
        /// A reference slot as a function index + 1 (0 for null).
        func portable(_ slot: UInt64, _ type: ValueType, in place: @autoclosure () -> String) throws(SnapshotError) -> UInt64 {
            guard type.isReference, slot != 0 else { return slot }
            guard type == .funcref else { throw .hostReference(in: place()) }
            // SAFETY: a non-null funcref slot is the address of one of this store's function records.
            let address = UnsafePointer<FunctionRecord>(bitPattern: UInt(slot)).unsafelyUnwrapped.pointee.address
            guard let index = indexByAddress[address] else { throw .foreignFunction(in: place()) }
            return UInt64(index + 1)
        }

        var globals: [UInt64] = []
        for index in module.importedGlobalCount..<module.globals.count {
            let type = module.globals[index].valueType
            guard type != .v128 else { throw .unsupportedState("global \(index) is a v128, which snapshots do not record") }
            guard type != .exnref else { throw .exceptionReference(in: "global \(index)") }
            guard !module.holdsGCReferences(type) else { throw .gcReference(in: "global \(index)") }
            globals.append(try portable(record.pointee.globals[index].pointee.value, type, in: "global \(index)"))
        }
        var tables: [[UInt64]] = []
        for index in module.importedTableCount..<module.tables.count {
            let table = record.pointee.tables[index].pointee
            guard table.elementType != .exnref else { throw .exceptionReference(in: "table \(index)") }
            guard !module.holdsGCReferences(module.tables[index].elementType) else { throw .gcReference(in: "table \(index)") }
            var elements: [UInt64] = []
            elements.reserveCapacity(table.count)
            for position in 0..<table.count {
                elements.append(try portable(table.elements[position], table.elementType, in: "table \(index)"))
            }
            tables.append(elements)
        }
        // Segments need no check: their items are constants of the module (`ref.func`, `ref.null`, or `global.get`
        // of an imported global, which was refused above), and a restore evaluates them again.
        let segments = instanceSegments[instance.index]

        // SAFETY: the memory's `byteCount` bytes from `base` are its contents (none for the placeholder).
        let memory = record.pointee.memory.pointee
        let bytes = UnsafeRawBufferPointer(start: memory.base, count: memory.byteCount)
        let imageCount = Self.imageByteCount(of: bytes)
        guard
            let memoryImage = MemoryImage(count: imageCount, mapper: configuration.memoryImageMapper, initialize: { image in
                image.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<imageCount]))
                return true
            })
        else { preconditionFailure("a copy into an image does not fail") }
        return InstanceSnapshot(
            module: module, memoryPages: module.memories.isEmpty ? nil : memory.pageCount,
            memoryImage: memoryImage, globals: globals, tables: tables,
            elementSegmentIsEmpty: segments.elements.map { $0.isEmpty },
            dataSegmentIsEmpty: segments.data.map { $0.range.isEmpty },
            code: codeTemplates(of: record, module: module, indexByAddress: indexByAddress))
    }

    /// The bytes of `memory` up to the end of its last wasm page holding a non-zero byte: past them, a restored
    /// memory is zero anyway, so an image need not hold them (nor a mapping share them, nor a payload carry them).
    static func imageByteCount(of memory: UnsafeRawBufferPointer) -> Int {
        let pageSize = Int(wasmPageSize)
        var end = memory.count
        while end > 0 {
            // SAFETY: the page lies within `memory`, whose base is 16-byte aligned, so each word load is aligned.
            let isZero = stride(from: end - pageSize, to: end, by: 8).allSatisfy {
                memory.load(fromByteOffset: $0, as: UInt64.self) == 0
            }
            if !isZero { break }
            end -= pageSize
        }
        return end
    }

    /// The installed code of the instance's translated functions, made relocatable again: each `callDefined`'s
    /// callee record replaced by its function index.
    private func codeTemplates(
        of instance: UnsafeMutablePointer<InstanceRecord>, module: Module, indexByAddress: [Int: Int]
    ) -> CodeTemplates {
        var templates: [CodeTemplates.Template?] = []
        var instructionCount = 0
        for offset in 0..<module.functions.count {
            let function = instance.pointee.functions[module.importedFunctionCount + offset].pointee
            let count = codeLengths[function.address]
            guard count > 0 else {
                templates.append(nil)
                continue
            }
            templates.append(
                CodeTemplates.Template(
                    start: instructionCount, count: count, localCount: function.localCount, frameSize: function.frameSize))
            instructionCount += count
        }
        return CodeTemplates(templates: templates, instructionCount: instructionCount) { buffer in
            for (offset, template) in templates.enumerated() {
                guard let template else { continue }
                let source = instance.pointee.functions[module.importedFunctionCount + offset].pointee.code.unsafelyUnwrapped
                let code = buffer + template.start
                // SAFETY: the installed code holds `template.count` instructions and the buffer room for all templates.
                code.initialize(from: source, count: template.count)
                for position in 0..<template.count where code[position].instruction.opcode == .callDefined {
                    // SAFETY: `b` and `c` are the linked instruction's last 8 bytes, which hold the callee's record.
                    let slot = UnsafeMutableRawPointer(code + position)
                    let callee = UnsafePointer<FunctionRecord>(
                        bitPattern: slot.load(fromByteOffset: LinkedInstruction.calleeOffset, as: UInt.self)
                    ).unsafelyUnwrapped
                    slot.storeBytes(
                        of: UInt(indexByAddress[callee.pointee.address].unsafelyUnwrapped),
                        toByteOffset: LinkedInstruction.calleeOffset, as: UInt.self)
                }
            }
        }
    }

    /// A new instance in this store with the state `snapshot` holds, its function imports bound to `imports` (which
    /// must match the module's import types, as at instantiation). Its memory maps the snapshot's image copy-on-write
    /// when the snapshot's mapper sealed one (restoring costs then the same whatever the memory's size, plus the
    /// pages the instance writes), else it is a copy. Restores are independent of one another and of the snapshot;
    /// the start function is not run again. Functions translated before the capture are installed from the
    /// snapshot's code on their first call; the others are translated then, as usual.
    public func restore(_ snapshot: InstanceSnapshot, imports: Imports) throws(SnapshotError) -> Instance {
        let module = snapshot.module
        let resolved: ResolvedImports
        do throws(InstantiationError) {
            resolved = try resolveImports(of: module, from: imports)
        } catch {
            guard case .unlinkable(let message) = error else { preconditionFailure("import resolution does not trap") }
            throw .unlinkable(message)
        }
        let memoryCap = Swift.min(configuration.maxMemoryPages, 65536)
        if let pages = snapshot.memoryPages, pages > memoryCap {
            throw .unlinkable("memory size exceeds the limit: \(pages) pages, at most \(memoryCap) allowed")
        }
        for elements in snapshot.tables where elements.count > TableRecord.implementationLimit {
            throw .unlinkable("table size exceeds the limit: \(elements.count) elements")
        }

        let instance = allocateInstanceRecord(of: module, imports: resolved, snapshot: snapshot)
        let typeIDs = instance.pointee.typeIDs(module.types.count)
        /// A portable reference as a slot of this instance (a capture, or the payload reader, made sure it names a function).
        func slot(_ portable: UInt64) -> UInt64 {
            portable == 0 ? 0 : UInt64(UInt(bitPattern: instance.pointee.functions[Int(portable - 1)]))
        }
        for (offset, elements) in snapshot.tables.enumerated() {
            let index = module.importedTableCount + offset
            let type = module.tables[index]
            let address = allocateTable(
                type: TableType(
                    elementType: Store.storeType(type.elementType, typeIDs: typeIDs),
                    limits: Limits(min: UInt64(elements.count), max: type.limits.max),
                    addressType: type.addressType))
            for (position, element) in elements.enumerated() { tables[address].pointee.elements[position] = slot(element) }
            instance.pointee.tables[index] = tables[address]
        }
        if let pages = snapshot.memoryPages {
            instance.pointee.memory = memories[restoreMemory(snapshot, pages: pages, type: module.memories[0])]
            instance.pointee.memories[0] = instance.pointee.memory
        }
        for (offset, value) in snapshot.globals.enumerated() {
            let index = module.importedGlobalCount + offset
            var type = module.globals[index]
            type.valueType = Store.storeType(type.valueType, typeIDs: typeIDs)
            instance.pointee.globals[index] = globals[allocateGlobal(type: type, value: type.valueType.isReference ? slot(value) : value)]
        }
        let segmentsIndex = instance.pointee.index
        do {
            instanceSegments[segmentsIndex].elements = try module.elements.enumerated().map { (index, segment) throws(Trap) in
                snapshot.elementSegmentIsEmpty[index]
                    ? [] : try segment.items.map { (item) throws(Trap) in try evaluate(item, in: instance) }
            }
        } catch {
            // The instantiation the snapshot was taken of evaluated the same items: only an allocation can fail.
            throw .unsupportedState("an element segment's item trapped: \(error.reason.message)")
        }
        instanceSegments[segmentsIndex].data = module.dataSegments
        for (index, isEmpty) in snapshot.dataSegmentIsEmpty.enumerated() where isEmpty {
            instanceSegments[segmentsIndex].data[index].range = 0..<0
        }
        return Instance(exports: exportList(of: module, instance: instance), store: self, index: segmentsIndex)
    }

    /// The restored memory's address: a copy-on-write mapping of the snapshot's image, reserved up to the memory's
    /// maximum so that it never moves, or a copy of the image when it has no mapper (or mapping fails).
    private func restoreMemory(_ snapshot: InstanceSnapshot, pages: UInt64, type: MemoryType) -> Int {
        let memoryCap = Swift.min(configuration.maxMemoryPages, 65536)
        let maximumPages = Swift.min(type.limits.max ?? memoryCap, memoryCap)
        if let (hostImage, mapper) = snapshot.memoryImage.hosted {
            let capacity = Int(maximumPages * wasmPageSize)
            if let base = mapper.map(hostImage, capacity) {
                let address = memories.count
                memories.append(.allocate(capacity: 1))
                // SAFETY: the mapper returned a reservation of `capacity` bytes past `base` and the header below it.
                memories[address].initialize(
                    to: MemoryRecord(
                        mappedBase: base, capacity: capacity, pages: pages, declaredMaximum: type.limits.max,
                        maximumPages: maximumPages, address: address, addressType: type.addressType))
                mappedImages[address] = (hostImage, mapper)
                return address
            }
        }
        let address = allocateMemory(
            type: MemoryType(limits: Limits(min: pages, max: type.limits.max), addressType: type.addressType))
        // SAFETY: the image holds at most the memory's `pages` (captured so, or checked when read back).
        memories[address].pointee.base.copyMemory(from: snapshot.memoryImage.bytes, byteCount: snapshot.memoryImage.count)
        return address
    }
}
