/// The `kv` import module (include/swiftlet/kv.h): key-value stores a host grants to guests, as Swiftlet host
/// functions, kept in SQLite (GRDB) or Redis (hiredis). It owns the guest-facing semantics (limits, errnos, granted
/// store names) and the backends; it must not reach into the engine or the monitor, only the `Swiftlet` library API.
