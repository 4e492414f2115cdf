// W^X in the micro-VM: the seal hypercall's checks, the page tables the monitor writes, and what the vCPU enforces.

import Glibc
@testable import Monitor
import SwiftletABI
import Testing

/// How the guest may use the page at `address`, read from the page tables in `memory` as the MMU walks them; nil when
/// it is not mapped.
func guestPageAccess(
    _ address: UInt64, in memory: borrowing GuestMemory
) throws -> (writable: Bool, user: Bool, executable: Bool)? {
    var table = LongModeSetup.pml4Address.rawValue
    var access = (writable: true, user: true, executable: true)
    for shift: UInt64 in [39, 30, 21, 12] {
        let entry = try memory.load(UInt64.self, at: GuestPhysicalAddress(table + (address >> shift & 511) * 8))
        guard entry & LongModeSetup.present != 0 else { return nil }
        access.writable = access.writable && entry & LongModeSetup.writable != 0
        access.user = access.user && entry & LongModeSetup.user != 0
        access.executable = access.executable && entry & LongModeSetup.noExecute == 0
        if shift == 12 || (shift == 21 && entry & LongModeSetup.largePage != 0) { return access }
        table = entry & 0x000F_FFFF_FFFF_F000
    }
    return nil
}

@Suite("The seal hypercall")
struct SealCodeHypercallTests {
    static let memorySize: UInt64 = 8 << 20
    let guestRegion = GuestRange(
        start: GuestPhysicalAddress(SwiftletABI.guestRegionStart), length: memorySize - SwiftletABI.guestRegionStart)!
    let arena = GuestRange(start: GuestPhysicalAddress(6 << 20), length: 2 << 20)!
    let requestAddress: UInt64 = 0x30_0000
    let codeAddress: UInt64 = 0x31_0000
    let code: [UInt8] = [0x90, 0x90, 0xC3]

