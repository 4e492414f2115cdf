import Testing
@testable import WasmEngine

/// Validates one body as function 0 of `bodyTestModule` (see `compileBody`), reading `reader` when given (to
/// place the body's end before the end of the bytes).
func validationError(
    _ body: [UInt8], parameters: [ValueType] = [], results: [ValueType] = [], reader: BinaryReader? = nil,
    configure: (inout Module) -> Void = { _ in }
) -> ModuleError? {
    let module = bodyTestModule(parameters: parameters, results: results, configure: configure)
    var reader = reader ?? BinaryReader(bytes: body)
    do {
        try FunctionValidator.validate(module: module, functionIndex: 0, body: &reader)
        return nil
    } catch {
        return error
    }
}

/// The verdicts of the validator and of the translator on one body: both must be `expected`.
func expectVerdict(
    _ expected: ModuleError?, _ body: [UInt8], parameters: [ValueType] = [], results: [ValueType] = [],
    end: Int? = nil, configure: (inout Module) -> Void = { _ in }, sourceLocation: SourceLocation = #_sourceLocation
) {
    let reader = BinaryReader(bytes: body, end: end)
    let validated = validationError(
        body, parameters: parameters, results: results, reader: reader, configure: configure)
    #expect(validated == expected, "validator", sourceLocation: sourceLocation)
    let module = bodyTestModule(parameters: parameters, results: results, configure: configure)
    var compilerReader = reader
    let compiled: ModuleError?
    do {
        _ = try FunctionCompiler.compile(module: module, functionIndex: 0, body: &compilerReader)
        compiled = nil
    } catch {
        compiled = error
    }
    #expect(compiled == expected, "translator", sourceLocation: sourceLocation)
}

@Suite struct ValidatorTests {
    @Test func acceptsAValidBody() {
        // local.get 0; local.get 0; i32.add
        expectVerdict(nil, [0x00, 0x20, 0, 0x20, 0, 0x6A, 0x0B], parameters: [.i32], results: [.i32])
    }

    @Test func operandTypesMustMatch() {
        // i32.const 0; i64.const 0; i32.add
        expectVerdict(.typeMismatch(at: 5), [0x00, 0x41, 0, 0x42, 0, 0x6A, 0x0B])
        // Nothing left for the function's result.
        expectVerdict(.typeMismatch(at: 1), [0x00, 0x0B], results: [.i32])
        // One value too many at the end.
        expectVerdict(.typeMismatch(at: 3), [0x00, 0x41, 0, 0x0B])
    }

    @Test func indicesMustExist() {
        expectVerdict(.unknownLocal(5, at: 1), [0x00, 0x20, 5, 0x1A, 0x0B])
        expectVerdict(.unknownLabel(at: 1), [0x00, 0x0C, 1, 0x0B])
        expectVerdict(.unknownGlobal(2, at: 1), [0x00, 0x23, 2, 0x1A, 0x0B])
        expectVerdict(.unknownFunction(9, at: 1), [0x00, 0x10, 9, 0x0B])
        // A block typed by type index 5 (of two).
        expectVerdict(.unknownType(5, at: 1), [0x00, 0x02, 0x05, 0x0B, 0x0B])
        // call_indirect type 7 through table 0; then through table 1 (of one).
        expectVerdict(.unknownType(7, at: 3), [0x00, 0x41, 0, 0x11, 7, 0, 0x0B])
        expectVerdict(.unknownTable(1, at: 3), [0x00, 0x41, 0, 0x11, 0, 1, 0x0B])
        // memory.size without a memory.
        expectVerdict(.unknownMemory(0, at: 1), [0x00, 0x3F, 0x00, 0x1A, 0x0B], configure: { $0.memories = [] })
    }

    @Test func immutableGlobalsAreNotSet() {
        expectVerdict(.immutableGlobal(at: 3), [0x00, 0x41, 0, 0x24, 0, 0x0B])
        expectVerdict(nil, [0x00, 0x42, 0, 0x24, 1, 0x0B])
    }

