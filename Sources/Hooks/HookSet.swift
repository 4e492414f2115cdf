import WasmEngine

/// The hooks of one run, instantiated, and the wrapper that runs them around each WASI call of the application.
///
/// Each hook has a store of its own: its memory is not the application's, a handler gets
/// ``HookSettings/fuelPerEvent`` fuel per call, and its imports can only copy from the application's memory (during an
/// event), emit output, read the clock and read its configuration. A handler that traps, runs out of fuel or returns
/// a verdict that is none fails: the call is denied with ENOTCAPABLE, or the run ends (``HookSettings/endsRunOnFailure``),
/// and `report` is told (at a hook's 1st, 10th, 100th... failure, so a hook failing on every call cannot flood it).
public final class HookSet {
    private let hooks: [LoadedHook]
    private let settings: HookSettings
    private let context: EventContext
    private let report: (String) -> Void
    private let hasData: Bool
    /// The current call's arguments, copied once for all its events: a WASI call never nests in another (hooks import
    /// no WASI), so one buffer serves every call.
    private let arguments = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: HookABI.argumentCount)
    /// A handler's arguments, then its result: the call number, the errno (exit), the call's arguments.
    private let handlerSlots = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 2 + HookABI.argumentCount)

    /// Instantiates every hook, then runs its `_initialize` and `swiftlet_hook_init` if it exports them.
    /// - Parameters:
    ///   - now: CLOCK_REALTIME in nanoseconds (the `now` import).
    ///   - report: takes a message about a failed hook (the embedder prints it).
    public init(
        _ modules: [HookModule], settings: HookSettings, output: HookOutput, now: @escaping () -> UInt64,
        report: @escaping (String) -> Void
    ) throws(HookError) {
        let context = EventContext(output: output, now: now)
        var hooks: [LoadedHook] = []
        for module in modules {
            hooks.append(try LoadedHook(module, settings: settings, context: context))
        }
        self.hooks = hooks
        self.settings = settings
        self.context = context
        self.report = report
        hasData = hooks.contains { $0.data != nil }
    }

    deinit {
        arguments.deallocate()
        handlerSlots.deallocate()
    }

    /// `body`, a WASI preview1 function (call number `call`, returning an i32 errno, or nothing for `proc_exit`), with
    /// the hooks run around it: the call-enter handlers first (the first deny wins, and the call does not run), then
    /// the call, then the call-exit handlers (for a denied call too, with its errno) and, for a successful read or write,
    /// the data handlers.
    /// A call no hook hears (see ``HookABI/Selection``) is `body` itself, at no cost.
    public func wrap(call: UInt32, _ body: @escaping HostFunctionBody) -> HostFunctionBody {
        let bit = call < 64 ? UInt64(1) << call : 0
        let hasCallEnter = hooks.contains { $0.callEnter != nil && $0.enterCalls & bit != 0 }
        let hasCallExit = hooks.contains { $0.callExit != nil && $0.exitCalls & bit != 0 }
        let dataCountArgument = hasData ? HookABI.dataCalls.first { $0.call == call }?.countArgument : nil
        guard hasCallEnter || hasCallExit || dataCountArgument != nil else { return body }
        return { [self] caller, values throws(Trap) in
            // Copied before any hook runs: what the hooks judge is what the call gets.
            for index in 0..<HookABI.argumentCount {
                arguments[index] = index < values.count ? Self.slot(values[index]) : 0
            }
            if hasCallEnter, let errno = try callEnter(call, application: caller), call != HookABI.procExit {
                // Every hook hears how the call ended, denied too (a tracer shows the errno a policy chose).
                if hasCallExit { try callExit(call, errno: errno, application: caller) }
                return [.i32(errno)]
            }
            let results = try body(caller, values)
            guard case .i32(let errno)? = results.first else { return results }
            if hasCallExit { try callExit(call, errno: errno, application: caller) }
            if errno == 0, let dataCountArgument {
                try data(call, countArgument: dataCountArgument, application: caller)
            }
            return results
        }
    }

    /// The errno that denies the call, or nil to let it run.
    private func callEnter(_ call: UInt32, application: Caller) throws(Trap) -> UInt32? {
        context.application = application
        defer { context.application = nil }
        let bit = UInt64(1) << call
        for hook in hooks {
            guard let handler = hook.callEnter, hook.enterCalls & bit != 0 else { continue }
            handlerSlots[0] = UInt64(call)
            for index in 0..<HookABI.argumentCount { handlerSlots[1 + index] = arguments[index] }
            if let trap = run(handler, of: hook) {
                return try failed(hook, .callEnter, call, reason: trap.reason.message)
            }
            let verdict = UInt32(truncatingIfNeeded: handlerSlots[0])
            switch verdict {
            case HookABI.allowVerdict: continue
            case 1...HookABI.largestErrno: return verdict
            case HookABI.endRunVerdict:
                throw Trap(.host("hook `\(hook.name)` ended the run at `\(HookABI.callName(call))`"))
            default:
                return try failed(hook, .callEnter, call, reason: "it returned \(Int32(bitPattern: verdict)), which is "
                    + "no verdict (0 allows, 1 to 76 deny with that errno, -1 ends the run)")
            }
        }
        return nil
    }

    private func callExit(_ call: UInt32, errno: UInt32, application: Caller) throws(Trap) {
        context.application = application
        defer { context.application = nil }
        let bit = UInt64(1) << call
        for hook in hooks {
            guard let handler = hook.callExit, hook.exitCalls & bit != 0 else { continue }
            handlerSlots[0] = UInt64(call)
            handlerSlots[1] = UInt64(errno)
            for index in 0..<HookABI.argumentCount { handlerSlots[2 + index] = arguments[index] }
            if let trap = run(handler, of: hook) {
                _ = try failed(hook, .callExit, call, reason: trap.reason.message)
            }
        }
    }

    /// The data event after a read or write that moved bytes: the count is what the call stored through its count
    /// argument, and `read_data` gathers that many bytes from its iovecs.
    private func data(_ call: UInt32, countArgument: Int, application: Caller) throws(Trap) {
        guard let memory = application.memory else { return }
        let countAddress = Int(arguments[countArgument])
        let count: UInt32? = application.store.withBytes(of: memory) { bytes in
            countAddress + 4 <= bytes.count
                ? UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: countAddress, as: UInt32.self)) : nil
        }
        guard let count, count > 0 else { return }
        context.application = application
        context.transfer = Transfer(
            iovecs: UInt32(truncatingIfNeeded: arguments[1]), iovecCount: UInt32(truncatingIfNeeded: arguments[2]),
            length: count)
        defer {
            context.application = nil
            context.transfer = nil
        }
        for hook in hooks {
            guard let handler = hook.data else { continue }
            handlerSlots[0] = UInt64(call)
            handlerSlots[1] = UInt64(UInt32(truncatingIfNeeded: arguments[0]))
            handlerSlots[2] = UInt64(count)
            if let trap = run(handler, of: hook) {
                _ = try failed(hook, .data, call, reason: trap.reason.message)
            }
        }
    }

    /// Calls a handler on ``handlerSlots`` with a fresh fuel budget; the trap that ended it, if one did.
    private func run(_ handler: Function, of hook: LoadedHook) -> Trap? {
        hook.store.remainingFuel = settings.fuelPerEvent
        do throws(Trap) {
            try hook.store.invoke(handler, slots: handlerSlots)
            return nil
        } catch {
            return error
        }
    }

    /// A hook failed: reports it (at its 1st, 10th, 100th... failure) and returns the errno that denies the call, or
    /// ends the run.
    private func failed(
        _ hook: LoadedHook, _ handler: HookABI.Handler, _ call: UInt32, reason: String
    ) throws(Trap) -> UInt32 {
        hook.failureCount += 1
        let message = "hook `\(hook.name)` failed in \(handler.exportName) at `\(HookABI.callName(call))`: \(reason)"
        if settings.endsRunOnFailure { throw Trap(.host(message)) }
        if hook.failureCount.isPowerOfTen {
            let consequence = handler == .callEnter ? "; the call was denied (ENOTCAPABLE)" : ""
            let count = hook.failureCount == 1 ? "" : " (its failure number \(hook.failureCount))"
            report(message + consequence + count)
        }
        return HookABI.failureErrno
    }

    static func slot(_ value: Value) -> UInt64 {
        switch value {
        case .i32(let bits): UInt64(bits)
        case .i64(let bits): bits
        default: 0
        }
    }
}

extension Int {
    fileprivate var isPowerOfTen: Bool {
        var value = self
        while value >= 10, value % 10 == 0 { value /= 10 }
        return value == 1
    }
}

/// A read or write's moved bytes, as its iovecs in the application's memory and the count the call returned.
struct Transfer {
    let iovecs: UInt32
    let iovecCount: UInt32
    let length: UInt32
}

/// What the hooks' imports reach, shared by every hook's store. The application is set only while an event's handlers
/// run: no hook can read its memory at any other time.
final class EventContext {
    let output: HookOutput
    let now: () -> UInt64
    var application: Caller?
    var transfer: Transfer?

    init(output: HookOutput, now: @escaping () -> UInt64) {
        self.output = output
        self.now = now
    }
}
