import Digest
import Glibc
@testable import Monitor
import SwiftletABI
import Synchronization
import Testing

/// Boots `module` with a snapshot point and returns the VM captured there (the VM itself is dropped).
func captureSnapshot(
    _ module: String, point: SnapshotPoint, arguments: [String] = ["module.wasm"], memorySize: UInt64 = 512 << 20,
    wasiHandler: HypercallDispatcher.WASIHandler? = nil, codeArenaSize: UInt64 = 0
) throws -> VMSnapshot {
    var run = GuestRun(module: try testModule(module))
    run.arguments = arguments
    var configuration = MicroVMConfiguration()
    configuration.memorySize = memorySize
    configuration.codeArenaSize = codeArenaSize
    configuration.run = run
    configuration.snapshotPoint = point
    configuration.wasiHandler = wasiHandler
    var vm = try MicroVM(system: KVMSystem(), kernel: KernelImage(elf: kernelBytes!), configuration: configuration)
    return try vm.runToSnapshot(timeLimit: .seconds(20))
}

/// Restores a new VM from `snapshot` and runs it to its end.
func runRestored(
    _ snapshot: borrowing VMSnapshot, _ run: SnapshotRun = SnapshotRun(),
    wasiHandler: HypercallDispatcher.WASIHandler? = nil, timeLimit: Duration = .seconds(20)
) throws -> MicroVMResult {
    var configuration = MicroVMConfiguration()
    configuration.wasiHandler = wasiHandler
    var vm = try MicroVM(system: KVMSystem(), restoring: snapshot, run: run, configuration: configuration)
    return try vm.run(timeLimit: timeLimit)
}

func snapshotRun(arguments: [String]? = nil, entry: SnapshotRun.Entry? = nil, fuel: UInt64? = nil) -> SnapshotRun {
    var run = SnapshotRun()
    run.arguments = arguments
    run.entry = entry
    run.fuel = fuel
    return run
}

/// A WASI handler whose stdin holds `text`: it answers `fd_read` of descriptor 0 and nothing else (ENOSYS).
func standardInput(_ text: String) -> HypercallDispatcher.WASIHandler {
    let fdRead = WASIFunction.number(of: "fd_read")!
    let bytes = Array(text.utf8)
    let position = Box()
    return { function, arguments, memory in
        guard function == fdRead, arguments[0] == 0 else { return WASIErrno.notImplemented }
        var total = 0
        for index in 0..<Int(arguments[2]) {
            let entry = Int(arguments[1]) + index * 8
            guard entry + 8 <= memory.count else { return WASIErrno.fault }
            let start = Int(memory.loadUnaligned(fromByteOffset: entry, as: UInt32.self))
            let length = Int(memory.loadUnaligned(fromByteOffset: entry + 4, as: UInt32.self))
            guard start + length <= memory.count else { return WASIErrno.fault }
            let offset = position.value.load(ordering: .relaxed)
            let count = min(length, bytes.count - offset)
            for byte in 0..<count { memory[start + byte] = bytes[offset + byte] }
            position.value.store(offset + count, ordering: .relaxed)
            total += count
        }
        guard Int(arguments[3]) + 4 <= memory.count else { return WASIErrno.fault }
        memory.storeBytes(of: UInt32(total).littleEndian, toByteOffset: Int(arguments[3]), as: UInt32.self)
        return WASIErrno.success
    }
}

final class Box: Sendable {
    let value = Atomic<Int>(0)
}

/// The value after `label ` on the line of `text` that starts with it.
func field(_ label: String, in text: String) -> String? {
    text.split(separator: "\n").first { $0.hasPrefix(label + " ") }.map { String($0.dropFirst(label.count + 1)) }
}

func monotonicNow() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

func realtimeNow() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

@Suite("VM snapshots", .serialized, .enabled(if: kvmAvailable, kvmUnavailableReason),
    .enabled(if: kernelBytes != nil, kernelMissingReason))
