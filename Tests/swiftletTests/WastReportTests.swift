import Testing
@testable import swiftlet

@Suite struct WastReportTests {
    @Test func workerLinesRoundTrip() {
        let outcomes: [WastOutcome] = [
            .passed, .completed, .failed("expected [i32:1]\ngot \\ nothing"), .skipped("text-format module"),
            .passedWithDifferentMessage("expected \"a\", got \"b\""),
        ]
        let output = outcomes.enumerated()
            .map { WastWorkerProtocol.line(commandIndex: $0.offset, outcome: $0.element) }
            .joined(separator: "\n") + "\nFatal error: noise that is not a protocol line\n"
        let parsed = WastWorkerProtocol.outcomes(in: output)
        #expect(parsed.count == outcomes.count)
        for (index, outcome) in outcomes.enumerated() {
            #expect(parsed[index] == outcome)
        }
    }

    private func result(_ outcomes: [WastOutcome]) -> WastScriptResult {
        let commands = outcomes.indices.map {
            WastScriptCommand(line: 10 * ($0 + 1), kind: .assertInvalid(.binary("m.wasm"), message: "type mismatch"))
        }
        return WastScriptResult(name: "s.wast", commands: commands, outcomes: outcomes)
    }

    @Test func passingScriptIsOneLine() {
        let report = result([.passed, .completed, .skipped("text"), .passedWithDifferentMessage("x")])
        #expect(report.passedCount == 2)
        #expect(report.failedCount == 0)
        #expect(report.reportLines(verbose: false) == [
            "PASS s.wast (2 assertions, 1 text-format modules skipped, 1 with a different error message)"
        ])
        #expect(report.reportLines(verbose: true).last == "  line 40: assert_invalid: note: x")
    }

    @Test func failingScriptListsTheFirstFailures() {
        let report = result([.passed, .failed("a"), .failed("b"), .failed("c")])
        #expect(report.reportLines(verbose: false, failureLimit: 2) == [
            "FAIL s.wast: 3 of 4 failed",
            "  line 20: assert_invalid: a",
            "  line 30: assert_invalid: b",
            "  ... and 1 more (--verbose lists them all)",
        ])
        #expect(report.reportLines(verbose: true, failureLimit: 2).count == 4)
    }

    @Test func scriptThatCouldNotRunCountsAsOneFailure() {
        var report = WastScriptResult(name: "gone.wast")
        report.setupFailure = "no such file"
        #expect(report.failedCount == 1)
        #expect(report.reportLines(verbose: false) == ["FAIL gone.wast: no such file"])
    }
}
