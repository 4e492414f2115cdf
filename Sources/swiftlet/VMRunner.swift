import ArgumentParser
import Glibc
import ModuleCache
import WASIHost
import WasmEngine

#if canImport(Monitor)
import Monitor
import SwiftletABI
#endif

/// Options of `run` that shape the micro-VM (`--isolation vm`).
struct VMOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Guest memory of the micro-VM in MiB, even, 8 to 4096 (untouched memory costs nothing).", valueName: "MiB"))
    var memory: UInt64 = 512

    @Option(help: ArgumentHelp("Stop the run after this many seconds (in the micro-VM or in-process).", valueName: "SECONDS"))
    var timeout: Double?
}

/// The KVM device; the environment variable `SWIFTLET_KVM_DEVICE` overrides it (tests use it to play a machine
/// without KVM).
var kvmDevicePath: String {
    environmentValue("SWIFTLET_KVM_DEVICE") ?? "/dev/kvm"
}

/// Exit status of a run stopped by --timeout, as timeout(1) uses.
let timeoutExitCode: Int32 = 124

/// Where `swiftlet` finds the guest kernel image, first match wins:
/// 1. the path in the environment variable `SWIFTLET_KERNEL`;
/// 2. `swiftlet-kernel.elf` next to the executable (an installed or copied build);
/// 3. `.build-kernel/swiftlet-kernel.elf` in the executable's directory or any directory above it (a development
///    build: `.build/debug/swiftlet` finds the `kernel/build.sh` output of the same checkout).
enum KernelLocator {
    static let fileName = "swiftlet-kernel.elf"

    static func candidates() -> [String] {
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
    static func locate() -> String? {
        candidates().first { access($0, R_OK) == 0 }
    }

    static var notFoundMessage: String {
        "cannot find the guest kernel image \(fileName) (build it with kernel/build.sh, or set SWIFTLET_KERNEL); "
            + "use --isolation process to run without a micro-VM"
    }
}

#if canImport(Monitor)
/// `swiftlet run` in a KVM micro-VM: the module runs inside the guest kernel's engine; this process only sets the
/// VM up, forwards its output and turns its outcome into the same messages and status an in-process run gives.
struct VMRun {
    let module: String
    let arguments: [String]
    let invoke: String?
    let fuel: UInt64?
    let maxMemoryPages: UInt64?
    /// The same WASI world as an in-process run: the guest answers arguments and environment from it, and the host
    /// serves every call the guest forwards (files, sockets, clocks, stdin...) with a `WASIHost` made from it.
    let wasi: WASIHost.Configuration
    let options: RunOptions
    /// Where what is known about modules is kept between runs, or nil for none.
    let cache: ModuleCache?
    let report: StartReport

