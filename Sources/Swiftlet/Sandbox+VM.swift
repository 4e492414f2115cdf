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

/// A VM kept by a sandbox between executions restored from a snapshot: the next one resets it (a warm VM) instead of
/// making a new one.
final class MicroVMBox {
    var vm: MicroVM

    init(_ vm: consuming MicroVM) {
        self.vm = vm
    }
}

extension Sandbox {
    /// One execution in a micro-VM: a new one whose guest kernel decodes, instantiates and runs the module, or one
    /// restored from the configuration's snapshot. This process sets the VM up, serves its WASI calls with a
    /// `WASIHost` and its host calls with the configuration's host functions, and turns its outcome into the same
    /// results and errors an in-process execution gives.
    func executeInVM(_ entry: Entry, host: VirtualMachineHost) throws(SandboxError) -> Ending {
        if case .snapshot(let snapshot) = configuration.module {
            guard case .vm(let captured) = snapshot.state else { preconditionFailure("checked at init") }
            return try executeRestored(entry, from: captured, hostImports: snapshot.hostImports, host: host)
        }
        // Linked before the invocation is checked, as in-process. Without host functions the guest's engine refuses
        // the imports they would serve, with no need to read them here.
        let hostCalls = configuration.hostFunctions.isEmpty
            ? nil : try hostCallHandler(serving: HostFunctionImport.all(in: moduleInterface()))
        return try withGuestRun(for: entry) { (guestRun, cacheKey) throws(SandboxError) in
            let wasiHost = try makeWASIHost(for: entry)
            let result: MicroVMResult
            do throws(MicroVMError) {
                var vm = try MicroVM(
                    system: host.system, kernel: host.kernel,
                    configuration: vmConfiguration(run: guestRun, serving: wasiHost, hostCalls: hostCalls))
                result = try run(&vm, wasiHost: wasiHost)
            } catch {
                throw .virtualMachineUnavailable("cannot run the micro-VM: \(error)")
            }
            if let cache = configuration.moduleCache, let cacheKey, guestRun.moduleValidation == .validateAndReport,
                result.moduleValidated
            {
                cache.store(ModuleCacheEntry(bodiesValidated: true), for: cacheKey)
            }
            return try ending(of: result, entry: entry)
        }
    }

    /// Boots a micro-VM on the module and runs it to `point`, where the monitor captures it; its guest links the
    /// module's `hostImports` to host calls.
    func captureInVM(
        at point: SnapshotPoint, translatingAllFunctions: Bool, hostImports: [HostFunctionImport],
        host: VirtualMachineHost
    ) throws(SandboxError) -> VMSnapshotBox {
        try withGuestRun(for: .start) { (guestRun, _) throws(SandboxError) in
            let wasiHost = try makeWASIHost(for: .start)
            var vmConfiguration = vmConfiguration(
                run: guestRun, serving: wasiHost, hostCalls: try hostCallHandler(serving: hostImports))
            vmConfiguration.snapshotPoint = point == .afterInitialization ? .afterInitialization : .atFirstStandardInputRead
            vmConfiguration.translatesAllFunctionsBeforeSnapshot = translatingAllFunctions
            let snapshot: VMSnapshot
            do throws(MicroVMError) {
                var vm = try MicroVM(system: host.system, kernel: host.kernel, configuration: vmConfiguration)
                snapshot = try vm.runToSnapshot(timeLimit: configuration.limits.timeout)
            } catch {
                if case .snapshot(.endedBeforeSnapshot(let outcome)) = error {
                    let reason = "the module ended before the snapshot point (\(outcome))"
                    throw .unsupported("cannot snapshot `\(configuration.module.name)`: \(reason)")
                }
                throw .virtualMachineUnavailable("cannot snapshot the micro-VM: \(error)")
            }
            try checkDescriptorsAtCapture(wasiHost)
            return VMSnapshotBox(snapshot)
        }
    }

