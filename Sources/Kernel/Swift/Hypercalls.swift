#if hasFeature(Embedded)
import KernelSupport
import SwiftletABI

/// The guest side of the hypercalls in SwiftletABI: each is one port write, hence one VM exit.
enum Hypercalls {
    /// Writes `bytes` to the console in one exit.
    static func consoleWrite(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        // Identity-mapped, so the buffer's virtual address is its guest-physical address.
        let request = ConsoleWriteRequest(bufferAddress: UInt64(UInt(bitPattern: base)), length: UInt64(bytes.count))
        withUnsafeTemporaryAllocation(byteCount: ConsoleWriteRequest.byteCount, alignment: 8) { record in
            request.forEachWord { index, value in
                record.storeBytes(of: value.littleEndian, toByteOffset: index * 8, as: UInt64.self)
            }
            // Guest memory is below 4 GiB (SwiftletABI.maximumMemorySize), so the stack address fits in 32 bits.
            swiftlet_out32(Hypercall.consoleWrite.port, UInt32(UInt(bitPattern: record.baseAddress!)))
        }
    }

    /// Ends the VM with `status`; the monitor never resumes the guest after it.
    static func exit(status: UInt32) -> Never {
        swiftlet_out32(Hypercall.exit.port, status)
        while true {}
    }
}
#endif