struct SnapshotTests {
    @Test("after wizer.initialize: every restore runs _start with its own arguments from the initialized state")
    func afterInitialization() throws {
        let snapshot = try captureSnapshot("snapshot-init", point: .afterInitialization)
        #expect(snapshot.point == .afterInitialization)
        #expect(Syscalls.isSealedCompletely(snapshot.memoryFD))
        // 512 MiB of memory, of which the kernel, the module and the engine's data touched a few MiB.
        #expect(snapshot.storedBytes < 16 << 20)
        var randoms: Set<String> = []
        for index in 0..<4 {
            let before = (monotonicNow(), realtimeNow())
            let result = try runRestored(snapshot, snapshotRun(arguments: ["module.wasm", "run\(index)"]))
            let after = (monotonicNow(), realtimeNow())
            let output = text(result.console)
            #expect(result.outcome == .exited(status: 0), "\(output)")
            // The counter the initializer set, plus this run's one increment: no run sees another's.
            #expect(output.hasPrefix("counter 42 state initialized args run\(index)\n"), "\(output)")
            randoms.insert(try #require(field("random", in: output)))
            let monotonic = try #require(field("monotonic", in: output).flatMap { UInt64($0) })
            let realtime = try #require(field("realtime", in: output).flatMap { UInt64($0) })
            // Never behind the host's clocks, and not ahead of what the host read after the run.
            #expect(monotonic >= before.0 && monotonic <= after.0)
            #expect(realtime >= before.1 && realtime <= after.1 + 1_000_000)
        }
        #expect(randoms.count == 4, "restored VMs saw the same random bytes: \(randoms)")
    }

    @Test("a VM restored into huge pages runs as one mapped copy-on-write, and resets like one")
    func copiedIntoHugePages() throws {
        let snapshot = try captureSnapshot("snapshot-init", point: .afterInitialization)
        var configuration = MicroVMConfiguration()
        configuration.restoredMemory = .copiedIntoHugePages
        var vm = try MicroVM(
            system: KVMSystem(), restoring: snapshot, run: snapshotRun(arguments: ["m", "dirty", "10"]),
            configuration: configuration)
        let first = text(try vm.run(timeLimit: .seconds(20)).console)
        #expect(first.hasPrefix("counter 42 state initialized args dirty 10\n"), "\(first)")
        try vm.reset(to: snapshot, run: snapshotRun(arguments: ["m", "check", "10"]))
        let second = text(try vm.run(timeLimit: .seconds(20)).console)
        #expect(second.hasPrefix("counter 42 state initialized args check 10\n") && second.contains("dirty pages seen 0\n"))
    }

    @Test("the clocks of a restored VM advance")
    func clocksAdvance() throws {
        let snapshot = try captureSnapshot("snapshot-init", point: .afterInitialization)
        let first = try runRestored(snapshot)
        usleep(2000)
        let second = try runRestored(snapshot)
        let times = try [first, second].map { result in
            try #require(field("monotonic", in: text(result.console)).flatMap { UInt64($0) })
        }
        #expect(times[1] >= times[0] + 2_000_000)
    }

    @Test("the captured VM may go on with its own run, and gets a key no restored VM has")
    func capturedVMContinues() throws {
        var run = GuestRun(module: try testModule("snapshot-init"))
        run.arguments = ["module.wasm", "original"]
        var configuration = MicroVMConfiguration()
        configuration.memorySize = 512 << 20
        configuration.run = run
        configuration.snapshotPoint = .afterInitialization
        var vm = try MicroVM(system: KVMSystem(), kernel: KernelImage(elf: kernelBytes!), configuration: configuration)
        let result = try vm.run(timeLimit: .seconds(20))
        let output = text(result.console)
        #expect(result.outcome == .exited(status: 0))
        #expect(output.hasPrefix("counter 42 state initialized args original\n"), "\(output)")
        guard let snapshot = vm.takeSnapshot() else {
            Issue.record("the run captured no snapshot")
            return
        }
        switch vm.takeSnapshot() {
        case .none: break
        case .some: Issue.record("a second takeSnapshot gave a snapshot")
        }
        let restored = text(try runRestored(snapshot).console)
        #expect(restored.hasPrefix("counter 42 state initialized args original\n"), "\(restored)")
        #expect(field("random", in: restored) != field("random", in: output))
    }

    @Test("an invoked export runs after wizer.initialize, with the same result in every restore")
    func invokedExport() throws {
        let snapshot = try captureSnapshot("snapshot-init", point: .afterInitialization)
        for _ in 0..<3 {
            let result = try runRestored(
                snapshot,
                snapshotRun(entry: .export(.init(name: "bump", arguments: [ABIValue(type: ABIValue.i32Type, bits: 5)]))))
            #expect(result.outcome == .exited(status: 0))
            #expect(result.invokeResults == [ABIValue(type: ABIValue.i32Type, bits: 47)])
        }
    }

    @Test("a reactor's _initialize runs before the snapshot; its export after each restore")
    func reactorInitialize() throws {
        let snapshot = try captureSnapshot("reactor-counter", point: .afterInitialization)
        for _ in 0..<3 {
            let result = try runRestored(snapshot, snapshotRun(entry: .export(.init(name: "next", arguments: []))))
            #expect(result.outcome == .exited(status: 0))
            #expect(result.invokeResults == [ABIValue(type: ABIValue.i32Type, bits: 101)])
        }
    }

    @Test("at the first read of stdin: each restore answers its own input from the initialized state")
    func firstStandardInputRead() throws {
        let snapshot = try captureSnapshot("snapshot-stdin", point: .atFirstStandardInputRead)
        #expect(snapshot.point == .atFirstStandardInputRead)
        let sum = (0..<4096).reduce(UInt32(0)) { $0 &+ UInt32($1 * $1) }
        var randoms: Set<String> = []
        for input in ["hello", "world", "again"] {
            let result = try runRestored(snapshot, wasiHandler: standardInput(input + "\n"))
            let output = text(result.console)
            #expect(result.outcome == .exited(status: 0), "\(output)")
            #expect(output.hasPrefix("sum \(sum) input \(input) random "), "\(output)")
            randoms.insert(String(output.split(separator: " ").last ?? ""))
        }
        #expect(randoms.count == 3)
        // Arguments and environment are the snapshot's: a stdin snapshot refuses others.
        #expect(throws: MicroVMError.snapshot(.runInputsNotAccepted)) {
            _ = try runRestored(snapshot, snapshotRun(arguments: ["other"]))
        }
    }