    func run() throws {
        let system: KVMSystem
        do throws(KVMError) {
            system = try KVMSystem(path: kvmDevicePath)
        } catch {
            throw CommandFailure(
                message: "KVM is not usable here (\(error)); use --isolation process to run the module in this "
                    + "process, without a micro-VM")
        }
        guard let kernelPath = KernelLocator.locate() else { throw CommandFailure(message: KernelLocator.notFoundMessage) }
        // The monitor reads the module straight into guest memory: the host keeps no copy of it during the run.
        let moduleFile = try openModuleFile(module)
        defer { close(moduleFile.descriptor) }
        var guestRun = GuestRun(moduleFile: moduleFile.descriptor, size: moduleFile.size)
        let cacheKey = cache?.key(forFile: moduleFile.descriptor) {
            ModuleCacheKey.digest(ofFile: moduleFile.descriptor, size: Int(moduleFile.size))
        }
        if let cacheKey, let cache {
            let known = cache.entry(for: cacheKey)?.bodiesValidated == true
            guestRun.moduleValidation = known ? .alreadyValidated : .validateAndReport
            report.noteCache(known ? .hit : .miss)
        } else {
            report.noteCache(.disabled)
        }
        guestRun.arguments = wasi.arguments
        guestRun.environment = wasi.environment
        guestRun.fuel = fuel
        if let maxMemoryPages { guestRun.maxMemoryPages = maxMemoryPages }
        if let invoke { guestRun.invocation = try invocation(of: invoke, in: try readModuleFile(module)) }

        guard options.memory % 2 == 0, options.memory >= 8, options.memory <= 4096 else {
            throw CommandFailure(message: "--memory \(options.memory): give an even number of MiB from 8 to 4096")
        }
        var configuration = MicroVMConfiguration()
        configuration.memorySize = options.memory << 20
        configuration.output = .forward
        configuration.run = guestRun
        let wasiInterrupt: WASIInterruptHandle
        (configuration.wasiHandler, wasiInterrupt) = try makeWASIHandler(wasi)
        configuration.wasiInterrupt = { wasiInterrupt.interrupt() }
        // For the tests that compare the two ways a forwarded WASI call travels: `off` sends every one by VM exit.
        configuration.wasiMailbox = environmentValue("SWIFTLET_WASI_MAILBOX") != "off"
        // As wasmtime and the in-process path: writing to a closed pipe is the guest's EPIPE, not this process's end.
        signal(SIGPIPE, SIG_IGN)
        let timeLimit = options.timeout.map { Duration.milliseconds(Int64(min($0, 1e9) * 1000)) }

        var vm = try makeVM(system: system, kernelPath: kernelPath, configuration: configuration)
        let result: MicroVMResult
        do throws(MicroVMError) {
            if let timeout = options.timeout { wakeBlockingCalls(wasiInterrupt, after: timeout) }
            result = try vm.run(timeLimit: timeLimit)
        } catch {
            throw CommandFailure(message: "cannot run the micro-VM: \(error)")
        }
        // For measurements (bench/parity): what the run cost in exits, including those the host kernel handled itself.
        if environmentValue("SWIFTLET_VM_STATS") == "1", let statistics = try? vm.vcpuStatistics() {
            let counted = statistics.filter { $0.value != 0 }.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
            writeToStandardError("swiftlet: vCPU statistics: exits to the monitor=\(result.exitCount) \(counted)")
        }
        report.noteModuleStart(at: result.moduleStartTime, entry: invoke ?? "_start")
        if let cache, let cacheKey, guestRun.moduleValidation == .validateAndReport, result.moduleValidated {
            cache.store(ModuleCacheEntry(bodiesValidated: true), for: cacheKey)
        }
        try report(result)
    }

    /// The VM with the kernel loaded into its memory. The image's host copy is dropped on return, before the run,
    /// so it does not add to the run's peak memory.
    private func makeVM(
        system: borrowing KVMSystem, kernelPath: String, configuration: MicroVMConfiguration
    ) throws -> MicroVM {
        guard let kernelBytes = readWholeFile(kernelPath) else {
            throw CommandFailure(message: "cannot read the guest kernel image `\(kernelPath)`")
        }
        let kernel: KernelImage
        do throws(KernelImageError) {
            kernel = try KernelImage(elf: kernelBytes)
        } catch {
            throw CommandFailure(message: "invalid guest kernel image `\(kernelPath)`: \(error)")
        }
        do throws(MicroVMError) {
            return try MicroVM(system: system, kernel: kernel, configuration: configuration)
        } catch {
            throw CommandFailure(message: "cannot run the micro-VM: \(error)")
        }
    }

    /// The export's type is needed to read `--invoke` arguments. The host reads only the module's interface for it
    /// (no function body is compiled here: the guest decodes the whole module anyway). When that or the arguments
    /// fail, a module the whole decoding rejects reports that instead, so the message is the in-process one.
    private func invocation(of name: String, in bytes: ModuleBytes) throws -> GuestRun.Invocation {
        do {
            return try invocation(of: name, in: try ModuleInterface(bytes: bytes))
        } catch {
            if let message = moduleErrorMessage(bytes) { throw CommandFailure(message: message) }
            throw error
        }
    }