    /// Makes the seal hypercall `times` times (stopping at a refusal) and hands `check` its last result and the memory.
    func seal(
        destination: UInt64, length: UInt64, source: UInt64? = nil, times: Int = 1,
        check: (Result<HypercallDispatcher.Action, HypercallError>, borrowing GuestMemory) throws -> Void
    ) throws {
        let memory = try GuestMemory(size: Self.memorySize)
        try memory.write(code, at: GuestPhysicalAddress(codeAddress))
        try memory.store(
            SealCodeRequest(sourceAddress: source ?? codeAddress, destinationAddress: destination, length: length),
            at: GuestPhysicalAddress(requestAddress))
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 16, codeArena: arena)
        var result: Result<HypercallDispatcher.Action, HypercallError> = .success(.resume)
        for _ in 0..<times where (try? result.get()) != nil {
            result = Result { () throws(HypercallError) in
                try dispatcher.handleOut(
                    port: Hypercall.sealCode.port, size: 4, value: UInt32(requestAddress), memory: memory)
            }
        }
        try check(result, memory)
    }

    @Test("sealing copies the code into the arena and maps its pages read-only and executable, the rest unmapped")
    func seals() throws {
        let destination = arena.start.rawValue + 0x1000
        try seal(destination: destination, length: UInt64(code.count)) { result, memory throws in
            #expect(try result.get() == .resume)
            #expect(try memory.readBytes(at: GuestPhysicalAddress(destination), count: UInt64(code.count)) == code)
            let entry = try memory.load(UInt64.self, at: CodeArena(range: arena).entryAddress(ofPage: destination))
            #expect(entry == destination | LongModeSetup.present | LongModeSetup.user)
            for other in [arena.start.rawValue, destination + 0x1000] {
                #expect(try memory.load(UInt64.self, at: CodeArena(range: arena).entryAddress(ofPage: other)) == 0)
            }
        }
    }

    @Test("the seal refuses destinations outside the arena, misaligned or empty, and sources outside guest memory",
        arguments: [
            (UInt64(4 << 20), UInt64(3), UInt64?.none),  // the heap, not the arena
            (UInt64(0x20_0000), UInt64(3), nil),  // the kernel's text
            (LongModeSetup.firstKernelTableAddress, UInt64(3), nil),  // the page tables
            (UInt64(8 << 20) - 0x1000, UInt64(0x2000), nil),  // runs past the arena's end
            (UInt64(6 << 20) + 1, UInt64(3), nil),  // not a page boundary
            (UInt64(6 << 20), UInt64(0), nil),  // nothing to seal
            (UInt64(6 << 20), UInt64.max, nil),  // a length that wraps
            (UInt64(6 << 20), UInt64(3), UInt64(0x1000)),  // source in the monitor's page
        ])
    func refuses(destination: UInt64, length: UInt64, source: UInt64?) throws {
        try seal(destination: destination, length: length, source: source) { result, memory throws in
            #expect(throws: HypercallError.self) { try result.get() }
            for page in stride(from: arena.start.rawValue, to: arena.end, by: 0x1000) {
                #expect(try memory.load(UInt64.self, at: CodeArena(range: arena).entryAddress(ofPage: page)) == 0)
            }
        }
    }

    @Test("a sealed page is never sealed again: its code cannot be replaced")
    func refusesResealing() throws {
        try seal(destination: arena.start.rawValue, length: 3, times: 2) { result, memory throws in
            #expect(throws: HypercallError.malformedRequest(
                .sealCode, "the code page at 0x\(String(arena.start.rawValue, radix: 16)) is sealed already")
            ) { try result.get() }
            #expect(try memory.readBytes(at: arena.start, count: 3) == code)
        }
    }

    @Test("no other hypercall may name the arena: an fd_read, a host call or a console write there is refused")
    func otherHypercallsCannotReachTheArena() throws {
        let memory = try GuestMemory(size: Self.memorySize)
        let echo: HypercallDispatcher.HostCallHandler = { _, arguments, _, _ in .returned(arguments) }
        let fdRead = try #require(WASIFunction.names.firstIndex { $0.description == "fd_read" })
        var dispatcher = HypercallDispatcher(
            guestRegion: guestRegion, consoleLimit: 16, wasiHandler: { _, _, bytes in
                bytes.initializeMemory(as: UInt8.self, repeating: 0xCC)
                return 0
            }, hostCallHandler: echo, codeArena: arena)
        // Each straddles the arena's first byte or lies in it, as a hostile guest would name a sealed page.
        let straddling = arena.start.rawValue - 0x1000
        let requests: [(Hypercall, any ABIRecord, GuestPhysicalAddress)] = [
            (.wasi, WASICallRequest(function: UInt64(fdRead), memoryAddress: straddling, memorySize: 0x2000,
                arguments: [0, 0, 1, 8]), GuestPhysicalAddress(straddling)),
            (.hostCall, HostCallRequest(function: 0, memoryAddress: arena.start.rawValue, memorySize: 16,
                valuesAddress: codeAddress, argumentCount: 1, resultCount: 1), arena.start),
            (.hostCall, HostCallRequest(function: 0, memoryAddress: 0, memorySize: 0,
                valuesAddress: arena.start.rawValue, argumentCount: 1, resultCount: 1), arena.start),
            (.consoleWrite, ConsoleWriteRequest(bufferAddress: arena.start.rawValue + 8, length: 4),
                arena.start.adding(8)!),
        ]
        for (hypercall, request, refused) in requests {
            try memory.store(request, at: GuestPhysicalAddress(requestAddress))
            #expect {
                try dispatcher.handleOut(port: hypercall.port, size: 4, value: UInt32(requestAddress), memory: memory)
            } throws: { error in
                guard case .bufferOutsideGuestRegion(let address, _) = error as? HypercallError else { return false }
                return address == refused
            }
        }
        // A request record in the arena is refused as well, and the arena's bytes stayed untouched.
        #expect(throws: HypercallError.requestOutsideGuestRegion(address: arena.start)) {
            try dispatcher.handleOut(port: Hypercall.wasi.port, size: 4, value: UInt32(arena.start.rawValue), memory: memory)
        }
        #expect(try memory.readBytes(at: arena.start, count: 0x1000).allSatisfy { $0 == 0 })
        // The same WASI call just below the arena is served: only the arena is refused.
        try memory.store(
            WASICallRequest(function: UInt64(fdRead), memoryAddress: straddling, memorySize: 0x1000, arguments: []),
            at: GuestPhysicalAddress(requestAddress))
        #expect(try dispatcher.handleOut(port: Hypercall.wasi.port, size: 4, value: UInt32(requestAddress), memory: memory)
            == .resume)
        #expect(try memory.load(UInt8.self, at: GuestPhysicalAddress(straddling)) == 0xCC)
    }

    @Test("a VM without an arena refuses every seal")
    func refusesWithoutArena() throws {
        let memory = try GuestMemory(size: Self.memorySize)
        try memory.store(
            SealCodeRequest(sourceAddress: codeAddress, destinationAddress: 6 << 20, length: 3),
            at: GuestPhysicalAddress(requestAddress))
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 16)
        #expect(throws: HypercallError.self) {
            try dispatcher.handleOut(port: Hypercall.sealCode.port, size: 4, value: UInt32(requestAddress), memory: memory)
        }
    }
}

