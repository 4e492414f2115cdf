/// Owns every runtime object (functions, tables, memories, globals, instances) and runs code.
/// STUB: the signatures are the contract; the runtime implementation replaces the bodies.
public final class Store {
    public struct Configuration: Sendable {
        /// Cap on any memory's size in pages, applied at instantiation and by `memory.grow`.
        public var maxMemoryPages: UInt64 = 65536
        /// Nested wasm calls allowed before the trap "call stack exhausted".
        public var maxCallDepth: Int = 10_000
        /// Size of the value stack (all frames' slots together); exceeding it also traps "call stack exhausted".
        public var valueStackSlots: Int = 1 << 22
        /// Instructions budget, polled at calls and loop back-edges; `nil` is unlimited.
        public var fuel: UInt64? = nil

        public init() {}
    }

    public init(configuration: Configuration = Configuration()) {
        fatalError("Store: not implemented yet")
    }

    public func instantiate(_ module: Module, imports: Imports) throws(InstantiationError) -> Instance {
        fatalError("Store: not implemented yet")
    }

    public func invoke(_ function: Function, _ arguments: [Value]) throws(Trap) -> [Value] {
        fatalError("Store: not implemented yet")
    }

    public func makeHostFunction(type: FuncType, _ body: @escaping HostFunctionBody) -> Function {
        fatalError("Store: not implemented yet")
    }

    public func makeTable(type: TableType, initialValue: Value) -> Table {
        fatalError("Store: not implemented yet")
    }

    public func makeMemory(type: MemoryType) -> Memory {
        fatalError("Store: not implemented yet")
    }

    public func makeGlobal(type: GlobalType, value: Value) -> Global {
        fatalError("Store: not implemented yet")
    }

    public func type(of function: Function) -> FuncType {
        fatalError("Store: not implemented yet")
    }

    public func value(of global: Global) -> Value {
        fatalError("Store: not implemented yet")
    }

    /// Runs `body` over the memory's current bytes. The buffer is valid only during the call.
    public func withBytes<R>(of memory: Memory, _ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
        fatalError("Store: not implemented yet")
    }

    /// Asks running code to stop with the trap "interrupted" at its next call or loop back-edge.
    /// Safe to call from another thread (a timer or a signal handler's thread).
    public func interrupt() {
        fatalError("Store: not implemented yet")
    }
}

/// An instantiated module.
public final class Instance {
    public let exports: [String: ExternalValue]

    init(exports: [String: ExternalValue]) {
        self.exports = exports
    }

    public func export(_ name: String) -> ExternalValue? { exports[name] }
}