    @Test func unreachableCodeIsPolymorphic() {
        // unreachable; i32.add; drop
        expectVerdict(nil, [0x00, 0x00, 0x6A, 0x1A, 0x0B])
        // block (result i32) unreachable; select (of Unknowns: Unknown); i64.eqz end; drop
        expectVerdict(nil, [0x00, 0x02, 0x7F, 0x00, 0x1B, 0x50, 0x0B, 0x1A, 0x0B])
        // br_if gives the Unknown its label's type, i32: i64.eqz then has no i64.
        expectVerdict(.typeMismatch(at: 9), [0x00, 0x02, 0x7F, 0x00, 0x1B, 0x41, 1, 0x0D, 0, 0x50, 0x0B, 0x1A, 0x0B])
        // Unreachable code still ends with exactly the results: one value too many.
        expectVerdict(.typeMismatch(at: 6), [0x00, 0x00, 0x41, 0, 0x41, 0, 0x0B], results: [.i32])
    }

    @Test func selectTakesNumbersUnlessTyped() {
        // ref.null func; ref.null func; i32.const 0; select
        expectVerdict(.typeMismatch(at: 7), [0x00, 0xD0, 0x70, 0xD0, 0x70, 0x41, 0, 0x1B, 0x1A, 0x0B])
        expectVerdict(nil, [0x00, 0xD0, 0x70, 0xD0, 0x70, 0x41, 0, 0x1C, 1, 0x70, 0x1A, 0x0B])
        expectVerdict(.invalidResultArity(at: 7), [0x00, 0xD0, 0x70, 0xD0, 0x70, 0x41, 0, 0x1C, 2, 0x70, 0x70, 0x1A, 0x0B])
    }

    @Test func blocksCheckTheirTypes() {
        expectVerdict(.elseWithoutIf(at: 1), [0x00, 0x05, 0x0B])
        // i32.const 0; if (result i32) i32.const 1 end: no else to give the result when the condition fails.
        expectVerdict(.typeMismatch(at: 7), [0x00, 0x41, 0, 0x04, 0x7F, 0x41, 1, 0x0B, 0x1A, 0x0B])
        expectVerdict(nil, [0x00, 0x41, 0, 0x04, 0x7F, 0x41, 1, 0x05, 0x41, 2, 0x0B, 0x1A, 0x0B])
        // A block of type 1, (i32) -> i32: its parameter comes from outside, and `br 0` carries a result.
        expectVerdict(nil, [0x00, 0x41, 0, 0x02, 0x01, 0x0C, 0, 0x0B, 0x1A, 0x0B])
        // A loop's label carries its parameters: br 0 in loop (type 1) with an i64 is a mismatch.
        expectVerdict(.typeMismatch(at: 7), [0x00, 0x41, 0, 0x03, 0x01, 0x42, 0, 0x0C, 0, 0x0B, 0x1A, 0x0B])
        // br_table: label 0 (the block) carries an i32, the default (the function) nothing.
        expectVerdict(
            .typeMismatch(at: 7), [0x00, 0x02, 0x7F, 0x41, 0, 0x41, 0, 0x0E, 1, 0, 1, 0x0B, 0x1A, 0x0B])
        expectVerdict(nil, [0x00, 0x02, 0x7F, 0x41, 0, 0x41, 0, 0x0E, 1, 0, 0, 0x0B, 0x1A, 0x0B])
    }