    @Test("fuel and time limits hold in restored VMs")
    func limits() throws {
        let snapshot = try captureSnapshot("snapshot-init", point: .afterInitialization)
        let outOfFuel = try runRestored(snapshot, snapshotRun(arguments: ["module.wasm", "spin"], fuel: 5_000_000))
        #expect(outOfFuel.outcome == .failed(GuestFailure(kind: .trap, message: "all fuel consumed")))
        let start = monotonicNow()
        let timedOut = try runRestored(
            snapshot, snapshotRun(arguments: ["module.wasm", "spin"]), timeLimit: .milliseconds(200))
        guard case .timedOut = timedOut.outcome else {
            Issue.record("expected a timeout, got \(timedOut.outcome)")
            return
        }
        #expect(monotonicNow() - start < 2_000_000_000)

        let stdinSnapshot = try captureSnapshot("snapshot-stdin", point: .atFirstStandardInputRead)
        let stdinOutOfFuel = try runRestored(stdinSnapshot, snapshotRun(fuel: 5_000_000), wasiHandler: standardInput("spin\n"))
        #expect(stdinOutOfFuel.outcome == .failed(GuestFailure(kind: .trap, message: "all fuel consumed")))
        let stdinTimedOut = try runRestored(
            stdinSnapshot, wasiHandler: standardInput("spin\n"), timeLimit: .milliseconds(200))
        guard case .timedOut = stdinTimedOut.outcome else {
            Issue.record("expected a timeout, got \(stdinTimedOut.outcome)")
            return
        }
    }

