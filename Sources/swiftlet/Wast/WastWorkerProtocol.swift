/// The lines a worker process writes, one per command as it finishes: `<command index> <tag> <message>`.
/// The parent reads them back, so a crash loses nothing before the crashing command.
enum WastWorkerProtocol {
    static func line(commandIndex: Int, outcome: WastOutcome) -> String {
        let (tag, message): (String, String)
        switch outcome {
        case .passed: (tag, message) = ("pass", "")
        case .passedWithDifferentMessage(let note): (tag, message) = ("note", note)
        case .failed(let reason): (tag, message) = ("fail", reason)
        case .skipped(let reason): (tag, message) = ("skip", reason)
        case .completed: (tag, message) = ("done", "")
        }
        return "\(commandIndex) \(tag) \(escape(message))"
    }

    /// The outcomes in `output`, by command index; lines that are not protocol lines are ignored.
    static func outcomes(in output: String) -> [Int: WastOutcome] {
        var outcomes: [Int: WastOutcome] = [:]
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let index = Int(fields[0]) else { continue }
            let message = unescape(fields[2])
            switch fields[1] {
            case "pass": outcomes[index] = .passed
            case "note": outcomes[index] = .passedWithDifferentMessage(message)
            case "fail": outcomes[index] = .failed(message)
            case "skip": outcomes[index] = .skipped(message)
            case "done": outcomes[index] = .completed
            default: continue
            }
        }
        return outcomes
    }

    private static func escape(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }

    private static func unescape(_ text: Substring) -> String {
        var result = ""
        var escaping = false
        for character in text {
            if escaping {
                result.append(character == "n" ? "\n" : character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
