import ArgumentParser
import ModuleCache

/// Where `run` remembers modules between runs (see `ModuleCache`): a module it has validated before starts without
/// validating its function bodies again.
struct CacheOptions: ParsableArguments {
    @Flag(name: .customLong("no-cache"), help: "Neither read nor write the module cache.")
    var disabled = false

    @Option(
        name: .customLong("cache-dir"),
        help: ArgumentHelp(
            "The module cache's directory (default: $SWIFTLET_CACHE_DIR, else $XDG_CACHE_HOME/swiftlet, else "
                + "~/.cache/swiftlet).", valueName: "DIR"))
    var directory: String?
}
