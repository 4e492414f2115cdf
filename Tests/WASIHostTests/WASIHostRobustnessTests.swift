import Foundation
import Glibc
import Testing
import WASIHost

/// Every function called with extreme and random arguments must answer with an errno, never crash the host,
/// and never touch anything outside its sandbox.
struct WASIHostRobustnessTests {
    @Test func everyFunctionSurvivesWildArguments() throws {
        let root = try WASITestSupport.temporaryDirectory()
        let sandbox = root.appendingPathComponent("sandbox")
        let outside = root.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: sandbox, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("guarded\n".utf8).write(to: outside.appendingPathComponent("file.txt"))
        let before = try WASITestSupport.snapshot(outside, withTimes: true)

        // stdin at end of file and stdout into a scratch file, so nothing blocks and nothing reaches the console.
        let input = open("/dev/null", O_RDONLY)
        let output = open(root.appendingPathComponent("stdout").path, O_WRONLY | O_CREAT, 0o600)
        defer {
            close(input)
            close(output)
        }
        var configuration = WASIHost.Configuration()
        configuration.arguments = ["program", "argument"]
        configuration.environment = ["NAME=value"]
        configuration.preopenedDirectories = [(sandbox.path, "/sandbox")]
        configuration.standardDescriptors = (input, output, output)

        let extremes: [UInt64] = [0, 1, 3, 0xFFFF, 0xFFF8, 0x1_0000, 0xFFFF_FFFF, 0xFFFF_FFF8, 0x8000_0000, .max]
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0xFF, count: 65536)
        var calls = 0
        for function in WASIFunction.allCases {
            // A fresh host for each function, so closing or renumbering descriptors leaves the others' intact.
            let host = try WASIHost(configuration: configuration)
            let arity = function.parameterIsI64.count
            var argumentSets = extremes.map { [UInt64](repeating: $0, count: arity) }
            for _ in 0..<200 {
                argumentSets.append((0..<arity).map { _ in extremes.randomElement(using: &generator)! &+ UInt64.random(in: 0...16, using: &generator) })
            }
            for arguments in argumentSets {
                // Memory full of 0xFF: poll_oneoff sees no valid subscription type, so no call can sleep.
                bytes.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0xFF) }
                let outcome = bytes.withUnsafeMutableBytes { host.call(function, LinearMemoryView($0), arguments) }
                calls += 1
                if case .exited = outcome { #expect(function == .procExit) }
            }
        }
        #expect(calls > 46 * 200)

        // poll_oneoff over random subscriptions behind one that is always ready (stdout, a regular file here), so
        // random clocks are parsed, deadlines computed, and nothing sleeps.
        let host = try WASIHost(configuration: configuration)
        for _ in 0..<3000 {
            bytes.withUnsafeMutableBytes { memory in
                for index in 0..<(8 * 48) { memory[index] = UInt8(truncatingIfNeeded: generator.next()) }
                memory.storeBytes(of: UInt8(2), toByteOffset: 8, as: UInt8.self)
                memory.storeBytes(of: UInt32(1), toByteOffset: 16, as: UInt32.self)
                for subscription in 1..<8 {
                    memory.storeBytes(of: UInt8.random(in: 0...3, using: &generator), toByteOffset: subscription * 48 + 8, as: UInt8.self)
                }
                let count = UInt32.random(in: 1...8, using: &generator)
                let outcome = host.call(.pollOneoff, LinearMemoryView(memory), [0, 4096, UInt64(count), 8192])
                #expect(outcome != .returned(.fault))
            }
        }
        #expect(try WASITestSupport.snapshot(outside, withTimes: true) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["outside", "sandbox", "stdout"])
    }
}
