/// Why a ``KeyValueService`` cannot be made. Failures of the stores while modules run are not errors of the host: the
/// call returns `__WASI_ERRNO_IO` to the module and the service logs why (see ``KeyValueService``).
public enum KeyValueError: Error, Equatable, CustomStringConvertible {
    /// A `--kv` address that is not `redis://HOST[:PORT]`.
    case invalidURL(String, reason: String)
    /// The SQLite stores' directory cannot be created or written, or the database in it cannot be opened.
    case unusableDirectory(path: String, reason: String)
    /// A limit outside what the backends can hold.
    case invalidLimit(name: String, value: Int)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            "invalid key-value store address `\(url)`: \(reason) (expected redis://HOST:PORT)"
        case .unusableDirectory(let path, let reason):
            "cannot keep key-value stores in `\(path)`: \(reason)"
        case .invalidLimit(let name, let value):
            "invalid \(name) \(value): give a number of bytes from 1 to \(KeyValueService.Configuration.largestLimit)"
        }
    }
}
