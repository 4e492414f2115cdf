// sandbox-bench: how fast the Swiftlet library makes a ready sandbox, through its public API only. A ready sandbox's
// time is that of `invoke("nothing")` on bench/sandbox/ready.wasm: an execution that starts, calls an empty export and
// ends (one VM exit in a micro-VM, the floor's "restore and take one exit"). Printed for a fresh sandbox (the module
// decoded, instantiated and initialized for each execution, a VM booted) and for sandboxes restored from a snapshot
// taken after initialization, in-process and in a micro-VM (a new VM per restore, and the sandbox's kept VM reset:
// its warm pool of one); then the cost per dirty page of a restore, and resident memory per pooled VM sandbox.
// bench/sandbox/run.py prints these next to the C floor (bench/floor/snapshot_floor.c).
//
// Usage: sandbox-bench [--restores N] [--fresh N] [--pool N] [--isolation process|vm] [--python PATH] [--json]

import Glibc
import Swiftlet

let packageRoot = String(#filePath.split(separator: "/bench/sandbox/", maxSplits: 1)[0])
let modulePath = packageRoot + "/bench/sandbox/ready.wasm"

struct Options {
    var restores = 10_000
    var fresh = 200
    var pool = 32
    var json = false
    var isolations: [Isolation] = [.process, .vm]
    /// A CPython module (bench/real fetches one): snapshotted at its first read of stdin, then run on a one-line script.
    var python: String?
    var pythonRuns = 20
}

var options = Options()
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--restores": options.restores = Int(arguments.popFirst() ?? "") ?? options.restores
    case "--fresh": options.fresh = Int(arguments.popFirst() ?? "") ?? options.fresh
    case "--pool": options.pool = Int(arguments.popFirst() ?? "") ?? options.pool
    case "--json": options.json = true
    case "--python": options.python = arguments.popFirst()
    case "--python-runs": options.pythonRuns = Int(arguments.popFirst() ?? "") ?? options.pythonRuns
    case "--isolation": options.isolations = (arguments.popFirst()).flatMap(Isolation.init(rawValue:)).map { [$0] } ?? []
    default:
        print("usage: sandbox-bench [--restores N] [--fresh N] [--pool N] [--isolation process|vm] [--json]")
        exit(2)
    }
}

func now() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Times of `count` calls of `body`, in microseconds, sorted.
func measure(_ count: Int, _ body: () throws -> Void) rethrows -> [Double] {
    var times: [Double] = []
    times.reserveCapacity(count)
    for _ in 0..<count {
        let start = now()
        try body()
        times.append(Double(now() - start) / 1000)
    }
    return times.sorted()
}

func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}

func configuration(_ isolation: Isolation) -> Sandbox.Configuration {
    var configuration = Sandbox.Configuration(module: .file(path: modulePath))
    configuration.isolation = isolation
    configuration.limits.vmMemoryMiB = 128
    return configuration
}

func restoredSandbox(_ snapshot: SandboxSnapshot) throws -> Sandbox {
    var restored = configuration(snapshot.isolation)
    restored.module = .snapshot(snapshot)
    return try Sandbox(restored)
}

func residentKilobytes() -> Int { kilobytes("VmRSS:", in: "/proc/self/status") }

/// The host's MemAvailable.
func availableKilobytes() -> Int { kilobytes("MemAvailable:", in: "/proc/meminfo") }

