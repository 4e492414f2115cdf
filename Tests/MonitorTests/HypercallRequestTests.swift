import Glibc
@testable import Monitor
import SwiftletABI
import Synchronization
import Testing

/// The run-time hypercalls (fd_write, WASI, failure, results) against hostile and valid requests, without KVM.
@Suite("Run-time hypercalls")
struct HypercallRequestTests {
    static let memorySize: UInt64 = 8 << 20
    let guestRegion = GuestRange(
        start: GuestPhysicalAddress(SwiftletABI.guestRegionStart), length: memorySize - SwiftletABI.guestRegionStart)!
    let requestAddress: UInt64 = 0x30_0000
    let tableAddress: UInt64 = 0x30_1000
    let bufferAddress: UInt64 = 0x31_0000

    /// Guest memory holding "hello" and " world" at `bufferAddress` and `bufferAddress + 16`.
    func makeMemory() throws -> GuestMemory {
        let memory = try GuestMemory(size: Self.memorySize)
        try memory.write(Array("hello".utf8), at: GuestPhysicalAddress(bufferAddress))
        try memory.write(Array(" world".utf8), at: GuestPhysicalAddress(bufferAddress + 16))
        return memory
    }

    func call(
        _ hypercall: Hypercall, memory: borrowing GuestMemory, dispatcher: inout HypercallDispatcher
    ) throws(HypercallError) -> HypercallDispatcher.Action {
        try dispatcher.handleOut(port: hypercall.port, size: 4, value: UInt32(requestAddress), memory: memory)
    }

    func fdWrite(fd: UInt64, iovecs: [(UInt64, UInt64)], count: UInt64? = nil, memory: borrowing GuestMemory,
        dispatcher: inout HypercallDispatcher) throws -> Result<HypercallDispatcher.Action, HypercallError> {
        for (index, iovec) in iovecs.enumerated() {
            try memory.store(iovec.0, at: GuestPhysicalAddress(tableAddress + UInt64(index) * 16))
            try memory.store(iovec.1, at: GuestPhysicalAddress(tableAddress + UInt64(index) * 16 + 8))
        }
        try memory.store(
            FDWriteRequest(fd: fd, iovecsAddress: tableAddress, iovecCount: count ?? UInt64(iovecs.count)),
            at: GuestPhysicalAddress(requestAddress))
        return Result { () throws(HypercallError) in try call(.fdWrite, memory: memory, dispatcher: &dispatcher) }
    }

