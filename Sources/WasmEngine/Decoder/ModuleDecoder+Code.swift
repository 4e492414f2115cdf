/// The code section (spec §5.5.13): each body is validated, bounded by its declared size, and kept where it lies in
/// the binary, to be translated on its function's first call.
extension ModuleDecoder {
    mutating func readCodeSection() throws(ModuleError) {
        let countOffset = reader.offset
        let count = try reader.readCount()
        guard count == definedFunctionCount else {
            throw .malformed(at: countOffset, "function and code section have inconsistent lengths")
        }
        codeSectionCount = count
        for definedIndex in 0..<count {
            let sizeOffset = reader.offset
            let size = Int(try reader.readU32())
            guard size <= reader.remaining else { throw .malformed(at: sizeOffset, "length out of bounds") }
            let bodyEnd = reader.offset + size
            var body = BinaryReader(bytes: reader.bytes, offset: reader.offset, end: bodyEnd)
            let functionIndex = UInt32(module.importedFunctionCount + definedIndex)
            let bodyStart = body.offset
            if bodyValidation == .eager {
                _ = try FunctionCompiler.compile(module: module, functionIndex: functionIndex, body: &body)
                guard body.offset == bodyEnd else { throw .malformed(at: body.offset, "section size mismatch") }
            }
            module.functions.append(.body(start: bodyStart, end: bodyEnd))
            reader.offset = bodyEnd
        }
    }
}
