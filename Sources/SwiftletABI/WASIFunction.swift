/// The functions of WASI preview1 (`wasi_snapshot_preview1`), numbered for ``WASICallRequest/function`` by their
/// position in ``names``: the numbering of the host's `WASIHost.WASIFunction` (a test pins the two together; the
/// kernel cannot import WASIHost, which needs Glibc). Append only: a number never changes meaning.
public enum WASIFunction {
    public static let moduleName: StaticString = "wasi_snapshot_preview1"

    public static let names: [StaticString] = [
        "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get", "clock_time_get",
        "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags",
        "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
        "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
        "fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get", "path_filestat_set_times",
        "path_link", "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
        "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise", "random_get", "sched_yield", "sock_accept",
        "sock_recv", "sock_send", "sock_shutdown",
    ]

    /// The number of the function called `name` (compared byte for byte, as Wasm names are), or nil.
    public static func number(of name: String) -> UInt64? {
        for (index, candidate) in names.enumerated() where equal(candidate, name) { return UInt64(index) }
        return nil
    }

    /// Whether `name` is exactly `expected`, byte for byte.
    public static func equal(_ expected: StaticString, _ name: String) -> Bool {
        let bytes = UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)
        return name.utf8.elementsEqual(bytes)
    }
}

/// WASI errno values the kernel and monitor return themselves.
public enum WASIErrno {
    public static let success: UInt64 = 0
    public static let badFileDescriptor: UInt64 = 8
    public static let fault: UInt64 = 21
    public static let invalidArgument: UInt64 = 28
    public static let notImplemented: UInt64 = 52
    public static let overflow: UInt64 = 61
    public static let again: UInt64 = 6
    public static let io: UInt64 = 29
    public static let noSpace: UInt64 = 51
    public static let brokenPipe: UInt64 = 64
}

/// ``WASIFunction`` under a name other modules can spell next to their own `WASIFunction` (the module's name is also
/// a type's, so `SwiftletABI.WASIFunction` does not reach it).
public typealias WASIPreview1 = WASIFunction
