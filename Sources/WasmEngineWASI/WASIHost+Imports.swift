import WASIHost
import WasmEngine

extension WASIHost {
    /// The import module name of WASI preview1.
    public static let moduleName = "wasi_snapshot_preview1"

    /// Defines all 46 preview1 functions in `imports` as host functions of `store`, each one a call of the
    /// matching `WASIHost` method on a bounds-checked view of the calling instance's memory.
    ///
    /// `proc_exit` records the status in `exitStatus` and unwinds the guest with a trap; the embedder checks
    /// `exitStatus` when a call traps.
    public func define(in imports: inout Imports, store: Store) {
        for function in Self.functions {
            let parameters = function.signature.map { $0 == "I" ? ValueType.i64 : .i32 }
            let type = FuncType(parameters: parameters, results: [.i32])
            let body = function.body
            let host = self
            let hostFunction = store.makeHostFunction(type: type) { caller, values throws(Trap) in
                let arguments = Arguments(values: values)
                let errno: WASIErrno
                if let memory = caller.memory {
                    errno = caller.store.withBytes(of: memory) { body(host, GuestMemory($0), arguments) }
                } else {
                    errno = body(host, GuestMemory(UnsafeMutableRawBufferPointer(start: nil, count: 0)), arguments)
                }
                return [.i32(UInt32(errno.rawValue))]
            }
            imports.define(module: Self.moduleName, name: function.name, .function(hostFunction))
        }
        let exit = store.makeHostFunction(type: FuncType(parameters: [.i32], results: [])) { [self] _, values throws(Trap) in
            let status = Arguments(values: values).i32(0)
            procExit(status: status)
            throw Trap(.host("exit with status \(status)"))
        }
        imports.define(module: Self.moduleName, name: "proc_exit", .function(exit))
    }
}

/// A host call's arguments, read by position as the unsigned integers the `WASIHost` methods take.
struct Arguments {
    let values: [Value]

    func i32(_ index: Int) -> UInt32 {
        if case .i32(let value) = values[index] { return value }
        return 0
    }

    func i64(_ index: Int) -> UInt64 {
        if case .i64(let value) = values[index] { return value }
        return 0
    }
}

private typealias Body = @Sendable (WASIHost, GuestMemory, Arguments) -> WASIErrno