    @Test("a pool VM reset to the snapshot shares nothing with its previous tenant")
    func poolReset() throws {
        let snapshot = try captureSnapshot("snapshot-init", point: .afterInitialization, memorySize: 512 << 20)
        let system = try KVMSystem()
        var vm = try MicroVM(system: system, restoring: snapshot, run: snapshotRun(arguments: ["m", "dirty", "300"]))
        let first = try vm.run(timeLimit: .seconds(20))
        #expect(text(first.console).hasPrefix("counter 42 state initialized args dirty 300\n"))

        // A previous tenant's vector registers, marked: the guest loads the snapshot's own as it resumes, so the marks
        // are gone from every register however the next tenant uses them.
        var marked = try vm.vcpu.floatingPointState()
        withUnsafeMutableBytes(of: &marked.xmm) { $0.initializeMemory(as: UInt8.self, repeating: 0xA5) }
        try vm.vcpu.setFloatingPointState(marked)
        try vm.reset(to: snapshot, run: snapshotRun(arguments: ["m", "check", "300"]))
        // Registers: exactly the snapshot's again, whatever the previous tenant left.
        let registers = try vm.vcpu.registers()
        #expect(registers.rip == snapshot.registers.rip && registers.rsp == snapshot.registers.rsp
            && registers.rbx == snapshot.registers.rbx && registers.r12 == snapshot.registers.r12)
        let second = try vm.run(timeLimit: .seconds(20))
        let vectors = try vm.vcpu.floatingPointState()
        let markedRegisters = withUnsafeBytes(of: vectors.xmm) { bytes in
            (0..<16).filter { register in bytes[register * 16..<register * 16 + 16].allSatisfy { $0 == 0xA5 } }
        }
        #expect(markedRegisters == [])
        let output = text(second.console)
        #expect(second.outcome == .exited(status: 0))
        // Memory: the pages the first tenant dirtied read as the snapshot's again; the console starts empty.
        #expect(output.hasPrefix("counter 42 state initialized args check 300\n"), "\(output)")
        #expect(output.contains("dirty pages seen 0\n"), "\(output)")
        #expect(field("random", in: output) != field("random", in: text(first.console)))
        #expect(second.exitCount < first.exitCount + 5)

        // A tenant stopped by its time limit leaves the VM reusable too.
        try vm.reset(to: snapshot, run: snapshotRun(arguments: ["m", "spin"]))
        guard case .timedOut = try vm.run(timeLimit: .milliseconds(100)).outcome else {
            Issue.record("expected a timeout")
            return
        }
        try vm.reset(to: snapshot, run: snapshotRun(arguments: ["m", "after"]))
        let afterTimeout = try vm.run(timeLimit: .seconds(20))
        #expect(text(afterTimeout.console).hasPrefix("counter 42 state initialized args after\n"))

