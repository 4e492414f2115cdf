// bench/snapshot: restores from an in-process snapshot, timed one by one (`swift run -c release snapshot-bench`).
//
// For each module (small.wat: a reactor whose run touches a few KiB; large.wat: 16 MiB of memory all written by
// `_initialize`): instantiate, call `_initialize`, translate `run`, capture; then, many times, make a new store, bind the module's
// imports to new host functions and restore (the "restore" figure: the sandbox is ready to run), call `run` once
// ("first run", which includes the store's first-call stack allocation and the copy-on-write faults), and free the
// store ("teardown"). Each result is checked against the original instance's. Prints p50/p99 in microseconds and the
// process's resident memory before and after the restores.

import Glibc
import MemfdImages
import WASIHost
import WasmEngine
import WasmEngineWASI

let benchDirectory = String(#filePath.dropLast("/Swift/main.swift".count))

func now() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

func residentKiB() -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return -1 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("VmRSS:") { return Int(text.dropFirst(6).filter { $0.isNumber }) ?? -1 }
    }
    return -1
}

func readModule(_ name: String) -> Module {
    guard let file = fopen("\(benchDirectory)/\(name)", "rb") else { fatalError("cannot open \(name)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count == 0 { break }
        bytes += buffer[0..<count]
    }
    do { return try Module(bytes: bytes) } catch { fatalError("\(name): \(error)") }
}

/// With `--wasi`, the WASI preview1 functions the module imports are defined in `store` by a WASI host made once
/// (`WASIHost.define(in:store:importedBy:)`); with `--wasi-all`, all 46 of them, as `swiftlet run` binds them.
let wasi: WASIHost? = {
    guard CommandLine.arguments.contains("--wasi") || CommandLine.arguments.contains("--wasi-all") else { return nil }
    var configuration = WASIHost.Configuration()
    configuration.arguments = ["bench"]
    return try? WASIHost(configuration: configuration)
}()

/// Each function import of `module` bound to a new host function of its type in `store` (returning zeros), as a
/// sandbox binds only the WASI functions its module imports; or WASIHost's functions (see `wasi`).
func bindImports(of module: Module, in store: Store, wasi: WASIHost?) -> Imports {
    var imports = Imports()
    if let wasi {
        if CommandLine.arguments.contains("--wasi-all") {
            wasi.define(in: &imports, store: store)
        } else {
            wasi.define(in: &imports, store: store, importedBy: module)
        }
        return imports
    }
    for item in module.imports {
        guard case .function(let typeIndex) = item.descriptor else { continue }
        let type = module.types[Int(typeIndex)]
        let function = store.makeHostFunction(type: type) { _, _ throws(Trap) in
            type.results.map { _ in Value.i32(0) }
        }
        imports.define(module: item.module, name: item.name, .function(function))
    }
    return imports
}

func function(_ instance: Instance, _ name: String) -> Function {
    guard case .function(let function) = instance.export(name) else { fatalError("no export \(name)") }
    return function
}

func percentile(_ sorted: [UInt64], _ fraction: Double) -> Double {
    Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]) / 1000
}

func format(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

func bench(_ name: String, mapper: MemoryImageMapper?, restores: Int, wasi: WASIHost?) {
    let module = readModule(name)
    var configuration = Store.Configuration()
    configuration.memoryImageMapper = mapper
    let original = Store(configuration: configuration)
    let snapshot: InstanceSnapshot
    let expected: [Value]
    do {
        let instance = try original.instantiate(module, imports: bindImports(of: module, in: original, wasi: wasi))
        if let initializer = instance.initializer { _ = try original.invoke(initializer, []) }
        // Translated before the capture, so that restores install its code instead of translating it.
        try original.translate(function(instance, "run"))
        let start = now()
        snapshot = try original.snapshot(of: instance)
        let captured = now()
        print("\(name), \(mapper == nil ? "copied" : "mapped (memfd)")\(wasi == nil ? "" : CommandLine.arguments.contains("--wasi-all") ? ", all of WASI bound" : ", WASIHost bound"): capture \(format(Double(captured - start) / 1000)) us")
        expected = try original.invoke(function(instance, "run"), [])
    } catch {
        fatalError("\(name): \(error)")
    }

    // Written in place (allocated and touched before RSS is first read), so RSS measures the restores alone.
    // (Each its own array: a copy would share the first one's storage until written, inside the loop.)
    func times() -> [UInt64] { [UInt64](repeating: 0, count: restores) }
    var restoreTimes = times()
    var runTimes = times()
    var teardownTimes = times()
    // Of a restore: the new store, binding its imports, `restore` itself.
    var phaseTimes = [times(), times(), times()]
    let residentBefore = residentKiB()
    for iteration in 0..<restores {
        let start = now()
        var store: Store? = Store(configuration: configuration)
        let made = now()
        let imports = bindImports(of: module, in: store!, wasi: wasi)
        let bound = now()
        let result: [Value]
        let restored: UInt64
        let ran: UInt64
        do {
            let instance = try store!.restore(snapshot, imports: imports)
            restored = now()
            result = try store!.invoke(function(instance, "run"), [])
            ran = now()
        } catch {
            fatalError("\(name): \(error)")
        }
        store = nil
        let freed = now()
        guard result == expected else { fatalError("\(name): run returned \(result), expected \(expected)") }
        restoreTimes[iteration] = restored - start
        phaseTimes[0][iteration] = made - start
        phaseTimes[1][iteration] = bound - made
        phaseTimes[2][iteration] = restored - bound
        runTimes[iteration] = ran - restored
        teardownTimes[iteration] = freed - ran
    }
    let residentAfter = residentKiB()
    restoreTimes.sort()
    runTimes.sort()
    teardownTimes.sort()
    func line(_ label: String, _ times: [UInt64]) -> String {
        "\(label) p50 \(format(percentile(times, 0.5))) us, p99 \(format(percentile(times, 0.99))) us"
    }
    print("  \(restores) restores: \(line("restore", restoreTimes)); \(line("first run", runTimes)); \(line("teardown", teardownTimes))")
    let phases = phaseTimes.map { format(percentile($0.sorted(), 0.5)) }
    print("  of a restore, p50: new store \(phases[0]) us, imports bound \(phases[1]) us, restore(_:imports:) \(phases[2]) us")
    print("  RSS \(residentBefore) KiB before the restores, \(residentAfter) KiB after")
}

// Arguments: the number of restores (10,000 by default), then optionally which runs ("small", "large", "mapped",
// "copied": each run whose name contains it); `--wasi` or `--wasi-all` anywhere binds WASIHost's functions (see `wasi`).
let arguments = CommandLine.arguments.dropFirst().filter { !$0.hasPrefix("--wasi") }
let restores = arguments.first.flatMap { Int($0) } ?? 10_000
let only = arguments.dropFirst().first
for (name, mapper, count) in [
    ("small.wasm", MemoryImageMapper.memfd, restores), ("small.wasm", nil, restores),
    ("large.wasm", .memfd, restores),
    // A copy of 16 MiB per restore: fewer of them.
    ("large.wasm", nil, max(restores / 50, 20)),
] where only.map({ "\(name) \(mapper == nil ? "copied" : "mapped")".contains($0) }) ?? true {
    bench(name, mapper: mapper, restores: count, wasi: wasi)
}