    /// An execution restored from `captured`: in the VM the last such execution left, reset, or in a new one. Its
    /// guest linked `hostImports` to host calls at the capture; this execution's host functions serve them.
    private func executeRestored(
        _ entry: Entry, from captured: VMSnapshotBox, hostImports: [HostFunctionImport], host: VirtualMachineHost
    ) throws(SandboxError) -> Ending {
        let wasiHost = try makeWASIHost(for: entry)
        let hostCalls = try hostCallHandler(serving: hostImports)
        var run = SnapshotRun()
        run.fuel = configuration.limits.fuel
        if captured.snapshot.point == .afterInitialization {
            let wasi = wasiConfiguration(for: entry)
            run.arguments = wasi.arguments
            run.environment = wasi.environment
            switch entry {
            case .start: run.entry = .start
            case .export(let name, let arguments):
                try checkArguments(arguments, of: name, parameters: try functionType(ofExport: name).parameters)
                run.entry = .export(GuestRun.Invocation(name: name, arguments: Self.abiValues(arguments)))
            }
        } else if case .export = entry {
            throw .unsupported("a snapshot taken at the first read of stdin resumes `_start`; it cannot invoke an export")
        }
        let vmConfiguration = vmConfiguration(run: nil, serving: wasiHost, hostCalls: hostCalls)
        let result: MicroVMResult
        do throws(MicroVMError) {
            let warm: MicroVMBox
            if let kept = keptVirtualMachine {
                keptVirtualMachine = nil
                try kept.vm.reset(to: captured.snapshot, run: run, configuration: vmConfiguration)
                warm = kept
            } else {
                warm = MicroVMBox(
                    try MicroVM(
                        system: host.system, restoring: captured.snapshot, run: run, configuration: vmConfiguration))
            }
            result = try self.run(&warm.vm, wasiHost: wasiHost)
            keptVirtualMachine = warm
        } catch {
            throw .virtualMachineUnavailable("cannot run the micro-VM: \(error)")
        }
        return try ending(of: result, entry: entry)
    }

    /// Calls `body` with the run that places the module (read straight into guest memory: the host keeps no copy of
    /// it) and the module's cache key; a module file stays open until `body` returns.
    private func withGuestRun<R>(
        for entry: Entry, _ body: (GuestRun, ModuleCacheKey?) throws(SandboxError) -> R
    ) throws(SandboxError) -> R {
        var guestRun: GuestRun
        let cacheKey: ModuleCacheKey?
        switch configuration.module {
        case .file(let path):
            let file = try ModuleFile(path: path)
            cacheKey = configuration.moduleCache?.key(forFile: file.descriptor) {
                ModuleCacheKey.digest(ofFile: file.descriptor, size: Int(file.size))
            }
            guestRun = GuestRun(moduleFile: file.descriptor, size: file.size)
            try prepare(&guestRun, for: entry, cacheKey: cacheKey)
            return try body(guestRun, cacheKey)
        case .bytes(let bytes, _):
            cacheKey = configuration.moduleCache.map { _ in bytes.withUnsafeBytes { ModuleCacheKey(module: $0) } }
            guestRun = GuestRun(module: bytes)
            try prepare(&guestRun, for: entry, cacheKey: cacheKey)
            return try body(guestRun, cacheKey)
        case .snapshot:
            preconditionFailure("a snapshot's module is in its memory")
        }
    }

    private func prepare(_ guestRun: inout GuestRun, for entry: Entry, cacheKey: ModuleCacheKey?) throws(SandboxError) {
        let wasi = wasiConfiguration(for: entry)
        if let cacheKey, let cache = configuration.moduleCache {
            let known = cache.entry(for: cacheKey)?.bodiesValidated == true
            guestRun.moduleValidation = known ? .alreadyValidated : .validateAndReport
            statistics.moduleCache = known ? .hit : .miss
        }
        guestRun.arguments = wasi.arguments
        guestRun.environment = wasi.environment
        guestRun.fuel = configuration.limits.fuel
        if !configuration.hooks.isEmpty {
            _ = try hookModules()  // a bad hook is reported before a VM is made, as in-process
            guestRun.hooks = configuration.hooks.map {
                GuestRun.Hook(module: $0.bytes, name: $0.name, configuration: Array($0.configuration.utf8))
            }
            guestRun.hookFuel = configuration.hookOptions.fuelPerEvent
            guestRun.hookFailureEndsRun = configuration.hookOptions.endsRunOnFailure
        }
        if let pages = configuration.limits.maxMemoryPages { guestRun.maxMemoryPages = pages }
        if case .export(let name, let arguments) = entry {
            try checkArguments(arguments, of: name, parameters: try functionType(ofExport: name).parameters)
            guestRun.invocation = GuestRun.Invocation(name: name, arguments: Self.abiValues(arguments))
        }
    }

