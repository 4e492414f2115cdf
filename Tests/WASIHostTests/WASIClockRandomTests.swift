import Foundation
import TestSupport
import Testing

/// tests/wasi/clock_random.c in both isolation modes. In the micro-VM the guest answers the clocks from its
/// time-stamp counter and random_get from its own CSPRNG without leaving the VM; the results must behave as the
/// host's do in-process: clocks that agree with the host's around the run and never go backwards, random bytes
/// that fill exactly the buffer and differ per run, EINVAL and EFAULT alike.
@Suite(.serialized)
struct WASIClockRandomTests {
    struct Run {
        var hostBefore: (realtime: UInt64, monotonic: UInt64)
        var hostAfter: (realtime: UInt64, monotonic: UInt64)
        var result: WASITestSupport.RunResult

        func value(_ key: String) -> String? {
            result.standardOutput.split(separator: "\n").first { $0.hasPrefix(key + "=") }
                .map { String($0.dropFirst(key.count + 1)) }
        }

        /// The lines that must be the same in every run and both modes.
        var fixedLines: [Substring] {
            result.standardOutput.split(separator: "\n").filter { !$0.contains("=") || $0.contains("->") }
        }
    }

    static func hostClocks() -> (realtime: UInt64, monotonic: UInt64) {
        func read(_ clock: clockid_t) -> UInt64 {
            var time = timespec()
            clock_gettime(clock, &time)
            return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
        }
        return (read(CLOCK_REALTIME), read(CLOCK_MONOTONIC))
    }

    static func run(isolation: String) throws -> Run {
        let module = try WASITestSupport.compile("clock_random")
        let before = hostClocks()
        let result = try WASITestSupport.run(
            try BuiltExecutable.named("swiftlet"), ["run", "--isolation", isolation, module.path])
        return Run(hostBefore: before, hostAfter: hostClocks(), result: result)
    }

    @Test("clocks agree with the host's, in the micro-VM", .needsKVM)
    func clocksMatchTheHostInVM() throws { try Self.checkClocksMatchTheHost(isolation: "vm") }

    @Test("clocks agree with the host's, in-process")
    func clocksMatchTheHostInProcess() throws { try Self.checkClocksMatchTheHost(isolation: "process") }

    static func checkClocksMatchTheHost(isolation: String) throws {
        let run = try Self.run(isolation: isolation)
        #expect(run.result.status == 0, "\(run.result)")
        let realtime = try #require(run.value("realtime").flatMap { UInt64($0) })
        let monotonic = try #require(run.value("monotonic").flatMap { UInt64($0) })
        // In the VM the guest's clocks start from the host's, read just after the guest's time-stamp counter: they
        // may lead the host's by those reads (microseconds), never trail them.
        let slack: UInt64 = 1_000_000
        #expect(realtime >= run.hostBefore.realtime && realtime <= run.hostAfter.realtime + slack)
        #expect(monotonic >= run.hostBefore.monotonic && monotonic <= run.hostAfter.monotonic + slack)
        #expect(run.result.standardOutput.contains("absolute deadline passed: yes"))
        for clock in 0..<4 {
            #expect(run.result.standardOutput.contains("clock \(clock) backwards 0 advanced yes"))
        }
        #expect(!run.result.standardOutput.contains(": NO") && !run.result.standardOutput.contains("filled NO"))
        #expect(!run.result.standardOutput.contains("BROKEN"))
    }

    @Test("the same answers, errors included, in the VM as in-process", .needsKVM)
    func sameInBothModes() throws {
        let inVM = try Self.run(isolation: "vm")
        let inProcess = try Self.run(isolation: "process")
        #expect(inVM.fixedLines == inProcess.fixedLines)
        #expect(inVM.fixedLines.contains("__wasi_clock_time_get(4, 1, &time) -> 28"))
        #expect(inVM.fixedLines.contains("__wasi_random_get((uint8_t *)(end - 3), 4) -> 21"))
        #expect(inVM.fixedLines.contains("__wasi_random_get((uint8_t *)(end - 3), 3) -> 0"))
        #expect(inVM.fixedLines.filter { $0.hasSuffix("-> 21") }.count == 5)
    }

    @Test("random bytes differ from run to run, in the micro-VM", .needsKVM)
    func randomDiffersPerRunInVM() throws { try Self.checkRandomDiffersPerRun(isolation: "vm") }

    @Test("random bytes differ from run to run, in-process")
    func randomDiffersPerRunInProcess() throws { try Self.checkRandomDiffersPerRun(isolation: "process") }

    static func checkRandomDiffersPerRun(isolation: String) throws {
        let first = try #require(try Self.run(isolation: isolation).value("random"))
        let second = try #require(try Self.run(isolation: isolation).value("random"))
        #expect(first.count == 64)
        #expect(first != second)
    }
}