/// The figure on the line of `path` that starts with `key`, in KiB.
func kilobytes(_ key: String, in path: String) -> Int {
    guard let file = fopen(path, "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(cString: line)
        if text.hasPrefix(key) { return Int(text.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0 }
    }
    return 0
}

var rows: [(name: String, times: [Double])] = []
var figures: [(name: String, value: Double, unit: String)] = []

/// An initialized CPython restored from a snapshot taken at its first read of stdin (`python -`), running a one-line
/// script from stdin: the time from the restore to the process's exit status, its output to /dev/null.
@MainActor func runPython(_ path: String) throws {
    var template = Array("/tmp/sandbox-bench-script-XXXXXX".utf8CString)
    let script = mkstemp(&template)
    unlink(String(cString: template))
    let text = Array("print(sum(range(10)))\n".utf8)
    _ = write(script, text, text.count)
    let devNull = open("/dev/null", O_WRONLY)
    var capture = Sandbox.Configuration(module: .file(path: path))
    capture.arguments = ["-"]
    capture.limits.vmMemoryMiB = 512
    capture.standardIO = Sandbox.StandardIO(input: script, output: devNull, error: devNull)
    lseek(script, 0, SEEK_SET)
    let snapshot = try Sandbox(capture).snapshot(at: .firstStandardInputRead)
    var restored = capture
    restored.module = .snapshot(snapshot)
    restored.arguments = []
    let sandbox = try Sandbox(restored)
    rows.append(("python one-line script from a stdin snapshot", try measure(options.pythonRuns) {
        lseek(script, 0, SEEK_SET)
        guard try sandbox.run() == 0 else { throw SandboxError.trap("python failed") }
    }))
    // KVM's counters add up over the vCPU's life, which a kept VM's spans runs: one run's are a difference.
    sandbox.configuration.virtualMachine.collectsVCPUCounters = true
    var counters: [[String: UInt64]] = []
    for _ in 0..<2 {
        lseek(script, 0, SEEK_SET)
        try sandbox.run()
        counters.append(Dictionary(sandbox.statistics.vcpuCounters.map { ($0.name, $0.value) }) { first, _ in first })
    }
    for name in ["exits", "pf_taken"] {
        figures.append(("python \(name) per run", Double((counters[1][name] ?? 0) - (counters[0][name] ?? 0)), ""))
    }
}

@MainActor func run() throws {
    if let python = options.python { try runPython(python) }
    for isolation in options.isolations {
        let fresh = try Sandbox(configuration(isolation))
        rows.append(("\(isolation) fresh sandbox", try measure(options.fresh) { _ = try fresh.invoke("nothing") }))

        let snapshot = try Sandbox(configuration(isolation)).snapshot(at: .afterInitialization)
        if isolation == .vm {
            rows.append(("vm restored, new VM each", try measure(max(options.restores / 10, 100)) {
                _ = try restoredSandbox(snapshot).invoke("nothing")
            }))
        }
        let warm = try restoredSandbox(snapshot)
        _ = try warm.invoke("nothing")
        let name = isolation == .vm ? "vm restored, kept VM reset" : "process restored"
        rows.append((name, try measure(options.restores) { _ = try warm.invoke("nothing") }))

        // Cost per dirty page: the median time of executions dirtying K pages, against K.
        var medians: [(pages: Int, microseconds: Double)] = []
        for pages in [1, 16, 256, 1024] {
            let times = try measure(200) { _ = try warm.invoke("dirty", [.i32(UInt32(pages))]) }
            medians.append((pages, percentile(times, 0.5)))
        }
        let slope = (medians.last!.microseconds - medians.first!.microseconds)
            / Double(medians.last!.pages - medians.first!.pages)
        figures.append(("\(isolation) per dirty page", slope, "us"))
        for (pages, median) in medians { figures.append(("\(isolation) dirty \(pages) pages p50", median, "us")) }

        if isolation == .vm {
            // Memory per pooled sandbox, each keeping the VM its last execution left: this process's resident pages,
            // and the host's memory in use (KVM's page tables and vCPU state are the kernel's, not in this process).
            let (resident, available) = (residentKilobytes(), availableKilobytes())
            let pool = try (0..<options.pool).map { _ in try restoredSandbox(snapshot) }
            for sandbox in pool { _ = try sandbox.invoke("nothing") }
            figures.append(("vm resident per pooled sandbox", Double(residentKilobytes() - resident) / Double(options.pool), "KiB"))
            figures.append(("vm host memory per pooled sandbox", Double(available - availableKilobytes()) / Double(options.pool), "KiB"))
        }
    }
}

do {
    try run()
} catch {
    print("sandbox-bench: \(error)")
    exit(1)
}

if options.json {
    var entries: [String] = []
    for row in rows {
        entries.append("\"\(row.name)\": {\"p50\": \(percentile(row.times, 0.5)), \"p99\": \(percentile(row.times, 0.99)), "
            + "\"min\": \(row.times[0]), \"count\": \(row.times.count)}")
    }
    for figure in figures { entries.append("\"\(figure.name)\": {\"value\": \(figure.value), \"unit\": \"\(figure.unit)\"}") }
    print("{" + entries.joined(separator: ", ") + "}")
} else {
    func format(_ value: Double) -> String { String(Int(value.rounded())) }
    print("time to a ready sandbox (invoke of an empty export), microseconds")
    for row in rows {
        print("  \(row.name): p50 \(format(percentile(row.times, 0.5)))  p99 \(format(percentile(row.times, 0.99)))  "
            + "min \(format(row.times[0]))  (\(row.times.count) runs)")
    }
    for figure in figures { print("  \(figure.name): \((figure.value * 10).rounded() / 10) \(figure.unit)") }
}
