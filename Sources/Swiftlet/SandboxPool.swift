import Glibc

/// Sandboxes restored from one snapshot, made ahead and reused: a warm pool. In a micro-VM each sandbox keeps its VM
/// and vCPU, made when the pool is, and each execution resets them to the snapshot (its memory, registers and
/// devices), so an execution pays neither for a VM nor for the pages an earlier one faulted in. Every execution
/// starts from the snapshot with a new WASI world: nothing of its previous tenant is left (memory, registers,
/// descriptors, WASI state).
///
/// Any number of threads may use a pool; each execution holds one sandbox, and a caller finding none idle waits.
public final class SandboxPool: @unchecked Sendable {
    // @unchecked Sendable: `idle` is read and written only with `mutex` held; a sandbox is used by one caller at a time.
    private var mutex = pthread_mutex_t()
    private var returned = pthread_cond_t()
    private var idle: [Sandbox]
    public let size: Int

    /// Makes `size` sandboxes from `snapshot` with `configuration` (whose module is replaced by the snapshot), each
    /// with its VM made ahead in a micro-VM.
    public init(snapshot: SandboxSnapshot, configuration: Sandbox.Configuration, size: Int) throws(SandboxError) {
        precondition(size > 0, "a pool needs at least one sandbox")
        var configuration = configuration
        configuration.module = .snapshot(snapshot)
        configuration.isolation = snapshot.isolation
        var sandboxes: [Sandbox] = []
        for _ in 0..<size {
            let sandbox = try Sandbox(configuration)
            try sandbox.prepare()
            sandboxes.append(sandbox)
        }
        idle = sandboxes
        self.size = size
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&returned, nil)
    }

    deinit {
        pthread_cond_destroy(&returned)
        pthread_mutex_destroy(&mutex)
    }

    /// Runs `body` with a sandbox of the pool (waiting for one if all are in use), which it may configure for its
    /// execution (stdio, arguments, limits; the module stays the snapshot) and then run or invoke.
    public func withSandbox<R>(_ body: (Sandbox) throws(SandboxError) -> R) throws(SandboxError) -> R {
        pthread_mutex_lock(&mutex)
        while idle.isEmpty { pthread_cond_wait(&returned, &mutex) }
        let sandbox = idle.removeLast()
        pthread_mutex_unlock(&mutex)
        defer {
            pthread_mutex_lock(&mutex)
            idle.append(sandbox)
            pthread_cond_signal(&returned)
            pthread_mutex_unlock(&mutex)
        }
        return try body(sandbox)
    }
}