        // Another snapshot of the same size: the memory is mapped anew rather than copied back in place.
        let reactor = try captureSnapshot("reactor-counter", point: .afterInitialization, memorySize: 512 << 20)
        try vm.reset(to: reactor, run: snapshotRun(entry: .export(.init(name: "next", arguments: []))))
        #expect(try vm.run(timeLimit: .seconds(20)).invokeResults == [ABIValue(type: ABIValue.i32Type, bits: 101)])
        try vm.reset(to: snapshot, run: snapshotRun(arguments: ["m", "check", "300"]))
        #expect(text(try vm.run(timeLimit: .seconds(20)).console).contains("dirty pages seen 0\n"))
        // A tenant that wrote more than a reset copies back is remapped too.
        let pages = MicroVM.inPlaceResetLimit / 4096 + 16
        try vm.reset(to: snapshot, run: snapshotRun(arguments: ["m", "dirty", String(pages)]))
        #expect(try vm.run(timeLimit: .seconds(60)).outcome == .exited(status: 0))
        try vm.reset(to: snapshot, run: snapshotRun(arguments: ["m", "check", String(pages)]))
        #expect(text(try vm.run(timeLimit: .seconds(60)).console).contains("dirty pages seen 0\n"))
    }

    @Test("a pool VM of stdin snapshots gives each tenant its own WASI handler and input")
    func poolResetStandardInput() throws {
        let snapshot = try captureSnapshot("snapshot-stdin", point: .atFirstStandardInputRead)
        var configuration = MicroVMConfiguration()
        configuration.wasiHandler = standardInput("first\n")
        var vm = try MicroVM(system: KVMSystem(), restoring: snapshot, configuration: configuration)
        #expect(text(try vm.run(timeLimit: .seconds(20)).console).contains("input first random"))
        configuration.wasiHandler = standardInput("second\n")
        try vm.reset(to: snapshot, configuration: configuration)
        let output = text(try vm.run(timeLimit: .seconds(20)).console)
        #expect(output.contains("input second random") && !output.contains("first"), "\(output)")
    }

    @Test("a snapshot file round-trips, sparsely")
    func fileRoundTrip() throws {
        let snapshot = try captureSnapshot("snapshot-init", point: .afterInitialization, memorySize: 512 << 20)
        let file = try TemporaryFile()
        try snapshot.write(to: file.fd)
        let size = lseek(file.fd, 0, SEEK_END)
        // Sparse: the stored pages and a little metadata, not 512 MiB.
        #expect(UInt64(size) < snapshot.storedBytes + 64 << 10)
        lseek(file.fd, 0, SEEK_SET)
        let kernel = try KernelImage(elf: kernelBytes!).identity
        let read = try VMSnapshot(readingFrom: file.fd, kernel: kernel)
        #expect(read.layout == snapshot.layout && read.storedBytes <= snapshot.storedBytes && read.kernel == kernel)
        let result = try runRestored(read, snapshotRun(arguments: ["m", "from-file"]))
        #expect(text(result.console).hasPrefix("counter 42 state initialized args from-file\n"))
        // Written again, the read snapshot gives the same bytes.
        let again = try TemporaryFile()
        try read.write(to: again.fd)
        let (one, two) = (try file.contents(), try again.contents())
        if one != two {
            let first = zip(one, two).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            Issue.record("sizes \(one.count) \(two.count), first difference at \(String(describing: first))")
        }
    }

    @Test("a snapshot file changed anywhere, or made for another ABI or kernel, is refused")
    func fileRefusals() throws {
        let snapshot = try captureSnapshot("reactor-counter", point: .afterInitialization, memorySize: 64 << 20)
        let file = try TemporaryFile()
        try snapshot.write(to: file.fd)
        let bytes = try file.contents()
        let kernel = try KernelImage(elf: kernelBytes!).identity
        func read(_ bytes: [UInt8], kernel: KernelIdentity) throws(VMSnapshotError) {
            let file = try! TemporaryFile()
            try! file.write(bytes)
            _ = try VMSnapshot(readingFrom: file.fd, kernel: kernel)
        }
        try read(bytes, kernel: kernel)
        // One flipped byte in the header, the state records, memory, the end marker and the digest, and a spread
        // of positions across the file.
        let stride = max(1, bytes.count / 97)
        let positions = Array(Set([0, 8, 16, 140, 300, 600, 1000, bytes.count - 40, bytes.count - 33, bytes.count - 1]
            + Array(Swift.stride(from: 3, to: bytes.count, by: stride))))
        for position in positions.sorted() {
            var corrupted = bytes
            corrupted[position] ^= 0x01
            do {
                try read(corrupted, kernel: kernel)
                Issue.record("a flipped byte at \(position) of \(bytes.count) was accepted")
            } catch {
                switch error {
                case .corrupted, .notASnapshot, .unsupportedFormat: break
                default: Issue.record("byte \(position): \(error)")
                }
            }
        }
        #expect(throws: VMSnapshotError.corrupted("the file ends early")) { try read(Array(bytes.dropLast(100)), kernel: kernel) }

        // Another ABI version, with a digest that matches: refused by name.
        var otherABI = Array(bytes.dropLast(32))
        otherABI[16] ^= 0x80
        var digest = SHA256Hasher()
        digest.update(otherABI)
        otherABI += digest.finalize()
        #expect(throws: VMSnapshotError.abiVersionMismatch(snapshot: SwiftletABI.version ^ 0x80, expected: SwiftletABI.version)) {
            try read(otherABI, kernel: kernel)
        }
        let otherKernel = KernelIdentity(digest: [UInt8](repeating: 7, count: 32))
        #expect(throws: VMSnapshotError.kernelMismatch(snapshot: kernel, expected: otherKernel)) {
            try read(bytes, kernel: otherKernel)
        }
    }

    @Test("10,000 restores and 10,000 pool resets keep RSS and descriptors flat")
    func manyRestores() throws {
        let snapshot = try captureSnapshot("reactor-counter", point: .afterInitialization, memorySize: 64 << 20)
        let system = try KVMSystem()
        let run = snapshotRun(entry: .export(.init(name: "next", arguments: [])))
        func restoreOnce() throws {
            var vm = try MicroVM(system: system, restoring: snapshot, run: run)
            let result = try vm.run(timeLimit: .seconds(20))
            guard result.invokeResults == [ABIValue(type: ABIValue.i32Type, bits: 101)] else {
                throw Failure("restore gave \(result.outcome), \(String(describing: result.invokeResults))")
            }
        }
        for _ in 0..<500 { try restoreOnce() }
        try expectNoGrowth(count: 10_000, restoreOnce)

        var vm = try MicroVM(system: system, restoring: snapshot, run: run)
        for _ in 0..<500 {
            _ = try vm.run(timeLimit: .seconds(20))
            try vm.reset(to: snapshot, run: run)
        }
        try expectNoGrowth(count: 10_000) {
            let result = try vm.run(timeLimit: .seconds(20))
            guard result.invokeResults == [ABIValue(type: ABIValue.i32Type, bits: 101)] else {
                throw Failure("reset gave \(result.outcome), \(String(describing: result.invokeResults))")
            }
            try vm.reset(to: snapshot, run: run)
        }
    }
}

