/// Validates one function body and translates it to internal code in the same pass.
public enum FunctionCompiler {
    /// - Parameters:
    ///   - module: the module decoded so far: types, imports, functions, tables, memories, globals,
    ///     elements, data count and declared function references are complete when the code section is read.
    ///   - functionIndex: the function's index in the function index space (imports included).
    ///   - body: positioned at the start of the body (its locals declarations), `end` at the body's end.
    public static func compile(
        module: Module, functionIndex: UInt32, body: inout BinaryReader
    ) throws(ModuleError) -> CompiledFunction {
        fatalError("FunctionCompiler.compile: not implemented yet")
    }
}
