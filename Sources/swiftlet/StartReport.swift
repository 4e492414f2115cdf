import Swiftlet

/// `run --verbose`: how the module was started, on stderr. Times count from when `run` began (after the process
/// started and its arguments were parsed), on CLOCK_MONOTONIC.
struct StartReport {
    let isEnabled: Bool
    let began = monotonicNanoseconds()

    func note(_ text: String) {
        guard isEnabled else { return }
        writeToStandardError("swiftlet: " + text)
    }

    /// What the sandbox reported about the run that `entry` began.
    func note(_ statistics: RunStatistics, entry: String) {
        // For measurements (bench/parity), printed without --verbose: what the run cost in exits, including those
        // the host kernel handled itself.
        if !statistics.vcpuCounters.isEmpty {
            let counted = statistics.vcpuCounters.filter { $0.value != 0 }.map { "\($0.name)=\($0.value)" }
            writeToStandardError(
                "swiftlet: vCPU statistics: exits to the monitor=\(statistics.vmExitCount ?? 0) "
                    + counted.joined(separator: " "))
        }
        switch statistics.moduleCache {
        case .disabled: note("module cache: off")
        case .hit: note("module cache: hit (the bodies were validated before; not validated again)")
        case .miss: note("module cache: miss (every body validated now, then recorded)")
        }
        if let time = statistics.entryTime, time >= began {
            let tenths = (time - began) / 100_000
            note("`\(entry)` reached \(tenths / 10).\(tenths % 10) ms after run began")
        } else {
            note("the module's `\(entry)` was not reached")
        }
        if let reason = statistics.interpreterFallback {
            note("the interpreter runs this module, not machine code: \(reason)")
        }
        if let translated = statistics.translatedFunctionCount, let defined = statistics.definedFunctionCount {
            note("translated \(translated) of the module's \(defined) functions")
        }
    }
}