/// Runs `body` `count` times and checks that neither resident memory nor open descriptors grow with the runs. Other
/// suites run alongside in this process and allocate and open descriptors too, so the runs are split in five windows:
/// a leak grows in every window, while another test's burst shows in some.
func expectNoGrowth(count: Int, _ body: () throws -> Void) throws {
    let window = count / 5
    var rss = residentKilobytes()
    var growth: [Int] = []
    let descriptors = openDescriptorCount()
    var descriptorCounts: [Int] = []
    for _ in 0..<5 {
        for _ in 0..<window { try body() }
        growth.append(residentKilobytes() - rss)
        rss = residentKilobytes()
        descriptorCounts.append(openDescriptorCount())
    }
    // A leak per run would show as thousands of descriptors, after every window; another test's open VMs and files
    // show after some.
    #expect(descriptorCounts.min()! < descriptors + 16, "descriptors went from \(descriptors) to \(descriptorCounts)")
    // A quarter KiB per run in every window would be a leak; one window that grew less says there is none.
    #expect(growth.min()! < max(window / 4, 2048), "resident memory grew in every window: \(growth) KiB")
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// VmRSS of this process, in KiB.
func residentKilobytes() -> Int {
    let status = text(readFile("/proc/self/status") ?? [])
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.filter(\.isNumber)) ?? 0
}

/// An unlinked temporary file, closed when dropped.
final class TemporaryFile {
    let fd: Int32

    init() throws {
        var template = Array("/tmp/swiftlet-snapshot-XXXXXX".utf8CString)
        fd = mkstemp(&template)
        guard fd >= 0 else { throw Failure("mkstemp failed") }
        unlink(template)
    }

    deinit { close(fd) }

    func contents() throws -> [UInt8] {
        let size = Int(lseek(fd, 0, SEEK_END))
        var bytes = [UInt8](repeating: 0, count: size)
        guard pread(fd, &bytes, size, 0) == size else { throw Failure("short read") }
        return bytes
    }

    func write(_ bytes: [UInt8]) throws {
        guard pwrite(fd, bytes, bytes.count, 0) == bytes.count else { throw Failure("short write") }
        lseek(fd, 0, SEEK_SET)
    }
}
