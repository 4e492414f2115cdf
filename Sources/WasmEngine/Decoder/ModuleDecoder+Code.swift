/// The code section (spec §5.5.13): each body is validated (`FunctionValidator`), bounded by its declared size, and
/// kept where it lies in the binary, to be translated on its function's first call.
extension ModuleDecoder {
    mutating func readCodeSection() throws(ModuleError) {
        let countOffset = reader.offset
        let count = try reader.readCount()
        guard count == definedFunctionCount else {
            throw .malformed(at: countOffset, "function and code section have inconsistent lengths")
        }
        codeSectionCount = count
        // Everything a body may refer to precedes the code section. The validator keeps its arrays (of types,
        // locals, operands and blocks) from body to body.
        var validator = FunctionValidator(module: module)
        for definedIndex in 0..<count {
            let sizeOffset = reader.offset
            let size = Int(try reader.readU32())
            guard size <= reader.remaining else { throw .malformed(at: sizeOffset, "length out of bounds") }
            let bodyEnd = reader.offset + size
            let functionIndex = UInt32(module.importedFunctionCount + definedIndex)
            var body = BinaryReader(bytes: reader.bytes, offset: reader.offset, end: bodyEnd)
            if bodyValidation == .eager {
                do {
                    try validator.validate(functionIndex: functionIndex, body: &body)
                } catch {
                    var error = error
                    error.usedFeatures.formUnion(validator.usedFeatures)
                    throw error
                }
            }
            module.functions.append(.body(start: reader.offset, end: bodyEnd))
            reader.offset = bodyEnd
        }
        module.requiredFeatures.formUnion(validator.usedFeatures)
    }
}