extension WASIHost {
    /// Every preview1 function but `proc_exit`: its name, its parameters (`i` for i32, `I` for i64), and the
    /// method it calls. All return an errno.
    fileprivate static let functions: [(name: String, signature: String, body: Body)] = [
        ("args_get", "ii", { $0.argsGet($1, pointers: $2.i32(0), buffer: $2.i32(1)) }),
        ("args_sizes_get", "ii", { $0.argsSizesGet($1, countPointer: $2.i32(0), sizePointer: $2.i32(1)) }),
        ("environ_get", "ii", { $0.environGet($1, pointers: $2.i32(0), buffer: $2.i32(1)) }),
        ("environ_sizes_get", "ii", { $0.environSizesGet($1, countPointer: $2.i32(0), sizePointer: $2.i32(1)) }),
        ("clock_res_get", "ii", { $0.clockResGet($1, id: $2.i32(0), resolutionPointer: $2.i32(1)) }),
        ("clock_time_get", "iIi", { $0.clockTimeGet($1, id: $2.i32(0), precision: $2.i64(1), timePointer: $2.i32(2)) }),
        ("fd_advise", "iIIi", { h, _, a in h.fdAdvise(fd: a.i32(0), offset: a.i64(1), length: a.i64(2), advice: a.i32(3)) }),
        ("fd_allocate", "iII", { h, _, a in h.fdAllocate(fd: a.i32(0), offset: a.i64(1), length: a.i64(2)) }),
        ("fd_close", "i", { h, _, a in h.fdClose(fd: a.i32(0)) }),
        ("fd_datasync", "i", { h, _, a in h.fdDatasync(fd: a.i32(0)) }),
        ("fd_fdstat_get", "ii", { $0.fdFdstatGet($1, fd: $2.i32(0), resultPointer: $2.i32(1)) }),
        ("fd_fdstat_set_flags", "ii", { h, _, a in h.fdFdstatSetFlags(fd: a.i32(0), flags: a.i32(1)) }),
        ("fd_fdstat_set_rights", "iII", { h, _, a in h.fdFdstatSetRights(fd: a.i32(0), base: a.i64(1), inheriting: a.i64(2)) }),
        ("fd_filestat_get", "ii", { $0.fdFilestatGet($1, fd: $2.i32(0), resultPointer: $2.i32(1)) }),
        ("fd_filestat_set_size", "iI", { h, _, a in h.fdFilestatSetSize(fd: a.i32(0), size: a.i64(1)) }),
        ("fd_filestat_set_times", "iIIi", { h, _, a in
            h.fdFilestatSetTimes(fd: a.i32(0), accessTime: a.i64(1), modificationTime: a.i64(2), flags: a.i32(3))
        }),
        ("fd_pread", "iiiIi", { h, m, a in
            h.fdPread(m, fd: a.i32(0), vectors: a.i32(1), vectorCount: a.i32(2), offset: a.i64(3), resultPointer: a.i32(4))
        }),
        ("fd_prestat_get", "ii", { $0.fdPrestatGet($1, fd: $2.i32(0), resultPointer: $2.i32(1)) }),
        ("fd_prestat_dir_name", "iii", { $0.fdPrestatDirName($1, fd: $2.i32(0), buffer: $2.i32(1), length: $2.i32(2)) }),
        ("fd_pwrite", "iiiIi", { h, m, a in
            h.fdPwrite(m, fd: a.i32(0), vectors: a.i32(1), vectorCount: a.i32(2), offset: a.i64(3), resultPointer: a.i32(4))
        }),
        ("fd_read", "iiii", { h, m, a in
            h.fdRead(m, fd: a.i32(0), vectors: a.i32(1), vectorCount: a.i32(2), resultPointer: a.i32(3))
        }),
        ("fd_readdir", "iiiIi", { h, m, a in
            h.fdReaddir(m, fd: a.i32(0), buffer: a.i32(1), length: a.i32(2), cookie: a.i64(3), resultPointer: a.i32(4))
        }),
        ("fd_renumber", "ii", { h, _, a in h.fdRenumber(from: a.i32(0), to: a.i32(1)) }),
        ("fd_seek", "iIii", { h, m, a in
            h.fdSeek(m, fd: a.i32(0), offset: Int64(bitPattern: a.i64(1)), whence: a.i32(2), resultPointer: a.i32(3))
        }),
        ("fd_sync", "i", { h, _, a in h.fdSync(fd: a.i32(0)) }),
        ("fd_tell", "ii", { $0.fdTell($1, fd: $2.i32(0), resultPointer: $2.i32(1)) }),
        ("fd_write", "iiii", { h, m, a in
            h.fdWrite(m, fd: a.i32(0), vectors: a.i32(1), vectorCount: a.i32(2), resultPointer: a.i32(3))
        }),
        ("path_create_directory", "iii", { $0.pathCreateDirectory($1, fd: $2.i32(0), path: $2.i32(1), pathLength: $2.i32(2)) }),
        ("path_filestat_get", "iiiii", { h, m, a in
            h.pathFilestatGet(
                m, fd: a.i32(0), lookupFlags: a.i32(1), path: a.i32(2), pathLength: a.i32(3), resultPointer: a.i32(4))
        }),
        ("path_filestat_set_times", "iiiiIIi", { h, m, a in
            h.pathFilestatSetTimes(
                m, fd: a.i32(0), lookupFlags: a.i32(1), path: a.i32(2), pathLength: a.i32(3), accessTime: a.i64(4),
                modificationTime: a.i64(5), flags: a.i32(6))
        }),
        ("path_link", "iiiiiii", { h, m, a in
            h.pathLink(
                m, oldFD: a.i32(0), oldLookupFlags: a.i32(1), oldPath: a.i32(2), oldPathLength: a.i32(3),
                newFD: a.i32(4), newPath: a.i32(5), newPathLength: a.i32(6))
        }),
        ("path_open", "iiiiiIIii", { h, m, a in
            h.pathOpen(
                m, fd: a.i32(0), lookupFlags: a.i32(1), path: a.i32(2), pathLength: a.i32(3), openFlags: a.i32(4),
                rightsBase: a.i64(5), rightsInheriting: a.i64(6), fdFlags: a.i32(7), resultPointer: a.i32(8))
        }),
        ("path_readlink", "iiiiii", { h, m, a in
            h.pathReadlink(
                m, fd: a.i32(0), path: a.i32(1), pathLength: a.i32(2), buffer: a.i32(3), length: a.i32(4),
                resultPointer: a.i32(5))
        }),
        ("path_remove_directory", "iii", { $0.pathRemoveDirectory($1, fd: $2.i32(0), path: $2.i32(1), pathLength: $2.i32(2)) }),
        ("path_rename", "iiiiii", { h, m, a in
            h.pathRename(
                m, oldFD: a.i32(0), oldPath: a.i32(1), oldPathLength: a.i32(2), newFD: a.i32(3), newPath: a.i32(4),
                newPathLength: a.i32(5))
        }),
        ("path_symlink", "iiiii", { h, m, a in
            h.pathSymlink(
                m, target: a.i32(0), targetLength: a.i32(1), fd: a.i32(2), path: a.i32(3), pathLength: a.i32(4))
        }),
        ("path_unlink_file", "iii", { $0.pathUnlinkFile($1, fd: $2.i32(0), path: $2.i32(1), pathLength: $2.i32(2)) }),
        ("poll_oneoff", "iiii", { h, m, a in
            h.pollOneoff(m, subscriptions: a.i32(0), events: a.i32(1), count: a.i32(2), resultPointer: a.i32(3))
        }),
        ("proc_raise", "i", { h, _, a in h.procRaise(signal: a.i32(0)) }),
        ("random_get", "ii", { $0.randomGet($1, buffer: $2.i32(0), length: $2.i32(1)) }),
        ("sched_yield", "", { h, _, _ in h.schedYield() }),
        ("sock_accept", "iii", { $0.sockAccept($1, fd: $2.i32(0), flags: $2.i32(1), resultPointer: $2.i32(2)) }),
        ("sock_recv", "iiiiii", { h, m, a in
            h.sockRecv(
                m, fd: a.i32(0), vectors: a.i32(1), vectorCount: a.i32(2), flags: a.i32(3), resultPointer: a.i32(4),
                resultFlagsPointer: a.i32(5))
        }),
        ("sock_send", "iiiii", { h, m, a in
            h.sockSend(m, fd: a.i32(0), vectors: a.i32(1), vectorCount: a.i32(2), flags: a.i32(3), resultPointer: a.i32(4))
        }),
        ("sock_shutdown", "ii", { h, _, a in h.sockShutdown(fd: a.i32(0), how: a.i32(1)) }),
    ]
}