    @Test func bodyBoundsAsTheReferenceInterpreterReportsThem() {
        // i32.const 0; drop, with no end, the body last in the module.
        expectVerdict(.malformed(at: 4, "unexpected end of section or function"), [0x00, 0x41, 0, 0x1A])
        // ... followed by an `end` outside the body.
        expectVerdict(.sectionSizeMismatch(at: 4), [0x00, 0x41, 0, 0x1A, 0x0B], end: 4)
        // ... inside a block.
        expectVerdict(.malformed(at: 3, "END opcode expected"), [0x00, 0x02, 0x40, 0x0B], end: 3)
        // Bytes after the function's end.
        expectVerdict(.sectionSizeMismatch(at: 2), [0x00, 0x0B, 0x01])
    }

    @Test func opcodesOutsideWebAssembly2AreRefused() {
        // SIMD is in: a v128 local, v128.const; numbers between and after its instructions are not.
        expectVerdict(nil, [0x00, 0xFD, 0x0C] + [UInt8](repeating: 0, count: 16) + [0x1A, 0x0B])
        expectVerdict(nil, [0x01, 0x01, 0x7B, 0x0B])
        expectVerdict(.illegalOpcode(at: 1), [0x00, 0xFD, 0x9A, 0x01, 0x0B])
        expectVerdict(.illegalOpcode(at: 1), [0x00, 0xFD, 0x94, 0x02, 0x0B])
        expectVerdict(.illegalOpcode(at: 1), [0x00, 0x27, 0x0B])
        expectVerdict(.illegalOpcode(at: 1), [0x00, 0xFC, 18, 0x0B])
    }

    @Test func memoryInstructions() {
        // i32.const 0; i32.load align=8 (natural 4)
        expectVerdict(
            .invalid(at: 3, "alignment must not be larger than natural"), [0x00, 0x41, 0, 0x28, 3, 0, 0x1A, 0x0B])
        // Alignment flags of 32 and up: malformed in WebAssembly 2.0, an alignment (and, past 63, a memory index) in 3.0.
        expectVerdict(
            .invalid(at: 3, "alignment must not be larger than natural"), [0x00, 0x41, 0, 0x28, 32, 0, 0x1A, 0x0B])
        expectVerdict(.malformed(at: 3, "malformed memop flags"), [0x00, 0x41, 0, 0x28, 0x80, 0x01, 0, 0x1A, 0x0B])
        expectVerdict(.unknownMemory(0, at: 3), [0x00, 0x41, 0, 0x28, 2, 0, 0x1A, 0x0B], configure: { $0.memories = [] })
        expectVerdict(nil, [0x00, 0x41, 0, 0x42, 0, 0x37, 3, 8, 0x0B])
        // memory.size of memory 1, which the module lacks.
        expectVerdict(.unknownMemory(1, at: 1), [0x00, 0x3F, 1, 0x1A, 0x0B])
        // data.drop 0 without, then with, a data count section; then a segment past it.
        expectVerdict(.dataCountRequired(at: 1), [0x00, 0xFC, 9, 0, 0x0B])
        expectVerdict(nil, [0x00, 0xFC, 9, 0, 0x0B], configure: { $0.dataCount = 1 })
        expectVerdict(.unknownDataSegment(1, at: 1), [0x00, 0xFC, 9, 1, 0x0B], configure: { $0.dataCount = 1 })
    }

    @Test func referencesAndTables() {
        expectVerdict(.undeclaredFunctionReference(at: 1), [0x00, 0xD2, 0, 0x1A, 0x0B])
        expectVerdict(nil, [0x00, 0xD2, 1, 0x1A, 0x0B])
        // table.init 0 0 of an externref segment into the funcref table; then with no segment at all.
        let tableInit: [UInt8] = [0x00, 0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 12, 0, 0, 0x0B]
        expectVerdict(
            .typeMismatch(at: 7), tableInit,
            configure: { $0.elements = [ElementSegment(type: .externref, items: [], mode: .passive)] })
        expectVerdict(.unknownElementSegment(0, at: 7), tableInit)
        // ref.is_null of an i32.
        expectVerdict(.typeMismatch(at: 3), [0x00, 0x41, 0, 0xD1, 0x1A, 0x0B])
    }

