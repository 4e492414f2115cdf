import Monitor
import SwiftletABI
import Testing

@Suite("Hypercall dispatch")
struct HypercallTests {
    static let memorySize: UInt64 = 8 << 20
    let guestRegion = GuestRange(
        start: GuestPhysicalAddress(SwiftletABI.guestRegionStart), length: memorySize - SwiftletABI.guestRegionStart)!
    let requestAddress = GuestPhysicalAddress(0x30_0000)
    let bufferAddress = GuestPhysicalAddress(0x31_0000)

    func consoleWrite(
        bufferAddress: UInt64, length: UInt64, consoleLimit: Int = 1024
    ) throws -> (Result<HypercallDispatcher.Action, HypercallError>, HypercallDispatcher) {
        let memory = try GuestMemory(size: Self.memorySize)
        try memory.write(Array("hello".utf8), at: self.bufferAddress)
        try memory.store(ConsoleWriteRequest(bufferAddress: bufferAddress, length: length), at: requestAddress)
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: consoleLimit)
        let result = Result { () throws(HypercallError) in
            try dispatcher.handleOut(
                port: Hypercall.consoleWrite.port, size: 4, value: UInt32(requestAddress.rawValue), memory: memory)
        }
        return (result, dispatcher)
    }

    @Test("a console write copies the guest's buffer")
    func consoleWrite() throws {
        let (result, dispatcher) = try consoleWrite(bufferAddress: bufferAddress.rawValue, length: 5)
        #expect(try result.get() == .resume)
        #expect(dispatcher.console == Array("hello".utf8))
    }

    @Test("hostile console buffers are rejected", arguments: [
        (UInt64(0x1000), UInt64(16)),  // the monitor's page tables
        (UInt64(memorySize - 2), UInt64(5)),  // crosses the end of guest memory
        (UInt64(memorySize), UInt64(1)),  // just past the end
        (UInt64(0x30_0000), UInt64.max),  // length wraps the address space
        (UInt64.max - 1, UInt64(4)),  // address + length overflows
    ])
    func rejectsHostileBuffer(address: UInt64, length: UInt64) throws {
        let (result, dispatcher) = try consoleWrite(bufferAddress: address, length: length)
        #expect(throws: HypercallError.bufferOutsideGuestRegion(address: GuestPhysicalAddress(address), length: length)) {
            try result.get()
        }
        #expect(dispatcher.console.isEmpty)
    }

    @Test("console output beyond the limit is dropped and flagged")
    func truncatesConsole() throws {
        let (result, dispatcher) = try consoleWrite(bufferAddress: bufferAddress.rawValue, length: 5, consoleLimit: 3)
        #expect(try result.get() == .resume)
        #expect(dispatcher.console == Array("hel".utf8))
        #expect(dispatcher.consoleTruncated)
    }

    @Test("ports, numbers and access sizes outside the ABI are rejected", arguments: [
        (UInt16(0x3F8), UInt8(4), HypercallError.notAHypercallPort(0x3F8)),
        (Hypercall.portBase, UInt8(4), .unknownHypercall(number: 0)),
        (Hypercall.portBase + 0xFF, UInt8(4), .unknownHypercall(number: 0xFF)),
        (Hypercall.portBase + 0x100, UInt8(4), .notAHypercallPort(Hypercall.portBase + 0x100)),
        (Hypercall.exit.port, UInt8(1), .wrongAccessSize(.exit, size: 1)),
    ])
    func rejectsBadPort(port: UInt16, size: UInt8, expected: HypercallError) throws {
        let memory = try GuestMemory(size: Self.memorySize)
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 16)
        #expect(throws: expected) { try dispatcher.handleOut(port: port, size: size, value: 0, memory: memory) }
    }

    @Test("the exit hypercall carries its status")
    func exitStatus() throws {
        let memory = try GuestMemory(size: Self.memorySize)
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 16)
        #expect(try dispatcher.handleOut(port: Hypercall.exit.port, size: 4, value: 0xDEAD, memory: memory)
            == .exit(status: 0xDEAD))
    }
}