    private func makeWASIHost(for entry: Entry) throws(SandboxError) -> WASIHost {
        do throws(WASIHost.SetupError) {
            return try WASIHost(configuration: wasiConfiguration(for: entry))
        } catch {
            throw .invalidConfiguration(error.description)
        }
    }

    /// The VM's settings for one execution whose WASI calls `wasiHost` serves, and its host calls `hostCalls`.
    private func vmConfiguration(
        run: GuestRun?, serving wasiHost: WASIHost, hostCalls: HypercallDispatcher.HostCallHandler?
    ) -> MicroVMConfiguration {
        var vmConfiguration = MicroVMConfiguration()
        vmConfiguration.memorySize = configuration.limits.vmMemoryMiB << 20
        vmConfiguration.output = .forward(
            standardOutput: configuration.standardIO.output, standardError: configuration.standardIO.error)
        vmConfiguration.run = run
        vmConfiguration.wasiHandler = Self.wasiHandler(serving: wasiHost)
        vmConfiguration.hostCallHandler = hostCalls
        vmConfiguration.wasiInterrupt = { [interrupt = wasiHost.interruptHandle] in interrupt.interrupt() }
        vmConfiguration.wasiMailbox = configuration.virtualMachine.wasiMailbox
        vmConfiguration.backsGuestWithHugePages = configuration.virtualMachine.hugePages
        vmConfiguration.hookOutput = configuration.hookOptions.output
        vmConfiguration.hookFailureReport = configuration.hookOptions.failureReport
        if configuration.tier == .compiler { vmConfiguration.codeArenaSize = Self.codeArenaSize(memory: vmConfiguration.memorySize) }
        ignoreBrokenPipes()
        return vmConfiguration
    }

    /// The code arena of a VM with `memory` bytes that compiles: an eighth of its memory, at most 64 MiB. It is address
    /// space taken from the heap, touched only where code is sealed; a function whose code no longer fits runs in the
    /// interpreter.
    static func codeArenaSize(memory: UInt64) -> UInt64 {
        let largePage: UInt64 = 2 << 20
        return min(memory / 8 / largePage * largePage, 64 << 20)
    }

    /// Runs `vm` under the time limit and records what it reported.
    private func run(_ vm: inout MicroVM, wasiHost: WASIHost) throws(MicroVMError) -> MicroVMResult {
        // The run loop checks its deadline after every exit, but a guest blocked in a WASI call makes none: the call
        // is woken just after the deadline (the margin keeps the wake from beating it, which would only let the guest
        // carry on) and the loop stops the guest at its next exit.
        let watchdog = configuration.limits.timeout.map { limit in
            Watchdog(after: limit + .milliseconds(50)) { [interrupt = wasiHost.interruptHandle] in interrupt.interrupt() }
        }
        defer { watchdog?.cancel() }
        let result = try vm.run(timeLimit: configuration.limits.timeout)
        if configuration.virtualMachine.collectsVCPUCounters, let counters = try? vm.vcpuStatistics() {
            statistics.vcpuCounters = counters
        }
        statistics.vmExitCount = result.exitCount
        statistics.entryTime = result.moduleStartTime
        return result
    }

