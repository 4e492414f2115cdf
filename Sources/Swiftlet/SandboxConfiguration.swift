import ModuleCache

extension Sandbox {
    /// What a sandbox runs and the world the module sees.
    public struct Configuration {
        /// The module to run.
        public var module: ModuleSource
        public var isolation = Isolation.vm
        /// Which code runs the module: machine code (each function compiled at its first call, inside the micro-VM
        /// with VM isolation), or the interpreter.
        public var tier = ExecutionTier.compiler
        /// The program's arguments, after its name.
        public var arguments: [String] = []
        /// WASI `argv[0]`; by default the module's path (or name, for bytes).
        public var programName: String?
        /// WASI `environ`: `NAME=value` strings. Nothing of the host's environment is passed unless listed here.
        public var environment: [String] = []
        /// Host directories the module may use, each under the name it sees.
        public var preopens: [Preopen] = []
        /// `HOST:PORT` addresses to listen on; the module gets each listening socket as a descriptor (fd 3 on,
        /// before the preopens).
        public var listenAddresses: [String] = []
        /// The host descriptors serving as the module's stdin, stdout and stderr; they stay the caller's.
        public var standardIO = StandardIO()
        public var limits = Limits()
        /// Functions the module may import, written in Swift, in either isolation: they run in this process, on the
        /// thread running the execution (a micro-VM's call costs one VM exit). Imports are linked to them as the
        /// engine links any import, by module and name (the last one listed wins) and type; an import none serves is
        /// ``SandboxError/unlinkable(module:reason:)``. None may be in `wasi_snapshot_preview1`, the sandbox's WASI.
        public var hostFunctions: [HostFunction] = []
        /// Hooks run around each of the module's WASI calls, in order, in either isolation (see ``Hook``). Not with a
        /// snapshot: hooks see a run from its start.
        public var hooks: [Hook] = []
        public var hookOptions = HookOptions()
        /// Where what is known about modules is kept between runs (a module validated before is not validated
        /// again), or nil for none.
        public var moduleCache: ModuleCache?
        /// The micro-VM's host side: the KVM device and the guest kernel image.
        public var virtualMachine = VirtualMachineSettings()

        public init(module: ModuleSource) {
            self.module = module
        }
    }

    /// Where a module's bytes come from.
    public enum ModuleSource: Sendable {
        /// A module file. In a micro-VM its bytes are read straight into guest memory; the host keeps no copy.
        case file(path: String)
        /// A module already in memory, with a name for messages.
        case bytes([UInt8], name: String)
        /// A module captured by ``Sandbox/snapshot(at:)`` (or read from a snapshot file): each execution is restored
        /// from it, in the snapshot's isolation.
        case snapshot(SandboxSnapshot)

        /// Whether both name the same module: the same path, the same bytes, or the same snapshot.
        func isSame(as other: ModuleSource) -> Bool {
            switch (self, other) {
            case (.file(let path), .file(let otherPath)): path == otherPath
            case (.bytes(let bytes, _), .bytes(let otherBytes, _)): bytes == otherBytes
            case (.snapshot(let snapshot), .snapshot(let otherSnapshot)): snapshot === otherSnapshot
            default: false
            }
        }

        /// How messages name the module.
        public var name: String {
            switch self {
            case .file(let path): path
            case .bytes(_, let name): name
            case .snapshot(let snapshot): snapshot.moduleName
            }
        }
    }

    /// A host directory the module may use, under the name it sees.
    public struct Preopen: Equatable, Sendable {
        public var hostPath: String
        public var guestPath: String

        public init(hostPath: String, guestPath: String) {
            self.hostPath = hostPath
            self.guestPath = guestPath
        }
    }

    public struct StandardIO: Equatable, Sendable {
        public var input: Int32 = 0
        public var output: Int32 = 1
        public var error: Int32 = 2

        public init(input: Int32 = 0, output: Int32 = 1, error: Int32 = 2) {
            (self.input, self.output, self.error) = (input, output, error)
        }
    }

    /// Bounds on what a run may use. A run that exceeds one ends with the ``SandboxError`` that names it.
    public struct Limits: Equatable, Sendable {
        /// The micro-VM's memory in MiB: even, from 8 to 4096. Memory the guest never touches costs nothing.
        public var vmMemoryMiB: UInt64 = 512
        /// Cap on any linear memory, in 64 KiB pages; `memory.grow` beyond it fails in the module.
        public var maxMemoryPages: UInt64?
        /// Instruction budget; running out traps with "all fuel consumed".
        public var fuel: UInt64?
        /// Wall-clock limit of one run (``SandboxError/timedOut(after:guestInstructionPointer:)``).
        public var timeout: Duration?

        public init() {}
    }

    /// A function the module imports as `module`.`name`, run by the host with the caller's linear memory and the
    /// call's arguments (of `type`'s parameter types); it returns values of `type`'s result types or traps. A trap
    /// ends the execution with ``SandboxError/trap(_:)`` and its message; results of other types trap with "host
    /// function returned results of the wrong type". In a micro-VM no `funcref` crosses the boundary, so a type with
    /// one is ``SandboxError/unsupported(_:)`` there.
    public struct HostFunction {
        public typealias Body = (HostMemory, [Value]) throws(Trap) -> [Value]

        public var module: String
        public var name: String
        public var type: FuncType
        public var body: Body

        public init(module: String, name: String, type: FuncType, body: @escaping Body) {
            self.module = module
            self.name = name
            self.type = type
            self.body = body
        }
    }

    /// The host side of a micro-VM.
    public struct VirtualMachineSettings: Sendable {
        /// The KVM device.
        public var kvmDevicePath = "/dev/kvm"
        /// The guest kernel image; nil finds it as ``KernelLocator`` describes.
        public var kernelPath: String?
        /// Whether forwarded WASI calls may travel through the shared mailbox (no exit each); off, every one is a
        /// VM exit.
        public var wasiMailbox = true
        /// Whether to read KVM's counters for the vCPU after a run (``RunStatistics/vcpuCounters``).
        public var collectsVCPUCounters = false
        /// Whether guest memory is backed by 2 MiB huge pages: a faster start (a run's first instruction ~0.8 ms
        /// sooner here), for ~3 MiB more resident memory per VM; off packs more VMs in a host's memory (a container
        /// runtime's choice). Restored VMs follow their snapshot's ``RestoredMemory``.
        public var hugePages = true

        public init() {}
    }
}
