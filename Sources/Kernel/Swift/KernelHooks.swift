#if hasFeature(Embedded)
import Hooks
import KernelSupport
import SwiftletABI
import WasmEngine

/// The hooks boot info names (``BootInfo/hookTableAddress``), loaded beside the module: their output goes to the
/// region the monitor reserved, drained by a ``Hypercall/hookOutput`` exit when full, and a failing hook is reported
/// with a ``Hypercall/hookFailure`` exit.
enum KernelHooks {
    /// The hooks, or nil when boot info names none; a hook that cannot be set up ends the run.
    static func load(_ bootInfo: BootInfo) -> HookSet? {
        guard bootInfo.hookCount > 0 else { return nil }
        var modules: [HookModule] = []
        for index in 0..<Int(bootInfo.hookCount) {
            let words = bytes(at: bootInfo.hookTableAddress + UInt64(index * HookRecord.byteCount),
                count: UInt64(HookRecord.byteCount))
            let record = HookRecord(word: { UInt64(littleEndian: words.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) })
            let name = String(decoding: bytes(at: record.nameAddress, count: record.nameLength), as: UTF8.self)
            do throws(HookError) {
                modules.append(try HookModule(
                    name: name,
                    // Lent, not copied: the monitor's copy stays in place for the whole run.
                    bytes: ModuleBytes(unsafeBorrowing: bytes(at: record.moduleAddress, count: record.moduleSize)),
                    configuration: Array(bytes(at: record.configurationAddress, count: record.configurationLength))))
            } catch {
                Hypercalls.failure(.hookFailed, message: error.description)
            }
        }
        var settings = HookSettings()
        settings.fuelPerEvent = bootInfo.hookFuel
        settings.endsRunOnFailure = bootInfo.hookFailureEndsRun != 0
        // SAFETY: the monitor reserved HookOutputRegion.size bytes at this 8-byte aligned address for the hooks'
        // output; nothing else in the guest uses them.
        let region = UnsafeMutableRawBufferPointer(
            start: UnsafeMutableRawPointer(bitPattern: UInt(bootInfo.hookOutputAddress)),
            count: Int(HookOutputRegion.size))
        let output = HookOutput(region: region) { Hypercalls.drainHookOutput() }
        do throws(HookError) {
            return try HookSet(
                modules, settings: settings, output: output, now: { GuestClock.now(0) ?? 0 },  // WASI clock 0, CLOCK_REALTIME
                report: { Hypercalls.reportHookFailure($0) })
        } catch {
            Hypercalls.failure(.hookFailed, message: error.description)
        }
    }

    private static func bytes(at address: UInt64, count: UInt64) -> UnsafeRawBufferPointer {
        // SAFETY: the monitor placed `count` bytes at `address` inside guest memory (BootInfo's hook table), below the
        // heap, and nothing writes there during the run.
        UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: UInt(address)), count: Int(count))
    }
}
#endif