    @Test("the hooks' output region is written out and emptied on each drain; a hostile fill level stops the VM")
    func hookOutputDrains() throws {
        let memory = try makeMemory()
        var pipeEnds: [Int32] = [0, 0]
        try #require(pipe(&pipeEnds) == 0)
        defer { pipeEnds.forEach { close($0) } }
        let region = GuestRange(start: GuestPhysicalAddress(tableAddress), length: HookOutputRegion.size)!
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024)
        // Without hooks, both hook hypercalls are malformed.
        #expect(throws: HypercallError.malformedRequest(.hookOutput, "this VM has no hooks")) {
            try dispatcher.handleOut(port: Hypercall.hookOutput.port, size: 4, value: 0, memory: memory)
        }
        dispatcher.hooks = HookChannel(region: region, descriptor: pipeEnds[1], reportFailure: { _ in })
        try memory.write(Array("trace line\n".utf8), at: GuestPhysicalAddress(tableAddress + HookOutputRegion.dataOffset))
        try memory.store(UInt64(11), at: GuestPhysicalAddress(tableAddress))
        #expect(try dispatcher.handleOut(port: Hypercall.hookOutput.port, size: 4, value: 0, memory: memory) == .resume)
        var received = [UInt8](repeating: 0, count: 64)
        #expect(read(pipeEnds[0], &received, 64) == 11)
        #expect(Array(received[..<11]) == Array("trace line\n".utf8))
        #expect(try memory.load(UInt64.self, at: GuestPhysicalAddress(tableAddress)) == 0)
        try memory.store(HookOutputRegion.capacity + 1, at: GuestPhysicalAddress(tableAddress))
        #expect(throws: HypercallError.self) {
            try dispatcher.handleOut(port: Hypercall.hookOutput.port, size: 4, value: 0, memory: memory)
        }
    }

    @Test("a hook failure's message reaches the host's report")
    func hookFailureReported() throws {
        let memory = try makeMemory()
        let reports = ReportLog()
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024)
        dispatcher.hooks = HookChannel(
            region: GuestRange(start: GuestPhysicalAddress(tableAddress), length: HookOutputRegion.size)!, descriptor: nil,
            reportFailure: { reports.append($0) })
        try memory.store(ConsoleWriteRequest(bufferAddress: bufferAddress, length: 5), at: GuestPhysicalAddress(requestAddress))
        #expect(
            try dispatcher.handleOut(port: Hypercall.hookFailure.port, size: 4, value: UInt32(requestAddress), memory: memory)
                == .resume)
        #expect(reports.messages == ["hello"])
    }

    @Test("fd_write gathers every iovec in one call and reports the bytes written")
    func fdWriteGathers() throws {
        let memory = try makeMemory()
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024)
        let result = try fdWrite(
            fd: 1, iovecs: [(bufferAddress, 5), (bufferAddress + 16, 6)], memory: memory, dispatcher: &dispatcher)
        #expect(try result.get() == .resume)
        #expect(dispatcher.console == Array("hello world".utf8))
        let reply = try memory.load(FDWriteRequest.self, at: GuestPhysicalAddress(requestAddress))
        #expect(reply.bytesWritten == 11)
        #expect(reply.errno == WASIErrno.success)
    }

    @Test("fd_write to stderr is kept apart; to any other descriptor it is EBADF")
    func fdWriteDescriptors() throws {
        let memory = try makeMemory()
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024)
        _ = try fdWrite(fd: 2, iovecs: [(bufferAddress, 5)], memory: memory, dispatcher: &dispatcher).get()
        #expect(dispatcher.errorOutput == Array("hello".utf8))
        _ = try fdWrite(fd: 7, iovecs: [(bufferAddress, 5)], memory: memory, dispatcher: &dispatcher).get()
        let reply = try memory.load(FDWriteRequest.self, at: GuestPhysicalAddress(requestAddress))
        #expect(reply.errno == WASIErrno.badFileDescriptor)
        #expect(reply.bytesWritten == 0)
        #expect(dispatcher.console.isEmpty)
    }

    @Test("a hostile iovec stops the VM before any byte is written", arguments: [
        (UInt64(0x1000), UInt64(8)),  // the monitor's page tables
        (UInt64(memorySize - 2), UInt64(5)),  // crosses the end of guest memory
        (UInt64(0x30_0000), UInt64.max),  // length wraps
        (UInt64.max - 1, UInt64(4)),  // address + length overflows
    ])
    func fdWriteRejectsHostileIovec(address: UInt64, length: UInt64) throws {
        let memory = try makeMemory()
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024)
        let result = try fdWrite(
            fd: 1, iovecs: [(bufferAddress, 5), (address, length)], memory: memory, dispatcher: &dispatcher)
        #expect(throws: HypercallError.bufferOutsideGuestRegion(address: GuestPhysicalAddress(address), length: length)) {
            try result.get()
        }
        #expect(dispatcher.console.isEmpty)
    }

    @Test("an iovec table that is too long or outside memory is refused")
    func fdWriteRejectsHostileTable() throws {
        let memory = try makeMemory()
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024)
        let tooMany = try fdWrite(fd: 1, iovecs: [], count: UInt64.max, memory: memory, dispatcher: &dispatcher)
        #expect(throws: HypercallError.self) { try tooMany.get() }
        try memory.store(FDWriteRequest(fd: 1, iovecsAddress: Self.memorySize - 8, iovecCount: 1),
            at: GuestPhysicalAddress(requestAddress))
        #expect(throws: HypercallError.bufferOutsideGuestRegion(address: GuestPhysicalAddress(Self.memorySize - 8), length: 16)) {
            try call(.fdWrite, memory: memory, dispatcher: &dispatcher)
        }
    }

    @Test("a failure report carries its kind and message; a hostile one is refused")
    func failureReports() throws {
        let memory = try makeMemory()
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024)
        try memory.store(GuestFailureReport(kind: .trap, messageAddress: bufferAddress, messageLength: 5),
            at: GuestPhysicalAddress(requestAddress))
        #expect(try call(.failure, memory: memory, dispatcher: &dispatcher)
            == .failed(GuestFailure(kind: .trap, message: "hello")))
        try memory.store(GuestFailureReport(kind: .trap, messageAddress: 0x1000, messageLength: 5),
            at: GuestPhysicalAddress(requestAddress))
        #expect(throws: HypercallError.self) { try call(.failure, memory: memory, dispatcher: &dispatcher) }
        try memory.store(UInt64(99), at: GuestPhysicalAddress(requestAddress))  // unknown kind
        #expect(throws: HypercallError.self) { try call(.failure, memory: memory, dispatcher: &dispatcher) }
    }

    @Test("invoke results end the run, are read once, bounded in number and checked against memory")
    func invokeResults() throws {
        let memory = try makeMemory()
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024)
        try memory.store(ABIValue(type: ABIValue.i64Type, bits: 42), at: GuestPhysicalAddress(tableAddress))
        try memory.store(InvokeResultsReport(valuesAddress: tableAddress, count: 1), at: GuestPhysicalAddress(requestAddress))
        #expect(try call(.invokeResults, memory: memory, dispatcher: &dispatcher) == .exit(status: 0))
        #expect(dispatcher.invokeResults == [ABIValue(type: ABIValue.i64Type, bits: 42)])
        #expect(throws: HypercallError.self) { try call(.invokeResults, memory: memory, dispatcher: &dispatcher) }

        var fresh = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024)
        try memory.store(InvokeResultsReport(valuesAddress: tableAddress, count: UInt64.max / 8),
            at: GuestPhysicalAddress(requestAddress))
        #expect(throws: HypercallError.self) { try call(.invokeResults, memory: memory, dispatcher: &fresh) }
        try memory.store(InvokeResultsReport(valuesAddress: Self.memorySize - 16, count: 2),
            at: GuestPhysicalAddress(requestAddress))
        #expect(throws: HypercallError.self) { try call(.invokeResults, memory: memory, dispatcher: &fresh) }
        #expect(fresh.invokeResults == nil)
    }

    @Test("a WASI call is answered in its record: EBADF on descriptors the VM lacks, ENOSYS otherwise")
    func wasiCall() throws {
        let memory = try makeMemory()
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024)
        func answer(_ name: String, _ arguments: [UInt64]) throws -> UInt64 {
            let number = try #require(WASIFunction.number(of: name))
            try memory.store(
                WASICallRequest(function: number, memoryAddress: bufferAddress, memorySize: 65536, arguments: arguments),
                at: GuestPhysicalAddress(requestAddress))
            #expect(try call(.wasi, memory: memory, dispatcher: &dispatcher) == .resume)
            return try memory.load(UInt64.self, at: GuestPhysicalAddress(requestAddress + WASICallRequest.errnoOffset))
        }
        #expect(try answer("fd_prestat_get", [3, 0]) == WASIErrno.badFileDescriptor)
        #expect(try answer("path_open", [3]) == WASIErrno.badFileDescriptor)
        #expect(try answer("fd_fdstat_get", [1, 0]) == WASIErrno.notImplemented)
        #expect(try answer("clock_time_get", [0, 0, 0]) == WASIErrno.notImplemented)
    }

    @Test("a WASI handler sees the call and exactly the linear memory the request names")
    func wasiHandler() throws {
        let memory = try makeMemory()
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024) { function, arguments, bytes in
            guard function == 41, arguments[0] == 7, bytes.count == 16, bytes[0] == UInt8(ascii: "h") else { return 99 }
            bytes[1] = UInt8(ascii: "a")
            return 0
        }
        try memory.store(
            WASICallRequest(function: 41, memoryAddress: bufferAddress, memorySize: 16, arguments: [7]),
            at: GuestPhysicalAddress(requestAddress))
        #expect(try call(.wasi, memory: memory, dispatcher: &dispatcher) == .resume)
        #expect(try memory.load(UInt64.self, at: GuestPhysicalAddress(requestAddress + WASICallRequest.errnoOffset)) == 0)
        #expect(try memory.readBytes(at: GuestPhysicalAddress(bufferAddress), count: 5) == Array("hallo".utf8))
    }

    @Test("a WASI call whose linear memory lies outside the guest is refused")
    func wasiRejectsHostileMemory() throws {
        let memory = try makeMemory()
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024)
        try memory.store(
            WASICallRequest(function: 0, memoryAddress: 0x1000, memorySize: 65536, arguments: []),
            at: GuestPhysicalAddress(requestAddress))
        #expect(throws: HypercallError.bufferOutsideGuestRegion(address: GuestPhysicalAddress(0x1000), length: 65536)) {
            try call(.wasi, memory: memory, dispatcher: &dispatcher)
        }
    }

    /// A dispatcher whose host functions answer as `handler` does, and a host call of `function` with `arguments`
    /// and room for `resultCount` results at `tableAddress`, the linear memory 16 bytes at `bufferAddress`.
    func hostCall(
        function: UInt64 = 5, arguments: [UInt64], resultCount: UInt64, memory: borrowing GuestMemory,
        handler: HypercallDispatcher.HostCallHandler?
    ) throws -> Result<HypercallDispatcher.Action, HypercallError> {
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024, hostCallHandler: handler)
        for (index, argument) in arguments.enumerated() {
            try memory.store(argument, at: GuestPhysicalAddress(tableAddress + UInt64(index) * 8))
        }
        try memory.store(
            HostCallRequest(
                function: function, memoryAddress: bufferAddress, memorySize: 16, valuesAddress: tableAddress,
                argumentCount: UInt64(arguments.count), resultCount: resultCount),
            at: GuestPhysicalAddress(requestAddress))
        return Result { () throws(HypercallError) in try call(.hostCall, memory: memory, dispatcher: &dispatcher) }
    }

    @Test("a host call hands its handler the arguments and exactly the linear memory named, and returns its results")
    func hostCallServed() throws {
        let memory = try makeMemory()
        let result = try hostCall(arguments: [7, 1 << 40], resultCount: 2, memory: memory) {
            function, arguments, resultCount, bytes in
            guard function == 5, arguments == [7, 1 << 40], resultCount == 2, bytes.count == 16,
                bytes[0] == UInt8(ascii: "h")
            else { return .refused("not the call made") }
            bytes[1] = UInt8(ascii: "a")
            return .returned([42, UInt64.max])
        }
        #expect(try result.get() == .resume)
        #expect(try memory.load(UInt64.self, at: GuestPhysicalAddress(tableAddress + 16)) == 42)
        #expect(try memory.load(UInt64.self, at: GuestPhysicalAddress(tableAddress + 24)) == UInt64.max)
        #expect(try memory.readBytes(at: GuestPhysicalAddress(bufferAddress), count: 5) == Array("hallo".utf8))
    }

    @Test("a host function's trap ends the run with its message")
    func hostCallTrap() throws {
        let memory = try makeMemory()
        let result = try hostCall(arguments: [], resultCount: 1, memory: memory) { _, _, _, _ in .trapped("no") }
        #expect(try result.get() == .failed(GuestFailure(kind: .trap, message: "no")))
    }

    @Test("a module without memory gives its host functions an empty one, wherever its address points")
    func hostCallWithoutMemory() throws {
        let memory = try makeMemory()
        let handler: HypercallDispatcher.HostCallHandler = { _, _, _, bytes in
            bytes.isEmpty ? .returned([]) : .refused("a memory")
        }
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024, hostCallHandler: handler)
        try memory.store(
            HostCallRequest(
                function: 0, memoryAddress: 0, memorySize: 0, valuesAddress: tableAddress, argumentCount: 0,
                resultCount: 0),
            at: GuestPhysicalAddress(requestAddress))
        #expect(try call(.hostCall, memory: memory, dispatcher: &dispatcher) == .resume)
    }

    @Test("a host call is refused when its values or memory lie outside the guest, or it does not fit the function")
    func hostCallRefused() throws {
        let memory = try makeMemory()
        let echo: HypercallDispatcher.HostCallHandler = { _, arguments, resultCount, _ in
            .returned(Array(arguments.prefix(resultCount)))
        }
        #expect(throws: HypercallError.malformedRequest(.hostCall, "this VM has no host functions")) {
            try self.hostCall(arguments: [], resultCount: 0, memory: memory, handler: nil).get()
        }
        #expect(throws: HypercallError.self) {
            try self.hostCall(arguments: [], resultCount: HostCallRequest.maximumValueCount + 1, memory: memory, handler: echo)
                .get()
        }
        #expect(throws: HypercallError.malformedRequest(.hostCall, "no such import")) {
            try self.hostCall(arguments: [1], resultCount: 1, memory: memory) { _, _, _, _ in .refused("no such import") }
                .get()
        }
        // The handler's results must fill the slots the guest left, no more and no fewer.
        #expect(throws: HypercallError.self) {
            try self.hostCall(arguments: [1], resultCount: 2, memory: memory, handler: echo).get()
        }
        for (valuesAddress, memoryAddress) in [(UInt64(0x1000), bufferAddress), (Self.memorySize - 8, bufferAddress),
            (tableAddress, UInt64(0x1000)), (tableAddress, Self.memorySize - 8)]
        {
            var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024, hostCallHandler: echo)
            try memory.store(
                HostCallRequest(
                    function: 0, memoryAddress: memoryAddress, memorySize: 16, valuesAddress: valuesAddress,
                    argumentCount: 1, resultCount: 1),
                at: GuestPhysicalAddress(requestAddress))
            #expect(throws: HypercallError.self) { try call(.hostCall, memory: memory, dispatcher: &dispatcher) }
        }
    }

    @Test("the out-of-memory hypercall ends the run with the size asked for")
    func outOfMemory() throws {
        let memory = try makeMemory()
        var dispatcher = HypercallDispatcher(guestRegion: guestRegion, consoleLimit: 1024)
        #expect(try dispatcher.handleOut(port: Hypercall.outOfMemory.port, size: 4, value: 12345, memory: memory)
            == .outOfMemory(requested: 12345))
    }
}

/// SwiftletABI's WASI names in number order (this file does not import WASIHost, whose `WASIFunction` would clash).
let abiWASIFunctionNames = WASIFunction.names.map(\.description)

/// Messages a test's hook-failure report received (the report is `@Sendable`).
private final class ReportLog: Sendable {
    private let log = Mutex<[String]>([])
    func append(_ message: String) { log.withLock { $0.append(message) } }
    var messages: [String] { log.withLock { $0 } }
}
