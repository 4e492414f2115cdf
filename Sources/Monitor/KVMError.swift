/// A failed KVM ioctl (or the system call around it): which operation, and the `errno` it returned.
public struct KVMError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The KVM name of the operation, e.g. `KVM_CREATE_VM`, or the system call, e.g. `open /dev/kvm`.
    public let operation: String
    public let errno: Errno
    /// Set when the call succeeded but returned something the monitor cannot work with.
    public let detail: String?

    init(_ operation: String, _ errno: Errno) {
        self.operation = operation
        self.errno = errno
        self.detail = nil
    }

    init(_ operation: String, unexpected detail: String) {
        self.operation = operation
        self.errno = Errno(rawValue: 0)
        self.detail = detail
    }

    public var description: String {
        if let detail { return "\(operation): \(detail)" }
        return "\(operation) failed: \(errno)"
    }
}

/// Runs one system call for `operation`, turning its `Errno` into a ``KVMError`` naming the operation.
func checked<T: ~Copyable>(_ operation: String, _ call: () throws(Errno) -> T) throws(KVMError) -> T {
    do {
        return try call()
    } catch {
        throw KVMError(operation, error)
    }
}
