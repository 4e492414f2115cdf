/// WasmEngine: decodes, validates, compiles and runs WebAssembly 2.0 modules, SIMD and relaxed SIMD included.
///
/// Owns: the binary decoder (`Decoder/`), the single-pass validator that translates function bodies into
/// the register-based internal code (`Compiler/`), and the runtime that instantiates, links and
/// interprets that code (`Runtime/`, `Interpreter/`), and the `v128` lane operations (`SIMD/`).
/// Must not touch: Foundation, the OS, or any other module. Everything here compiles with Embedded Swift
/// (no `any P` for non-class protocols, typed throws only, no KeyPath/Mirror/Codable), because the
/// unikernel links this same module.
