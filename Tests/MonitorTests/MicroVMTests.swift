import Glibc
@testable import Monitor
import SwiftletABI
import Testing

// Serialized: the descriptor-count test must not see other tests' VMs come and go.
@Suite("Micro-VM on KVM", .serialized, .enabled(if: kvmAvailable, kvmUnavailableReason))
struct MicroVMTests {
    @Test("the Embedded Swift kernel boots, prints its greeting and exits with the status from boot info",
        .enabled(if: kernelBytes != nil, kernelMissingReason))
    func bootsKernel() throws {
        let system = try KVMSystem()
        let kernel = try KernelImage(elf: kernelBytes!)
        var configuration = MicroVMConfiguration()
        configuration.requestedExitStatus = 42
        var vm = try MicroVM(system: system, kernel: kernel, configuration: configuration)
        let result = try vm.run()
        #expect(result.outcome == .exited(status: 42))
        #expect(String(decoding: result.console, as: UTF8.self) == "hello from the Swiftlet guest\n")
        #expect(!result.consoleTruncated)
        // One console write for the line, one exit: the console is buffered.
        #expect(result.exitCount == 2)
    }

    @Test("the host backs guest memory with huge pages from the stack's large page to the end, not below",
        .enabled(if: kernelBytes != nil, kernelMissingReason))
    func hugePagesFromStack() throws {
        #expect(MicroVM.hugePageRange(stackBottom: 6 << 20, memorySize: 64 << 20)
            == GuestRange(start: GuestPhysicalAddress(6 << 20), length: 58 << 20))

