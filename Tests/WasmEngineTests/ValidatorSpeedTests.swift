import Foundation
import Testing
@testable import WasmEngine

/// Times the validator against the translator on real modules named by `SWIFTLET_VALIDATOR_BENCH`
/// (colon-separated paths; GCC's cc1 and CPython built for wasm32-wasip1 are the reference pair) in CPU time, and checks
/// that they agree on every body. Skipped when the variable is unset. The engine is optimized in every build
/// configuration (Package.swift), so a debug `swift test` times optimized code:
///
///     SWIFTLET_VALIDATOR_BENCH=/tmp/real/cc1.wasm:/tmp/real/python.wasm \
///         swift test --omit-frame-pointers --filter ValidatorSpeedTests
@Suite(.serialized) struct ValidatorSpeedTests {
    static let modules: [String] =
        (ProcessInfo.processInfo.environment["SWIFTLET_VALIDATOR_BENCH"] ?? "").split(separator: ":").map(String.init)

    @Test(.enabled(if: !modules.isEmpty, "set SWIFTLET_VALIDATOR_BENCH to module paths"), arguments: modules)
    func validatorAgainstTranslator(_ path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let module = try #require(ModuleBodies(bytes))
        let megabytes = Double(module.codeSize) / 1_000_000

        var validatorTimes: [Double] = []
        for _ in 0..<5 {
            var rejected = 0
            let seconds = Self.seconds {
                var validator = FunctionValidator(module: module.module)
                for body in module.bodies.indices where module.validate(body, with: &validator) != nil { rejected += 1 }
            }
            #expect(rejected == 0)
            validatorTimes.append(seconds)
        }
        var translatorTimes: [Double] = []
        for _ in 0..<2 {
            var rejected = 0
            let seconds = Self.seconds {
                for body in module.bodies.indices where module.compile(body) != nil { rejected += 1 }
            }
            #expect(rejected == 0)
            translatorTimes.append(seconds)
        }
        let validator = validatorTimes.min()!
        let translator = translatorTimes.min()!
        print(
            "\(path): \(module.bodies.count) bodies, \(String(format: "%.1f", megabytes)) MB of code; "
                + "validator \(String(format: "%.3f s, %.0f MB/s", validator, megabytes / validator)); "
                + "translator \(String(format: "%.3f s, %.0f MB/s", translator, megabytes / translator)); "
                + "\(String(format: "%.1f", translator / validator))x")
    }

    /// The CPU time `work` takes on this thread: on a machine shared with other builds, wall time mostly
    /// measures the wait for a core.
    static func seconds(_ work: () -> Void) -> Double {
        let start = threadCPUTime()
        work()
        return threadCPUTime() - start
    }

    static func threadCPUTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
