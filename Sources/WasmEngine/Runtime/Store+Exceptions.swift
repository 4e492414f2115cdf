// Exception handling at run time: tags, exceptions, and the unwinder that `throw` and `throw_ref` leave the handlers
// for. Code that throws nothing pays nothing: a try's clauses are found only while unwinding, in the tables
// `registerCatchClauses` builds from the markers the translator leaves after each body (see `Compiler+Exceptions`).

/// A tag: its type (parameters only), and a name for an uncaught exception's message.
struct TagRecord {
    let type: FuncType
    /// The store type id of `type`, which an import must name (equivalent types of a recursion group are not enough).
    let typeID: Int
    /// The first name it was exported or imported under, if any.
    var name: String?
}

/// A thrown exception: its tag's address and its payload in slots.
struct ExceptionRecord {
    var tag: Int
    var payload: [UInt64]
    /// Whether an exnref to it was handed out (by a `_ref` clause), after which it lives as long as the store; one
    /// caught without one is reused.
    var isReferenced: Bool
}

/// The try regions of one function's linked code, innermost first.
struct HandlerTable {
    let code: Range<UnsafePointer<LinkedInstruction>>
    let regions: [TryRegion]
}

/// The body of a `try_table` or a legacy `try`, and what catches an exception thrown in it.
struct TryRegion {
    let body: Range<UnsafePointer<LinkedInstruction>>
    var clauses: [CatchHandler] = []
    /// The region to search when no clause matches: the enclosing one, or a `delegate`'s; nil for the caller.
    var next: Int?
}

/// One catch clause in linked code.
struct CatchHandler {
    /// The tag's address, or nil for a clause that catches all.
    let tag: Int?
    let landingPad: UnsafePointer<LinkedInstruction>
    let payloadSlot: Int
    /// Where the exnref goes, if the clause passes it.
    let referenceSlot: Int?
}

extension Store {
    public func makeTag(type: FuncType) -> Tag {
        precondition(type.results.isEmpty, "a tag's type has no results")
        tags.append(TagRecord(type: type, typeID: typeID(of: type)))
        return Tag(address: tags.count - 1)
    }

    public func type(of tag: Tag) -> FuncType { tags[tag.address].type }

    /// A new exception of `tag` (a new tag of no parameters when nil) with `payload`, which must match its type.
    public func makeException(_ tag: Tag? = nil, payload: [Value]) -> Exception {
        let tag = tag ?? makeTag(type: FuncType(parameters: [], results: []))
        var slots = [UInt64](repeating: 0, count: payload.map { $0.type }.slotCount)
        slots.withUnsafeMutableBufferPointer { write(payload, to: $0.baseAddress!) }
        exceptions.append(ExceptionRecord(tag: tag.address, payload: slots, isReferenced: true))
        return Exception(address: exceptions.count - 1)
    }

    /// The payload of an exception a host got as an exnref.
    public func payload(of exception: Exception) -> [Value] {
        let record = exceptions[exception.address]
        return record.payload.withUnsafeBufferPointer { values(of: tags[record.tag].type.parameters, at: $0.baseAddress!) }
    }

    /// The tag index space of a new instance: its imports, then a new tag per definition, of the type the module's
    /// type is in the store (`typeIDs`).
    func allocateTags(of module: Module, typeIDs: [Int], imports: [Int]) -> [Int] {
        imports + module.tagTypeIndices[module.importedTagCount...].map { typeIndex in
            let id = typeIDs[Int(typeIndex)]
            tags.append(TagRecord(type: functionTypes[id], typeID: id))
            return tags.count - 1
        }
    }

    // MARK: Handler tables

    /// The target of the branch-like marker at `position` of linked code (see `writeRelocatable`).
    private static func markerTarget(_ code: UnsafePointer<LinkedInstruction>, _ position: Int) -> UnsafePointer<LinkedInstruction> {
        let offset = Int(Int32(bitPattern: code[position].instruction.a))
        let from = UnsafeRawPointer(code + position + (offset < 0 ? 1 : 0))
        return from.advanced(by: offset).assumingMemoryBound(to: LinkedInstruction.self)
    }

