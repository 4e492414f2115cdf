import Glibc

#if canImport(Monitor)
import ModuleCache
import Monitor
import SwiftletABI
import WASIHost

/// A micro-VM's host side, kept by a sandbox between executions: the open KVM device and the guest kernel image.
final class VirtualMachineHost {
    let system: KVMSystem
    let kernel: KernelImage

    init(_ settings: Sandbox.VirtualMachineSettings) throws(SandboxError) {
        do throws(KVMError) {
            system = try KVMSystem(path: settings.kvmDevicePath)
        } catch {
            throw .virtualMachineUnavailable(
                "KVM is not usable here (\(error)); use --isolation process to run the module in this process, "
                    + "without a micro-VM")
        }
        guard let kernelPath = settings.kernelPath ?? KernelLocator.locate() else {
            throw .virtualMachineUnavailable(KernelLocator.notFoundMessage)
        }
        guard let kernelBytes = readWholeFile(kernelPath) else {
            throw .virtualMachineUnavailable("cannot read the guest kernel image `\(kernelPath)`")
        }
        do throws(KernelImageError) {
            kernel = try KernelImage(elf: kernelBytes)
        } catch {
            throw .virtualMachineUnavailable("invalid guest kernel image `\(kernelPath)`: \(error)")
        }
    }
}

extension Sandbox {
    /// One execution in a new micro-VM: the guest kernel decodes, instantiates and runs the module; this process sets
    /// the VM up, serves its WASI calls with a `WASIHost` and turns its outcome into the same results and errors an
    /// in-process execution gives.
    func executeInVM(_ entry: Entry, host: VirtualMachineHost) throws(SandboxError) -> Ending {
        guard configuration.hostFunctions.isEmpty else {
            throw .unsupported("host functions are not yet available in a micro-VM; use --isolation process")
        }
        switch configuration.module {
        case .file(let path):
            // The monitor reads the module straight into guest memory: the host keeps no copy of it during the run.
            // The file stays open until the execution ends (the VM is made, and the module read, within it).
            let file = try ModuleFile(path: path)
            let cacheKey = configuration.moduleCache?.key(forFile: file.descriptor) {
                ModuleCacheKey.digest(ofFile: file.descriptor, size: Int(file.size))
            }
            return try executeInVM(
                entry, host: host, guestRun: GuestRun(moduleFile: file.descriptor, size: file.size), cacheKey: cacheKey)
        case .bytes(let bytes, _):
            let cacheKey = configuration.moduleCache.map { _ in bytes.withUnsafeBytes { ModuleCacheKey(module: $0) } }
            return try executeInVM(entry, host: host, guestRun: GuestRun(module: bytes), cacheKey: cacheKey)
        }
    }

