extension SandboxError {
    /// The status a process that ran the module exits with for this error, as wasmtime's on Unix: 134 (128 + SIGABRT)
    /// for a trap (and an uncaught exception, which wasmtime reports as one), the module's own for `proc_exit`, timeout(1)'s 124 for a timeout, 1 for anything else.
    public var exitStatus: Int32 {
        switch self {
        case .trap, .uncaughtException: 134
        case .timedOut: 124
        case .exited(let status): Int32(bitPattern: status)
        default: 1
        }
    }
}
