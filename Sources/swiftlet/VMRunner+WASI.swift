#if canImport(Monitor)
import Monitor
import WASIHost

/// Lets the monitor's WASI hypercall reach a `WASIHost`: the VM runs on the calling thread only, so the host is
/// never used from two threads, which the handler's `Sendable` type cannot know.
private final class WASIHostReference: @unchecked Sendable {
    let host: WASIHost

    init(_ host: WASIHost) { self.host = host }
}

/// The handler answering the guest's forwarded WASI calls with a `WASIHost` made from `configuration`: the same
/// code as in-process, over the same linear-memory view. `proc_exit` never arrives (the guest answers it itself).
func makeWASIHandler(_ configuration: WASIHost.Configuration) throws -> HypercallDispatcher.WASIHandler {
    let reference: WASIHostReference
    do throws(WASIHost.SetupError) {
        reference = WASIHostReference(try WASIHost(configuration: configuration))
    } catch {
        throw CommandFailure(message: error.description)
    }
    return { number, arguments, linearMemory in
        guard let function = WASIFunction(rawValue: UInt32(truncatingIfNeeded: number)), number <= UInt64(UInt32.max)
        else { return UInt64(WASIErrno.noSystemCall.rawValue) }
        let used = Array(arguments.prefix(function.parameterIsI64.count))
        switch reference.host.call(function, LinearMemoryView(linearMemory), used) {
        case .returned(let errno): return UInt64(errno.rawValue)
        case .exited: return UInt64(WASIErrno.noSystemCall.rawValue)
        }
    }
}
#endif
