import ArgumentParser
import KeyValue

/// The key-value stores modules may use (the import module `kv`, include/swiftlet/kv.h), for `run` and `serve`.
/// Granting a store is `run`'s (`--kv-store`); where the stores are kept and the limits are shared: `serve` grants
/// stores per route and makes one service with `makeService()` for all of them.
struct KeyValueOptions: ParsableArguments, Equatable {
    @Option(
        name: .customLong("kv-store"),
        help: ArgumentHelp(
            "Let the module open the key-value store NAME with swiftlet_kv_open (include/swiftlet/kv.h); repeat for "
                + "more. Without one, the module gets no `kv` functions.", valueName: "NAME"))
    var stores: [String] = []

    @Option(
        name: .customLong("kv"),
        help: ArgumentHelp(
            "Keep the key-value stores in this Redis server rather than in SQLite. It need not be up: until it "
                + "is, calls fail with EIO and the reason is logged.", valueName: "redis://HOST:PORT"))
    var url: String?

    @Option(
        name: .customLong("kv-dir"),
        help: ArgumentHelp(
            "Keep the key-value stores in DIR/kv.sqlite, across runs (default: a new database removed when the run "
                + "ends).", valueName: "DIR"))
    var directory: String?

    @Option(
        name: .customLong("kv-max-key-bytes"),
        help: ArgumentHelp("The longest key a module may use (longer: E2BIG).", valueName: "N"))
    var maximumKeyBytes = KeyValueService.Configuration().maximumKeyBytes

    @Option(
        name: .customLong("kv-max-value-bytes"),
        help: ArgumentHelp("The longest value a module may set (longer: E2BIG).", valueName: "N"))
    var maximumValueBytes = KeyValueService.Configuration().maximumValueBytes

    /// The service these options describe; a bad address, directory or limit is a `CommandFailure` naming it. An
    /// unreachable Redis server is not: it may come up later.
    func makeService() throws(CommandFailure) -> KeyValueService {
        if url != nil && directory != nil {
            throw CommandFailure(message: "--kv-dir is where SQLite keeps the stores, and --kv puts them in Redis: give one")
        }
        do throws(KeyValueError) {
            var configuration = KeyValueService.Configuration(backend: .sqlite(directory: directory))
            if let url { configuration.backend = try .redis(url: url) }
            configuration.maximumKeyBytes = maximumKeyBytes
            configuration.maximumValueBytes = maximumValueBytes
            return try KeyValueService(configuration)
        } catch {
            throw CommandFailure(message: error.description)
        }
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        (lhs.stores, lhs.url, lhs.directory, lhs.maximumKeyBytes, lhs.maximumValueBytes)
            == (rhs.stores, rhs.url, rhs.directory, rhs.maximumKeyBytes, rhs.maximumValueBytes)
    }
}
