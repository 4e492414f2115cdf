import Glibc

/// `run --verbose`: how the module was started, on stderr. Times count from when `run` began (after the process
/// started and its arguments were parsed), on CLOCK_MONOTONIC.
struct StartReport {
    let isEnabled: Bool
    let began = StartReport.now()

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    func note(_ text: String) {
        guard isEnabled else { return }
        writeToStandardError("swiftlet: " + text)
    }

    /// "`_start` reached N ms after run began", for a moment on the same clock.
    func noteModuleStart(at time: UInt64?, entry: String) {
        guard let time, time >= began else {
            note("the module's `\(entry)` was not reached")
            return
        }
        let tenths = (time - began) / 100_000
        note("`\(entry)` reached \(tenths / 10).\(tenths % 10) ms after run began")
    }

    func noteCache(_ state: CacheState) {
        switch state {
        case .disabled: note("module cache: off")
        case .hit: note("module cache: hit (the bodies were validated before; not validated again)")
        case .miss: note("module cache: miss (every body validated now, then recorded)")
        }
    }

    enum CacheState {
        case disabled, hit, miss
    }
}
