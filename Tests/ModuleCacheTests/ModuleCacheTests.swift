import Foundation
import Testing
@testable import ModuleCache

/// Entries are found only for the same module bytes and engine version, and an entry that is damaged in any way is
/// ignored rather than believed.
@Suite struct ModuleCacheTests {
    let directory: String
    let cache: ModuleCache
    let module: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]

    init() throws {
        directory = NSTemporaryDirectory() + "swiftlet-cache-test-\(UUID().uuidString)/nested"
        cache = ModuleCache(directory: directory)
    }

    func key(_ bytes: [UInt8], version: String = "engine 1") -> ModuleCacheKey {
        bytes.withUnsafeBytes { ModuleCacheKey(module: $0, engineVersion: version) }
    }

    @Test func aMissThenAHitAfterStoring() {
        #expect(cache.entry(for: key(module)) == nil)
        cache.store(ModuleCacheEntry(bodiesValidated: true), for: key(module))
        #expect(cache.entry(for: key(module)) == ModuleCacheEntry(bodiesValidated: true))
        cache.store(ModuleCacheEntry(bodiesValidated: false), for: key(module))
        #expect(cache.entry(for: key(module)) == ModuleCacheEntry(bodiesValidated: false))
    }

    @Test func anotherModuleMisses() {
        cache.store(ModuleCacheEntry(bodiesValidated: true), for: key(module))
        #expect(cache.entry(for: key(module + [0x00])) == nil)
    }

    @Test func anEntryFromAnotherEngineVersionIsStale() {
        cache.store(ModuleCacheEntry(bodiesValidated: true), for: key(module, version: "engine 1"))
        #expect(cache.entry(for: key(module, version: "engine 2")) == nil)
        // The same length of version string, so only the bytes differ.
        #expect(cache.entry(for: key(module, version: "engine 3")) == nil)
    }

    @Test func everyCorruptionOfAnEntryIsIgnored() throws {
        let moduleKey = key(module)
        cache.store(ModuleCacheEntry(bodiesValidated: true), for: moduleKey)
        let path = cache.path(of: moduleKey)
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        for index in original.indices {
            var damaged = original
            damaged[index] ^= 0x01
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            #expect(cache.entry(for: moduleKey) == nil, "byte \(index) flipped")
        }
        for length in [0, 1, original.count - 1] {
            try Data(original.prefix(length)).write(to: URL(fileURLWithPath: path))
            #expect(cache.entry(for: moduleKey) == nil, "truncated to \(length) bytes")
        }
        try Data(original + [0]).write(to: URL(fileURLWithPath: path))
        #expect(cache.entry(for: moduleKey) == nil, "one byte appended")
        // The next store replaces the damaged entry.
        cache.store(ModuleCacheEntry(bodiesValidated: true), for: moduleKey)
        #expect(cache.entry(for: moduleKey) == ModuleCacheEntry(bodiesValidated: true))
    }

    @Test func anEntryForAnotherModuleCopiedOverThisOnesFileIsIgnored() throws {
        let other = key(module + [0x01])
        cache.store(ModuleCacheEntry(bodiesValidated: true), for: other)
        try FileManager.default.copyItem(atPath: cache.path(of: other), toPath: cache.path(of: key(module)))
        #expect(cache.entry(for: key(module)) == nil)
    }

    @Test func anUnwritableDirectoryIsNoError() {
        let unwritable = ModuleCache(directory: "/proc/swiftlet-cache")
        unwritable.store(ModuleCacheEntry(bodiesValidated: true), for: key(module))
        #expect(unwritable.entry(for: key(module)) == nil)
    }
}

/// A file's digest is reused while the file is unchanged, and computed again once it changes or its record is damaged.
@Suite struct ModuleFileIdentityTests {
    let directory = NSTemporaryDirectory() + "swiftlet-cache-identity-\(UUID().uuidString)"
    let modulePath = NSTemporaryDirectory() + "swiftlet-cache-identity-\(UUID().uuidString).wasm"

    func key(_ cache: ModuleCache, hashed: inout Int) -> ModuleCacheKey? {
        let descriptor = open(modulePath, O_RDONLY)
        defer { close(descriptor) }
        return cache.key(forFile: descriptor) {
            hashed += 1
            var status = stat()
            fstat(descriptor, &status)
            return ModuleCacheKey.digest(ofFile: descriptor, size: Int(status.st_size))
        }
    }

    @Test func theDigestIsRecordedAndReusedUntilTheFileChanges() throws {
        let cache = ModuleCache(directory: directory)
        try Data([0, 0x61, 0x73, 0x6D, 1, 0, 0, 0]).write(to: URL(fileURLWithPath: modulePath))
        var hashed = 0
        let first = key(cache, hashed: &hashed)
        #expect(hashed == 1)
        #expect(first == [UInt8]([0, 0x61, 0x73, 0x6D, 1, 0, 0, 0]).withUnsafeBytes { ModuleCacheKey(module: $0) })
        #expect(key(cache, hashed: &hashed) == first)
        #expect(hashed == 1)
        // Rewritten with other bytes of the same size: its change time moves, so the digest is computed again.
        try Data([0, 0x61, 0x73, 0x6D, 1, 0, 0, 1]).write(to: URL(fileURLWithPath: modulePath))
        let second = key(cache, hashed: &hashed)
        #expect(hashed == 2)
        #expect(second != first)
        // A damaged record is not believed.
        let recordDirectory = directory + "/files"
        let record = recordDirectory + "/" + (try FileManager.default.contentsOfDirectory(atPath: recordDirectory)[0])
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: record)))
        bytes[70] ^= 1  // inside the recorded digest
        try Data(bytes).write(to: URL(fileURLWithPath: record))
        #expect(key(cache, hashed: &hashed) == second)
        #expect(hashed == 3)
    }
}
