import Foundation
import Testing
import WASIHost
import WasmEngine
import WasmEngineWASI

/// The host called directly, as the VM monitor will call it: a plain byte buffer stands in for guest memory.
struct WASIHostTests {
    /// A guest memory of `count` bytes for the duration of `body`.
    static func withLinearMemory<R>(count: Int = 65536, _ body: (LinearMemoryView, UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        var bytes = [UInt8](repeating: 0, count: count)
        return try bytes.withUnsafeMutableBytes { try body(LinearMemoryView($0), $0) }
    }

    static func place(_ text: String, at offset: Int, in bytes: UnsafeMutableRawBufferPointer) -> (UInt32, UInt32) {
        let utf8 = Array(text.utf8)
        bytes[offset..<offset + utf8.count].copyBytes(from: utf8)
        return (UInt32(offset), UInt32(utf8.count))
    }

    static func makeHost(sandbox: URL, maxOpenDescriptors: Int = 1024) throws -> WASIHost {
        var configuration = WASIHost.Configuration()
        configuration.preopenedDirectories = [(sandbox.path, "/sandbox")]
        configuration.maxOpenDescriptors = maxOpenDescriptors
        return try WASIHost(configuration: configuration)
    }

    static func openDescriptorCount() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    @Test func guestPointersOutsideMemoryAreEFAULT() throws {
        let host = try Self.makeHost(sandbox: try WASITestSupport.temporaryDirectory())
        Self.withLinearMemory(count: 4096) { memory, _ in
            #expect(host.argsSizesGet(memory, countPointer: 4092, sizePointer: 0) == .success)
            #expect(host.argsSizesGet(memory, countPointer: 4093, sizePointer: 0) == .fault)
            #expect(host.argsSizesGet(memory, countPointer: 0xFFFF_FFFE, sizePointer: 0) == .fault)
            #expect(host.randomGet(memory, buffer: 4000, length: 96) == .success)
            #expect(host.randomGet(memory, buffer: 4000, length: 97) == .fault)
            #expect(host.randomGet(memory, buffer: 0xFFFF_FFFF, length: 0xFFFF_FFFF) == .fault)
            #expect(host.randomGet(memory, buffer: 4096, length: 0) == .success)
            #expect(host.clockTimeGet(memory, id: 1, precision: 0, timePointer: 4089) == .fault)
            #expect(host.fdWrite(memory, fd: 1, vectors: 0, vectorCount: 0x2000_0000, resultPointer: 8) == .fault)
        }
        Self.withLinearMemory(count: 0) { memory, _ in
            #expect(host.fdWrite(memory, fd: 1, vectors: 0, vectorCount: 0, resultPointer: 0) == .fault)
            #expect(host.schedYield() == .success)
        }
    }

    @Test func descriptorCapGivesEMFILEWithoutLeakingHostDescriptors() throws {
        let sandbox = try WASITestSupport.temporaryDirectory()
        try Data("x".utf8).write(to: sandbox.appendingPathComponent("file"))
        // stdin, stdout, stderr and the preopen leave room for two more.
        let host = try Self.makeHost(sandbox: sandbox, maxOpenDescriptors: 6)
        try Self.withLinearMemory { memory, bytes in
            let (path, length) = Self.place("file", at: 100, in: bytes)
            func open() -> WASIErrno {
                host.pathOpen(
                    memory, fd: 3, lookupFlags: 0, path: path, pathLength: length, openFlags: 0, rightsBase: 2,
                    rightsInheriting: 0, fdFlags: 0, resultPointer: 200)
            }
            #expect(open() == .success)
            #expect(open() == .success)
            // Other suites open and close descriptors in this process meanwhile: a refused open that kept its host
            // descriptor would show as hundreds over these attempts.
            let hostDescriptors = try Self.openDescriptorCount()
            for _ in 0..<200 { #expect(open() == .tooManyOpenFiles) }
            #expect(try Self.openDescriptorCount() < hostDescriptors + 16)
            #expect(host.fdClose(fd: 4) == .success)
            #expect(open() == .success)
            #expect(bytes.load(fromByteOffset: 200, as: UInt32.self) == 4)
        }
    }

    @Test func symbolicLinkChainsEndInELOOPPastTheHopLimit() throws {
        let sandbox = try WASITestSupport.temporaryDirectory()
        try Data("end".utf8).write(to: sandbox.appendingPathComponent("target"))
        for hop in 1...41 {
            try FileManager.default.createSymbolicLink(
                atPath: sandbox.appendingPathComponent("link\(hop)").path,
                withDestinationPath: hop == 1 ? "target" : "link\(hop - 1)")
        }
        let host = try Self.makeHost(sandbox: sandbox)
        Self.withLinearMemory { memory, bytes in
            func status(_ name: String) -> WASIErrno {
                let (path, length) = Self.place(name, at: 100, in: bytes)
                return host.pathFilestatGet(memory, fd: 3, lookupFlags: 1, path: path, pathLength: length, resultPointer: 200)
            }
            #expect(status("link40") == .success)
            #expect(bytes.load(fromByteOffset: 200 + 32, as: UInt64.self) == 3)
            #expect(status("link41") == .loop)
        }
    }

    @Test func pathsThatLeaveThePreopenAreEPERM() throws {
        let root = try WASITestSupport.temporaryDirectory()
        let sandbox = root.appendingPathComponent("sandbox")
        try FileManager.default.createDirectory(at: sandbox.appendingPathComponent("a/b"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: sandbox.appendingPathComponent("a/b/up").path, withDestinationPath: "../../..")
        try FileManager.default.createSymbolicLink(atPath: sandbox.appendingPathComponent("a/b/top").path, withDestinationPath: "../..")
        let host = try Self.makeHost(sandbox: sandbox)
        Self.withLinearMemory { memory, bytes in
            func status(_ name: String) -> WASIErrno {
                let (path, length) = Self.place(name, at: 100, in: bytes)
                return host.pathFilestatGet(memory, fd: 3, lookupFlags: 1, path: path, pathLength: length, resultPointer: 200)
            }
            #expect(status("a/b/../../a/b") == .success)
            #expect(status("a/b/top/a") == .success)
            #expect(status("a/b/top") == .success)
            #expect(status("a/b/up") == .permission)
            #expect(status("a/b/up/sandbox") == .permission)
            #expect(status("a/../..") == .permission)
            #expect(status("/") == .permission)
            #expect(status("") == .noEntry)
            #expect(status("a\u{0}b") == .illegalSequence)
        }
    }

    @Test func removingDirectoryWithTrailingSlashRemovesTheNameItselfAsLinuxRmdirDoes() throws {
        let sandbox = try WASITestSupport.temporaryDirectory()
        let files = FileManager.default
        for directory in ["empty", "full/inner"] {
            try files.createDirectory(at: sandbox.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        try Data("x".utf8).write(to: sandbox.appendingPathComponent("file"))
        for (link, target) in ["dirlink": "full", "emptylink": "empty", "loop": "loop", "dangling": "missing"] {
            try files.createSymbolicLink(atPath: sandbox.appendingPathComponent(link).path, withDestinationPath: target)
        }
        let host = try Self.makeHost(sandbox: sandbox)
        Self.withLinearMemory { memory, bytes in
            func rmdir(_ name: String) -> WASIErrno {
                let (path, length) = Self.place(name, at: 100, in: bytes)
                return host.pathRemoveDirectory(memory, fd: 3, path: path, pathLength: length)
            }
            // A link is never followed, even to a directory, and is no directory.
            for link in ["dirlink/", "emptylink/", "loop/", "dangling/", "dirlink", "loop"] { #expect(rmdir(link) == .notDirectory) }
            #expect(rmdir("file/") == .notDirectory)
            #expect(rmdir("missing/") == .noEntry)
            #expect(rmdir("full/") == .notEmpty)
            #expect(rmdir("empty/") == .success)
            #expect(rmdir("full/inner/") == .success)
        }
        #expect(try files.contentsOfDirectory(atPath: sandbox.path).sorted()
            == ["dangling", "dirlink", "emptylink", "file", "full", "loop"])
        #expect(try files.contentsOfDirectory(atPath: sandbox.appendingPathComponent("full").path).isEmpty)
    }

    @Test func bridgeDefinesAllPreview1Functions() throws {
        let host = try WASIHost(configuration: WASIHost.Configuration())
        let store = Store()
        var imports = Imports()
        host.define(in: &imports, store: store)
        let names = [
            "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get", "clock_time_get",
            "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags",
            "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
            "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
            "fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get",
            "path_filestat_set_times", "path_link", "path_open", "path_readlink", "path_remove_directory",
            "path_rename", "path_symlink", "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise",
            "random_get", "sched_yield", "sock_accept", "sock_recv", "sock_send", "sock_shutdown",
        ]
        #expect(names.count == 46)
        #expect(WASIFunction.allCases.map(\.name).sorted() == names.sorted())
        // The numbers are the VM's hypercall ABI: spot-check that they never move.
        #expect(WASIFunction.argsGet.rawValue == 0)
        #expect(WASIFunction.fdWrite.rawValue == 26)
        #expect(WASIFunction.pathOpen.rawValue == 31)
        #expect(WASIFunction.sockShutdown.rawValue == 45)
        for name in names {
            guard case .function(let function)? = imports.lookup(module: "wasi_snapshot_preview1", name: name) else {
                Issue.record("\(name) is not defined")
                continue
            }
            #expect(store.type(of: function).results == (name == "proc_exit" ? [] : [.i32]), "\(name)")
        }
        guard case .function(let open)? = imports.lookup(module: "wasi_snapshot_preview1", name: "path_open") else { return }
        #expect(store.type(of: open).parameters == [.i32, .i32, .i32, .i32, .i32, .i64, .i64, .i32, .i32])
    }

    @Test func blockingCallsEndWhenInterruptedAndTrapThroughTheBridge() throws {
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        defer { for end in ends { close(end) } }
        var configuration = WASIHost.Configuration()
        configuration.standardDescriptors = (ends[0], 1, 2)
        let host = try WASIHost(configuration: configuration)
        let handle = host.interruptHandle
        #expect(!handle.isInterrupted)
        Thread.detachNewThread {
            usleep(100_000)
            handle.interrupt()
        }
        Self.withLinearMemory { memory, bytes in
            bytes.storeBytes(of: UInt32(64), toByteOffset: 0, as: UInt32.self)
            bytes.storeBytes(of: UInt32(16), toByteOffset: 4, as: UInt32.self)
            // Nothing is ever written to the pipe: only the interruption ends the read.
            #expect(host.fdRead(memory, fd: 0, vectors: 0, vectorCount: 1, resultPointer: 32) == .interrupted)
            #expect(handle.isInterrupted)
            // A ten-second clock subscription returns at once once interrupted.
            bytes.storeBytes(of: UInt8(0), toByteOffset: 1000 + 8, as: UInt8.self)
            bytes.storeBytes(of: UInt32(1), toByteOffset: 1000 + 16, as: UInt32.self)
            bytes.storeBytes(of: UInt64(10_000_000_000), toByteOffset: 1000 + 24, as: UInt64.self)
            let started = ContinuousClock.now
            #expect(host.pollOneoff(memory, subscriptions: 1000, events: 2000, count: 1, resultPointer: 40) == .interrupted)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
        let store = Store()
        var imports = Imports()
        host.define(in: &imports, store: store)
        guard case .function(let read)? = imports.lookup(module: "wasi_snapshot_preview1", name: "fd_read") else {
            Issue.record("fd_read missing")
            return
        }
        #expect(throws: Trap(.interrupted)) { try store.invoke(read, [.i32(0), .i32(0), .i32(0), .i32(0)]) }
    }

    @Test func pollWithAnEndlessClockReturnsWhenADescriptorIsReady() throws {
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        defer { for end in ends { close(end) } }
        var configuration = WASIHost.Configuration()
        configuration.standardDescriptors = (ends[0], ends[1], 2)
        let host = try WASIHost(configuration: configuration)
        Self.withLinearMemory { memory, bytes in
            // Subscription 0: a relative clock that never fires. Subscription 1: stdout (a pipe) writable.
            bytes.storeBytes(of: UInt64(7), toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: UInt8(0), toByteOffset: 8, as: UInt8.self)
            bytes.storeBytes(of: UInt32(1), toByteOffset: 16, as: UInt32.self)
            bytes.storeBytes(of: UInt64.max, toByteOffset: 24, as: UInt64.self)
            bytes.storeBytes(of: UInt64(8), toByteOffset: 48, as: UInt64.self)
            bytes.storeBytes(of: UInt8(2), toByteOffset: 56, as: UInt8.self)
            bytes.storeBytes(of: UInt32(1), toByteOffset: 64, as: UInt32.self)
            #expect(host.pollOneoff(memory, subscriptions: 0, events: 1024, count: 2, resultPointer: 2048) == .success)
            #expect(bytes.load(fromByteOffset: 2048, as: UInt32.self) == 1)
            #expect(bytes.load(fromByteOffset: 1024, as: UInt64.self) == 8)
            #expect(bytes.load(fromByteOffset: 1024 + 10, as: UInt8.self) == 2)
            // An absolute deadline of UInt64.max on the realtime clock does not overflow either.
            bytes.storeBytes(of: UInt32(0), toByteOffset: 16, as: UInt32.self)
            bytes.storeBytes(of: UInt16(1), toByteOffset: 40, as: UInt16.self)
            #expect(host.pollOneoff(memory, subscriptions: 0, events: 1024, count: 2, resultPointer: 2048) == .success)
            #expect(host.pollOneoff(memory, subscriptions: 0xFFFF_FFF0, events: 1024, count: 0x0800_0000, resultPointer: 2048) == .fault)
        }
    }

    @Test func procExitRecordsTheStatusAndUnwinds() throws {
        let host = try WASIHost(configuration: WASIHost.Configuration())
        let store = Store()
        var imports = Imports()
        host.define(in: &imports, store: store)
        guard case .function(let exit)? = imports.lookup(module: "wasi_snapshot_preview1", name: "proc_exit") else {
            Issue.record("proc_exit missing")
            return
        }
        #expect(throws: Trap.self) { try store.invoke(exit, [.i32(42)]) }
        #expect(host.exitStatus == 42)
    }
}
