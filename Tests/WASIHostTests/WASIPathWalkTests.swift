import Foundation
import TestSupport
import Testing

/// Random paths over a tree full of symbolic links (inside, escaping, absolute, looping) resolve as in
/// wasmtime, every one that resolves reaches an inode inside the sandbox, and random sequences of creating,
/// removing, renaming and linking leave the same tree as in wasmtime and nothing changed outside.
@Suite(.needsKVM)
struct WASIPathWalkTests {
    /// A small deterministic generator (SplitMix64), so a failure can be replayed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var value = state
            value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
            value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
            return value ^ (value >> 31)
        }
    }

    static func makeTree(_ root: URL) throws {
        let files = FileManager.default
        let sandbox = root.appendingPathComponent("sandbox")
        let outside = root.appendingPathComponent("outside")
        for directory in ["sandbox/a/b", "outside/a/b"] {
            try files.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        for file in ["sandbox/f", "sandbox/a/f", "sandbox/a/b/f", "outside/f", "outside/a/f"] {
            try Data(file.utf8).write(to: root.appendingPathComponent(file))
        }
        let links = [
            "in": "a/b", "a/up": "..", "a/b/up": "../..", "a/b/out": "../../..", "out": "../outside",
            "abs": outside.path, "loop": "loop", "a/b/chain": "../../in/up/in", "a/dangling": "missing",
            "a/b/flink": "../f", "a/slash": "b/",
        ]
        for (link, target) in links {
            try files.createSymbolicLink(atPath: sandbox.appendingPathComponent(link).path, withDestinationPath: target)
        }
    }

    /// The inodes of everything in the sandbox, links not followed.
    static func sandboxInodes(_ sandbox: URL) throws -> Set<UInt64> {
        var inodes: Set<UInt64> = []
        var status = stat()
        if lstat(sandbox.path, &status) == 0 { inodes.insert(UInt64(status.st_ino)) }
        for case let path as String in FileManager.default.enumerator(atPath: sandbox.path)! {
            if lstat(sandbox.appendingPathComponent(path).path, &status) == 0 { inodes.insert(UInt64(status.st_ino)) }
        }
        return inodes
    }

    static func randomPaths(count: Int, seed: UInt64) -> [String] {
        var generator = SeededGenerator(state: seed)
        let components = ["a", "b", "f", "..", ".", "in", "up", "out", "abs", "loop", "chain", "dangling", "flink", "slash", "missing", ""]
        return (0..<count).map { _ in
            var path = (0..<Int.random(in: 1...5, using: &generator)).map { _ in components.randomElement(using: &generator)! }
                .joined(separator: "/")
            if Int.random(in: 0..<8, using: &generator) == 0 { path += "/" }
            if Int.random(in: 0..<16, using: &generator) == 0 { path = "/" + path }
            return path
        }
    }

    /// Operations for tests/wasi/path_ops.c, `~` standing for an empty path component.
    static func randomOperations(count: Int, seed: UInt64) -> String {
        var generator = SeededGenerator(state: seed)
        let components = ["a", "b", "f", "g", "..", ".", "in", "up", "out", "abs", "loop", "dangling", "flink", "new", "~"]
        func path() -> String {
            var path = (0..<Int.random(in: 1...3, using: &generator)).map { _ in components.randomElement(using: &generator)! }
                .joined(separator: "/")
            if Int.random(in: 0..<10, using: &generator) == 0 { path += "/" }
            return path
        }
        let operations = ["mkdir", "rmdir", "unlink", "create", "trunc", "rename", "link", "symlink", "readlink"]
        let linkTargets = ["a", "../x", "..", "f", "b/../..", "new/f", "b/"]
        return (0..<count).map { _ in
            let operation = operations.randomElement(using: &generator)!
            switch operation {
            case "rename", "link": return "\(operation) \(path()) \(path())"
            case "symlink": return "symlink \(linkTargets.randomElement(using: &generator)!) \(path())"
            default: return "\(operation) \(path())"
            }
        }.joined(separator: "\n") + "\n"
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func randomOperationsLeaveTheSameTreeAsWasmtime(seed: UInt64) throws {
        let module = try WASITestSupport.compile("path_ops")
        let input = Self.randomOperations(count: 500, seed: seed)
        var outputs: [String] = []
        var trees: [[String: String]] = []
        for runner in ["swiftlet", "wasmtime"] {
            let root = try WASITestSupport.temporaryDirectory()
            try Self.makeTree(root)
            let outside = root.appendingPathComponent("outside")
            let outsideBefore = try WASITestSupport.snapshot(outside, withTimes: true)
            let sandbox = root.appendingPathComponent("sandbox")
            let options = ["--dir", sandbox.path + "::/sandbox", module.path]
            let result =
                runner == "swiftlet"
                ? try WASITestSupport.run(try BuiltExecutable.named("swiftlet"), ["run"] + options, input: input)
                : try WASITestSupport.run(
                    try WASITestSupport.python(),
                    [WASITestSupport.programsDirectory.appendingPathComponent("run_wasmtime.py").path] + options, input: input)
            #expect(result.status == 0, "\(runner): \(result.standardError)")
            #expect(try WASITestSupport.snapshot(outside, withTimes: true) == outsideBefore, "\(runner) changed the outside")
            #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["outside", "sandbox"])
            outputs.append(result.standardOutput)
            trees.append(try WASITestSupport.snapshot(sandbox).mapValues { $0.replacingOccurrences(of: root.path, with: "<root>") })
        }
        let ours = outputs[0].split(separator: "\n"), theirs = outputs[1].split(separator: "\n")
        #expect(ours.count == 500)
        for (line, reference) in zip(ours, theirs) where line != reference {
            Issue.record("swiftlet `\(line)` but wasmtime `\(reference)`")
        }
        #expect(ours.count == theirs.count)
        #expect(trees[0] == trees[1])
        #expect(ours.filter { $0.hasSuffix("-> 0") }.count > 20)
    }

    @Test func randomPathsResolveAsInWasmtimeAndStayInside() throws {
        let module = try WASITestSupport.compile("path_walk")
        let paths = Self.randomPaths(count: 1500, seed: 20261123)
        let input = paths.joined(separator: "\n") + "\n"
        var outputs: [String] = []
        for runner in ["swiftlet", "wasmtime"] {
            let root = try WASITestSupport.temporaryDirectory()
            try Self.makeTree(root)
            let sandbox = root.appendingPathComponent("sandbox")
            let insideInodes = try Self.sandboxInodes(sandbox)
            let options = ["--dir", sandbox.path + "::/sandbox", module.path]
            let result =
                runner == "swiftlet"
                ? try WASITestSupport.run(try BuiltExecutable.named("swiftlet"), ["run"] + options, input: input)
                : try WASITestSupport.run(
                    try WASITestSupport.python(),
                    [WASITestSupport.programsDirectory.appendingPathComponent("run_wasmtime.py").path] + options, input: input)
            #expect(result.status == 0, "\(runner): \(result.standardError)")
            // wasmtime reports hashes, not inodes (its preview1 sits on preview2, which has none): only swiftlet's
            // inodes can be checked against the tree.
            if runner == "swiftlet" {
                let reached = result.standardError.split(separator: "\n").compactMap { UInt64($0) }
                #expect(reached.count > 100)
                let escaped = reached.filter { !insideInodes.contains($0) }
                #expect(escaped.isEmpty, "swiftlet reached inodes outside the sandbox: \(escaped)")
            }
            outputs.append(result.standardOutput)
        }
        let ours = outputs[0].split(separator: "\n"), theirs = outputs[1].split(separator: "\n")
        #expect(ours.count == paths.count * 3)
        for (line, reference) in zip(ours, theirs) where line != reference {
            Issue.record("swiftlet `\(line)` but wasmtime `\(reference)`")
        }
        #expect(ours.count == theirs.count)
    }
}