@Suite("W^X in the micro-VM", .serialized, .enabled(if: kvmAvailable, kvmUnavailableReason))
struct GuestPagePermissionTests {
    static let arenaSize: UInt64 = 2 << 20
    /// Where the arena of a 64 MiB VM without a snapshot lies: its last large page.
    static let arenaStart = MicroVMConfiguration().memorySize - arenaSize
    static let recordOffset = 0x200
    static let payloadOffset = 0x300

    /// Runs raw `code` at `codeAddress` in a VM with a code arena; a seal request at `recordOffset` names the `payload`
    /// placed at `payloadOffset`, for the arena's first page.
    func run(_ code: [UInt8], payload: [UInt8] = []) throws -> MicroVMResult {
        var image = code + [UInt8](repeating: 0x90, count: Self.recordOffset - code.count)
        let record = SealCodeRequest(
            sourceAddress: codeAddress.rawValue + UInt64(Self.payloadOffset), destinationAddress: Self.arenaStart,
            length: UInt64(max(payload.count, 1)))
        record.forEachWord { _, word in image += X86.littleEndian(word) }
        image += [UInt8](repeating: 0, count: Self.payloadOffset - image.count) + payload
        var configuration = MicroVMConfiguration()
        configuration.codeArenaSize = Self.arenaSize
        var vm = try MicroVM(
            system: try KVMSystem(), kernel: KernelImage(code: image, loadAddress: codeAddress),
            configuration: configuration)
        #expect(vm.layout.codeArena == GuestRange(start: GuestPhysicalAddress(Self.arenaStart), length: Self.arenaSize))
        return try vm.run(timeLimit: .seconds(5))
    }

    var seal: [UInt8] { X86.out32(port: Hypercall.sealCode.port, value: UInt32(codeAddress.rawValue) + UInt32(Self.recordOffset)) }
    /// `mov eax, address; jmp rax`
    func jump(to address: UInt64) -> [UInt8] { [0xB8] + X86.littleEndian(UInt32(address)) + [0xFF, 0xE0] }
    /// `mov [address], eax` with a 32-bit absolute address.
    func store(at address: UInt64) -> [UInt8] { [0x89, 0x04, 0x25] + X86.littleEndian(UInt32(address)) }

    @Test("sealed code runs at once: the vCPU sees the monitor's new mapping without a flush")
    func sealedCodeRuns() throws {
        let result = try run(seal + jump(to: Self.arenaStart), payload: X86.out32(port: Hypercall.exit.port, value: 42))
        #expect(result.outcome == .exited(status: 42))
    }

    @Test("sealed code is not writable")
    func sealedCodeIsReadOnly() throws {
        let result = try run(seal + store(at: Self.arenaStart), payload: X86.ud2)
        #expect(result.outcome == .fault(.shutdown, rip: codeAddress.rawValue + UInt64(seal.count)))
    }

    @Test("the arena's unsealed pages are not mapped")
    func unsealedPagesFault() throws {
        #expect(try run(jump(to: Self.arenaStart)).outcome == .fault(.shutdown, rip: Self.arenaStart))
        #expect(try run(store(at: Self.arenaStart)).outcome == .fault(.shutdown, rip: codeAddress.rawValue))
    }