@Suite("Guest/host ABI records")
struct ABIRecordTests {
    @Test("boot info round-trips through guest memory at fixed word offsets")
    func bootInfoLayout() throws {
        var info = BootInfo(
            memorySize: 1, heapStart: 2, heapSize: 3, stackTop: 4, randomKey: (5, 22, 23, 24), requestedExitStatus: 6)
        info.tscFrequency = 25
        info.realtimeBase = 26
        info.monotonicBase = 27
        info.tscBase = 28
        info.wasiMailboxAddress = 29
        info.invokesExport = 30
        info.moduleValidation = 31
        info.moduleStartCounter = 32
        info.snapshotPoint = 33
        info.runInputsAddress = 34
        info.runInputsSize = 35
        info.linksHostFunctions = 36
        info.translatesAllFunctions = 37
        info.hookTableAddress = 38
        info.hookCount = 39
        info.hookOutputAddress = 40
        info.hookFuel = 41
        info.hookFailureEndsRun = 42
        info.codeArenaAddress = 43
        info.codeArenaSize = 44
        let memory = try GuestMemory(size: 4096)
        try memory.store(info, at: GuestPhysicalAddress(64))
        #expect(try memory.load(BootInfo.self, at: GuestPhysicalAddress(64)) == info)
        #expect(try memory.load(UInt64.self, at: GuestPhysicalAddress(64)) == BootInfo.magicValue)
        #expect(try memory.load(UInt64.self, at: GuestPhysicalAddress(64 + 8)) == SwiftletABI.version)
        #expect(try memory.load(UInt64.self, at: GuestPhysicalAddress(64 + 7 * 8)) == 6)
        for word in [6] + Array(22...44) {
            let expected: UInt64 = word == 6 ? 5 : UInt64(word)
            #expect(try memory.load(UInt64.self, at: GuestPhysicalAddress(64 + UInt64(word) * 8)) == expected)
        }
        #expect(BootInfo.byteCount == 45 * 8)
        #expect(info.isCompatible)
    }

    @Test("a hook's record round-trips at fixed word offsets")
    func hookRecordLayout() throws {
        let record = HookRecord(
            moduleAddress: 1, moduleSize: 2, nameAddress: 3, nameLength: 4, configurationAddress: 5, configurationLength: 6)
        let memory = try GuestMemory(size: 4096)
        try memory.store(record, at: GuestPhysicalAddress(64))
        #expect(try memory.load(HookRecord.self, at: GuestPhysicalAddress(64)) == record)
        for word in 0..<6 {
            #expect(try memory.load(UInt64.self, at: GuestPhysicalAddress(64 + UInt64(word) * 8)) == UInt64(word + 1))
        }
        #expect(Hypercall.hookOutput.port == Hypercall.portBase + 13)
        #expect(Hypercall.hookFailure.port == Hypercall.portBase + 14)
    }

    @Test("a host call's record round-trips at fixed word offsets")
    func hostCallRequestLayout() throws {
        let request = HostCallRequest(
            function: 1, memoryAddress: 2, memorySize: 3, valuesAddress: 4, argumentCount: 5, resultCount: 6)
        let memory = try GuestMemory(size: 4096)
        try memory.store(request, at: GuestPhysicalAddress(64))
        #expect(try memory.load(HostCallRequest.self, at: GuestPhysicalAddress(64)) == request)
        for word in 0..<6 {
            #expect(try memory.load(UInt64.self, at: GuestPhysicalAddress(64 + UInt64(word) * 8)) == UInt64(word + 1))
        }
        #expect(HostCallRequest.byteCount == 6 * 8)
        #expect(Hypercall.hostCall.port == Hypercall.portBase + 12)
    }

    @Test("records are refused where they do not fit")
    func recordBounds() throws {
        let memory = try GuestMemory(size: 4096)
        #expect(throws: GuestMemoryError.outOfBounds(address: GuestPhysicalAddress(4090), count: 16, memorySize: 4096)) {
            try memory.store(ConsoleWriteRequest(bufferAddress: 0, length: 0), at: GuestPhysicalAddress(4090))
        }
    }
}

@Suite("The guest's CSPRNG")
struct ChaCha20Tests {
    static func keystream(key: (UInt64, UInt64, UInt64, UInt64), counter: UInt64 = 0, sizes: [Int]) -> [UInt8] {
        var generator = ChaCha20(key: key, counter: counter)
        var bytes: [UInt8] = []
        for size in sizes {
            var chunk = [UInt8](repeating: 0, count: size)
            chunk.withUnsafeMutableBytes { generator.fill($0) }
            bytes += chunk
        }
        return bytes
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    @Test("RFC 8439 block function test vectors, whatever the read sizes")
    func testVectors() {
        // RFC 8439 A.1, test vector #1: all-zero key, nonce and counter.
        #expect(Self.hex(Self.keystream(key: (0, 0, 0, 0), sizes: [64])) ==
            "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
            + "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586")
        // Key 00 01 … 1f, block counter 1, across a block boundary and in odd pieces.
        let key = (0x0706_0504_0302_0100 as UInt64, 0x0F0E_0D0C_0B0A_0908 as UInt64,
            0x1716_1514_1312_1110 as UInt64, 0x1F1E_1D1C_1B1A_1918 as UInt64)
        let expected = "18b84231ade6a6d113615c61af434e27f8b1f3f5e1ad5b5cecf8fc122a35755c"
            + "7208086dd1ee3c5d9d815824640e003c9ba0f65ede5d59ce0d2a4a7f31955acd42f22ddca74a"
        #expect(Self.hex(Self.keystream(key: key, counter: 1, sizes: [70])) == expected)
        #expect(Self.hex(Self.keystream(key: key, counter: 1, sizes: [1, 3, 7, 0, 57, 2])) == expected)
    }
}