    @Test func thisEnginesLimits() {
        // 50,001 declared locals.
        expectVerdict(
            .malformed(at: 5, "too many locals (this engine allows 50000)"), [0x01, 0xD1, 0x86, 0x03, 0x7F, 0x0B])
        // One i32.const more than the operand stack may hold.
        let depth = FunctionCompiler.maximumStackHeight + 1
        var constants: [UInt8] = [0x00]
        for _ in 0..<depth { constants += [0x41, 0] }
        expectVerdict(.operandStackTooDeep(at: 1 + 2 * (depth - 1)), constants + [0x0B])
    }

    /// In unreachable code the translator supplies the values a branch or `end` checks, and its deepest stack
    /// counts them: the validator applies the limit to the same figure.
    @Test func unreachableCodeDeepensTheStackByTheLabelsItChecks() {
        let tooMany = [ValueType](repeating: .i32, count: FunctionCompiler.maximumStackHeight + 1)
        expectVerdict(.operandStackTooDeep(at: 2), [0x00, 0x00, 0x0C, 0, 0x0B], results: tooMany)
        expectVerdict(.operandStackTooDeep(at: 2), [0x00, 0x00, 0x0F, 0x0B], results: tooMany)
        expectVerdict(.operandStackTooDeep(at: 2), [0x00, 0x00, 0x0E, 0, 0, 0x0B], results: tooMany)
        expectVerdict(.operandStackTooDeep(at: 2), [0x00, 0x00, 0x0B], results: tooMany)
        let asMany = [ValueType](repeating: .i32, count: FunctionCompiler.maximumStackHeight)
        expectVerdict(nil, [0x00, 0x00, 0x0C, 0, 0x0B], results: asMany)
    }

    @Test func oneValidatorForManyBodies() throws {
        let module = bodyTestModule(parameters: [.i32], results: [.i32])
        var validator = FunctionValidator(module: module)
        let bodies: [([UInt8], ModuleError?)] = [
            // A block left open by the error: block; unreachable; i32.add; end (with an i32 left).
            ([0x00, 0x02, 0x40, 0x00, 0x6A, 0x0B], .typeMismatch(at: 5)),
            ([0x00, 0x20, 0, 0x0B], nil),
            ([0x01, 0x02, 0x7E, 0x20, 2, 0x0B], .typeMismatch(at: 5)),
            ([0x00, 0x20, 1, 0x0B], .unknownLocal(1, at: 1)),
            ([0x00, 0x41, 7, 0x0B], nil),
        ]
        for (body, expected) in bodies {
            var reader = BinaryReader(bytes: body)
            let verdict: ModuleError?
            do {
                try validator.validate(functionIndex: 0, body: &reader)
                verdict = nil
            } catch {
                verdict = error
            }
            #expect(verdict == expected, "\(body)")
        }
    }

    @Test func signatureTablesCoverTheirOpcodes() {
        #expect(NumericSignature.table.count == 0xC4 - 0x45 + 1)
        #expect(MemoryAccess.table.count == 0x3E - 0x28 + 1)
        let add = NumericSignature.of(0x6A)
        #expect(add.operand == .i32 && add.result == .i32 && add.isBinary)
        let wrap = NumericSignature.of(0xA7)
        #expect(wrap.operand == .i64 && wrap.result == .i32 && !wrap.isBinary)
        let promote = NumericSignature.of(0xBB)
        #expect(promote.operand == .f32 && promote.result == .f64)
        let reinterpret = NumericSignature.of(0xBF)
        #expect(reinterpret.operand == .i64 && reinterpret.result == .f64)
        let extend = NumericSignature.of(0xC4)
        #expect(extend.operand == .i64 && extend.result == .i64)
        let f64Store = MemoryAccess.of(0x39)
        #expect(f64Store.valueType == .f64 && f64Store.naturalAlignment == 3 && f64Store.isStore)
    }
}
