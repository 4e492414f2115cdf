import FoundationEssentials
import WasmEngine

/// Runs spec scripts: converts each with wasm-tools, then executes its commands, by default in worker
/// processes so that an engine crash costs only the crashing command.
struct WastScriptRunner {
    enum Isolation {
        /// All in this process: simplest to debug, but a crash ends the whole run.
        case inProcess
        /// Each script in a worker process (`wast --worker`).
        case workerProcess(Workers)
    }

    /// After a crash or a timeout the worker is started again, skipping the commands that crashed, up to
    /// `maxCrashes` times and within `timeout` seconds for the whole script.
    struct Workers {
        var executable = ChildProcess.currentExecutable()
        var timeout: TimeInterval
        var maxCrashes: Int
    }

    var converter: WastConverter
    var isolation: Isolation
    /// Seconds one command's code may run before it is interrupted.
    var commandTimeLimit: TimeInterval
    /// `--wasm-features` as given, for the workers, and the features it turns off: a module using one is invalid.
    var featureList: String?
    var refusedFeatures: WasmFeatures
    var tier: ExecutionTier = .interpreter

    func run(scriptPath: String) -> WastScriptResult {
        let name = URL(fileURLWithPath: scriptPath).lastPathComponent
        var result = WastScriptResult(name: name)
        guard FileManager.default.fileExists(atPath: scriptPath) else {
            result.setupFailure = "no such file"
            return result
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("swiftlet-wast-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let json = try converter.convert(scriptPath, into: directory)
            let script = try WastScript.load(from: json)
            result.commands = script.commands
            switch isolation {
            case .inProcess:
                let session = WastSession(
                    moduleDirectory: directory, commandTimeLimit: commandTimeLimit, refusedFeatures: refusedFeatures,
                    tier: tier)
                result.outcomes = script.commands.map(session.execute)
            case .workerProcess(let workers):
                result.outcomes = try Self.runInWorkers(
                    json: json, commands: script.commands, directory: directory, commandTimeLimit: commandTimeLimit,
                    featureList: featureList, tier: tier, workers: workers)
            }
        } catch let failure as CommandFailure {
            result.setupFailure = failure.message
        } catch {
            result.setupFailure = "\(error)"
        }
        return result
    }

    /// The outcome of every command, as reported by workers run in `directory` (which gets their output files).
    static func runInWorkers(
        json: URL, commands: [WastScriptCommand], directory: URL, commandTimeLimit: TimeInterval, featureList: String?,
        tier: ExecutionTier,
        workers: Workers
    ) throws -> [WastOutcome] {
        let (timeout, maxCrashes) = (workers.timeout, workers.maxCrashes)
        var crashes: [Int: WastOutcome] = [:]
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            let worker = ChildProcess(
                executable: workers.executable,
                arguments: ["wast", "--worker", json.path, "--command-timeout", String(commandTimeLimit), "--tier", tier.name]
                    + (featureList.map { ["--wasm-features", $0] } ?? [])
                    + crashes.keys.sorted().flatMap { ["--skip", String($0)] },
                // A crash report with a symbolicated backtrace is slow and unread here.
                environment: ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 },
                scratchDirectory: directory
            )
            let run = try worker.run(timeout: max(deadline.timeIntervalSinceNow, 1))
            let outcomes = WastWorkerProtocol.outcomes(in: run.standardOutput).merging(crashes) { reported, _ in reported }
            let unfinished = commands.indices.first { outcomes[$0] == nil }
            guard run.termination != .exited(0), let crashed = unfinished else {
                return commands.indices.map { outcomes[$0] ?? .failed("not reported by the worker") }
            }
            crashes[crashed] = .failed(crashDescription(run))
            if crashes.count == maxCrashes || deadline.timeIntervalSinceNow < 1 {
                let notRun = WastOutcome.failed(
                    "not run: the worker crashed or timed out \(crashes.count) times within \(Int(timeout)) s")
                let known = outcomes.merging(crashes) { _, crash in crash }
                return commands.indices.map { known[$0] ?? notRun }
            }
        }
    }

    private static func crashDescription(_ run: ChildProcess.Result) -> String {
        let errorLines = run.standardError.split(separator: "\n").map(String.init)
        let reason = errorLines.first { $0.lowercased().contains("fatal error") } ?? errorLines.last ?? ""
        let how: String
        switch run.termination {
        case .signaled(let signal): how = "crashed (signal \(signal))"
        case .timedOut: how = "timed out"
        case .exited(let status): how = "worker exited with status \(status)"
        }
        return reason.isEmpty ? how : "\(how): \(reason.prefix(300))"
    }

    /// The worker side: runs one converted script, writing each outcome at once (see `WastWorkerProtocol`).
    static func runWorker(
        json: URL, skipping skipped: Set<Int>, commandTimeLimit: TimeInterval, refusedFeatures: WasmFeatures,
        tier: ExecutionTier
    ) throws {
        let script = try WastScript.load(from: json)
        let session = WastSession(
            moduleDirectory: json.deletingLastPathComponent(), commandTimeLimit: commandTimeLimit,
            refusedFeatures: refusedFeatures, tier: tier)
        for (index, command) in script.commands.enumerated() where !skipped.contains(index) {
            writeToStandardOutput(WastWorkerProtocol.line(commandIndex: index, outcome: session.execute(command)))
        }
    }
}
