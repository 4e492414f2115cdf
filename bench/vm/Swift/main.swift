// Benchmark (2) of bench/vm/run.py: from VM creation to the first guest instruction, to the kernel's first
// hypercall, and to the module's first instruction, through the Monitor API in one process.
//
// Usage: vm-bench ITERATIONS KERNEL.elf FIRST-INSTRUCTION.wasm
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
    print("vm-bench: \(message)")
    exit(1)
}

func report(_ what: String, _ samples: [Double]) {
    let sorted = samples.sorted()
    func format(_ value: Double) -> String {
        let text = String(Int((value * 10).rounded()))
        let padded = String(repeating: " ", count: max(0, 7 - text.count)) + text
        return padded.dropLast() + "." + padded.suffix(1)
    }
    let label = what + String(repeating: " ", count: max(0, 34 - what.count))
    print("  \(label) median \(format(sorted[sorted.count / 2])) us   p90 \(format(sorted[sorted.count * 9 / 10])) us"
        + "   min \(format(sorted[0])) us")
}

/// Microseconds from the start of MicroVM creation to the return of its first `KVM_RUN`, and that exit.
func timeToFirstExit(
    _ system: borrowing KVMSystem, _ kernel: KernelImage, _ configuration: MicroVMConfiguration
) throws -> (Double, VCPUExit) {
    let start = now()
    var vm = try MicroVM(system: system, kernel: kernel, configuration: configuration)
    let exit = try vm.runToNextExit()
    return (now() - start, exit)
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let iterations = Int(arguments[1]), iterations > 0 else {
    fail("usage: vm-bench ITERATIONS KERNEL.elf FIRST-INSTRUCTION.wasm")
}
do {
    let system = try KVMSystem()
    let kernel = try KernelImage(elf: readFile(arguments[2]))
    // The guest's first instruction is the exit hypercall: `mov edx, port; out dx, eax`.
    let port = Hypercall.exit.port
    let firstInstruction = try KernelImage(
        code: [0xBA, UInt8(port & 0xFF), UInt8(port >> 8), 0, 0, 0xEF],
        loadAddress: GuestPhysicalAddress(SwiftletABI.guestRegionStart))
    var selfTest = MicroVMConfiguration()
    selfTest.memorySize = 512 << 20
    var moduleRun = selfTest
    moduleRun.run = GuestRun(module: readFile(arguments[3]))

    var guest: [Double] = []
    var kernelUp: [Double] = []
    var module: [Double] = []
    for _ in 0..<iterations {
        let (guestTime, guestExit) = try timeToFirstExit(system, firstInstruction, selfTest)
        let (kernelTime, kernelExit) = try timeToFirstExit(system, kernel, selfTest)
        let (moduleTime, moduleExit) = try timeToFirstExit(system, kernel, moduleRun)
        guard case .ioOut(Hypercall.exit.port, _, _) = guestExit, case .ioOut(Hypercall.consoleWrite.port, _, _) = kernelExit,
            case .ioOut(Hypercall.exit.port, _, 0) = moduleExit
        else { fail("unexpected exits \(guestExit), \(kernelExit), \(moduleExit)") }
        guest.append(guestTime)
        kernelUp.append(kernelTime)
        module.append(moduleTime)
    }
    print("VM creation (512 MiB, real kernel image loaded) to ... (\(iterations) runs, each including one exit)")
    report("first guest instruction", guest)
    report("kernel's first hypercall (boot)", kernelUp)
    report("module's first instruction", module)
} catch {
    fail("\(error)")
}