    private func executeInVM(
        _ entry: Entry, host: VirtualMachineHost, guestRun: GuestRun, cacheKey: ModuleCacheKey?
    ) throws(SandboxError) -> Ending {
        var guestRun = guestRun
        let wasi = wasiConfiguration(for: entry)
        if let cacheKey, let cache = configuration.moduleCache {
            let known = cache.entry(for: cacheKey)?.bodiesValidated == true
            guestRun.moduleValidation = known ? .alreadyValidated : .validateAndReport
            statistics.moduleCache = known ? .hit : .miss
        }
        guestRun.arguments = wasi.arguments
        guestRun.environment = wasi.environment
        guestRun.fuel = configuration.limits.fuel
        if let pages = configuration.limits.maxMemoryPages { guestRun.maxMemoryPages = pages }
        if case .export(let name, let arguments) = entry {
            try checkArguments(arguments, of: name, parameters: try functionType(ofExport: name).parameters)
            guestRun.invocation = GuestRun.Invocation(name: name, arguments: arguments.map(Self.abiValue))
        }

        var vmConfiguration = MicroVMConfiguration()
        vmConfiguration.memorySize = configuration.limits.vmMemoryMiB << 20
        vmConfiguration.output = .forward(
            standardOutput: configuration.standardIO.output, standardError: configuration.standardIO.error)
        vmConfiguration.run = guestRun
        let wasiHost: WASIHost
        do throws(WASIHost.SetupError) {
            wasiHost = try WASIHost(configuration: wasi)
        } catch {
            throw .invalidConfiguration(error.description)
        }
        vmConfiguration.wasiHandler = Self.wasiHandler(serving: wasiHost)
        vmConfiguration.wasiInterrupt = { [interrupt = wasiHost.interruptHandle] in interrupt.interrupt() }
        vmConfiguration.wasiMailbox = configuration.virtualMachine.wasiMailbox
        // As wasmtime and the in-process path: writing to a closed pipe is the guest's EPIPE, not this process's end.
        signal(SIGPIPE, SIG_IGN)

        let result: MicroVMResult
        do throws(MicroVMError) {
            var vm = try MicroVM(system: host.system, kernel: host.kernel, configuration: vmConfiguration)
            // The run loop checks its deadline after every exit, but a guest blocked in a WASI call makes none: the
            // call is woken just after the deadline (the margin keeps the wake from beating it, which would only
            // let the guest carry on) and the loop stops the guest at its next exit.
            let watchdog = configuration.limits.timeout.map { limit in
                Watchdog(after: limit + .milliseconds(50)) { [interrupt = wasiHost.interruptHandle] in
                    interrupt.interrupt()
                }
            }
            defer { watchdog?.cancel() }
            result = try vm.run(timeLimit: configuration.limits.timeout)
            if configuration.virtualMachine.collectsVCPUCounters, let counters = try? vm.vcpuStatistics() {
                statistics.vcpuCounters = counters
            }
        } catch {
            throw .virtualMachineUnavailable("cannot run the micro-VM: \(error)")
        }
        statistics.vmExitCount = result.exitCount
        statistics.entryTime = result.moduleStartTime
        if let cache = configuration.moduleCache, let cacheKey, guestRun.moduleValidation == .validateAndReport,
            result.moduleValidated
        {
            cache.store(ModuleCacheEntry(bodiesValidated: true), for: cacheKey)
        }
        return try ending(of: result, entry: entry)
    }

    private func ending(of result: MicroVMResult, entry: Entry) throws(SandboxError) -> Ending {
        switch result.outcome {
        case .exited(let status):
            if case .export = entry, status == 0 { return .returned((result.invokeResults ?? []).map(Self.value)) }
            return .exited(status)
        case .failed(let failure):
            throw error(failure)
        case .outOfMemory(let requested):
            throw .guestOutOfMemory(requested: UInt64(requested), memoryMiB: configuration.limits.vmMemoryMiB)
        case .timedOut(let rip):
            throw .timedOut(after: configuration.limits.timeout ?? .zero, guestInstructionPointer: rip)
        case .fault(let exit, let rip):
            throw .guestCrashed(
                "the micro-VM's guest kernel crashed: \(Self.describe(exit)) at guest RIP 0x\(String(rip, radix: 16)) "
                    + "(llvm-symbolizer --obj=swiftlet-kernel.elf.debug names the function)", guestInstructionPointer: rip)
        case .rejectedHypercall(let error, let rip):
            throw .guestCrashed(
                "the micro-VM was stopped: \(error) (guest RIP 0x\(String(rip, radix: 16)))", guestInstructionPointer: rip)
        }
    }

    static func describe(_ exit: VCPUExit) -> String {
        switch exit {
        case .shutdown: "an exception (KVM_EXIT_SHUTDOWN: the guest has no handler, so it triple-faulted)"
        case .internalError(let suberror): "KVM_EXIT_INTERNAL_ERROR (suberror \(suberror)): KVM could not run an instruction"
        case .failEntry(let reason): "KVM_EXIT_FAIL_ENTRY (hardware reason 0x\(String(reason, radix: 16)))"
        default: "an unexpected exit to the monitor (\(exit))"
        }
    }

    /// The error an in-process execution gives for the same failure.
    private func error(_ failure: GuestFailure) -> SandboxError {
        let name = configuration.module.name
        switch failure.kind {
        case .trap: return .trap(failure.message)
        case .invalidModule:
            // The in-process wording needs the `ModuleError` itself: the host decodes the module again, only here.
            guard let bytes = try? moduleBytes() else { return .invalidModule(failure.message) }
            return .invalidModule(Self.moduleErrorMessage(bytes, name: name) ?? failure.message)
        case .unlinkable: return .unlinkable(module: name, reason: failure.message)
        case .noStartFunction: return .noStartFunction(module: name)
        case .noSuchFunction: return .noSuchExport(module: name, name: failure.message)
        }
    }

