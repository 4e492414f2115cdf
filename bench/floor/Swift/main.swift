// The Swift monitor's side of bench/floor: the same VM create → first exit measurement as phases.c, through the
// Monitor API, plus a whole boot of the Embedded Swift kernel (create → greeting → exit hypercall).
//
// Usage: monitor-floor [iterations] [kernel.elf]
import Glibc
import Monitor
import SwiftletABI

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) * 1e6 + Double(time.tv_nsec) / 1e3
}

func report(_ what: String, _ samples: [Double]) {
    let sorted = samples.sorted()
    func format(_ value: Double) -> String {
        let text = String(Int((value * 10).rounded()))
        let padded = String(repeating: " ", count: max(0, 7 - text.count)) + text
        return padded.dropLast() + "." + padded.suffix(1)
    }
    let label = what + String(repeating: " ", count: max(0, 11 - what.count))
    print("  \(label) median \(format(sorted[sorted.count / 2])) us   p90 \(format(sorted[sorted.count * 9 / 10])) us"
        + "   min \(format(sorted[0])) us")
}

func fail(_ message: String) -> Never {
    print("monitor-floor: \(message)")
    exit(1)
}

let arguments = CommandLine.arguments
let iterations = max(1, arguments.count > 1 ? Int(arguments[1]) ?? 200 : 200)
let kernelPath = arguments.count > 2 ? arguments[2] : ".build-kernel/swiftlet-kernel.elf"

do {
    let system = try KVMSystem()

    // mov edx, exit port; mov eax, 0; loop: out dx, eax; jmp loop — the same code as phases.c.
    let port = Hypercall.exit.port
    let code: [UInt8] = [0xBA, UInt8(port & 0xFF), UInt8(port >> 8), 0, 0, 0xB8, 0, 0, 0, 0, 0xEF, 0xEB, 0xFD]
    // Exits timed after the first one, re-entering the guest's loop: the round-trip price of one exit.
    let nextExits = 20
    let codeImage = try KernelImage(code: code, loadAddress: GuestPhysicalAddress(SwiftletABI.guestRegionStart))

    var create: [Double] = []
    var firstExit: [Double] = []
    var nextExit: [Double] = []
    var teardown: [Double] = []
    for _ in 0..<iterations {
        let start = now()
        var vm = try MicroVM(system: system, kernel: codeImage)
        let ready = now()
        var exit = try vm.runToNextExit()
        let exited = now()
        for round in 0...nextExits {
            guard exit == .ioOut(port: port, size: 4, value: 0) else { fail("unexpected exit \(exit)") }
            if round < nextExits { exit = try vm.runToNextExit() }
        }
        let looped = now()
        _ = consume vm
        teardown.append(now() - looped)
        create.append(ready - start)
        firstExit.append(exited - ready)
        nextExit.append((looped - exited) / Double(nextExits))
    }
    print("Swift monitor (\(iterations) runs: MicroVM with 64 MiB, the same 3 instructions to the first out)")
    report("create", create)
    report("first exit", firstExit)
    report("total", zip(create, firstExit).map { $0 + $1 })
    report("next exit", nextExit)
    report("teardown", teardown)

    guard let file = fopen(kernelPath, "rb") else {
        print("(no kernel at \(kernelPath): run kernel/build.sh to measure a whole boot)")
        exit(0)
    }
    var elf: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while case let count = fread(&chunk, 1, chunk.count, file), count > 0 { elf += chunk[0..<count] }
    fclose(file)
    let kernel = try KernelImage(elf: elf)

    var boot: [Double] = []
    var kernelFirstExit: [Double] = []
    for _ in 0..<iterations {
        let start = now()
        var vm = try MicroVM(system: system, kernel: kernel)
        let ready = now()
        let result = try vm.run()
        let done = now()
        guard result.outcome == .exited(status: 0) else { fail("kernel run ended with \(result.outcome)") }
        kernelFirstExit.append(ready - start)
        boot.append(done - start)
    }
    let loaded = kernel.segments.reduce(0) { $0 + $1.range.length }
    print("Swift kernel (\(iterations) runs: ELF \(elf.count) bytes, \(loaded) bytes loaded; greeting + exit = 2 exits)")
    report("create", kernelFirstExit)
    report("boot→exit", boot)
} catch {
    fail("\(error)")
}
