import Dispatch
import Glibc
import Swiftlet
import Testing

private let packageRoot = String(#filePath.split(separator: "/Tests/SwiftletTests/", maxSplits: 1)[0])
private let modules = packageRoot + "/bench/vm/modules/"

/// A file standing in for a descriptor: written before a run (stdin) or read after it (stdout).
private final class ScratchFile {
    let descriptor: Int32

    init(_ text: String = "") {
        var template = Array("/tmp/swiftlet-pool-test-XXXXXX".utf8CString)
        descriptor = mkstemp(&template)
        unlink(String(cString: template))
        _ = text.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        lseek(descriptor, 0, SEEK_SET)
    }

    deinit { close(descriptor) }

    var text: String {
        var bytes = [UInt8](repeating: 0, count: 65536)
        let count = pread(descriptor, &bytes, bytes.count, 0)
        return String(decoding: bytes[0..<max(count, 0)], as: UTF8.self)
    }
}

private func snapshot(_ module: String, _ isolation: Isolation, at point: SnapshotPoint = .afterInitialization) throws
    -> (SandboxSnapshot, Sandbox.Configuration)
{
    var configuration = Sandbox.Configuration(module: .file(path: modules + module))
    configuration.isolation = isolation
    // snapshot-stdin touches 64 MiB before it reads stdin (to give its snapshot size), and the compiler tier's code
    // arena takes an eighth of the VM's memory from its heap.
    configuration.limits.vmMemoryMiB = 320
    let stdin = ScratchFile("captured\n")
    configuration.standardIO.input = stdin.descriptor
    let snapshot = try Sandbox(configuration).snapshot(at: point)
    configuration.standardIO = Sandbox.StandardIO()
    return (snapshot, configuration)
}

@Suite("Sandbox pools: warm sandboxes reused, each tenant starting from the snapshot")
struct SandboxPoolTests {
    @Test("a tenant sees nothing of the previous one: memory, arguments, environment, stdio", arguments: Isolation.allCases)
    func tenantsShareNothing(isolation: Isolation) throws {
        let (counter, counterConfiguration) = try snapshot("reactor-counter.wasm", isolation)
        let counters = try SandboxPool(snapshot: counter, configuration: counterConfiguration, size: 1)
        for _ in 0..<5 {
            let results = try counters.withSandbox { (sandbox) throws(SandboxError) in try sandbox.invoke("next") }
            #expect(results == [.i32(101)])
        }

        let (arguments, argumentsConfiguration) = try snapshot("args.wasm", isolation)
        let pool = try SandboxPool(snapshot: arguments, configuration: argumentsConfiguration, size: 1)
        for tenant in ["first", "second"] {
            let output = ScratchFile()
            try pool.withSandbox { (sandbox) throws(SandboxError) in
                sandbox.configuration.arguments = [tenant]
                sandbox.configuration.environment = ["TENANT=\(tenant)"]
                sandbox.configuration.standardIO = Sandbox.StandardIO(output: output.descriptor, error: output.descriptor)
                #expect(try sandbox.run() == 0)
            }
            #expect(output.text.contains("arg 1: \(tenant)\nenv: TENANT=\(tenant)\n"), "\(output.text)")
            #expect(!output.text.contains(tenant == "first" ? "second" : "first"))
        }
    }

    @Test("each tenant of a stdin snapshot reads its own input and draws its own random bytes")
    func stdinSnapshotTenants() throws {
        let (reader, configuration) = try snapshot("snapshot-stdin.wasm", .vm, at: .firstStandardInputRead)
        let pool = try SandboxPool(snapshot: reader, configuration: configuration, size: 1)
        var randoms: Set<Substring> = []
        for tenant in 0..<4 {
            let (input, output) = (ScratchFile("tenant \(tenant)\n"), ScratchFile())
            try pool.withSandbox { (sandbox) throws(SandboxError) in
                sandbox.configuration.standardIO = Sandbox.StandardIO(input: input.descriptor, output: output.descriptor)
                #expect(try sandbox.run() == 0)
            }
            #expect(output.text.contains("input tenant \(tenant) random "), "\(output.text)")
            randoms.insert(output.text.split(separator: " ").last ?? "")
        }
        #expect(randoms.count == 4)
    }

    @Test("threads share a pool; each execution holds one sandbox", arguments: Isolation.allCases)
    func concurrentTenants(isolation: Isolation) throws {
        let (counter, configuration) = try snapshot("reactor-counter.wasm", isolation)
        let pool = try SandboxPool(snapshot: counter, configuration: configuration, size: 2)
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10 {
                results.record(Result { () throws(SandboxError) in try pool.withSandbox { (sandbox) throws(SandboxError) in try sandbox.invoke("next") } })
            }
        }
        #expect(results.all.count == 80)
        #expect(results.all.allSatisfy { (try? $0.get()) == [.i32(101)] })
    }
}

private final class Results: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var results: [Result<[Value], SandboxError>] = []

    init() { pthread_mutex_init(&mutex, nil) }

    func record(_ result: Result<[Value], SandboxError>) {
        pthread_mutex_lock(&mutex)
        results.append(result)
        pthread_mutex_unlock(&mutex)
    }

    var all: [Result<[Value], SandboxError>] {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return results
    }
}
