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
