#if canImport(Monitor)
import Monitor
import WASIHost

/// Lets the monitor's WASI calls reach a `WASIHost`: they come from the vCPU thread (exits) and the monitor's mailbox
/// worker, but never two at once (the monitor serializes them, see `WASICallServer`), which the handler's `Sendable`
/// type cannot know.
private final class WASIHostReference: @unchecked Sendable {
    let host: WASIHost

    init(_ host: WASIHost) { self.host = host }
}

/// The handler answering the guest's forwarded WASI calls with a `WASIHost` made from `configuration`: the same
/// code as in-process, over the same linear-memory view. `proc_exit` never arrives (the guest answers it itself).
/// The interrupt handle wakes a blocking call (a sleep, a read) from another thread: see ``wakeBlockingCalls``.
func makeWASIHandler(
    _ configuration: WASIHost.Configuration
) throws -> (HypercallDispatcher.WASIHandler, WASIInterruptHandle) {
    let reference: WASIHostReference
    do throws(WASIHost.SetupError) {
        reference = WASIHostReference(try WASIHost(configuration: configuration))
    } catch {
        throw CommandFailure(message: error.description)
    }
    return ({ number, arguments, linearMemory in
        guard let function = WASIFunction(rawValue: UInt32(truncatingIfNeeded: number)), number <= UInt64(UInt32.max)
        else { return UInt64(WASIErrno.noSystemCall.rawValue) }
        let used = Array(arguments.prefix(function.parameterIsI64.count))
        switch reference.host.call(function, LinearMemoryView(linearMemory), used) {
        case .returned(let errno): return UInt64(errno.rawValue)
        case .exited: return UInt64(WASIErrno.noSystemCall.rawValue)
        }
    }, reference.host.interruptHandle)
}

/// For `--timeout`: the run loop checks its deadline after every exit, but a guest blocked in a WASI call makes
/// none, so the call is woken just after the deadline (the margin keeps the wake from beating the deadline, which
/// would only let the guest carry on) and the loop stops the guest at its next exit.
func wakeBlockingCalls(_ interruptHandle: WASIInterruptHandle, after seconds: Double) {
    startDetachedThread {
        sleep(seconds: max(seconds, 0) + 0.05)
        interruptHandle.interrupt()
    }
}
#endif