        let system = try KVMSystem()
        let vm = try MicroVM(system: system, kernel: KernelImage(elf: kernelBytes!))
        let largePage = LongModeSetup.largePageSize
        let stackLargePage = (vm.bootInfo.stackTop - 1) / largePage * largePage
        let base = UInt(bitPattern: vm.memory.base)
        let end = base + UInt(vm.memory.size)
        let flagged = hostMappingsAdvisedHugePages()
        #expect(flagged.contains { $0.start <= base + UInt(stackLargePage) && $0.end >= end })
        #expect(!flagged.contains { $0.start < base + UInt(stackLargePage) && $0.end > base })
        // The boot info, written by the monitor, lies in the advised range.
        #expect(vm.bootInfoAddress.rawValue >= stackLargePage)
    }

    @Test("a VM takes the split IRQ chip before it has a vCPU; KVM refuses it after")
    func splitIRQChip() throws {
        let system = try KVMSystem()
        let vm = try system.createVM()
        try vm.enableSplitIRQChip()
        _ = try vm.createVCPU()
        let late = try system.createVM()
        _ = try late.createVCPU()
        #expect(throws: KVMError.self) { try late.enableSplitIRQChip() }
    }

    @Test("the kernel refuses boot info from another ABI version",
        .enabled(if: kernelBytes != nil, kernelMissingReason))
    func kernelChecksBootInfo() throws {
        let system = try KVMSystem()
        var vm = try MicroVM(system: system, kernel: KernelImage(elf: kernelBytes!))
        let versionAddress = try #require(vm.bootInfoAddress.adding(8))
        try vm.memory.store(SwiftletABI.version + 1, at: versionAddress)
        let result = try vm.run()
        #expect(result.outcome == .exited(status: Hypercall.incompatibleBootInfoStatus))
        #expect(result.console.isEmpty)
    }

    @Test("a guest exception ends the run as a fault at the faulting instruction")
    func reportsFaultWithRIP() throws {
        let system = try KVMSystem()
        let prefix = X86.out32(port: 0x5600, value: 0).count  // never executed; just an offset for ud2
        let code = [UInt8](repeating: 0x90, count: prefix) + X86.ud2
        var vm = try MicroVM(system: system, kernel: KernelImage(code: code, loadAddress: codeAddress))
        let result = try vm.run()
        #expect(result.outcome == .fault(.shutdown, rip: codeAddress.rawValue + UInt64(prefix)))
    }

    @Test("the monitor's page below the guest region is supervisor-only: a null dereference faults")
    func nullDereferenceFaults() throws {
        let system = try KVMSystem()
        var vm = try MicroVM(system: system, kernel: KernelImage(code: X86.load(from: 0x1000), loadAddress: codeAddress))
        let result = try vm.run()
        #expect(result.outcome == .fault(.shutdown, rip: codeAddress.rawValue))
    }

    @Test("a stack overflow faults in the unmapped guard below the stack instead of overwriting the kernel")
    func stackOverflowFaults() throws {
        let system = try KVMSystem()
        let stackSize = MicroVMConfiguration().stackSize
        // sub rsp, stackSize (RSP is now the stack's bottom); push rax: one slot too far.
        let code: [UInt8] = [0x48, 0x81, 0xEC] + X86.littleEndian(UInt32(stackSize)) + [0x50] + X86.out32(
            port: Hypercall.exit.port, value: 0)
        var vm = try MicroVM(system: system, kernel: KernelImage(code: code, loadAddress: codeAddress))
        #expect(try vm.run().outcome == .fault(.shutdown, rip: codeAddress.rawValue + 7))
        // One slot less is still the stack: the same code without the overflow exits normally.
        let fitting: [UInt8] = [0x48, 0x81, 0xEC] + X86.littleEndian(UInt32(stackSize - 8)) + [0x50] + X86.out32(
            port: Hypercall.exit.port, value: 0)
        var fittingVM = try MicroVM(system: system, kernel: KernelImage(code: fitting, loadAddress: codeAddress))
        #expect(try fittingVM.run().outcome == .exited(status: 0))
    }

    @Test("a hostile console-write request address is rejected and the VM stopped", arguments: [
        UInt32(0xFFFF_FFF8),  // beyond guest memory, and the record would cross the end
        UInt32(0x1000),  // the monitor's page tables
        UInt32(SwiftletABI.guestRegionStart - 8),  // straddles the start of the guest region
    ])
    func rejectsHostileRequest(address: UInt32) throws {
        let system = try KVMSystem()
        let code = X86.out32(port: Hypercall.consoleWrite.port, value: address)
        var vm = try MicroVM(system: system, kernel: KernelImage(code: code, loadAddress: codeAddress))
        let result = try vm.run()
        #expect(
            result.outcome == .rejectedHypercall(
                .requestOutsideGuestRegion(address: GuestPhysicalAddress(UInt64(address))),
                rip: codeAddress.rawValue + UInt64(code.count)))
        #expect(result.console.isEmpty)
    }

    @Test("an unknown hypercall number is rejected")
    func rejectsUnknownHypercall() throws {
        let system = try KVMSystem()
        let code = X86.out32(port: Hypercall.portBase + 0x77, value: 0)
        var vm = try MicroVM(system: system, kernel: KernelImage(code: code, loadAddress: codeAddress))
        let result = try vm.run()
        #expect(
            result.outcome == .rejectedHypercall(
                .unknownHypercall(number: 0x77), rip: codeAddress.rawValue + UInt64(code.count)))
    }

    @Test("the exit hypercall from raw code ends the run with its status")
    func exitHypercall() throws {
        let system = try KVMSystem()
        let code = X86.out32(port: Hypercall.exit.port, value: 7)
        var vm = try MicroVM(system: system, kernel: KernelImage(code: code, loadAddress: codeAddress))
        #expect(try vm.run().outcome == .exited(status: 7))
    }

    @Test("SSE runs in the guest (CPL3 executes natively on kvm-pvm, unlike CPL0)")
    func sseRuns() throws {
        let system = try KVMSystem()
        let code: [UInt8] =
            [0xB8, 5, 0, 0, 0]  // mov eax, 5
            + [0xF2, 0x0F, 0x2A, 0xC0]  // cvtsi2sd xmm0, eax
            + [0xF2, 0x0F, 0x58, 0xC0]  // addsd xmm0, xmm0
            + [0xF2, 0x0F, 0x2C, 0xC0]  // cvttsd2si eax, xmm0
            + [0xBA] + X86.littleEndian(UInt32(Hypercall.exit.port)) + [0xEF]  // mov edx, exit port; out dx, eax
        var vm = try MicroVM(system: system, kernel: KernelImage(code: code, loadAddress: codeAddress))
        #expect(try vm.run().outcome == .exited(status: 10))
    }

    @Test("a guest spinning without exits is stopped by the run's time limit")
    func spinningGuestTimesOut() throws {
        let system = try KVMSystem()
        let spin: [UInt8] = [0xEB, 0xFE]  // jmp to itself
        var vm = try MicroVM(system: system, kernel: KernelImage(code: spin, loadAddress: codeAddress))
        let start = ContinuousClock.now
        let result = try vm.run(timeLimit: .milliseconds(50))
        #expect(result.outcome == .timedOut(rip: codeAddress.rawValue))
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test("a guest making hypercalls in a loop is stopped by the run's time limit")
    func busyGuestTimesOut() throws {
        let system = try KVMSystem()
        let recordOffset = 0x100
        let loop = X86.out32(port: Hypercall.consoleWrite.port, value: UInt32(codeAddress.rawValue) + UInt32(recordOffset))
        var code = loop + [0xEB, UInt8(bitPattern: Int8(-(loop.count + 2)))]  // jmp back to the start
        code += [UInt8](repeating: 0, count: recordOffset - code.count)
        code += X86.littleEndian(codeAddress.rawValue) + X86.littleEndian(UInt64(1))  // write 1 byte of the code
        var vm = try MicroVM(system: system, kernel: KernelImage(code: code, loadAddress: codeAddress))
        let result = try vm.run(timeLimit: .milliseconds(50))
        guard case .timedOut = result.outcome else {
            Issue.record("expected a time-out, got \(result.outcome)")
            return
        }
        #expect(result.exitCount > 1)
        #expect(result.console.count == result.exitCount - 1 || result.console.count == result.exitCount)
    }

    @Test("creating and dropping 150 VMs one after another leaks no file descriptors")
    func noDescriptorGrowth() throws {
        let system = try KVMSystem()
        let kernel = try KernelImage(code: X86.out32(port: Hypercall.exit.port, value: 0), loadAddress: codeAddress)
        func runOnce() throws {
            var vm = try MicroVM(system: system, kernel: kernel)
            #expect(try vm.run().outcome == .exited(status: 0))
        }
        try runOnce()
        let before = openDescriptorCount()
        for _ in 0..<150 { try runOnce() }
        // Other suites open and close descriptors concurrently; a leak would add three per VM, 450 in all.
        #expect(openDescriptorCount() <= before + 8)
    }

    @Test("an image placed beyond guest memory or wrapping the address space is refused, not loaded", arguments: [
        UInt64(0xFFFF_FFFF_FFFF_F000),
        UInt64(1) << 40,
        UInt64(64 << 20) - 1,
    ])
    func rejectsImageOutsideMemory(address: UInt64) throws {
        let system = try KVMSystem()
        let image = try KernelImage(code: [0x90, 0x90], loadAddress: GuestPhysicalAddress(address))
        #expect(throws: MicroVMError.self) { _ = try MicroVM(system: system, kernel: image) }
    }

    @Test("a stack that does not fit in guest memory is refused")
    func rejectsHugeStack() throws {
        let system = try KVMSystem()
        var configuration = MicroVMConfiguration()
        configuration.stackSize = .max
        #expect(throws: MicroVMError.kernelTooLarge(kernelEnd: codeAddress.rawValue + 2, memorySize: 64 << 20)) {
            _ = try MicroVM(system: system, kernel: KernelImage(code: X86.ud2, loadAddress: codeAddress),
                configuration: configuration)
        }
    }

    @Test("guest memory sizes the identity map cannot cover are refused")
    func rejectsMemorySize() throws {
        let system = try KVMSystem()
        var configuration = MicroVMConfiguration()
        configuration.memorySize = 3 << 20
        #expect(throws: MicroVMError.unsupportedMemorySize(3 << 20)) {
            _ = try MicroVM(system: system, kernel: KernelImage(code: X86.ud2, loadAddress: codeAddress),
                configuration: configuration)
        }
    }
}

/// Open file descriptors of this process, counted in /proc/self/fd.
func openDescriptorCount() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(directory) }
    var count = 0
    while readdir(directory) != nil { count += 1 }
    return count
}
