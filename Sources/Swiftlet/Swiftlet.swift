/// Swiftlet: runs untrusted WebAssembly (WASI preview1) modules in a sandbox, each in its own KVM micro-VM or in this
/// process. The embedding API the `swiftlet` command line, and everything built on it, use.
///
/// Owns: turning a ``Sandbox/Configuration`` into a run (the module's bytes, the module cache, the WASI world, the
/// micro-VM or the in-process store, limits and their enforcement) and a run's outcome into typed results and
/// ``SandboxError``s. Must not touch: command-line parsing and printing (the CLI's), KVM itself (Monitor's), the
/// engine's or WASI's internals (used only through their public API).
@_exported import WasmEngine

/// This build's version, which snapshot files record (a snapshot is refused by any other).
public let swiftletVersion = "0.1.0"

/// Where a sandbox runs its module.
public enum Isolation: String, Sendable, CaseIterable {
    /// In this process, by the engine on the calling thread: no VM, the fastest start, only the engine's checks
    /// between the module and the host.
    case process
    /// In its own KVM micro-VM, whose guest kernel runs the engine: a hardware boundary around the module.
    case vm
}
