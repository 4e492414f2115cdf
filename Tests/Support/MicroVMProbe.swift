import Foundation
import Swiftlet

/// Whether this machine makes micro-VMs, for the tests that need one (each target's `needsKVM` trait skips them, saying
/// why, where it cannot).
public enum MicroVMProbe {
    /// Why an empty module cannot run in a micro-VM here, in the library's words; nil where it can (or fails otherwise,
    /// which the tests then report). `SWIFTLET_KVM_DEVICE` names another KVM device, as for `swiftlet run`
    /// (`SWIFTLET_KVM_DEVICE=/nonexistent` plays a machine without KVM).
    public static let problem: String? = {
        // (module (func (export "_start")))
        let module: [UInt8] = [
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
            0x07, 0x0A, 0x01, 0x06, 0x5F, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x0A, 0x04, 0x01, 0x02, 0x00, 0x0B,
        ]
        var configuration = Sandbox.Configuration(module: .bytes(module, name: "empty"))
        configuration.isolation = .vm
        configuration.limits.vmMemoryMiB = 16
        configuration.virtualMachine.kvmDevicePath = ProcessInfo.processInfo.environment["SWIFTLET_KVM_DEVICE"] ?? "/dev/kvm"
        do throws(SandboxError) {
            try Sandbox(configuration).run()
            return nil
        } catch .virtualMachineUnavailable(let reason) {
            return reason
        } catch {
            return nil
        }
    }()

    /// The isolations tests run modules in: both where micro-VMs work, else in-process only (and the VM tests are
    /// skipped, saying why).
    public static let isolations: [Isolation] = problem == nil ? Isolation.allCases : [.process]
}
