// VM snapshots through the Monitor API in one process (issue 18): how soon a sandbox restored from a snapshot is
// ready, what a warm pool's reset costs per page the previous tenant dirtied, and capture, file and restore times
// against the memory a VM touched.
//
// Usage: vm-snapshot-bench KERNEL.elf MODULES-DIR [RESTORES]      (MODULES-DIR: bench/vm/modules)
// Build: swift build -c release --omit-frame-pointers --product vm-snapshot-bench
// "Ready" is MicroVM(system:restoring:) plus the first KVM_RUN up to the guest's first exit after the snapshot exit
// (the reactor's `next` results): one exit, as in bench/floor/snapshot_floor.c's figure.
import Glibc
import Monitor
import SwiftletABI

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) * 1e6 + Double(time.tv_nsec) / 1e3
}

func readFile(_ path: String) -> [UInt8] {
    guard let file = fopen(path, "rb") else { fail("cannot read \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while case let count = fread(&chunk, 1, chunk.count, file), count > 0 { bytes += chunk[0..<count] }
    return bytes
}

func fail(_ message: String) -> Never {
    print("vm-snapshot-bench: \(message)")
    exit(1)
}

func format(_ value: Double) -> String {
    let text = String(Int((value * 10).rounded()))
    let padded = String(repeating: " ", count: max(0, 7 - text.count)) + text
    return padded.dropLast() + "." + padded.suffix(1)
}

func report(_ what: String, _ samples: [Double]) {
    let sorted = samples.sorted()
    let label = what + String(repeating: " ", count: max(0, 40 - what.count))
    print("  \(label) p50 \(format(sorted[sorted.count / 2])) us   p99 \(format(sorted[sorted.count * 99 / 100])) us"
        + "   min \(format(sorted[0])) us   (n=\(sorted.count))")
}

func median(_ samples: [Double]) -> Double { samples.sorted()[samples.count / 2] }

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: vm-snapshot-bench KERNEL.elf MODULES-DIR [RESTORES]") }
let restores = arguments.count > 3 ? Int(arguments[3]) ?? 10_000 : 10_000
let modules = arguments[2]

do {
    let system = try KVMSystem()
    let kernel = try KernelImage(elf: readFile(arguments[1]))

    var captureTime = 0.0
    func capture(_ module: String, arguments: [String] = ["module.wasm"], point: SnapshotPoint, memory: UInt64)
        throws -> VMSnapshot
    {
        var run = GuestRun(module: readFile("\(modules)/\(module).wasm"))
        run.arguments = arguments
        var configuration = MicroVMConfiguration()
        configuration.memorySize = memory
        configuration.run = run
        configuration.snapshotPoint = point
        let start = now()
        var vm = try MicroVM(system: system, kernel: kernel, configuration: configuration)
        let snapshot = try vm.runToSnapshot(timeLimit: .seconds(60))
        captureTime = now() - start
        return snapshot
    }

    // 1. Restore to the first exit, with each way of giving the restored VM its memory.
    let reactor = try capture("reactor-counter", point: .afterInitialization, memory: 512 << 20)
    let smallReactor = try capture("reactor-counter", point: .afterInitialization, memory: 64 << 20)
    var next = SnapshotRun()
    next.entry = .export(GuestRun.Invocation(name: "next", arguments: []))
    for (mebibytes, mode) in [(512, RestoredMemory.copyOnWrite), (512, .copiedIntoHugePages), (64, .copyOnWrite)] {
        print("== restore to the first exit (reactor-counter, \(mebibytes) MiB VM, \(mode)), \(restores) restores")
        var configuration = MicroVMConfiguration()
        configuration.restoredMemory = mode
        var creation: [Double] = []
        var firstExit: [Double] = []
        var ready: [Double] = []
        var teardown: [Double] = []
        var faults: [Double] = []
        for index in 0..<(restores + 200) {
            let start = now()
            var vm = try mebibytes == 64
                ? MicroVM(system: system, restoring: smallReactor, run: next, configuration: configuration)
                : MicroVM(system: system, restoring: reactor, run: next, configuration: configuration)
            let created = now()
            let exit = try vm.runToNextExit()
            let exited = now()
            guard case .ioOut(Hypercall.invokeResults.port, _, _) = exit else { fail("unexpected first exit \(exit)") }
            if index % 100 == 0 {
                faults.append(Double(try vm.vcpuStatistics().first { $0.name == "pf_taken" }?.value ?? 0))
            }
            _ = consume vm
            let dropped = now()
            guard index >= 200 else { continue }  // warm-up
            creation.append(created - start)
            firstExit.append(exited - created)
            ready.append(exited - start)
            teardown.append(dropped - exited)
        }
        report("MicroVM(restoring:)", creation)
        report("first KVM_RUN to the first exit", firstExit)
        report("ready (restore + first exit)", ready)
        report("teardown (drop)", teardown)
        print("  page faults the guest took to the first exit: p50 \(Int(median(faults)))")
    }

    var whole: [Double] = []
    for _ in 0..<1000 {
        let start = now()
        var vm = try MicroVM(system: system, restoring: reactor, run: next)
        let result = try vm.run()
        guard result.invokeResults == [ABIValue(type: ABIValue.i32Type, bits: 101)] else { fail("wrong result") }
        whole.append(now() - start)
    }
    report("restore + whole run (2 exits)", whole)

    // 2. A warm pool's reset.
    print("== pool reset (reactor-counter, 512 MiB VM)")
    var pool = try MicroVM(system: system, restoring: reactor, run: next)
    _ = try pool.run()
    var reset: [Double] = []
    var resetReady: [Double] = []
    for index in 0..<(restores + 200) {
        let start = now()
        try pool.reset(to: reactor, run: next)
        let done = now()
        _ = try pool.runToNextExit()
        let exited = now()
        guard index >= 200 else { continue }
        reset.append(done - start)
        resetReady.append(exited - start)
    }
    report("reset(to:)", reset)
    report("ready (reset + first exit)", resetReady)

    // 3. Reset cost per dirty page.
    print("== pool reset against the pages the previous tenant dirtied (snapshot-init, 512 MiB VM)")
    let initialized = try capture("snapshot-init", point: .afterInitialization, memory: 512 << 20)
    var dirtyPool = try MicroVM(system: system, restoring: initialized)
    _ = try dirtyPool.run()
    var slopes: [(pages: Double, reset: Double, run: Double)] = []
    for pages in [0, 256, 1024, 4096] {
        var run = SnapshotRun()
        run.arguments = ["module.wasm", "dirty", String(pages)]
        var resets: [Double] = []
        var runs: [Double] = []
        for _ in 0..<60 {
            let start = now()
            try dirtyPool.reset(to: initialized, run: run)
            let done = now()
            _ = try dirtyPool.run()
            runs.append(now() - done)
            resets.append(done - start)
        }
        slopes.append((Double(pages), median(resets), median(runs)))
        print("  dirty \(pages) pages: reset p50 \(format(median(resets))) us, the dirtying run p50 \(format(median(runs))) us")
    }
    let (low, high) = (slopes[0], slopes[slopes.count - 1])
    print("  per dirty page: reset \(format((high.reset - low.reset) / (high.pages - low.pages))) us, "
        + "dirtying it in the run \(format((high.run - low.run) / (high.pages - low.pages))) us")

    // 4. Capture, files and restore against the memory touched.
    print("== capture, file and restore against the memory touched (snapshot-stdin, 512 MiB VM)")
    for mebibytes in [0, 16, 64] {
        let snapshot = try capture(
            "snapshot-stdin", arguments: ["module.wasm", String(mebibytes)], point: .atFirstStandardInputRead,
            memory: 512 << 20)
        // The same boot and run without a snapshot point, stopped at the same place by an empty stdin, to subtract.
        var run = GuestRun(module: readFile("\(modules)/snapshot-stdin.wasm"))
        run.arguments = ["module.wasm", String(mebibytes)]
        var configuration = MicroVMConfiguration()
        configuration.memorySize = 512 << 20
        configuration.run = run
        var bootTimes: [Double] = []
        for _ in 0..<3 {
            let start = now()
            var vm = try MicroVM(system: system, kernel: kernel, configuration: configuration)
            _ = try vm.run()
            bootTimes.append(now() - start)
        }
        let path = "/tmp/snapshot-bench-\(getpid()).snap"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        unlink(path)
        let writeStart = now()
        try snapshot.write(to: fd)
        let written = now()
        let size = lseek(fd, 0, SEEK_END)
        lseek(fd, 0, SEEK_SET)
        let read = try VMSnapshot(readingFrom: fd, kernel: kernel.identity)
        let readDone = now()
        close(fd)
        var restoreTimes: [Double] = []
        for _ in 0..<200 {
            let start = now()
            var vm = try MicroVM(system: system, restoring: read)
            _ = try vm.runToNextExit()
            restoreTimes.append(now() - start)
        }
        print("  \(mebibytes) MiB touched: stored \(snapshot.storedBytes >> 10) KiB, boot+run+capture "
            + "\(format(captureTime)) us (same run without capture \(format(median(bootTimes))) us), "
            + "file \(size >> 10) KiB written in \(format(written - writeStart)) us, read in \(format(readDone - written)) us, "
            + "restore to the first exit p50 \(format(median(restoreTimes))) us")
    }
} catch {
    fail("\(error)")
}