    private func invocation(of name: String, in interface: ModuleInterface) throws -> GuestRun.Invocation {
        guard let export = interface.exports.first(where: { $0.name.utf8.elementsEqual(name.utf8) }) else {
            throw CommandFailure(message: "`\(module)` has no export named `\(name)`")
        }
        guard case .function(let index) = export.descriptor else {
            throw CommandFailure(message: "export `\(name)` is not a function")
        }
        let parameterTypes = interface.functionType(ofFunction: index).parameters
        guard arguments.count == parameterTypes.count else {
            throw CommandFailure(
                message: "`\(name)` takes \(parameterTypes.count) argument(s) but \(arguments.count) were given")
        }
        var values: [ABIValue] = []
        for (text, type) in zip(arguments, parameterTypes) {
            do throws(InvokeValueText.ParseError) {
                values.append(Self.abiValue(try InvokeValueText.parse(text, as: type)))
            } catch {
                throw CommandFailure(message: "argument for `\(name)`: \(error.message)")
            }
        }
        return GuestRun.Invocation(name: name, arguments: values)
    }

    private func report(_ result: MicroVMResult) throws {
        switch result.outcome {
        case .exited(let status):
            for value in result.invokeResults ?? [] { print(InvokeValueText.format(Self.value(value))) }
            if status != 0 { throw ExitCode(Int32(bitPattern: status)) }
        case .failed(let failure):
            throw commandFailure(failure)
        case .outOfMemory(let requested):
            throw CommandFailure(
                message: "guest out of memory: the kernel could not allocate \(requested) bytes in a "
                    + "\(options.memory) MiB micro-VM (raise --memory)")
        case .timedOut(let rip):
            throw CommandFailure(
                message: "timed out: the micro-VM was stopped after \(options.timeout ?? 0) s "
                    + "(guest RIP 0x\(String(rip, radix: 16)))",
                exitCode: timeoutExitCode)
        case .fault(let exit, let rip):
            throw CommandFailure(
                message: "the micro-VM's guest kernel crashed: \(Self.describe(exit)) at guest RIP "
                    + "0x\(String(rip, radix: 16)) (llvm-symbolizer --obj=swiftlet-kernel.elf.debug names the function)")
        case .rejectedHypercall(let error, let rip):
            throw CommandFailure(message: "the micro-VM was stopped: \(error) (guest RIP 0x\(String(rip, radix: 16)))")
        }
    }

    /// The in-process wording, which needs the `ModuleError` itself: the host decodes the module again, only on
    /// this failure path.
    private func invalidModuleMessage(guestMessage: String) -> String {
        guard let bytes = readModuleBytes(module) else { return guestMessage }
        return moduleErrorMessage(bytes) ?? guestMessage
    }

    /// Why the whole decoding rejects `bytes`, worded as in-process; nil for a valid module.
    private func moduleErrorMessage(_ bytes: ModuleBytes) -> String? {
        do throws(ModuleError) {
            _ = try Module(bytes: bytes)
            return nil
        } catch {
            return swiftlet.describe(error, path: module, bytes: bytes)
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

    /// The message and status an in-process run gives for the same failure.
    private func commandFailure(_ failure: GuestFailure) -> CommandFailure {
        switch failure.kind {
        case .trap: CommandFailure(message: "wasm trap: \(failure.message)", exitCode: trapExitCode)
        case .invalidModule: CommandFailure(message: invalidModuleMessage(guestMessage: failure.message))
        case .unlinkable: CommandFailure(message: "cannot link `\(module)`: \(failure.message)")
        case .noStartFunction:
            CommandFailure(message: "nothing to run: `\(module)` exports no `_start` function (use --invoke NAME)")
        case .noSuchFunction: CommandFailure(message: "`\(module)` has no export named `\(failure.message)`")
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

    /// A result as `InvokeValueText.format` prints it; a non-null funcref only needs to be non-null to print alike.
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
#endif

/// `run --isolation vm`; where this build has no monitor (not Linux), says so.
func runInVM(
    module: String, arguments: [String], invoke: String?, fuel: UInt64?, maxMemoryPages: UInt64?,
    wasi: WASIHost.Configuration, options: RunOptions, cache: ModuleCache?, report: StartReport
) throws {
    #if canImport(Monitor)
    try VMRun(
        module: module, arguments: arguments, invoke: invoke, fuel: fuel, maxMemoryPages: maxMemoryPages, wasi: wasi,
        options: options, cache: cache, report: report
    ).run()
    #else
    throw CommandFailure(message: "micro-VMs need Linux KVM; use --isolation process")
    #endif
}
