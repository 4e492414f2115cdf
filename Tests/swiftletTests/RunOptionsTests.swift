import Testing
@testable import swiftlet

/// `main` parses the common `run` command lines itself (`RunOptions.parse`): where it does, it must agree with
/// ArgumentParser's parse of `RunCommand`, and it must leave everything else to ArgumentParser.
@Suite struct RunOptionsTests {
    static let commonCommandLines: [[String]] = [
        ["run", "m.wasm"],
        ["run", "m.wasm", "a", "--b", "-c", "--invoke", "x"],
        ["run", "--invoke", "fib", "m.wasm", "20"],
        ["run", "--invoke", "", "m.wasm"],
        ["run", "--isolation", "process", "-v", "--no-cache", "m.wasm"],
        ["run", "--isolation", "vm", "--memory", "64", "--timeout", "2.5", "--fuel", "1000", "m.wasm"],
        ["run", "--max-memory-pages", "10", "--dir", "/tmp::/sandbox", "--dir", ".", "m.wasm"],
        ["run", "--env", "A=1", "--env", "B", "--tcplisten", "127.0.0.1:8080", "--cache-dir", "/tmp/c", "m.wasm", "x"],
        ["run", "--verbose", "m.wasm"],
        ["run", "--wasm-features", "tail-call=n,extended-const=y", "m.wasm"],
    ]

    @Test(arguments: commonCommandLines)
    func agreesWithArgumentParser(commandLine: [String]) throws {
        let parsed = try #require(RunOptions.parse(commandLine))
        let command = try RunCommand.parse(Array(commandLine.dropFirst()))
        #expect(parsed == command.options)
    }

    @Test(arguments: [
        ["run"],
        ["run", "--help"],
        ["run", "-h"],
        ["run", "--fuel", "abc", "m.wasm"],
        ["run", "--isolation", "container", "m.wasm"],
        ["run", "--fuel=10", "m.wasm"],
        ["run", "--unknown", "m.wasm"],
        ["run", "--kv-store", "s", "m.wasm"],
        ["run", "--timeout", "-1", "m.wasm"],
        ["run", "--invoke"],
        ["validate", "m.wasm"],
        ["--version"],
        [],
    ])
    func leavesTheRestToArgumentParser(commandLine: [String]) {
        #expect(RunOptions.parse(commandLine) == nil)
    }
}
