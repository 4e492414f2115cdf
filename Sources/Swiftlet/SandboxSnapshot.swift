import Digest
import Glibc
import WASIHost

#if canImport(Monitor)
import Monitor
import SwiftletABI
#endif

/// Where a snapshot captures a module's execution.
public enum SnapshotPoint: String, Sendable, CaseIterable {
    /// After instantiation and the module's initializer: its export `wizer.initialize` if it has one, else the WASI
    /// reactor's `_initialize`, else none. Executions restored from it call `_start` or an export, with their own
    /// arguments and environment.
    case afterInitialization = "initialized"
    /// Inside `_start`, just before the module first reads its standard input: a program that initializes itself and
    /// then reads its work from stdin (`python -`) is captured initialized without being changed. Its arguments and
    /// environment are the capture's; each restored execution reads its own stdin. Micro-VMs only: in-process, the
    /// engine cannot capture a call in progress.
    case firstStandardInputRead = "stdin"
}

/// A sandbox's module captured at a ``SnapshotPoint``: new executions start from it in microseconds instead of
/// decoding, instantiating and initializing the module again (``Sandbox/ModuleSource/snapshot(_:)``). Immutable and
/// shared by every execution restored from it, each of which sees it copy-on-write: what one writes, no other sees.
///
/// A restored execution gets fresh randomness and a correct clock, its own stdio, arguments (after initialization)
/// and limits, and a WASI world with the same preopened directory names and listen-address count as the capture's
/// (a module may have recorded their descriptor numbers); their host paths may differ.
public final class SandboxSnapshot: @unchecked Sendable {
    // @unchecked Sendable: every stored property is immutable after init, and the captured state is only read.
    public let isolation: Isolation
    public let point: SnapshotPoint
    /// How messages name the module.
    public let moduleName: String
    /// The preopens' guest names and the number of listening sockets at the capture, in descriptor order.
    let preopenNames: [String]
    let listenCount: Int
    /// The module's exports, with the type of those that are functions: for ``Sandbox/functionType(ofExport:)``, and
    /// for checking invocations before a VM is restored.
    let exports: [(name: String, type: FuncType?)]
    /// The module's function imports that host functions serve: what a restored execution's host functions are linked
    /// to (in a micro-VM by the host, since the guest linked them at the capture).
    let hostImports: [HostFunctionImport]
    let state: State

    enum State {
        case process(InstanceSnapshot)
        #if canImport(Monitor)
        case vm(VMSnapshotBox)
        #endif
    }

    init(isolation: Isolation, point: SnapshotPoint, moduleName: String, preopenNames: [String], listenCount: Int,
         exports: [(name: String, type: FuncType?)], hostImports: [HostFunctionImport], state: State) {
        self.isolation = isolation
        self.point = point
        self.moduleName = moduleName
        self.preopenNames = preopenNames
        self.listenCount = listenCount
        self.exports = exports
        self.hostImports = hostImports
        self.state = state
    }

    /// The captured module, decoded (an in-process snapshot holds it; a VM's is in its guest memory only).
    func module() throws(SandboxError) -> Module {
        switch state {
        case .process(let captured): return captured.module
        #if canImport(Monitor)
        case .vm: throw .unsupported("a micro-VM snapshot's module is decoded only inside its VM")
        #endif
        }
    }

    /// Checks that `configuration` can run from this snapshot.
    func check(_ configuration: Sandbox.Configuration) throws(SandboxError) {
        guard configuration.isolation == isolation else {
            throw .invalidConfiguration(
                "the snapshot of `\(moduleName)` was made with --isolation \(isolation.rawValue); it runs only so")
        }
        let names = configuration.preopens.map(\.guestPath)
        guard names == preopenNames, configuration.listenAddresses.count == listenCount else {
            throw .invalidConfiguration(
                "the snapshot of `\(moduleName)` was made with preopens \(preopenNames) and \(listenCount) listen "
                    + "address(es); give the same guest names in the same order (host paths may differ)")
        }
        if point == .firstStandardInputRead && !configuration.arguments.isEmpty {
            throw .invalidConfiguration(
                "a snapshot at the first read of stdin keeps the arguments it was made with; give none")
        }
    }
}

#if canImport(Monitor)
/// Holds a ``VMSnapshot`` (noncopyable) where a class must: in a snapshot shared by many sandboxes.
final class VMSnapshotBox {
    let snapshot: VMSnapshot

    init(_ snapshot: consuming VMSnapshot) {
        self.snapshot = snapshot
    }
}
#endif

extension Sandbox {
    /// Runs the module up to `point`, in this sandbox's isolation and world, and captures it there.
    ///
    /// Output the module writes before the point goes to this sandbox's stdio. The capture is refused when the module
    /// ended, failed or timed out first, or holds descriptors other than those it started with (files it opened,
    /// which a restored execution would not have).
    ///
    /// A snapshot holds the internal code of the functions run before the point, and each restored execution
    /// translates the others it calls, again. With `translatingAllFunctions`, every function is translated before the
    /// capture (after initialization only), so restored executions translate nothing: for a snapshot restored very
    /// often (a server's, once per request), at the cost of translating the whole module once.
    public func snapshot(at point: SnapshotPoint, translatingAllFunctions: Bool = false) throws(SandboxError)
        -> SandboxSnapshot
    {
        if !configuration.hooks.isEmpty {
            throw .unsupported("hooks see a run from its start: a sandbox with hooks cannot be captured in a snapshot")
        }
        if translatingAllFunctions && point != .afterInitialization {
            throw .unsupported("every function can be translated before a snapshot after initialization only")
        }
        let interface = try moduleInterface()
        let hostImports = HostFunctionImport.all(in: interface)
        let state: SandboxSnapshot.State
        switch configuration.isolation {
        case .process:
            guard point == .afterInitialization else {
                throw .unsupported(
                    "a snapshot at the first read of stdin needs --isolation vm (in-process, the engine cannot "
                        + "capture a call in progress)")
            }
            state = .process(try captureInProcess(translatingAllFunctions: translatingAllFunctions))
        case .vm:
            #if canImport(Monitor)
            if virtualMachineHost == nil { virtualMachineHost = try VirtualMachineHost(configuration.virtualMachine) }
            state = .vm(
                try captureInVM(
                    at: point, translatingAllFunctions: translatingAllFunctions, hostImports: hostImports,
                    host: virtualMachineHost!))
            #else
            throw .virtualMachineUnavailable("micro-VMs need Linux KVM; use --isolation process")
            #endif
        }
        return SandboxSnapshot(
            isolation: configuration.isolation, point: point, moduleName: configuration.module.name,
            preopenNames: configuration.preopens.map(\.guestPath), listenCount: configuration.listenAddresses.count,
            exports: interface.exports.map { export in
                guard case .function(let index) = export.descriptor else { return (export.name, nil) }
                return (export.name, interface.functionType(ofFunction: index))
            },
            hostImports: hostImports, state: state)
    }

    /// Refuses a capture while the module holds descriptors beyond those it started with.
    func checkDescriptorsAtCapture(_ wasi: WASIHost) throws(SandboxError) {
        let initial = 3 + configuration.listenAddresses.count + configuration.preopens.count
        guard wasi.openDescriptorNumbers == (0..<UInt32(initial)).map({ $0 }) else {
            throw .unsupported(
                "cannot snapshot `\(configuration.module.name)`: at the snapshot point it holds descriptors "
                    + "\(wasi.openDescriptorNumbers.filter { $0 >= initial }) it opened itself, which a restored "
                    + "execution would not have")
        }
    }
}
