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
        // TEMP: skips the body so the decoder can be tested before the real compiler lands.
        body.offset = body.end
        let typeIndex = module.functionTypeIndices[Int(functionIndex)]
        let type = module.types[Int(typeIndex)]
        return CompiledFunction(
            code: [], frameSize: UInt32(type.parameters.count), localCount: UInt32(type.parameters.count),
            parameterCount: UInt32(type.parameters.count), resultCount: UInt32(type.results.count),
            typeIndex: typeIndex)
    }
}
