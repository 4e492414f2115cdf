import Foundation
import Glibc
import Testing
import TestSupport

/// Kubernetes' path: a pod run through containerd's CRI plugin (the API kubelet uses; tests/containers/cri_client.py
/// speaks it, as neither kubelet nor crictl is packaged by Debian) with the runtime handler `swiftlet`, as a
/// RuntimeClass selects it (README, "Kubernetes").
@Suite(
    "A pod under containerd's CRI plugin", .serialized,
    .enabled(if: containerdProblem == nil, Comment(rawValue: containerdProblem ?? "")))
struct ContainerdCRITests {
    /// The pod's pause container goes through swiftlet-runtime to runc; its module container runs in a micro-VM, its
    /// output reaching the CRI log; removing the pod leaves nothing.
    @Test func podWithAModuleContainer() throws {
        let containerd = try Containerd(cri: true)
        defer { containerd.stop() }
        let scratch = containerd.scratch.path
        let images = [
            ["build", "-o", scratch + "/probe.tar", "-t", Containerd.probeImage, try TestPrograms.buildProbe(into: scratch)],
            ["build", "-o", scratch + "/pause.tar", "-t", Containerd.pauseImage, "--platform", "linux/amd64",
             try TestPrograms.buildNative("pause", into: scratch)],
        ]
        for arguments in images {
            let build = try SwiftletBinary.run(arguments)
            try #require(build.status == 0, "swiftlet \(arguments): \(build.standardError)")
            let imported = try containerd.ctr(
                ["images", "import", "--snapshotter", containerd.snapshotter, arguments[2]], namespace: Containerd.criNamespace)
            try #require(imported.status == 0, "ctr images import: \(imported.standardError)")
        }
        let logs = scratch + "/pod-logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let client = WASICompiler.repositoryRoot.appendingPathComponent("tests/containers/cri_client.py").path
        let result = try ChildProgram.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", client, containerd.socket, logs, "swiftlet", Containerd.probeImage, "args", "from", "the pod"],
            timeout: 120)
        try #require(result.status == 0, "cri_client.py: \(result.standardError)")
        let outcome = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(outcome["exited"] as? Bool == true)
        #expect(outcome["exit_code"] as? Int == 0)
        // CRI's log format: time, stream, tag (F: a full line), the line.
        let lines = (outcome["log"] as? String ?? "").split(separator: "\n").map { $0.split(separator: " ", maxSplits: 3) }
        #expect(lines.map { $0.count == 4 ? "\($0[1]) \($0[3])" : "" } == ["stdout from", "stdout the pod"])
        let pod = try #require(outcome["pod"] as? String)
        // The pause container (native) could only have run by the hand-over to runc: the pod would not have started.
        let states = (try? FileManager.default.contentsOfDirectory(atPath: containerd.runcRoot + "/k8s.io/swiftlet")) ?? []
        #expect(states == [], "state directories left")
        #expect(try containerd.ctr(["containers", "list", "--quiet"], namespace: Containerd.criNamespace).standardOutput == "")
        #expect(try containerd.ctr(["tasks", "list", "--quiet"], namespace: Containerd.criNamespace).standardOutput == "")
        let deadline = ContinuousClock.now + .seconds(5)
        while !containerd.processesLeft().isEmpty, ContinuousClock.now < deadline { usleep(10_000) }
        #expect(containerd.processesLeft() == [], "pod \(pod)")
        #expect(containerd.mountsLeft() == [])
    }
}
