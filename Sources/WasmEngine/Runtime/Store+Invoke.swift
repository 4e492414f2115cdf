// Entering the store from the host: argument checking, the value stack's bookkeeping, host functions.

extension Value {
    /// The value's type.
    public var type: ValueType {
        switch self {
        case .i32: return .i32
        case .i64: return .i64
        case .f32: return .f32
        case .f64: return .f64
        case .v128: return .v128
        case .funcref: return .funcref
        case .externref: return .externref
        case .exnref: return .exnref
        case .anyref(let reference): return reference?.isExternalized == true ? .externref : .reference(to: .any)
        }
    }
}

extension Store {
    /// The slot encoding of a value. funcref: the address of the function's record; externref: the host
    /// value plus one; both null as 0. A v128's low half (see `write(_:to:)`).
    func slot(for value: Value) -> UInt64 {
        switch value {
        case .i32(let bits): return UInt64(bits)
        case .i64(let bits): return bits
        case .f32(let bits): return UInt64(bits)
        case .f64(let bits): return bits
        case .v128(let vector): return vector.low
        case .funcref(let function):
            guard let function else { return 0 }
            return UInt64(UInt(bitPattern: functions[function.address]))
        case .externref(let host):
            guard let host else { return 0 }
            return UInt64(host) + 1
        case .exnref(let exception):
            guard let exception else { return 0 }
            return UInt64(exception.address) + 1
        case .anyref(let reference):
            return reference?.bits ?? 0
        }
    }

    /// Writes `values` to consecutive slots from `slots`, a v128 in two (see `ValueType.slotCount`).
    func write(_ values: [Value], to slots: UnsafeMutablePointer<UInt64>) {
        var next = slots
        for value in values {
            next.pointee = slot(for: value)
            if case .v128(let vector) = value { next[1] = vector.high }
            next += value.type.slotCount
        }
    }

    /// The values of `types` in consecutive slots from `slots`.
    func values(of types: [ValueType], at slots: UnsafePointer<UInt64>) -> [Value] {
        var next = slots
        return types.map { type in
            defer { next += type.slotCount }
            return type == .v128 ? .v128(V128(low: next[0], high: next[1])) : value(ofSlot: next.pointee, type: type)
        }
    }

    /// The value of a one-slot type (every type but v128) from its slot.
    func value(ofSlot slot: UInt64, type: ValueType) -> Value {
        switch type {
        case .i32: return .i32(UInt32(truncatingIfNeeded: slot))
        case .i64: return .i64(slot)
        case .f32: return .f32(bits: UInt32(truncatingIfNeeded: slot))
        case .f64: return .f64(bits: slot)
        case .v128: preconditionFailure("a v128 takes two slots: see values(of:at:)")
        default:
            switch typeHierarchy.top(type.heapType!) {
            case .extern where slot & Store.externalizedBit != 0: return .anyref(AnyReference(bits: slot))
            case .extern: return .externref(slot == 0 ? nil : UInt32(truncatingIfNeeded: slot - 1))
            case .exn: return .exnref(slot == 0 ? nil : Exception(address: Int(slot - 1)))
            case .any: return .anyref(slot == 0 ? nil : AnyReference(bits: slot))
            default:
                // SAFETY: a non-null function reference slot is always the address of one of this store's function
                // records.
                guard let record = UnsafePointer<FunctionRecord>(bitPattern: UInt(slot)) else { return .funcref(nil) }
                return .funcref(Function(address: record.pointee.address))
            }
        }
    }

    /// Whether `value` may be passed as a value of `type`, a parameter type of a store type (whose concrete references
    /// name store type ids): a reference of the type's hierarchy, null only where the type has null, and one of the
    /// type a heap type below the top names.
    func isValue(_ value: Value, of type: ValueType) -> Bool {
        guard let heapType = type.heapType else { return value.type == type }
        let top = typeHierarchy.top(heapType)
        guard let valueHeapType = value.type.heapType, typeHierarchy.top(valueHeapType) == top else { return false }
        switch value {
        case .funcref(nil), .externref(nil), .exnref(nil), .anyref(nil): return type.isNullable
        case .funcref(let function?):
            return HeapType.concrete(UInt32(functions[function.address].pointee.typeID)).matches(heapType, typeHierarchy)
        case .anyref(let reference?) where !reference.isExternalized:
            return isReference(reference.bits, of: heapType)
        default: return HeapType.bottom(ofTop: top) != heapType
        }
    }

    public func invoke(_ function: Function, _ arguments: [Value]) throws(Trap) -> [Value] {
        let callee = functions[function.address]
        let type = functionTypes[callee.pointee.typeID]
        guard arguments.count == type.parameters.count,
            zip(arguments, type.parameters).allSatisfy({ isValue($0, of: $1) })
        else {
            throw Trap(.host("invoke: the arguments do not match the function's parameter types"))
        }
        guard callee.pointee.code != nil else {
            guard invokeNesting < Store.maxInvokeNesting else { throw Trap(.callStackExhausted) }
            invokeNesting += 1
            defer { invokeNesting -= 1 }
            return try callHostFunction(callee, arguments: arguments, memory: nil)
        }
        return try withUnsafeTemporaryAllocation(
            of: UInt64.self, capacity: Swift.max(type.parameterSlotCount, type.resultSlotCount, 1)
        ) { (slots) throws(Trap) -> [Value] in
            write(arguments, to: slots.baseAddress!)
            try invoke(function, slots: slots)
            return values(of: type.results, at: slots.baseAddress!)
        }
    }

