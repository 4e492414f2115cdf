import Glibc
import NIOCore
import Swiftlet

/// The threads that run sandboxes for requests, fed from one queue. Sandboxes run blocking (a micro-VM's vCPU, or
/// the engine on the calling thread), so they never run on NIO's event loops: an event loop hands each request over
/// once, here, and the worker that takes it answers through the request's event loop.
///
/// Own threads rather than NIOThreadPool: each worker owns its warm sandboxes and its stdio memfds (``Worker``), and a
/// pool thread could not find its own without a thread-local lookup per request.
final class WorkerPool: @unchecked Sendable {
    // @unchecked Sendable: `jobs`, `idleWorkers`, `isStopping` and `running` are used only with `mutex` held.
    private var mutex = pthread_mutex_t()
    private var jobAvailable = pthread_cond_t()
    private var workerExited = pthread_cond_t()
    private var jobs = CircularBuffer<Job>(initialCapacity: 64)
    /// Workers waiting for a job: a submission signals only when one waits (a futex wake is a system call).
    private var idleWorkers = 0
    private var isStopping = false
    private var running = 0

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&jobAvailable, nil)
        pthread_cond_init(&workerExited, nil)
    }

    deinit {
        pthread_cond_destroy(&workerExited)
        pthread_cond_destroy(&jobAvailable)
        pthread_mutex_destroy(&mutex)
    }

    /// Starts a thread that serves jobs with `worker` until ``stop()``.
    func start(_ worker: Worker) {
        pthread_mutex_lock(&mutex)
        running += 1
        pthread_mutex_unlock(&mutex)
        startDetachedThread { [self] in
            while let job = next() { worker.serve(job) }
            pthread_mutex_lock(&mutex)
            running -= 1
            pthread_cond_signal(&workerExited)
            pthread_mutex_unlock(&mutex)
        }
    }

    /// Queues a request for the next free worker.
    func submit(_ job: Job) {
        pthread_mutex_lock(&mutex)
        jobs.append(job)
        let wakesWorker = idleWorkers > 0
        pthread_mutex_unlock(&mutex)
        // After unlocking, so the woken worker does not wait for the mutex this thread still holds.
        if wakesWorker { pthread_cond_signal(&jobAvailable) }
    }

    /// The next job, waiting for one; nil once the pool stops.
    private func next() -> Job? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while jobs.isEmpty && !isStopping {
            idleWorkers += 1
            pthread_cond_wait(&jobAvailable, &mutex)
            idleWorkers -= 1
        }
        return isStopping ? nil : jobs.removeFirst()
    }

    /// Stops the workers once their current jobs are done (queued ones are dropped: their connections are closing)
    /// and waits for them to exit, so their sandboxes are gone when this returns.
    func stop() {
        pthread_mutex_lock(&mutex)
        isStopping = true
        jobs.removeAll()
        pthread_cond_broadcast(&jobAvailable)
        while running > 0 { pthread_cond_wait(&workerExited, &mutex) }
        pthread_mutex_unlock(&mutex)
    }
}
