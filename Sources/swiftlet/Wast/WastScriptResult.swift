/// The outcomes of one script's commands, and its lines of the report.
struct WastScriptResult {
    var name: String
    var commands: [WastScriptCommand] = []
    /// One per command, in order.
    var outcomes: [WastOutcome] = []
    /// Why the script could not be run at all (missing file, conversion failure); counts as one failure.
    var setupFailure: String?

    var passedCount: Int {
        outcomes.count { outcome in
            switch outcome {
            case .passed, .passedWithDifferentMessage: return true
            default: return false
            }
        }
    }

    var failedCount: Int {
        (setupFailure == nil ? 0 : 1) + outcomes.count { if case .failed = $0 { true } else { false } }
    }

    var skippedCount: Int { outcomes.count { if case .skipped = $0 { true } else { false } } }

    var differentMessageCount: Int {
        outcomes.count { if case .passedWithDifferentMessage = $0 { true } else { false } }
    }

    /// `PASS name (n assertions)` or `FAIL name: k of n failed` and the first failures (all with `verbose`).
    func reportLines(verbose: Bool, failureLimit: Int = 5) -> [String] {
        if let setupFailure { return ["FAIL \(name): \(setupFailure)"] }

        var details: [String] = []
        if skippedCount > 0 { details.append("\(skippedCount) text-format modules skipped") }
        if differentMessageCount > 0 { details.append("\(differentMessageCount) with a different error message") }
        let detailText = details.map { ", " + $0 }.joined()
        let total = passedCount + failedCount
        guard failedCount > 0 else {
            return ["PASS \(name) (\(total) assertions\(detailText))"] + (verbose ? noteLines() : [])
        }

        var lines = ["FAIL \(name): \(failedCount) of \(total) failed\(detailText)"]
        var shown = 0
        for (command, outcome) in zip(commands, outcomes) {
            guard case .failed(let reason) = outcome else { continue }
            if !verbose && shown == failureLimit {
                lines.append("  ... and \(failedCount - shown) more (--verbose lists them all)")
                break
            }
            lines.append("  line \(command.line): \(command.typeName): \(reason)")
            shown += 1
        }
        return lines + (verbose ? noteLines() : [])
    }

    private func noteLines() -> [String] {
        zip(commands, outcomes).compactMap { command, outcome in
            guard case .passedWithDifferentMessage(let note) = outcome else { return nil }
            return "  line \(command.line): \(command.typeName): note: \(note)"
        }
    }
}
