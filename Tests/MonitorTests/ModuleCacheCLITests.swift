import Foundation
import ModuleCache
import Testing

/// `swiftlet run`'s module cache, in the micro-VM and in-process: a module validated once starts without validating
/// its bodies again, and what an entry claims is believed only as far as it goes.
@Suite("swiftlet run: the module cache", .serialized, .enabled(if: kvmAvailable, kvmUnavailableReason),
    .enabled(if: kernelBytes != nil, kernelMissingReason),
    .enabled(if: FileManager.default.isExecutableFile(atPath: swiftletPath), swiftletMissingReason))
struct ModuleCacheCLITests {
    /// (module (func (export "ok") (result i32) i32.const 42) (func (export "bad") (result i32) i64.const 1)):
    /// invalid, for `bad`'s body leaves an i64 where an i32 is due.
    static let invalidBody: [UInt8] = [
        0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7F,
        0x03, 0x03, 0x02, 0x00, 0x00,
        0x07, 0x0C, 0x02, 0x02, 0x6F, 0x6B, 0x00, 0x00, 0x03, 0x62, 0x61, 0x64, 0x00, 0x01,
        0x0A, 0x0B, 0x02, 0x04, 0x00, 0x41, 0x2A, 0x0B, 0x04, 0x00, 0x42, 0x01, 0x0B,
    ]

    static func freshDirectory() -> String {
        NSTemporaryDirectory() + "swiftlet-cache-cli-\(UUID().uuidString)"
    }

    static func entries(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".entry") }
    }

    @Test("a run records the module as validated; the next run uses the record", arguments: ["vm", "process"])
    func aValidatedModuleIsRecordedAndReused(isolation: String) throws {
        let directory = Self.freshDirectory()
        let run = ["run", "--isolation", isolation, "--cache-dir", directory, modules + "hello.wasm"]
        let expected = CommandResult(status: 0, standardOutput: "hello from C in WebAssembly\n", standardError: "")
        #expect(try swiftlet(run) == expected)
        #expect(Self.entries(in: directory).count == 1)
        #expect(try swiftlet(run) == expected)
        #expect(try swiftlet(["run", "--isolation", isolation, "--no-cache", modules + "hello.wasm"]) == expected)
    }

    @Test("an invalid module is never recorded", arguments: ["vm", "process"])
    func anInvalidModuleIsNotRecorded(isolation: String) throws {
        let directory = Self.freshDirectory()
        let path = try temporaryModule("cache-invalid", Self.invalidBody)
        let result = try swiftlet(["run", "--isolation", isolation, "--cache-dir", directory, "--invoke", "ok", path])
        #expect(result.status == 1 && result.standardError.contains("type mismatch"), "\(result)")
        #expect(Self.entries(in: directory).isEmpty)
    }

    @Test("a record is believed only for the bodies: one that lies fails at its first call", arguments: ["vm", "process"])
    func aFalseRecordFailsAtTheFirstCall(isolation: String) throws {
        let directory = Self.freshDirectory()
        let path = try temporaryModule("cache-forged", Self.invalidBody)
        let key = Self.invalidBody.withUnsafeBytes { ModuleCacheKey(module: $0) }
        ModuleCache(directory: directory).store(ModuleCacheEntry(bodiesValidated: true), for: key)
        let run = ["run", "--isolation", isolation, "--cache-dir", directory, "--invoke"]
        #expect(try swiftlet(run + ["ok", path]) == CommandResult(status: 0, standardOutput: "42\n", standardError: ""))
        let bad = try swiftlet(run + ["bad", path])
        #expect(bad.status == 134 && bad.standardError.contains("cannot be translated"), "\(bad)")
        #expect(bad.standardError.contains("type mismatch"), "\(bad)")
    }

    @Test("a corrupted record is ignored and the module validated again", arguments: ["vm", "process"])
    func aCorruptedRecordIsIgnored(isolation: String) throws {
        let directory = Self.freshDirectory()
        let path = try temporaryModule("cache-corrupted", Self.invalidBody)
        let key = Self.invalidBody.withUnsafeBytes { ModuleCacheKey(module: $0) }
        let cache = ModuleCache(directory: directory)
        cache.store(ModuleCacheEntry(bodiesValidated: true), for: key)
        let entryPath = directory + "/" + Self.entries(in: directory)[0]
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: entryPath)))
        bytes[bytes.count - 40] ^= 0x01  // the flags word
        try Data(bytes).write(to: URL(fileURLWithPath: entryPath))
        let result = try swiftlet(["run", "--isolation", isolation, "--cache-dir", directory, "--invoke", "ok", path])
        #expect(result.status == 1 && result.standardError.contains("type mismatch"), "\(result)")
    }
}
