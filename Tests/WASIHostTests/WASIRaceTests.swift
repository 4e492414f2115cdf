import Foundation
import Glibc
import Synchronization
import Testing
import WASIHost

/// A hostile host-side process swaps a sandboxed directory for links that lead outside while the guest opens
/// paths through it: since resolution holds each directory open and never lets the kernel follow a link,
/// no interleaving ever reaches the outside file.
struct WASIRaceTests {
    @Test func swappingADirectoryForAnEscapingLinkNeverLeaksTheOutside() throws {
        let root = try WASITestSupport.temporaryDirectory()
        let sandbox = root.appendingPathComponent("sandbox")
        let outside = root.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: sandbox.appendingPathComponent("x"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("inside".utf8).write(to: sandbox.appendingPathComponent("x/secret"))
        try Data("OUTSIDE".utf8).write(to: outside.appendingPathComponent("secret"))

        var configuration = WASIHost.Configuration()
        configuration.preopenedDirectories = [(sandbox.path, "/sandbox")]
        let host = try WASIHost(configuration: configuration)

        let stop = Atomic<Bool>(false)
        let finished = Atomic<Bool>(false)
        let swaps = Atomic<Int>(0)
        let x = sandbox.appendingPathComponent("x").path
        let parked = sandbox.appendingPathComponent("parked").path
        let targets = ["../outside", outside.path]
        let swapper = Thread {
            var round = 0
            while !stop.load(ordering: .relaxed) {
                rename(x, parked)
                symlink(targets[round % 2], x)
                unlink(x)
                rename(parked, x)
                round += 1
                swaps.store(round, ordering: .relaxed)
            }
            finished.store(true, ordering: .releasing)
        }
        swapper.start()
        while swaps.load(ordering: .relaxed) == 0 { usleep(100) }
        defer { stop.store(true, ordering: .relaxed) }

        var bytes = [UInt8](repeating: 0, count: 4096)
        bytes.withUnsafeMutableBytes { memory in
            let view = LinearMemoryView(memory)
            let path = Array("x/secret".utf8)
            memory.copyBytes(from: path)
            // One iovec at 64: 32 bytes at 128.
            memory.storeBytes(of: UInt32(128), toByteOffset: 64, as: UInt32.self)
            memory.storeBytes(of: UInt32(32), toByteOffset: 68, as: UInt32.self)
            /// Opens and reads x/secret; whatever the interleaving, a success reads the inside file.
            func openSecret(follow: UInt32) -> Bool {
                guard host.pathOpen(
                    view, fd: 3, lookupFlags: follow, path: 0, pathLength: UInt32(path.count), openFlags: 0,
                    rightsBase: 2, rightsInheriting: 0, fdFlags: 0, resultPointer: 40) == .success
                else { return false }
                let fd = memory.load(fromByteOffset: 40, as: UInt32.self)
                #expect(host.fdRead(view, fd: fd, vectors: 64, vectorCount: 1, resultPointer: 48) == .success)
                let count = Int(memory.load(fromByteOffset: 48, as: UInt32.self))
                #expect(Array(memory[128..<128 + count]) == Array("inside".utf8))
                #expect(host.fdClose(fd: fd) == .success)
                return true
            }
            for attempt in 0..<4000 {
                _ = openSecret(follow: UInt32(attempt % 2))
            }
            stop.store(true, ordering: .relaxed)
            while !finished.load(ordering: .acquiring) { usleep(1000) }
            // With the swapper gone the directory is back in place.
            #expect(openSecret(follow: 1))
        }
        #expect(swaps.load(ordering: .relaxed) > 0)
    }
}
