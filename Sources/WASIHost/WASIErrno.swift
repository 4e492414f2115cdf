import Glibc

/// A `wasi_snapshot_preview1` errno: the value every WASI function returns.
public enum WASIErrno: UInt16, Error, Sendable {
    case success = 0, tooBig, access, addressInUse, addressNotAvailable, addressFamilyNotSupported, again, already,
        badDescriptor, badMessage, busy, canceled, child, connectionAborted, connectionRefused, connectionReset,
        deadlock, destinationAddressRequired, domain, quota, exists, fault, fileTooBig, hostUnreachable,
        identifierRemoved, illegalSequence, inProgress, interrupted, invalid, io, isConnected, isDirectory, loop,
        tooManyOpenFiles, tooManyLinks, messageSize, multihop, nameTooLong, networkDown, networkReset,
        networkUnreachable, tooManyFilesInSystem, noBufferSpace, noDevice, noEntry, noExec, noLock, noLink,
        noMemory, noMessage, noProtocolOption, noSpace, noSystemCall, notConnected, notDirectory, notEmpty,
        notRecoverable, notSocket, notSupported, notTTY, noDeviceOrAddress, overflow, ownerDead, permission, pipe,
        protocolError, protocolNotSupported, protocolType, range, readOnlyFileSystem, illegalSeek, noProcess, stale,
        timedOut, textBusy, crossDevice, notCapable

    /// The WASI errno for the host's `errno` value.
    public init(hostErrno: Int32) {
        self = Self.fromHost[hostErrno] ?? .io
    }

    /// The WASI errno for the calling thread's current `errno`.
    static var lastHostError: WASIErrno { WASIErrno(hostErrno: errno) }

    private static let fromHost: [Int32: WASIErrno] = [
        E2BIG: .tooBig, EACCES: .access, EADDRINUSE: .addressInUse, EADDRNOTAVAIL: .addressNotAvailable,
        EAFNOSUPPORT: .addressFamilyNotSupported, EAGAIN: .again, EALREADY: .already, EBADF: .badDescriptor,
        EBADMSG: .badMessage, EBUSY: .busy, ECANCELED: .canceled, ECHILD: .child, ECONNABORTED: .connectionAborted,
        ECONNREFUSED: .connectionRefused, ECONNRESET: .connectionReset, EDEADLK: .deadlock,
        EDESTADDRREQ: .destinationAddressRequired, EDOM: .domain, EDQUOT: .quota, EEXIST: .exists, EFAULT: .fault,
        EFBIG: .fileTooBig, EHOSTUNREACH: .hostUnreachable, EIDRM: .identifierRemoved, EILSEQ: .illegalSequence,
        EINPROGRESS: .inProgress, EINTR: .interrupted, EINVAL: .invalid, EIO: .io, EISCONN: .isConnected,
        EISDIR: .isDirectory, ELOOP: .loop, EMFILE: .tooManyOpenFiles, EMLINK: .tooManyLinks,
        EMSGSIZE: .messageSize, EMULTIHOP: .multihop, ENAMETOOLONG: .nameTooLong, ENETDOWN: .networkDown,
        ENETRESET: .networkReset, ENETUNREACH: .networkUnreachable, ENFILE: .tooManyFilesInSystem,
        ENOBUFS: .noBufferSpace, ENODEV: .noDevice, ENOENT: .noEntry, ENOEXEC: .noExec, ENOLCK: .noLock,
        ENOLINK: .noLink, ENOMEM: .noMemory, ENOMSG: .noMessage, ENOPROTOOPT: .noProtocolOption, ENOSPC: .noSpace,
        ENOSYS: .noSystemCall, ENOTCONN: .notConnected, ENOTDIR: .notDirectory, ENOTEMPTY: .notEmpty,
        ENOTRECOVERABLE: .notRecoverable, ENOTSOCK: .notSocket, EOPNOTSUPP: .notSupported, ENOTTY: .notTTY,
        ENXIO: .noDeviceOrAddress, EOVERFLOW: .overflow, EOWNERDEAD: .ownerDead, EPERM: .permission, EPIPE: .pipe,
        EPROTO: .protocolError, EPROTONOSUPPORT: .protocolNotSupported, EPROTOTYPE: .protocolType, ERANGE: .range,
        EROFS: .readOnlyFileSystem, ESPIPE: .illegalSeek, ESRCH: .noProcess, ESTALE: .stale,
        ETIMEDOUT: .timedOut, ETXTBSY: .textBusy, EXDEV: .crossDevice,
    ]
}
