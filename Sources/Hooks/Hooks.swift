/// Hooks: WebAssembly extensions that run on every WASI call an application makes (their ABI for authors is
/// `include/swiftlet/hook.h`).
///
/// Owns the hook ABI (the `swiftlet_hook` imports, the handler exports, verdicts) and running hooks: each in a store of
/// its own (its own linear memory, a fuel budget per event), linked to nothing but `swiftlet_hook`. The same code runs
/// in the micro-VM's guest kernel and in-process: the embedder wraps each WASI function it gives the application with
/// ``HookSet/wrap(call:_:)``. It must not write the application's memory (hooks only read copies of it), and names no
/// OS call: it is portable and Embedded-clean, like the engine.