    /// Calls `function`, which a module of this store defines, with its arguments in `slots` (in the engine's slot
    /// encoding, i32s zero-extended), and leaves its results there: no arrays and no type check per call, for a host
    /// that calls the same function very often (a hook on every WASI call) and checked its type once.
    /// - Precondition: `function` is not a host function, and `slots` has room for its parameters and for its results.
    public func invoke(_ function: Function, slots: UnsafeMutableBufferPointer<UInt64>) throws(Trap) {
        let callee = functions[function.address]
        precondition(callee.pointee.code != nil, "invoke(_:slots:) calls functions modules define")
        let parameterCount = callee.pointee.parameterCount
        let resultCount = callee.pointee.resultCount
        precondition(parameterCount <= slots.count && resultCount <= slots.count, "too few slots for the function")
        guard invokeNesting < Store.maxInvokeNesting else { throw Trap(.callStackExhausted) }
        invokeNesting += 1
        defer { invokeNesting -= 1 }
        try translateIfNeeded(callee)
        allocateStacksIfNeeded()
        let frame = stackTop!
        guard callee.pointee.frameSize <= valueStackEnd! - frame else { throw Trap(.callStackExhausted) }
        // SAFETY: the frame fits below `valueStackEnd` (checked above), and `slots` holds the parameters (precondition).
        frame.update(from: slots.baseAddress!, count: parameterCount)
        (frame + parameterCount).update(repeating: 0, count: callee.pointee.localCount - parameterCount)
        try execute(callee, frame: frame)
        slots.baseAddress!.update(from: frame, count: resultCount)
    }

    func allocateStacksIfNeeded() {
        guard valueStack == nil else { return }
        // The call frames first: allocated after the (large, mostly untouched) value stack, their first page would
        // lie tens of MiB further on, one more page to fault in (in the micro-VM, a 2 MiB page to clear) before the
        // first call; allocated before it, they share pages with what was allocated just before.
        let depth = Swift.max(configuration.maxCallDepth, 1)
        let frames = StackCache.takeCallFrames(depth: depth) ?? .allocate(capacity: depth)
        callFrames = frames
        callFramesEnd = frames + depth
        callFrameTop = frames
        let slots = Swift.max(configuration.valueStackSlots, 16)
        let stack = StackCache.takeValueStack(slots: slots) ?? .allocate(capacity: slots + Store.valueStackSlack)
        valueStack = stack
        valueStackEnd = stack + slots
        stackTop = stack
    }

    func callHostFunction(
        _ function: UnsafeMutablePointer<FunctionRecord>, arguments: [Value], memory: Memory?
    ) throws(Trap) -> [Value] {
        let caller = Caller(store: self, memory: memory)
        let body: HostFunctionBody
        switch hostFunctions[function.pointee.hostIndex] {
        case .values(let values): body = values
        case .slots(let slots):
            let type = functionTypes[function.pointee.typeID]
            return try withUnsafeTemporaryAllocation(
                of: UInt64.self, capacity: Swift.max(type.parameterSlotCount, type.resultSlotCount, 1)
            ) { (buffer) throws(Trap) -> [Value] in
                write(arguments, to: buffer.baseAddress!)
                try slots(caller, buffer)
                return values(of: type.results, at: buffer.baseAddress!)
            }
        }
        let results = try body(caller, arguments)
        // Compared in place: mapping the results to their types cost an allocation on every host call.
        let resultTypes = functionTypes[function.pointee.typeID].results
        guard results.count == resultTypes.count, zip(results, resultTypes).allSatisfy({ $0.type == $1 }) else {
            throw Trap.hostResultTypeMismatch
        }
        return results
    }

    /// A call from wasm code to a host function. Arguments are in `frame[0..<parameterCount]` and results
    /// go back there. A nested `invoke` from the host function starts its frames above this one.
    @inline(never)
    func callHostFunction(
        _ function: UnsafeMutablePointer<FunctionRecord>, frame: UnsafeMutablePointer<UInt64>,
        callerInstance: UnsafeMutablePointer<InstanceRecord>, callFrameTop currentCallFrameTop: UnsafeMutablePointer<CallFrame>
    ) throws(Trap) {
        let savedStackTop = stackTop
        let savedCallFrameTop = callFrameTop
        let slotCount = Swift.max(function.pointee.parameterCount, function.pointee.resultCount)
        stackTop = frame + slotCount
        callFrameTop = currentCallFrameTop
        defer {
            stackTop = savedStackTop
            callFrameTop = savedCallFrameTop
        }
        let memoryAddress = callerInstance.pointee.memory.pointee.address
        let memory = memoryAddress < 0 ? nil : Memory(address: memoryAddress)
        if case .slots(let body) = hostFunctions[function.pointee.hostIndex] {
            // In place: the arguments are the frame's first slots, and the results go back there.
            return try body(Caller(store: self, memory: memory), UnsafeMutableBufferPointer(start: frame, count: slotCount))
        }
        let type = functionTypes[function.pointee.typeID]
        let results = try callHostFunction(function, arguments: values(of: type.parameters, at: frame), memory: memory)
        write(results, to: frame)
    }
}
