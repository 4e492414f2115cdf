#if hasFeature(Embedded)
import KernelSupport
import SwiftletABI

/// WASI clocks answered from the time-stamp counter, without an exit. The monitor gives the counter's frequency
/// and the host's realtime and monotonic clocks paired with a counter value read just before the vCPU first ran
/// (BootInfo); the guest counts ticks from there.
///
/// The process and thread CPU-time clocks are the guest's elapsed time since the VM started: the guest is one process with
/// one thread on one vCPU, and the time it spends waiting in host calls is not told apart.
///
/// The counter runs at its nominal frequency while the host's clocks may be slewed by NTP (at most 500 ppm), so
/// over a long run the guest's clocks can drift from the host's by that rate.
enum GuestClock {
    nonisolated(unsafe) private static var counterAtBase: UInt64 = 0
    /// Nanoseconds per tick as a 32.32 fixed-point number; 0 when the monitor gave no frequency.
    nonisolated(unsafe) private static var nanosecondsPerTick: UInt64 = 0
    nonisolated(unsafe) private static var realtimeBase: UInt64 = 0
    nonisolated(unsafe) private static var monotonicBase: UInt64 = 0
    /// The largest elapsed time handed out, so that no clock goes backwards even if the counter read does.
    nonisolated(unsafe) private static var latestElapsed: UInt64 = 0

    /// At entry, and again after a snapshot exit, with the base the monitor stamped for this run: a restored VM's
    /// counter starts over, so the time handed out before the snapshot no longer bounds anything.
    static func start(bootInfo: BootInfo) {
        latestElapsed = 0
        counterAtBase = bootInfo.tscBase
        // 10^9 · 2^32 < 2^63, and frequencies below 1 Hz are not meaningful.
        nanosecondsPerTick = bootInfo.tscFrequency == 0 ? 0 : (1_000_000_000 << 32) / bootInfo.tscFrequency
        realtimeBase = bootInfo.realtimeBase
        monotonicBase = bootInfo.monotonicBase
    }

    /// Whether the guest answers clock calls itself.
    static var isAvailable: Bool { nanosecondsPerTick != 0 }

    /// The resolution of the WASI clock `id` (one tick, rounded up to whole nanoseconds, for all four), or nil for an
    /// id preview1 does not define.
    static func resolution(_ id: UInt32) -> UInt64? {
        id <= 3 ? max(1, (nanosecondsPerTick + 0xFFFF_FFFF) >> 32) : nil
    }

    /// Nanoseconds since the monitor's clock reading, never less than a previous answer.
    static func elapsed() -> UInt64 {
        let counter = swiftlet_rdtsc()
        let ticks = counter > counterAtBase ? counter - counterAtBase : 0
        let product = ticks.multipliedFullWidth(by: nanosecondsPerTick)
        let nanoseconds = product.high << 32 | product.low >> 32
        latestElapsed = max(latestElapsed, nanoseconds)
        return latestElapsed
    }

    /// The WASI clock `id`'s time in nanoseconds, or nil for an id preview1 does not define.
    static func now(_ id: UInt32) -> UInt64? {
        switch id {
        case 0: realtimeBase &+ elapsed()
        case 1: monotonicBase &+ elapsed()
        case 2, 3: elapsed()
        default: nil
        }
    }
}
#endif