    /// Records the try regions of linked `code` (`count` instructions of `instance`), if it has any.
    func registerCatchClauses(_ code: UnsafePointer<LinkedInstruction>, count: Int, instance: UnsafeMutablePointer<InstanceRecord>) {
        var regions: [TryRegion] = []
        var regionIndices: [UnsafePointer<LinkedInstruction>: Int] = [:]
        for position in 0..<count where code[position].instruction.opcode == .tryRegion {
            regionIndices[code + position] = regions.count
            regions.append(TryRegion(body: Self.markerTarget(code, position)..<(code + position)))
        }
        guard !regions.isEmpty else { return }
        // A region's enclosing one ends later, so comes later.
        for (index, region) in regions.enumerated() {
            regions[index].next = regions[(index + 1)...].firstIndex { $0.body.contains(region.body.lowerBound) }
        }
        for position in 0..<count {
            let marker = code[position].instruction
            let region = { regionIndices[Self.markerTarget(code, position)].unsafelyUnwrapped }
            switch marker.opcode {
            case .catchClause, .catchRefClause, .legacyCatchClause:
                let tag = marker.b == UInt32.max ? nil : instanceTags[instance.pointee.index][Int(marker.b)]
                let payloadSlot = Int(marker.c)
                let referenceSlot: Int? =
                    switch marker.opcode {
                    case .catchRefClause: payloadSlot + (tag.map { tags[$0].type.parameterSlotCount } ?? 0)
                    case .legacyCatchClause: payloadSlot - 1
                    default: nil
                    }
                regions[region()].clauses.append(
                    CatchHandler(tag: tag, landingPad: code + position + 1, payloadSlot: payloadSlot, referenceSlot: referenceSlot))
            case .delegateClause:
                // It follows the region marker of the try it ends.
                let delegating = regionIndices[code + position - 1].unsafelyUnwrapped
                regions[delegating].next = marker.b == 1 ? nil : region()
            default:
                break
            }
        }
        let table = HandlerTable(code: code..<(code + count), regions: regions)
        let index = handlerTables.firstIndex { $0.code.lowerBound > code } ?? handlerTables.count
        handlerTables.insert(table, at: index)
    }

    /// The innermost clause around `pc` that catches an exception of `tag`, in the function whose code holds `pc`.
    private func catchHandler(at pc: UnsafePointer<LinkedInstruction>, tag: Int) -> CatchHandler? {
        var low = 0
        var high = handlerTables.count
        while low < high {
            let middle = (low + high) / 2
            if handlerTables[middle].code.lowerBound <= pc { low = middle + 1 } else { high = middle }
        }
        guard low > 0, handlerTables[low - 1].code.contains(pc) else { return nil }
        let regions = handlerTables[low - 1].regions
        var region = regions.firstIndex { $0.body.contains(pc) }
        while let index = region {
            if let handler = regions[index].clauses.first(where: { $0.tag == nil || $0.tag == tag }) { return handler }
            region = regions[index].next
        }
        return nil
    }

    // MARK: Throwing

    /// The `throw` or `throw_ref` at `r.pc`: unwinds to the clause that catches the exception and continues at its
    /// landing pad, or ends the run with `TrapReason.uncaughtException`.
    func raise(_ r: inout Registers) throws(Trap) {
        let instruction = r.pc.pointee.instruction
        guard instruction.opcode == .throw else {
            let reference = r.fp[Int(instruction.a)]
            guard reference != 0 else { throw Trap(.nullExceptionReference) }
            return try unwind(&r, exception: Int(reference - 1))
        }
        let tag = instanceTags[r.instance.pointee.index][Int(instruction.b)]
        let payload = Array(UnsafeBufferPointer(start: r.fp + Int(instruction.a), count: tags[tag].type.parameterSlotCount))
        let exception = ExceptionRecord(tag: tag, payload: payload, isReferenced: false)
        if let address = freeExceptionAddresses.popLast() {
            exceptions[address] = exception
            try unwind(&r, exception: address)
        } else {
            exceptions.append(exception)
            try unwind(&r, exception: exceptions.count - 1)
        }
    }

    /// Unwinds from the instruction at `r.pc` (the throw, or a call an exception came out of) frame by frame, to the
    /// innermost clause that catches `exception`, and sets the registers to run its landing pad: the catching frame's,
    /// its instance's and memory's, and the call-frame stack's top (so the call depth is the catching function's).
    func unwind(_ r: inout Registers, exception: Int) throws(Trap) {
        let tag = exceptions[exception].tag
        var pc = r.pc
        var fp = r.fp
        var instance = r.instance
        var callFrame = r.callFrame
        while true {
            if let handler = catchHandler(at: pc, tag: tag) {
                let payload = exceptions[exception].payload
                (fp + handler.payloadSlot).update(from: payload, count: payload.count)
                if let referenceSlot = handler.referenceSlot {
                    fp[referenceSlot] = UInt64(exception) + 1
                    exceptions[exception].isReferenced = true
                } else if !exceptions[exception].isReferenced {
                    freeExceptionAddresses.append(exception)
                }
                r.pc = handler.landingPad
                r.fp = fp
                r.instance = instance
                r.callFrame = callFrame
                r.reloadMemory()
                return
            }
            guard callFrame != r.entryCallFrame else { break }
            callFrame -= 1
            // The call the exception came out of: the instruction before the one it returns to.
            pc = callFrame.pointee.returnPC - 1
            fp = callFrame.pointee.framePointer
            instance = callFrame.pointee.instance
        }
        if let previous = escapedException, previous != exception, !exceptions[previous].isReferenced {
            freeExceptionAddresses.append(previous)
        }
        escapedException = exception
        let name = tags[tag].name.map { "tag \"\($0)\"" } ?? "a tag its module does not export"
        throw Trap(.uncaughtException("uncaught wasm exception: \(name)"))
    }
}