    private func ending(of result: MicroVMResult, entry: Entry) throws(SandboxError) -> Ending {
        switch result.outcome {
        case .exited(let status):
            if case .export = entry, status == 0 { return .returned(Self.values(result.invokeResults ?? [])) }
            return .exited(status)
        case .failed(let failure):
            throw error(failure)
        case .outOfMemory(let requested):
            throw .guestOutOfMemory(requested: UInt64(requested), memoryMiB: configuration.limits.vmMemoryMiB)
        case .timedOut(let rip):
            throw .timedOut(after: configuration.limits.timeout ?? .zero, guestInstructionPointer: rip)
        case .fault(let exit, let rip) where result.codeArena.contains(GuestRange(start: GuestPhysicalAddress(rip), length: 1)!):
            throw .guestCrashed(
                "the module's machine code crashed the micro-VM's guest: \(Self.describe(exit)) at guest RIP "
                    + "0x\(String(rip, radix: 16)), in the code the compiler tier made (run it with --tier interpreter "
                    + "to compare)", guestInstructionPointer: rip)
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
        case .uncaughtException: return .uncaughtException(failure.message)
        case .invalidModule:
            // The in-process wording needs the `ModuleError` itself: the host decodes the module again, only here.
            guard let bytes = try? moduleBytes() else { return .invalidModule(failure.message) }
            return .invalidModule(Self.moduleErrorMessage(bytes, name: name) ?? failure.message)
        case .unlinkable: return .unlinkable(module: name, reason: failure.message)
        case .noStartFunction: return .noStartFunction(module: name)
        case .noSuchFunction: return .noSuchExport(module: name, name: failure.message)
        case .hookFailed: return .invalidHook(failure.message)
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

    /// The records of `values`: one each, two for a v128 (`ABIValue.v128Type`).
    static func abiValues(_ values: [Value]) -> [ABIValue] {
        values.flatMap { value -> [ABIValue] in
            guard case .v128(let vector) = value else { return [abiValue(value)] }
            return [ABIValue(type: ABIValue.v128Type, bits: vector.low), ABIValue(type: ABIValue.v128Type, bits: vector.high)]
        }
    }

    /// The values `records` hold (see `abiValues`).
    static func values(_ records: [ABIValue]) -> [Value] {
        var values: [Value] = []
        var index = 0
        while index < records.count {
            if records[index].type == ABIValue.v128Type, index + 1 < records.count {
                values.append(.v128(V128(low: records[index].bits, high: records[index + 1].bits)))
                index += 2
            } else {
                values.append(value(records[index]))
                index += 1
            }
        }
        return values
    }

    /// The record of a value other than a v128 (`abiValues` gives a v128's two).
    static func abiValue(_ value: Value) -> ABIValue {
        switch value {
        case .i32(let bits): ABIValue(type: ABIValue.i32Type, bits: UInt64(bits))
        case .i64(let bits): ABIValue(type: ABIValue.i64Type, bits: bits)
        case .f32(let bits): ABIValue(type: ABIValue.f32Type, bits: UInt64(bits))
        case .f64(let bits): ABIValue(type: ABIValue.f64Type, bits: bits)
        case .funcref(let function): ABIValue(type: ABIValue.funcrefType, bits: function == nil ? 0 : 1)
        case .externref(let reference): ABIValue(type: ABIValue.externrefType, bits: reference.map { UInt64($0) + 1 } ?? 0)
        case .exnref(let exception): ABIValue(type: ABIValue.exnrefType, bits: exception == nil ? 0 : 1)
        case .anyref(let reference):
            reference?.isExternalized == true
                ? ABIValue(type: ABIValue.externrefType, bits: 1) : ABIValue(type: ABIValue.anyrefType, bits: reference == nil ? 0 : 1)
        case .v128: preconditionFailure("a v128 takes two records: see abiValues")
        }
    }

    /// A result from the guest. A function, exception or GC reference cannot leave its VM: a non-null one comes back as
    /// one of no use but to be non-null.
    static func value(_ value: ABIValue) -> Value {
        switch value.type {
        case ABIValue.i64Type: .i64(value.bits)
        case ABIValue.f32Type: .f32(bits: UInt32(truncatingIfNeeded: value.bits))
        case ABIValue.f64Type: .f64(bits: value.bits)
        case ABIValue.funcrefType: .funcref(value.bits == 0 ? nil : Store().makeHostFunction(
            type: FuncType(parameters: [], results: []), { _, _ in [] }))
        case ABIValue.externrefType: .externref(value.bits == 0 ? nil : UInt32(truncatingIfNeeded: value.bits - 1))
        case ABIValue.exnrefType: .exnref(value.bits == 0 ? nil : Store().makeException(payload: []))
        case ABIValue.anyrefType: .anyref(value.bits == 0 ? nil : AnyReference(host: 0))
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
