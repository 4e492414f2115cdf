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
        for _ in 0..<10 {
            var rejected = 0
            let seconds = Self.seconds { rejected = Self.validateAll(module) }
            #expect(rejected == 0)
            validatorTimes.append(seconds)
        }
        var translatorTimes: [Double] = []
        for _ in 0..<2 {
            var rejected = 0
            let seconds = Self.seconds { rejected = Self.compileAll(module) }
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

    // The loops take what they read into locals first: this file is compiled unoptimized, and a method of
    // `ModuleBodies` would copy it (and its module's arrays) for every body.

    /// How many bodies the validator rejects.
    static func validateAll(_ module: ModuleBodies) -> Int {
        let (bytes, bodies, firstIndex) = (module.bytes, module.bodies, module.importedFunctionCount)
        var validator = FunctionValidator(module: module.module)
        var rejected = 0
        for (index, range) in bodies.enumerated() {
            var reader = BinaryReader(bytes: bytes, offset: range.lowerBound, end: range.upperBound)
            do {
                try validator.validate(functionIndex: UInt32(firstIndex + index), body: &reader)
            } catch {
                rejected += 1
            }
        }
        return rejected
    }

    /// How many bodies the translator rejects.
    static func compileAll(_ module: ModuleBodies) -> Int {
        let (bytes, bodies, firstIndex, decoded) = (module.bytes, module.bodies, module.importedFunctionCount, module.module)
        var rejected = 0
        for (index, range) in bodies.enumerated() {
            var reader = BinaryReader(bytes: bytes, offset: range.lowerBound, end: range.upperBound)
            do {
                _ = try FunctionCompiler.compile(module: decoded, functionIndex: UInt32(firstIndex + index), body: &reader)
            } catch {
                rejected += 1
            }
        }
        return rejected
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
