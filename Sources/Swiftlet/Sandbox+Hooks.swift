import Glibc
import Hooks
import SwiftletABI

extension Sandbox {
    /// A hook module: WebAssembly the sandbox runs around each of the module's WASI calls, in its own store, as
    /// `include/swiftlet/hook.h` describes (it may watch, deny a call with an errno, or end the run).
    public struct Hook: Sendable {
        /// How messages name it (its file name, say).
        public var name: String
        public var bytes: [UInt8]
        /// What the hook's `config` import reads.
        public var configuration: String

        public init(name: String, bytes: [UInt8], configuration: String = "") {
            self.name = name
            self.bytes = bytes
            self.configuration = configuration
        }

        /// The hook in the file at `path`, named by it.
        public init(path: String, configuration: String = "") throws(SandboxError) {
            guard let bytes = readWholeFile(path) else {
                throw .unreadableModule(path: path, reason: String(cString: strerror(errno)))
            }
            self.init(name: path, bytes: bytes, configuration: configuration)
        }
    }

    /// How a sandbox's hooks run.
    public struct HookOptions: Sendable {
        /// The host descriptor the bytes hooks emit are written to (it stays the caller's); nil drops them.
        public var output: Int32?
        /// Fuel for each call of a hook's handler; a handler that runs out has failed.
        public var fuelPerEvent: UInt64 = HookSettings().fuelPerEvent
        /// Whether a hook's failure (a trap, running out of fuel, a verdict that is none) ends the run with a trap that
        /// names it; otherwise the call it was asked about is denied with ENOTCAPABLE and the run goes on.
        public var endsRunOnFailure = false
        /// Told of a failure the run goes on after (at a hook's 1st, 10th, 100th... failure); by default written to this
        /// process's standard error.
        public var failureReport: @Sendable (String) -> Void = { writeAll("swiftlet: \($0)\n", to: 2) }

        public init() {}

        var settings: HookSettings {
            var settings = HookSettings()
            settings.fuelPerEvent = fuelPerEvent
            settings.endsRunOnFailure = endsRunOnFailure
            return settings
        }
    }

    /// The configuration's hooks, decoded and checked against the hook ABI (in both isolations: a micro-VM's guest
    /// checks them again, but a bad hook is reported before a VM is made).
    func hookModules() throws(SandboxError) -> [HookModule] {
        try configuration.hooks.map { (hook) throws(SandboxError) in
            do throws(HookError) {
                return try HookModule(
                    name: hook.name, bytes: ModuleBytes(copying: hook.bytes), configuration: Array(hook.configuration.utf8))
            } catch {
                throw .invalidHook(error.description)
            }
        }
    }

    /// The hooks of one in-process execution, instantiated, with the output they emit into; nil without hooks.
    func makeProcessHooks() throws(SandboxError) -> (hooks: HookSet, output: ProcessHookOutput)? {
        guard !configuration.hooks.isEmpty else { return nil }
        let modules = try hookModules()
        let output = ProcessHookOutput(descriptor: configuration.hookOptions.output)
        do throws(HookError) {
            let hooks = try HookSet(
                modules, settings: configuration.hookOptions.settings, output: output.stream,
                now: realtimeNanoseconds, report: configuration.hookOptions.failureReport)
            return (hooks, output)
        } catch {
            throw .invalidHook(error.description)
        }
    }
}

/// An in-process execution's ``HookOutputRegion``: the layout a micro-VM's monitor reserves in guest memory, drained to
/// the output descriptor when full and at the end of the execution.
final class ProcessHookOutput {
    private let region: UnsafeMutableRawBufferPointer
    private let descriptor: Int32?
    private(set) var stream: HookOutput!

    init(descriptor: Int32?) {
        region = .allocate(byteCount: Int(HookOutputRegion.size), alignment: 8)
        region.initializeMemory(as: UInt8.self, repeating: 0)
        self.descriptor = descriptor
        stream = HookOutput(region: region) { [unowned self] in drain() }
    }

    /// Writes out what the region holds and empties it.
    func drain() {
        let fillLevel = region.load(fromByteOffset: Int(HookOutputRegion.fillLevelOffset), as: UInt64.self)
        let start = Int(HookOutputRegion.dataOffset)
        if let descriptor {
            // A destination that fails (a full disk, a closed pipe) loses the hooks' output, not the run.
            _ = writeAll(UnsafeRawBufferPointer(rebasing: region[start..<start + Int(fillLevel)]), to: descriptor)
        }
        region.storeBytes(of: 0, toByteOffset: Int(HookOutputRegion.fillLevelOffset), as: UInt64.self)
    }

    deinit {
        region.deallocate()
    }
}

/// CLOCK_REALTIME in nanoseconds.
func realtimeNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
