/// swiftlet: the command-line tool (run, validate, wast, info).
///
/// Owns: argument parsing, reading files, choosing the isolation (micro-VM or in-process), printing results and
/// errors as wasmtime does, and the spec-script runner.
/// Must not touch: engine, WASI or KVM internals — it composes WasmEngine, WASIHost and Monitor through their
/// public APIs. It keeps Foundation out of the run path (start-up time).
