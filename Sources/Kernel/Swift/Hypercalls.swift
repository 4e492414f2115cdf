#if hasFeature(Embedded)
import KernelSupport
import SwiftletABI

/// The guest side of the hypercalls in SwiftletABI: each is one port write, hence one VM exit (forwarded WASI calls
/// mostly go through the WASI mailbox instead, see ``WASIMailboxClient``).
enum Hypercalls {
    /// Writes `bytes` to the console in one exit.
    static func consoleWrite(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        // Identity-mapped, so the buffer's virtual address is its guest-physical address.
        let request = ConsoleWriteRequest(bufferAddress: address(of: base), length: UInt64(bytes.count))
        call(.consoleWrite, with: request)
    }

    /// Writes the gathered `iovecs` (pairs of guest-physical address and length) to the host's `fd` in one exit;
    /// returns the bytes written and the WASI errno.
    static func fdWrite(fd: UInt64, iovecs: [UInt64]) -> (bytesWritten: UInt64, errno: UInt64) {
        iovecs.withUnsafeBufferPointer { iovecs in
            let request = FDWriteRequest(
                fd: fd, iovecsAddress: address(of: iovecs.baseAddress!), iovecCount: UInt64(iovecs.count / 2))
            let reply = call(.fdWrite, with: request)
            return (reply.bytesWritten, reply.errno)
        }
    }

    /// Forwards a WASI call to the host's WASI implementation, through the mailbox when the monitor gave one;
    /// returns its errno.
    static func wasi(_ request: WASICallRequest) -> UInt64 {
        guard WASIMailboxClient.isAvailable else { return call(.wasi, with: request).errno }
        return WASIMailboxClient.call(request)
    }

    /// Calls the host function serving function import `function` with `arguments` (slots) in one exit and returns
    /// its `resultCount` result slots. A trap in it ends the run in the host: the exit then never returns.
    static func hostCall(
        function: UInt64, memory: (address: UInt64, size: UInt64), arguments: [UInt64], resultCount: Int
    ) -> [UInt64] {
        Console.flush()  // the kernel's own output is not lost should the call end the run
        // Arguments, then room for the results; never empty, so the buffer has an address.
        let count = arguments.count + resultCount
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: max(count, 1)) { values in
            values.initialize(repeating: 0)
            for (index, argument) in arguments.enumerated() { values[index] = argument.littleEndian }
            let request = HostCallRequest(
                function: function, memoryAddress: memory.address, memorySize: memory.size,
                valuesAddress: address(of: values.baseAddress!), argumentCount: UInt64(arguments.count),
                resultCount: UInt64(resultCount))
            call(.hostCall, with: request)
            return values[arguments.count..<count].map { UInt64(littleEndian: $0) }
        }
    }

    /// Has the monitor write out the full hook output region and empty it.
    static func drainHookOutput() {
        swiftlet_out32(Hypercall.hookOutput.port, 0)
    }

    /// Has the monitor report a hook's failure.
    static func reportHookFailure(_ message: String) {
        var message = message
        message.withUTF8 { bytes in
            let base = bytes.baseAddress.map { address(of: $0) } ?? 0
            call(.hookFailure, with: ConsoleWriteRequest(bufferAddress: base, length: UInt64(bytes.count)))
        }
    }

    /// Sends the invoked export's results, which ends the VM with status 0: one exit for both.
    static func exit(withResults values: [ABIValue]) -> Never {
        var words: [UInt64] = []
        for value in values { value.forEachWord { _, word in words.append(word) } }
        words.append(0)  // never empty, so the buffer has an address
        words.withUnsafeBufferPointer { buffer in
            _ = call(.invokeResults, with: InvokeResultsReport(valuesAddress: address(of: buffer.baseAddress!), count: UInt64(values.count)))
        }
        // The monitor never resumes the VM after the results; should it, the run still ends.
        exit(status: 0)
    }

    /// Gives the pages of `[start, start + length)` back to the host; they read as zero afterwards.
    static func discard(start: UInt, length: UInt) {
        _ = call(.discard, with: DiscardRequest(start: UInt64(start), length: UInt64(length)))
    }

    /// Has the monitor copy `length` bytes of machine code from `source` into the code arena's pages at `destination`
    /// and map them read-only and executable.
    static func sealCode(source: UnsafeRawPointer, destination: UInt, length: UInt) {
        call(.sealCode, with: SealCodeRequest(
            sourceAddress: address(of: source), destinationAddress: UInt64(destination), length: UInt64(length)))
    }

    /// Says every function body of the module passed validation.
    static func moduleValidated() {
        swiftlet_out32(Hypercall.moduleValidated.port, 0)
    }

    /// Reports a failed run; the monitor ends the VM with the matching message and status.
    static func failure(_ kind: GuestFailureReport.Kind, message: String) -> Never {
        Console.flush()
        var message = message
        message.withUTF8 { bytes in
            let base = bytes.baseAddress.map { address(of: $0) } ?? 0
            _ = call(.failure, with: GuestFailureReport(kind: kind, messageAddress: base, messageLength: UInt64(bytes.count)))
        }
        while true {}
    }

    static func outOfMemory(requested size: UInt) -> Never {
        Console.flush()
        swiftlet_out32(Hypercall.outOfMemory.port, UInt32(min(size, UInt(UInt32.max))))
        while true {}
    }

    /// Ends the VM with `status`; the monitor never resumes the guest after it.
    static func exit(status: UInt32) -> Never {
        Console.flush()
        swiftlet_out32(Hypercall.exit.port, status)
        while true {}
    }

    /// Writes `request` into a stack record, makes the hypercall and reads the record back (the monitor may have
    /// filled in result words).
    @discardableResult
    private static func call<R: ABIRecord>(_ hypercall: Hypercall, with request: R) -> R {
        withUnsafeTemporaryAllocation(byteCount: R.byteCount, alignment: 8) { record in
            request.forEachWord { index, value in
                record.storeBytes(of: value.littleEndian, toByteOffset: index * 8, as: UInt64.self)
            }
            // Guest memory is below 4 GiB (SwiftletABI.maximumMemorySize), so the stack address fits in 32 bits.
            swiftlet_out32(hypercall.port, UInt32(UInt(bitPattern: record.baseAddress!)))
            return R(word: { UInt64(littleEndian: record.load(fromByteOffset: $0 * 8, as: UInt64.self)) })
        }
    }

    private static func address<T>(of pointer: UnsafePointer<T>) -> UInt64 { UInt64(UInt(bitPattern: pointer)) }
    private static func address(of pointer: UnsafeRawPointer) -> UInt64 { UInt64(UInt(bitPattern: pointer)) }
}
#endif