    @Test("data pages are not executable and the kernel's text is not writable")
    func dataIsNotExecutable() throws {
        let heap: UInt64 = 8 << 20
        #expect(try run(jump(to: heap)).outcome == .fault(.shutdown, rip: heap))
        #expect(try run(store(at: codeAddress.rawValue)).outcome == .fault(.shutdown, rip: codeAddress.rawValue))
        // The same store to the heap works: the fault above is the text's protection.
        #expect(try run(store(at: heap) + X86.out32(port: Hypercall.exit.port, value: 0)).outcome == .exited(status: 0))
    }

    @Test("the kernel compiles a module: no guest page is both writable and executable, and only text and sealed code run",
        .enabled(if: kernelBytes != nil, kernelMissingReason))
    func noPageIsWritableAndExecutable() throws {
        let kernel = try KernelImage(elf: kernelBytes!)
        var run = GuestRun(module: try testModule("export-compute"))
        run.invocation = GuestRun.Invocation(name: "fib", arguments: [ABIValue(type: ABIValue.i32Type, bits: 20)])
        var configuration = MicroVMConfiguration()
        configuration.run = run
        configuration.codeArenaSize = Self.arenaSize
        var vm = try MicroVM(system: try KVMSystem(), kernel: kernel, configuration: configuration)
        let result = try vm.run(timeLimit: .seconds(20))
        #expect(result.outcome == .exited(status: 0))
        #expect(result.invokeResults == [ABIValue(type: ABIValue.i64Type, bits: 6765)])
        let arena = vm.layout.codeArena
        let sealed = try #require(try guestPageAccess(arena.start.rawValue, in: vm.memory), "nothing was sealed")
        #expect(!sealed.writable && sealed.user && sealed.executable)
        var executablePages = 0
        for page in stride(from: UInt64(0), to: vm.memory.size, by: Int(GuestMemory.pageSize)) {
            guard let access = try guestPageAccess(page, in: vm.memory) else { continue }
            #expect(!(access.writable && access.executable), "page 0x\(String(page, radix: 16))")
            guard access.executable else { continue }
            executablePages += 1
            let isText = kernel.segments.contains {
                $0.isExecutable && $0.range.overlaps(GuestRange(start: GuestPhysicalAddress(page), length: 0x1000)!)
            }
            #expect(isText || arena.contains(GuestRange(start: GuestPhysicalAddress(page), length: 0x1000)!),
                "page 0x\(String(page, radix: 16)) is executable")
        }
        #expect(executablePages > 0)
    }

    @Test("machine code compiled before a snapshot runs in every restore, after a pool reset and from a snapshot file",
        .enabled(if: kernelBytes != nil, kernelMissingReason))
    func compiledCodeInSnapshots() throws {
        let snapshot = try captureSnapshot(
            "snapshot-init", point: .afterInitialization, codeArenaSize: Self.arenaSize)
        #expect(snapshot.layout.codeArena.length == Self.arenaSize)
        let bump = snapshotRun(entry: .export(.init(name: "bump", arguments: [ABIValue(type: ABIValue.i32Type, bits: 5)])))
        var vm = try MicroVM(system: KVMSystem(), restoring: snapshot, run: bump)
        // wizer.initialize ran as machine code: the arena's first page was sealed before the capture.
        let sealed = try #require(try guestPageAccess(snapshot.layout.codeArena.start.rawValue, in: vm.memory))
        #expect(!sealed.writable && sealed.executable)
        for _ in 0..<2 {
            let result = try vm.run(timeLimit: .seconds(20))
            #expect(result.outcome == .exited(status: 0))
            #expect(result.invokeResults == [ABIValue(type: ABIValue.i32Type, bits: 47)])
            try vm.reset(to: snapshot, run: bump)
        }
        let file = try TemporaryFile()
        try snapshot.write(to: file.fd)
        lseek(file.fd, 0, SEEK_SET)
        let read = try VMSnapshot(readingFrom: file.fd, kernel: try KernelImage(elf: kernelBytes!).identity)
        #expect(read.layout == snapshot.layout)
        #expect(try runRestored(read, bump).invokeResults == [ABIValue(type: ABIValue.i32Type, bits: 47)])
    }
}
