import Foundation
import Testing
import WASIHost

/// Every preview1 right, one test case each, and the rest of the rights model (what `fd_fdstat_get` reports, the open
/// mode the rights asked for choose, inheriting rights, `fd_fdstat_set_rights`, path calls through what is not a
/// directory): tests/wasi/rights.c runs one section per case under `swiftlet run` and under wasmtime 51, in-process
/// and in the micro-VM, and every line must agree.
///
/// wasmtime 51 keeps no rights (see `WASIRights`): a call that needs a right fails without it only where the open
/// mode or the kind of descriptor forbids the call, with EBADF, EINVAL or ESPIPE, never ENOTCAPABLE; a narrowing
/// `fd_fdstat_set_rights` is ENOTSUP. `documentedBehaviour` pins those facts down, so a reference that changes
/// them is noticed rather than followed silently.
@Suite(.serialized)
struct WASIRightsTests {
    static let rights = [
        "fd_datasync", "fd_read", "fd_seek", "fd_fdstat_set_flags", "fd_sync", "fd_tell", "fd_write", "fd_advise",
        "fd_allocate", "path_create_directory", "path_create_file", "path_link_source", "path_link_target",
        "path_open", "fd_readdir", "path_readlink", "path_rename_source", "path_rename_target", "path_filestat_get",
        "path_filestat_set_size", "path_filestat_set_times", "fd_filestat_get", "fd_filestat_set_size",
        "fd_filestat_set_times", "path_symlink", "path_remove_directory", "path_unlink_file", "poll_fd_readwrite",
        "sock_shutdown", "sock_accept",
    ]
    static let sections = ["reported", "open_modes", "inheritance", "set_rights", "directory_descriptors"] + rights

    static func program(_ section: String) -> WASIConformanceTests.Program {
        WASIConformanceTests.Program(name: "rights", arguments: [section])
    }

    @Test(arguments: sections)
    func matchesWasmtimeInProcess(_ section: String) throws {
        try WASIConformanceTests.checkMatchesWasmtime(Self.program(section), isolation: "process")
    }

    /// Through the WASI mailbox and, with it turned off, by VM exits.
    @Test(.needsKVM, arguments: sections, ["vm", "vm-exits"])
    func matchesWasmtimeInVM(_ section: String, isolation: String) throws {
        try WASIConformanceTests.checkMatchesWasmtime(Self.program(section), isolation: isolation)
    }

    /// The program's sections cover all 30 rights, and rights.c names them as `WASIRights` numbers them.
    @Test func everyRightHasASection() {
        #expect(Self.rights.count == 30)
        #expect(WASIRights.all.rawValue == (1 << Self.rights.count) - 1)
        #expect(Self.rights[Int(WASIRights.fdWrite.rawValue.trailingZeroBitCount)] == "fd_write")
        #expect(Self.rights[Int(WASIRights.pollFdReadwrite.rawValue.trailingZeroBitCount)] == "poll_fd_readwrite")
    }

    /// What wasmtime 51 does with rights, checked on our own runs (each equal to wasmtime's, by the tests above).
    @Test func documentedBehaviour() throws {
        func run(_ section: String) throws -> String {
            let runs = try WASIConformanceTests.runBoth(Self.program(section), isolation: "process")
            #expect(runs.ours.status == 0, "\(section): \(runs.ours.standardError)")
            #expect(!runs.ours.standardOutput.contains("-> 76"), "\(section) returned ENOTCAPABLE")
            return runs.ours.standardOutput
        }
        let reported = try run("reported")
        // Open for reading only: every right but fd_write. For writing only: every right but fd_read and fd_readdir.
        #expect(reported.contains("  file 2: type=4 flags=0 base=3fffffbf inheriting=3fffffbf\n"))
        #expect(reported.contains("  file 40: type=4 flags=0 base=3fffbffd inheriting=3fffbffd\n"))
        #expect(reported.contains("  file 0: type=4 flags=0 base=3fffffbf inheriting=3fffffbf\n"))
        // A directory reports one set whatever was asked; the standard streams their direction.
        #expect(reported.contains("  directory 0: type=3 flags=0 base=3fb7ffbb inheriting=3fb7ffbb\n"))
        #expect(reported.contains("  preopen: type=3 flags=0 base=7b7fe00 inheriting=ff7ffff\n"))
        #expect(reported.contains("  stdin: type=0 flags=0 base=2 inheriting=2\n"))
        let read = try run("fd_read")
        #expect(read.contains("  all but it: type=4 flags=0 base=3fffbffd inheriting=3fffbffd\n    fd_read of nothing -> 8\n"))
        let write = try run("fd_write")
        #expect(write.contains("  all but it: type=4 flags=0 base=3fffffbf inheriting=3fffffbf\n    fd_write of nothing -> 8\n"))
        // A right that is not checked: seeking without fd_seek succeeds.
        #expect(try run("fd_seek").contains("  open all but it -> 0\n  all but it: type=4 flags=0 base=3fffffff inheriting=3fffffff\n    position 2\n"))
        let setRights = try run("set_rights")
        #expect(setRights.contains("__wasi_fd_fdstat_set_rights(file, 0, 0) -> 58\n"))
        #expect(setRights.contains("__wasi_fd_fdstat_set_rights(0, 0, 0) -> 8\n"))
    }

    /// The host called directly: the rights asked for choose the open mode, which is what is reported and checked.
    @Test func fileOpenedForReadingReportsNoWriteRightAndRefusesWrites() throws {
        let sandbox = try WASITestSupport.temporaryDirectory()
        try Data("contents".utf8).write(to: sandbox.appendingPathComponent("file"))
        let host = try WASIHostTests.makeHost(sandbox: sandbox)
        WASIHostTests.withLinearMemory { memory, bytes in
            let (path, length) = WASIHostTests.place("file", at: 100, in: bytes)
            #expect(
                host.pathOpen(
                    memory, fd: 3, lookupFlags: 0, path: path, pathLength: length, openFlags: 0,
                    rightsBase: WASIRights.fdRead.rawValue, rightsInheriting: 0, fdFlags: 0, resultPointer: 200)
                    == .success)
            let fd = bytes.load(fromByteOffset: 200, as: UInt32.self)
            #expect(host.fdFdstatGet(memory, fd: fd, resultPointer: 304) == .success)
            let base = WASIRights(rawValue: bytes.load(fromByteOffset: 312, as: UInt64.self))
            #expect(base == WASIRights.all.subtracting(.fdWrite))
            #expect(bytes.load(fromByteOffset: 320, as: UInt64.self) == base.rawValue)
            // An empty write is refused too: the right is checked before the buffers.
            #expect(host.fdWrite(memory, fd: fd, vectors: 400, vectorCount: 0, resultPointer: 500) == .badDescriptor)
            #expect(host.fdFdstatSetRights(fd: fd, base: 0, inheriting: 0) == .notSupported)
            #expect(host.fdFdstatSetRights(fd: 1, base: 0, inheriting: 0) == .badDescriptor)
            #expect(host.fdFdstatSetRights(fd: 99, base: 0, inheriting: 0) == .badDescriptor)
        }
        #expect(try String(contentsOf: sandbox.appendingPathComponent("file"), encoding: .utf8) == "contents")
    }
}
