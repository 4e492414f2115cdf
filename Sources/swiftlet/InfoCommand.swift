import ArgumentParser
import Glibc
import Swiftlet

#if canImport(Monitor)
import Monitor
#endif

/// `swiftlet info`: what this installation can do — the guest kernel it would boot, whether KVM is usable, and the
/// engine's features.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Shows the guest kernel image, whether KVM micro-VMs are usable, and the engine's features."
    )

    /// What the engine implements; keep in step with Sources/WasmEngine.
    static let engineFeatures = [
        "WebAssembly 2.0 core (passes the 2.0 spec test suite): multi-value, reference types, bulk memory,",
        "  non-trapping float-to-int, sign extension, mutable globals, 128-bit SIMD",
        "relaxed SIMD, deterministic (each instruction as its exact counterpart; madd unfused)",
        "multiple memories (memory 0 keeps the fast path; snapshots take instances of at most one memory)",
        "64-bit memories and tables (memory64: i64 addresses; memories stay under --max-memory-pages, so an",
        "  address or offset past 4 GiB traps \"out of bounds memory access\")",
        "exception handling (tags, exnref, throw, throw_ref, try_table, and the legacy try, catch, rethrow and",
        "  delegate); an uncaught exception ends the call with its own error",
        "typed function references ((ref null? ht) types, call_ref, return_call_ref, ref.as_non_null, br_on_null,",
        "  br_on_non_null, tables with initializers; modules that use them run in the interpreter)",
        "garbage collection (rec groups, subtypes, structs, arrays, i31, ref.test/ref.cast/br_on_cast, the",
        "  anyref/externref conversions; objects live as long as their store, no collector yet; modules that use",
        "  it run in the interpreter)",
        "register-based interpreter; fuel (--fuel) and memory caps (--max-memory-pages)",
        "WASI preview1 (all 46 functions); in the micro-VM the guest answers args, environ, proc_exit and",
        "  stdout/stderr writes itself and forwards every other call to the host's WASI implementation",
    ]

    func run() throws {
        print("swiftlet \(SwiftletCommand.version)")
        if let path = KernelLocator.locate() {
            var status = stat()
            let size = stat(path, &status) == 0 ? Int(status.st_size) : nil
            print("kernel image: \(path) (\(size.map { "\($0) bytes" } ?? "size unknown"))")
        } else {
            print("kernel image: not found; searched:")
            for candidate in KernelLocator.candidates() { print("  \(candidate)") }
        }
        print("KVM: \(kvmStatus())")
        print("engine:")
        for line in Self.engineFeatures { print("  \(line)") }
    }

    private func kvmStatus() -> String {
        #if canImport(Monitor)
        do throws(KVMError) {
            _ = try KVMSystem(path: kvmDevicePath)
            return "usable (/dev/kvm); `run` isolates each module in its own micro-VM"
        } catch {
            return "not usable (\(error)); use `run --isolation process`"
        }
        #else
        return "not available on this platform; use `run --isolation process`"
        #endif
    }
}
