/// WasmEngineWASI: the bridge that defines WASIHost's functions as WasmEngine host functions (in-process runs).
///
/// Owns: turning an engine call (`Caller`, `[Value]`) into a `WASIHost.call` over the caller's linear memory.
/// Must not touch: WASI semantics (WASIHost's) or the engine's internals (only its public API).
