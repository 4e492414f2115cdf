import ArgumentParser
import FoundationEssentials
import WasmEngine

struct WastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wast",
        abstract: "Runs WebAssembly spec scripts (.wast) and reports their assertions.",
        discussion: """
            Each script is converted with `wasm-tools json-from-wast` (which must be on PATH) and run in a \
            worker process, so that a crash of the engine fails only the command that crashed. Text-format \
            modules of assert_malformed cannot be read and are counted as skipped.
            """
    )

    @Argument(help: "The spec scripts to run.")
    var scripts: [String] = []

    @Flag(help: "List every failure, and every error message that differs from the script's.")
    var verbose = false

    @Flag(help: "Run the scripts in this process: simpler to debug, but a crash ends the whole run.")
    var inProcess = false

    @Option(help: "Seconds one command's code may run before it is interrupted (and fails).")
    var commandTimeout: Double = 20

    @Option(help: "Seconds a script may take, crashes and restarts included, before its worker is stopped.")
    var timeout: Double = 300

    @OptionGroup var features: WasmFeatureOptions

    @Option(help: "Which code runs the modules: compiler (machine code) or interpreter.")
    var tier: ExecutionTier = .compiler

    @Option(help: .hidden)
    var worker: String?

    @Option(help: .hidden)
    var skip: [Int] = []

    func validate() throws {
        if worker == nil && scripts.isEmpty { throw ValidationError("no spec script given") }
    }

    func run() throws {
        if let worker {
            try reportingFailures {
                try WastScriptRunner.runWorker(
                    json: URL(fileURLWithPath: worker), skipping: Set(skip), commandTimeLimit: commandTimeout,
                    refusedFeatures: try features.refused(), tier: tier)
            }
            return
        }
        try reportingFailures {
            let runner = WastScriptRunner(
                converter: try WastConverter(),
                isolation: inProcess ? .inProcess : .workerProcess(.init(timeout: timeout, maxCrashes: 25)),
                commandTimeLimit: commandTimeout,
                featureList: features.list,
                refusedFeatures: try features.refused(),
                tier: tier
            )
            var passed = 0
            var failed = 0
            var skipped = 0
            for script in scripts {
                let result = runner.run(scriptPath: script)
                result.reportLines(verbose: verbose).forEach(writeToStandardOutput)
                passed += result.passedCount
                failed += result.failedCount
                skipped += result.skippedCount
            }
            if skipped > 0 { writeToStandardOutput("\(skipped) text-format modules skipped") }
            writeToStandardOutput("\(passed) passed, \(failed) failed")
            if failed > 0 { throw ExitCode.failure }
        }
    }
}
