import Foundation
import GRDB

/// The stores in one SQLite database (through GRDB), a row per key: `kv(store, key, value)` keyed by (store, key),
/// so that each store's keys sit together in byte order (BLOB keys compare with memcmp) and `list` reads them off the
/// primary key's b-tree. WITHOUT ROWID: the key is the row's only identity, kept once rather than in the table and an
/// index.
///
/// A `DatabasePool`: WAL mode, one writer at a time and readers alongside it on their own connections, so gets from
/// many sandboxes do not queue behind each other or behind a set.
final class SQLiteBackend: KeyValueBackend {
    let name: String
    private let database: DatabasePool
    /// The temporary directory of a scratch database, removed with the backend.
    private let scratchDirectory: String?

    init(directory: String?) throws(KeyValueError) {
        let databaseDirectory: String
        if let directory {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .unusableDirectory(path: directory, reason: Self.reason(error))
            }
            (databaseDirectory, scratchDirectory) = (directory, nil)
        } else {
            let scratch = try Self.makeScratchDirectory()
            (databaseDirectory, scratchDirectory) = (scratch, scratch)
        }
        let path = databaseDirectory + "/kv.sqlite"
        name = "SQLite database \(path)"
        var configuration = Configuration()
        // Several processes may share a directory (`swiftlet run --kv-dir` next to a server): a writer waits for
        // another's transaction rather than failing at once.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // In WAL mode with synchronous=NORMAL a commit is complete once its frames are written to the WAL file
            // (a write(2), without fsync): a set that returned success survives a crash of this process, kill -9
            // included, since the kernel has its pages. Only a crash of the machine could lose the last commits;
            // FULL would fsync on every set for that.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            database = try DatabasePool(path: path, configuration: configuration)
            try database.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS kv (
                            store TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, PRIMARY KEY (store, key)
                        ) WITHOUT ROWID
                        """)
            }
        } catch {
            if let scratchDirectory { try? FileManager.default.removeItem(atPath: scratchDirectory) }
            throw .unusableDirectory(path: databaseDirectory, reason: Self.reason(error))
        }
    }

    deinit {
        guard let scratchDirectory else { return }
        try? database.close()
        try? FileManager.default.removeItem(atPath: scratchDirectory)
    }

    func value(store: String, key: [UInt8], capacity: Int) throws(BackendFailure) -> StoredValue? {
        // The value only if it fits: a module asking whether a 1 MiB value fits 16 bytes gets its length alone.
        try read { db in
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT length(value), CASE WHEN length(value) <= ? THEN value END FROM kv WHERE store = ? AND key = ?"),
                arguments: [capacity, store, Data(key)])
            guard let row else { return nil }
            guard let value: Data = row[1] else { return .tooLong(length: row[0]) }
            return .bytes([UInt8](value))
        }
    }

    func setValue(_ value: [UInt8], store: String, key: [UInt8]) throws(BackendFailure) {
        try write { db in
            try db.cachedStatement(
                sql: "INSERT INTO kv (store, key, value) VALUES (?, ?, ?) ON CONFLICT (store, key) DO UPDATE SET value = excluded.value"
            ).execute(arguments: [store, Data(key), Data(value)])
        }
    }

    func removeValue(store: String, key: [UInt8]) throws(BackendFailure) -> Bool {
        try write { db in
            try db.cachedStatement(sql: "DELETE FROM kv WHERE store = ? AND key = ?").execute(arguments: [store, Data(key)])
            return db.changesCount > 0
        }
    }

    func containsKey(store: String, key: [UInt8]) throws(BackendFailure) -> Bool {
        try read { db in
            try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM kv WHERE store = ? AND key = ?)"),
                arguments: [store, Data(key)]) ?? false
        }
    }

    func keys(store: String, offset: Int, limit: Int) throws(BackendFailure) -> [[UInt8]] {
        try read { db in
            try Data.fetchAll(
                db.cachedStatement(sql: "SELECT key FROM kv WHERE store = ? ORDER BY key LIMIT ? OFFSET ?"),
                arguments: [store, limit, offset]
            ).map { [UInt8]($0) }
        }
    }

    private func read<R>(_ body: (Database) throws -> R) throws(BackendFailure) -> R {
        do {
            return try database.read(body)
        } catch {
            throw BackendFailure(reason: Self.reason(error))
        }
    }

    private func write<R>(_ body: (Database) throws -> R) throws(BackendFailure) -> R {
        do {
            return try database.write(body)
        } catch {
            throw BackendFailure(reason: Self.reason(error))
        }
    }

    /// A new private directory under $TMPDIR (else /tmp).
    private static func makeScratchDirectory() throws(KeyValueError) -> String {
        let parent = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(parent)/swiftlet-kv-XXXXXX".utf8CString)
        guard let directory = mkdtemp(&template) else {
            throw .unusableDirectory(path: parent, reason: String(cString: strerror(errno)))
        }
        return String(cString: directory)
    }

    /// An error's own words: GRDB's and Foundation's descriptions, without Foundation's domain and code wrapping.
    private static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error)" }
        if let error = error as? CocoaError, let underlying = error.underlying as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        return error.localizedDescription
    }
}
