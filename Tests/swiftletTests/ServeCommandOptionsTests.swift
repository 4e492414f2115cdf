import Swiftlet
import SwiftletServe
import Testing
@testable import swiftlet

/// What `swiftlet serve`'s options make of the server's configuration (the servers themselves are
/// Tests/SwiftletServeTests').
@Suite struct ServeCommandOptionsTests {
    @Test func oneModuleServesEveryPath() throws {
        let command = try ServeCommand.parse(
            ["--env", "A=1", "--kv-store", "s", "--workers", "3", "--memory", "64", "app.wasm", "x", "--y"])
        let configuration = try command.serveConfiguration()
        var route = Route(path: "/...", module: "app.wasm")
        route.arguments = ["x", "--y"]
        route.environment = ["A=1"]
        route.kvStores = ["s"]
        #expect(configuration.routes == [route])
        #expect(configuration.listenAddress == "127.0.0.1:8080")
        #expect(configuration.isolation == .vm && configuration.workerCount == 3)
        #expect(configuration.limits.vmMemoryMiB == 64)
        #expect(configuration.limits.timeout == .seconds(ServeCommand.defaultTimeout))
        #expect(configuration.keyValue != nil)
        // Per-request sandboxes send forwarded WASI calls by exit; a long-running module through the mailbox.
        #expect(!configuration.virtualMachine.wasiMailbox)
        let longRunning = try ServeCommand.parse(["--model", "long-running", "app.wasm"]).serveConfiguration()
        #expect(longRunning.virtualMachine.wasiMailbox && longRunning.limits.timeout == nil)
    }

    @Test(arguments: [
        ["--routes", "r.yaml", "app.wasm"],
        [],
        ["--routes", "r.yaml", "--env", "A=1"],
        ["--routes", "r.yaml", "--kv-store", "s"],
        ["--model", "long-running", "--routes", "r.yaml"],
        ["--kv-dir", "/tmp", "--kv", "redis://127.0.0.1:1", "app.wasm"],
    ])
    func conflictingOptionsAreRefused(arguments: [String]) throws {
        let command = try ServeCommand.parse(arguments)
        #expect(throws: CommandFailure.self) { try command.serveConfiguration() }
    }
}