    /// Lets the monitor's WASI calls reach `host`: the same code as in-process, over the same linear-memory view.
    /// `proc_exit` never arrives (the guest answers it itself).
    private static func wasiHandler(serving host: WASIHost) -> HypercallDispatcher.WASIHandler {
        let reference = WASIHostReference(host)
        return { number, arguments, linearMemory in
            guard let function = WASIFunction(rawValue: UInt32(truncatingIfNeeded: number)),
                number <= UInt64(UInt32.max)
            else { return UInt64(WASIErrno.noSystemCall.rawValue) }
            let used = Array(arguments.prefix(function.parameterIsI64.count))
            switch reference.host.call(function, LinearMemoryView(linearMemory), used) {
            case .returned(let errno): return UInt64(errno.rawValue)
            case .exited: return UInt64(WASIErrno.noSystemCall.rawValue)
            }
        }
    }

    static func abiValue(_ value: Value) -> ABIValue {
        switch value {
        case .i32(let bits): ABIValue(type: ABIValue.i32Type, bits: UInt64(bits))
        case .i64(let bits): ABIValue(type: ABIValue.i64Type, bits: bits)
        case .f32(let bits): ABIValue(type: ABIValue.f32Type, bits: UInt64(bits))
        case .f64(let bits): ABIValue(type: ABIValue.f64Type, bits: bits)
        case .funcref(let function): ABIValue(type: ABIValue.funcrefType, bits: function == nil ? 0 : 1)
        case .externref(let reference): ABIValue(type: ABIValue.externrefType, bits: reference.map { UInt64($0) + 1 } ?? 0)
        }
    }

    /// A result from the guest. A function reference cannot leave its VM: a non-null one comes back as a host
    /// function of no use but to be non-null.
    static func value(_ value: ABIValue) -> Value {
        switch value.type {
        case ABIValue.i64Type: .i64(value.bits)
        case ABIValue.f32Type: .f32(bits: UInt32(truncatingIfNeeded: value.bits))
        case ABIValue.f64Type: .f64(bits: value.bits)
        case ABIValue.funcrefType: .funcref(value.bits == 0 ? nil : Store().makeHostFunction(
            type: FuncType(parameters: [], results: []), { _, _ in [] }))
        case ABIValue.externrefType: .externref(value.bits == 0 ? nil : UInt32(truncatingIfNeeded: value.bits - 1))
        default: .i32(UInt32(truncatingIfNeeded: value.bits))
        }
    }
}

/// The monitor's WASI calls come from the vCPU thread (exits) and the monitor's mailbox worker, but never two at once
/// (the monitor serializes them, see `WASICallServer`), which the handler's `Sendable` type cannot know.
private final class WASIHostReference: @unchecked Sendable {
    let host: WASIHost

    init(_ host: WASIHost) { self.host = host }
}
#endif

/// Where a sandbox finds the guest kernel image, first match wins:
/// 1. the path in the environment variable `SWIFTLET_KERNEL`;
/// 2. `swiftlet-kernel.elf` next to the executable (an installed or copied build);
/// 3. `.build-kernel/swiftlet-kernel.elf` in the executable's directory or any directory above it (a development
///    build: `.build/debug/swiftlet` finds the `kernel/build.sh` output of the same checkout).
public enum KernelLocator {
    public static let fileName = "swiftlet-kernel.elf"

    public static func candidates() -> [String] {
        var paths: [String] = []
        if let path = environmentValue("SWIFTLET_KERNEL"), !path.isEmpty { paths.append(path) }
        var directory = String(executablePath().split(separator: "/", omittingEmptySubsequences: false).dropLast()
            .joined(separator: "/"))
        paths.append(directory + "/" + fileName)
        while !directory.isEmpty {
            paths.append(directory + "/.build-kernel/" + fileName)
            directory = String(directory.split(separator: "/", omittingEmptySubsequences: false).dropLast()
                .joined(separator: "/"))
        }
        return paths
    }

    /// The first existing candidate, or nil.
    public static func locate() -> String? {
        candidates().first { access($0, R_OK) == 0 }
    }

    static var notFoundMessage: String {
        "cannot find the guest kernel image \(fileName) (build it with kernel/build.sh, or set SWIFTLET_KERNEL); "
            + "use --isolation process to run without a micro-VM"
    }
}
