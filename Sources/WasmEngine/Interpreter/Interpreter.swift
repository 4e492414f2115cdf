// The interpreter: handlers that pass the machine registers to one another (see `Instruction.swift` for the
// code's contract and `Handlers.swift` for the handlers).
//
// Machine model: the store's linked code holds, in front of each instruction, the address of its opcode's
// handler. A handler runs its instruction and tail-calls the next instruction's handler with the registers
// (`Registers`: pc, frame, memory base, the state pointer, the forwarded value, the last back-edge's target,
// and the forwarded f64) as its arguments, so they stay in machine registers and a dispatch is a load and a
// jump. Each handler is its own function, register-allocated alone. Operands are slot indices into the frame
// `fp`. Every value a handler writes also stays in `forwarded` (and `forwardedFloat` for f64 arithmetic); the
// `...Fwd` forms that `forwardResults` makes read it there instead of reloading the slot just stored.
// Wasm→wasm calls push the caller's registers on the explicit call-frame stack and tail-call the callee's first
// instruction, so wasm recursion never grows the host stack; only host functions (and an `invoke` they make)
// nest on it. A host call, a trap, and the few instructions that need a library call leave the chain through
// a `LoopExit` code for `execute`, which then resumes it.
// Every tail call must stay one: the engine is compiled with optimization in every configuration (see
// Package.swift), without which each instruction would grow the host stack.
// The handlers touch only raw pointers into store-owned buffers and value types: no retain, release,
// allocation, existential or exclusivity check happens per instruction.

extension Store {
    /// Fuel drawn per slice (see `Registers.dispatchCharging`): it bounds how long running code goes without reading
    /// the interruption flag (tens of microseconds of simple instructions).
    static let fuelSliceSize: UInt64 = 1 << 16
    /// `fuelRemaining` when fuel is unlimited (it could not run out in practice anyway).
    static let unlimitedFuel = UInt64.max

    /// Runs the wasm function `entry` whose frame (arguments in place, locals zeroed) starts at `frame`.
    /// On return its results are in `frame[0..<resultCount]`.
    func execute(_ entry: UnsafeMutablePointer<FunctionRecord>, frame: UnsafeMutablePointer<UInt64>) throws(Trap) {
        if configuration.tier == .compiler, let shared = sharedMachineCode(of: entry.pointee.instance.unsafelyUnwrapped),
            entry.pointee.machineCode != shared.interpretStub
        {
            return try executeMachineCode(entry, entryCode: shared.entry, frame: frame)
        }
        try withRunState(of: entry) { (state, fuelIsLimited) throws(Trap) in
            try execute(entry, frame: frame, state: state, fuelIsLimited: fuelIsLimited)
        }
    }

    /// Runs `body` with the state of a run of `entry` (the interpreter's, or machine code's), and whether fuel is
    /// limited: while the run lasts, the fuel it holds (the state's bank and slice) is out of `fuelRemaining`.
    func withRunState(
        of entry: UnsafeMutablePointer<FunctionRecord>,
        _ body: (UnsafeMutablePointer<MachineState>, Bool) throws(Trap) -> Void
    ) throws(Trap) {
        // On the stack, not the heap: a host that enters often (a hook on every WASI call) paid a malloc and a free for
        // each entry. The state's address is stable while the run lasts, which is all the handlers need.
        try withUnsafeTemporaryAllocation(of: MachineState.self, capacity: 1) { (buffer) throws(Trap) in
            let state = buffer.baseAddress!
            let fuelIsLimited = fuelRemaining != Store.unlimitedFuel
            // SAFETY: freshly allocated for this run; every field is a trivial value or an unowned reference to
            // the store's interrupt handle, which outlives the run.
            state.initialize(
                to: MachineState(
                    instance: entry.pointee.instance.unsafelyUnwrapped, fuelBank: fuelRemaining, fuel: 0,
                    callFrame: callFrameTop!, entryCallFrame: callFrameTop!,
                    limits: StackLimits(valueStackEnd: valueStackEnd!, callFramesEnd: callFramesEnd!),
                    interruptHandle: interruptHandle))
            if fuelIsLimited { fuelRemaining = 0 }
            defer { if fuelIsLimited { fuelRemaining = state.pointee.fuelLeft } }
            try body(state, fuelIsLimited)
        }
    }

    private func execute(
        _ entry: UnsafeMutablePointer<FunctionRecord>, frame: UnsafeMutablePointer<UInt64>,
        state: UnsafeMutablePointer<MachineState>, fuelIsLimited: Bool
    ) throws(Trap) {
        let code = UnsafePointer(entry.pointee.code.unsafelyUnwrapped)
        var r = Registers(code, frame, placeholderMemory.pointee.base, state, 0, code, 0)
        r.reloadMemory()
        // The entry's charge, which also draws the first slice.
        r.fuel = 0 &- Registers.fuelUnit
        if let trap = state.pointee.refuel() { throw Trap(trap.reason) }

        while true {
            let exit = LoopExit(rawValue: r.dispatch()).unsafelyUnwrapped
            r = state.pointee.saved.unsafelyUnwrapped
            switch exit {
            case .returned:
                return
            case .trapped:
                throw Trap(state.pointee.trapCode.reason)
            case .callHost:
                // The host may run wasm code too (through `invoke`), which spends the store's fuel; and it may
                // raise the interruption flag, which the emptied slice makes the next poll read.
                if fuelIsLimited {
                    fuelRemaining = state.pointee.fuelLeft
                    r.fuelBank = 0
                }
                r.fuel = 0
                var hostFailure: Trap?
                do throws(Trap) {
                    try callHostFunction(
                        state.pointee.callee.unsafelyUnwrapped, frame: r.fp + Int(r.pc.pointee.instruction.b),
                        callerInstance: r.instance, callFrameTop: r.callFrame)
                } catch {
                    hostFailure = error
                }
                if fuelIsLimited {
                    r.fuelBank = fuelRemaining
                    fuelRemaining = 0
                }
                if let hostFailure {
                    // An exception that escaped a run the host function started unwinds on through this one.
                    guard case .uncaughtException = hostFailure.reason, let exception = escapedException else { throw hostFailure }
                    escapedException = nil
                    try unwind(&r, exception: exception)
                    continue
                }
                r.reloadMemory()
                r.pc += 1
            case .outOfLine where r.pc.pointee.instruction.opcode == .translateFunction:
                try translateOnFirstCall(&r)
            case .outOfLine where r.pc.pointee.instruction.opcode == .throw || r.pc.pointee.instruction.opcode == .throwRef:
                try raise(&r)
            case .outOfLine:
                try executeOutOfLine(&r)
            }
        }
    }
}

/// Why the handlers left the interpreter (a handler's return value, with the details in `MachineState`).
enum LoopExit: Int {
    /// The entry function returned.
    case returned
    case trapped
    /// The `call` or `call_indirect` at `pc` calls a host function.
    case callHost
    /// The instruction at `pc` is one `executeOutOfLine` runs: it calls a library function or loops over a range.
    case outOfLine
}
