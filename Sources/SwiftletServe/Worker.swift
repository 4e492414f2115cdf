import CMemfd
import Glibc
import NIOCore
import NIOHTTP1
import Swiftlet

/// A worker thread's own state: a warm sandbox for each snapshot (restored from it for every request; in a micro-VM
/// the sandbox keeps its VM and resets it), and two memfds that carry a request's body to the module's stdin
/// and its output back. Files rather than pipes: the module reads and writes at its own pace with no thread on the
/// other end and no deadlock, whatever the sizes, and both are reused, so a request opens no descriptor.
final class Worker: @unchecked Sendable {
    // @unchecked Sendable: made by the thread starting the server, then used only by its worker thread.
    private let service: PreparedService
    private let sandboxes: [Sandbox]
    private let input: Int32
    private let output: Int32
    /// How many bytes each memfd holds from the last request (-1: not known), so that one already empty is not
    /// truncated again.
    private var inputSize = 0
    private var outputSize = 0

    init(service: PreparedService) throws(ServeError) {
        self.service = service
        var sandboxes: [Sandbox] = []
        for snapshot in service.snapshots {
            do throws(SandboxError) {
                let sandbox = try Sandbox(snapshot)
                try sandbox.prepare()
                sandboxes.append(sandbox)
            } catch {
                throw .moduleNotReady(module: snapshot.module.name, error)
            }
        }
        self.sandboxes = sandboxes
        input = cmemfd_create("swiftlet-serve-stdin")
        output = cmemfd_create("swiftlet-serve-stdout")
        guard input >= 0, output >= 0 else {
            let reason = String(cString: strerror(errno))
            if input >= 0 { close(input) }
            throw .invalidConfiguration("cannot make the workers' memfds: \(reason)")
        }
    }

    deinit {
        close(input)
        close(output)
    }

    /// Runs the request's route in a sandbox and sends the response through the request's event loop.
    func serve(_ job: Job) {
        let (head, body) = respond(to: job)
        let responder = job.responder
        responder.eventLoop.execute { responder.value.send(head, body: body) }
    }

    private func respond(to job: Job) -> (HTTPResponseHead, ByteBuffer) {
        let prepared = service.routes[job.routeIndex]
        var configuration = prepared.configuration
        if let limit = configuration.limits.timeout {
            // The limit counts from the request's arrival: time spent queued for a worker is part of it.
            let waited = Duration.nanoseconds(Int64(monotonicNanoseconds() &- job.arrival))
            guard waited < limit else { return CGIResponse.failure(.gatewayTimeout) }
            configuration.limits.timeout = limit - waited
        }
        guard load(job.body) else { return CGIResponse.failure(.internalServerError) }
        configuration.environment = CGIEnvironment.variables(
            for: job, route: prepared.route, serverHost: service.host, serverPort: service.port)
        configuration.standardIO = Sandbox.StandardIO(input: input, output: output, error: STDERR_FILENO)
        let sandbox = sandboxes[prepared.snapshotIndex]
        sandbox.configuration = configuration
        do throws(SandboxError) {
            _ = try sandbox.run()
        } catch {
            if case .timedOut = error { return CGIResponse.failure(.gatewayTimeout) }
            log("\(job.head.method) \(job.head.uri): \(error)")
            return CGIResponse.failure(.internalServerError)
        }
        guard var written = readOutput() else { return CGIResponse.failure(.internalServerError) }
        guard let head = CGIResponse.head(consumingFrom: &written) else {
            log("\(job.head.method) \(job.head.uri): the module wrote no CGI response (headers, a blank line, the body)")
            return CGIResponse.failure(.internalServerError)
        }
        return (head, written)
    }

    /// Puts `body` in the input memfd, as all of it, from its start, and empties the output memfd. A module may
    /// have moved either position (`fd_seek`), so both go back to 0.
    private func load(_ body: ByteBuffer) -> Bool {
        let count = body.readableBytes
        let stored = body.withUnsafeReadableBytes { bytes in
            // SAFETY: pwrite reads only `bytes`, the buffer's readable bytes, for the duration of the call.
            (count == inputSize || ftruncate(input, off_t(count)) == 0) && (count == 0 || writeFully(input, bytes))
        }
        guard stored, lseek(input, 0, SEEK_SET) == 0 else {
            inputSize = -1  // unknown: truncated next time
            return false
        }
        inputSize = count
        guard outputSize == 0 || ftruncate(output, 0) == 0 else { return false }
        // Unknown until read back: a run that fails leaves what it wrote, to be truncated next time.
        outputSize = -1
        return lseek(output, 0, SEEK_SET) == 0
    }

    /// The whole output memfd (whatever the module's position in it), or nil if it cannot be read.
    private func readOutput() -> ByteBuffer? {
        var status = stat()
        guard fstat(output, &status) == 0 else { return nil }
        let size = Int(status.st_size)
        outputSize = size
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        var complete = true
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { bytes in
            var offset = 0
            while offset < size {
                // SAFETY: offset < size <= bytes.count, so the read stays inside the buffer's writable bytes.
                let got = pread(output, bytes.baseAddress! + offset, size - offset, off_t(offset))
                if got > 0 {
                    offset += got
                } else if got == 0 || errno != EINTR {
                    complete = false
                    break
                }
            }
            return offset
        }
        return complete ? buffer : nil
    }

    private func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            // SAFETY: offset < bytes.count, so the write reads only inside `bytes`.
            let written = pwrite(fd, bytes.baseAddress! + offset, bytes.count - offset, off_t(offset))
            if written > 0 {
                offset += written
            } else if written == 0 || errno != EINTR {
                return false
            }
        }
        return true
    }

    private func log(_ message: String) {
        writeAll("swiftlet serve: \(message)\n", to: STDERR_FILENO)
    }
}
