import Testing
@testable import WasmEngine

/// Compiles one body (locals declarations included) as function 0 of a small module with one memory,
/// one funcref table and, as function 1, an `(i32) -> i32` function.
func compileBody(
    _ body: [UInt8], parameters: [ValueType] = [], results: [ValueType] = [],
    configure: (inout Module) -> Void = { _ in }
) throws(ModuleError) -> CompiledFunction {
    let module = bodyTestModule(parameters: parameters, results: results, configure: configure)
    var reader = BinaryReader(bytes: body)
    return try FunctionCompiler.compile(module: module, functionIndex: 0, body: &reader)
}

/// The module `compileBody` compiles its body in.
func bodyTestModule(
    parameters: [ValueType] = [], results: [ValueType] = [], configure: (inout Module) -> Void = { _ in }
) -> Module {
    var module = Module()
    module.types = [
        FuncType(parameters: parameters, results: results), FuncType(parameters: [.i32], results: [.i32]),
    ]
    module.functionTypeIndices = [0, 1]
    module.memories = [MemoryType(limits: Limits(min: 1))]
    module.tables = [TableType(elementType: .funcref, limits: Limits(min: 1))]
    module.globals = [GlobalType(valueType: .i32, isMutable: false), GlobalType(valueType: .i64, isMutable: true)]
    module.declaredFunctionReferences = [false, true]
    configure(&module)
    return module
}

func compileError(
    _ body: [UInt8], parameters: [ValueType] = [], results: [ValueType] = [],
    configure: (inout Module) -> Void = { _ in }
) -> ModuleError? {
    do {
        _ = try compileBody(body, parameters: parameters, results: results, configure: configure)
        return nil
    } catch {
        return error
    }
}

@Suite struct CompilerCodeShapeTests {
    @Test func instructionsAreSixteenBytes() {
        // The interpreter walks code by pointer and turns byte distances into instruction counts by a shift.
        #expect(MemoryLayout<Instruction>.stride == 16)
    }

    @Test func functionsDeclaringMoreLocalsThanACallZeroesStartByZeroingTheRest() throws {
        // (param i32) with 4 and then 7 declared i32 locals; the body is just `end`.
        let four = try compileBody([0x01, 0x04, 0x7F, 0x0B], parameters: [.i32])
        #expect(four.code.allSatisfy { $0.opcode != .zeroLocals })
        let seven = try compileBody([0x01, 0x07, 0x7F, 0x0B], parameters: [.i32])
        #expect(seven.code.first == Instruction(.zeroLocals, 5, 3))
        #expect(seven.code.filter { $0.opcode == .zeroLocals }.count == 1)
    }

    @Test func addIntoLocalIsOneInstruction() throws {
        // (local i32) local.get 0; local.get 1; i32.add; local.set 2
        let function = try compileBody(
            [0x01, 0x01, 0x7F, 0x20, 0, 0x20, 1, 0x6A, 0x21, 2, 0x0B], parameters: [.i32, .i32])
        // One instruction, paired with the `return` after it (which stays in place as the second word).
        #expect(function.code == [Instruction(.i32AddThenReturn, 2, 0, 1), Instruction(.return)])
        #expect(function.localCount == 3)
        #expect(function.parameterCount == 2)
        #expect(function.frameSize == 5)
    }

    @Test func constantFoldsIntoImmediateForm() throws {
        // local.get 0; i32.const 5; i32.sub; local.tee 0; drop
        let function = try compileBody(
            [0x00, 0x20, 0, 0x41, 5, 0x6B, 0x22, 0, 0x1A, 0x0B], parameters: [.i32])
        #expect(function.code == [Instruction(.i32AddImm, 0, 0, UInt32(bitPattern: -5)), Instruction(.return)])
    }

    @Test func i64AddImmediateOnlyWhenItFits() throws {
        // local.get 0; i64.const -3; i64.add; local.get 0; i64.const 2^40; i64.add; drop; drop
        let function = try compileBody(
            [0x00, 0x20, 0, 0x42, 0x7D, 0x7C, 0x20, 0, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x7C, 0x1A, 0x1A, 0x0B],
            parameters: [.i64])
        #expect(
            function.code == [
                Instruction(.i64AddImm, 1, 0, UInt32(bitPattern: -3)),
                Instruction(.const64, 3, 0, 1 << 8),
                Instruction(.i64AddFwd, 2, 3, 0),
                Instruction(.return),
            ])
    }

    @Test func compareFusesWithBrIf() throws {
        // block; local.get 0; local.get 1; i32.lt_s; br_if 0; end
        let function = try compileBody(
            [0x00, 0x02, 0x40, 0x20, 0, 0x20, 1, 0x48, 0x0D, 0, 0x0B, 0x0B], parameters: [.i32, .i32])
        #expect(function.code == [Instruction(.brIfI32LtS, 1, 0, 1), Instruction(.return)])
    }

    @Test func comparisonWithAConstantFusesIntoAnImmediateBranch() throws {
        // block; local.get 0; i32.const 5; i32.lt_s; br_if 0; end
        let right = try compileBody(
            [0x00, 0x02, 0x40, 0x20, 0, 0x41, 5, 0x48, 0x0D, 0, 0x0B, 0x0B], parameters: [.i32])
        #expect(right.code == [Instruction(.brIfI32LtSImm, 1, 0, 5), Instruction(.return)])
        // block; i32.const 5; local.get 0; i32.lt_s; br_if 0; end: 5 < x is x > 5
        let left = try compileBody(
            [0x00, 0x02, 0x40, 0x41, 5, 0x20, 0, 0x48, 0x0D, 0, 0x0B, 0x0B], parameters: [.i32])
        #expect(left.code == [Instruction(.brIfI32GtSImm, 1, 0, 5), Instruction(.return)])
    }

    @Test func addressAdditionFoldsIntoALoadWithoutOffset() throws {
        // (param i32) (result i32) local.get 0; i32.const 8; i32.add; i32.load offset=0
        let folded = try compileBody(
            [0x00, 0x20, 0, 0x41, 8, 0x6A, 0x28, 2, 0, 0x0B], parameters: [.i32], results: [.i32])
        #expect(folded.code == [Instruction(.i32LoadAddImm, 0, 0, 8), Instruction(.return)])
        // With a static offset the sum must not wrap, unlike the addition: no folding.
        let kept = try compileBody(
            [0x00, 0x20, 0, 0x41, 8, 0x6A, 0x28, 2, 4, 0x0B], parameters: [.i32], results: [.i32])
        #expect(kept.code.first == Instruction(.i32AddImm, 1, 0, 8))
    }

    @Test func arrayElementAddressFoldsIntoAScaledLoad() throws {
        // (param i32 i32) (result i32) local.get 0; local.get 1; i32.const 2; i32.shl; i32.add; i32.load
        let folded = try compileBody(
            [0x00, 0x20, 0, 0x20, 1, 0x41, 2, 0x74, 0x6A, 0x28, 2, 0, 0x0B], parameters: [.i32, .i32], results: [.i32])
        #expect(folded.code == [Instruction(.i32LoadScaled, 0, 0, 1), Instruction(.return)])
        // local.get 0; block (result i32); local.get 1; i32.const 2; i32.shl; end; i32.add; i32.load: the block's
        // end is a label between the shift and the addition, so they stay apart.
        let split = try compileBody(
            [0x00, 0x20, 0, 0x02, 0x7F, 0x20, 1, 0x41, 2, 0x74, 0x0B, 0x6A, 0x28, 2, 0, 0x0B],
            parameters: [.i32, .i32], results: [.i32])
        #expect(!split.code.contains { $0.opcode == .i32LoadScaled })
    }

    @Test func xorshiftStepIsOneInstruction() throws {
        // (param i32) (result i32) local.get 0; i32.const 13; i32.shl; local.get 0; i32.xor
        let shiftFirst = try compileBody(
            [0x00, 0x20, 0, 0x41, 13, 0x74, 0x20, 0, 0x73, 0x0B], parameters: [.i32], results: [.i32])
        #expect(shiftFirst.code == [Instruction(.i32XorShlImm, 0, 0, 13), Instruction(.return)])
        // local.get 0; local.get 0; i32.const 17; i32.shr_u; i32.xor
        let shiftSecond = try compileBody(
            [0x00, 0x20, 0, 0x20, 0, 0x41, 17, 0x76, 0x73, 0x0B], parameters: [.i32], results: [.i32])
        #expect(shiftSecond.code == [Instruction(.i32XorShrUImm, 0, 0, 17), Instruction(.return)])
        // (param i32 i32) local.get 0; i32.const 3; i32.shl; local.get 1; i32.xor: different values, no fusion.
        let mixed = try compileBody(
            [0x00, 0x20, 0, 0x41, 3, 0x74, 0x20, 1, 0x73, 0x0B], parameters: [.i32, .i32], results: [.i32])
        #expect(!mixed.code.contains { $0.opcode == .i32XorShlImm })
    }

    @Test func i64ComparisonFusesWithBrIf() throws {
        // block; local.get 0; local.get 1; i64.lt_u; br_if 0; end
        let function = try compileBody(
            [0x00, 0x02, 0x40, 0x20, 0, 0x20, 1, 0x54, 0x0D, 0, 0x0B, 0x0B], parameters: [.i64, .i64])
        #expect(function.code == [Instruction(.brIfI64LtU, 1, 0, 1), Instruction(.return)])
    }

    @Test func forwardingReadsThePreviousResultExceptAtBranchTargets() {
        var code = [
            Instruction(.i32AddImm, 0, 0, 1),
            Instruction(.i32ShlImm, 0, 0, 3),  // a loop header: reached from below too
            Instruction(.i32Xor, 1, 2, 0),  // reads slot 0 on the right: commutes
            Instruction(.i32Sub, 3, 2, 1),  // reads slot 1 on the right: its own form
            Instruction(.brIf, 1, 3),
            Instruction(.i32Store, 3, 0, 0),
        ]
        FunctionTranslator.forwardResults(&code)
        #expect(
            code == [
                Instruction(.i32AddImm, 0, 0, 1),
                Instruction(.i32ShlImm, 0, 0, 3),
                Instruction(.i32XorFwd, 1, 0, 2),
                Instruction(.i32SubFwdC, 3, 2, 1),
                Instruction(.brIfFwd, 1, 3),
                // A branch produces nothing to forward.
                Instruction(.i32Store, 3, 0, 0),
            ])
    }

    @Test func floatOperandsAreForwardedOnlyFromFloatProducers() {
        var code = [
            Instruction(.copy, 2, 0, 0),  // a move leaves only the integer register holding the value
            Instruction(.f64Add, 3, 2, 1),
            Instruction(.i64Load, 5, 0, 0),  // 64-bit loads fill the float register too
            Instruction(.f64Sub, 4, 1, 5),
            Instruction(.f64Mul, 4, 4, 1),  // f64 arithmetic: the float register has its operand
            Instruction(.i64Store, 4, 0, 8),  // the store of an f64 result takes it from the float register
            Instruction(.f64Div, 6, 1, 2),
            Instruction(.i64Add, 7, 6, 6),  // an f64 result's bits (a reinterpretation) are not forwarded
            Instruction(.i64Load, 8, 0, 0),
            Instruction(.i64Store, 8, 0, 16),  // a load fills the integer register too
        ]
        FunctionTranslator.forwardResults(&code)
        #expect(
            code == [
                Instruction(.copy, 2, 0, 0),
                Instruction(.f64Add, 3, 2, 1),
                Instruction(.i64Load, 5, 0, 0),
                Instruction(.f64SubFwdCThenF64MulFwd, 4, 1, 5),  // then paired
                Instruction(.f64MulFwd, 4, 4, 1),
                Instruction(.f64StoreFwd, 4, 0, 8),
                Instruction(.f64Div, 6, 1, 2),
                Instruction(.i64Add, 7, 6, 6),
                Instruction(.i64Load, 8, 0, 0),
                Instruction(.i64StoreFwd, 8, 0, 16),
            ])
    }

    @Test func additionAndBranchOnItsResultBecomeOneLoopStep() {
        var code = [
            Instruction(.i32AddImm, 0, 0, 1),
            Instruction(.brIfI32LtU, 0, 0, 1),  // back-edge on the sum: fused, the branch kept as second word
            Instruction(.i64Add, 2, 2, 3),
            Instruction(.brIfI32LtU, 0, 0, 1),  // does not read the sum: stays apart
        ]
        FunctionTranslator.forwardResults(&code)
        #expect(
            code == [
                Instruction(.i32AddImmBrIfI32LtUFwd, 0, 0, 1),
                Instruction(.brIfI32LtUFwd, 0, 0, 1),
                Instruction(.i64Add, 2, 2, 3),
                Instruction(.brIfI32LtU, 0, 0, 1),
            ])
    }

    @Test func adjacentInstructionsBecomePairs() {
        var code = [
            Instruction(.i32Store8, 1, 0, 0),
            Instruction(.i32Add, 0, 0, 2),  // the address step after a byte store
            Instruction(.i32AddImm, 3, 3, 1),
            Instruction(.i32AddImm, 4, 4, 2),  // two steps
            Instruction(.i32AddImm, 5, 5, 1),  // its successor is taken by the next pair
            Instruction(.i32Load, 6, 0, 0),
            Instruction(.i32Store, 6, 7, 0),  // stores the loaded word: forwarded, then paired
            Instruction(.i32AddImm, 8, 8, 1),
            Instruction(.i32Add, 9, 8, 2),  // reads the first's result: forwarded, not paired
            Instruction(.f64Mul, 10, 1, 2),
            Instruction(.f64Mul, 10, 10, 3),  // a product of the product: forwarded, then paired
            Instruction(.copy, 11, 1),
            Instruction(.select, 11, 2, 3),
            Instruction(.copy, 12, 1),
            Instruction(.i32LoadScaled, 13, 2, 12),  // indexes by the copy: forwarded, then paired
        ]
        FunctionTranslator.forwardResults(&code)
        #expect(
            code == [
                Instruction(.i32Store8ThenI32Add, 1, 0, 0),
                Instruction(.i32Add, 0, 0, 2),
                Instruction(.i32AddImmThenI32AddImm, 3, 3, 1),
                Instruction(.i32AddImm, 4, 4, 2),
                Instruction(.i32AddImm, 5, 5, 1),
                Instruction(.i32LoadThenI32StoreFwd, 6, 0, 0),
                Instruction(.i32StoreFwd, 6, 7, 0),
                Instruction(.i32AddImm, 8, 8, 1),
                Instruction(.i32AddFwd, 9, 8, 2),
                Instruction(.f64MulThenF64MulFwd, 10, 1, 2),
                Instruction(.f64MulFwd, 10, 10, 3),
                Instruction(.copyThenSelect, 11, 1),
                Instruction(.select, 11, 2, 3),
                Instruction(.copyThenI32LoadScaledFwdC, 12, 1),
                Instruction(.i32LoadScaledFwdC, 13, 2, 12),
            ])
    }

    @Test func inductionStepsPairWithTheLoopStepAfterThem() {
        var code = [
            Instruction(.i32AddImm, 0, 0, 4),
            Instruction(.i32AddImm, 1, 1, UInt32.max),
            Instruction(.brIf, 0, 1),  // a count-down back-edge on the decrement: a loop step, then a pair
            Instruction(.i32AddImm, 2, 2, 4),
            Instruction(.i64AddImm, 3, 3, 1),
            Instruction(.brIfI64Ne, 3, 3, 4),
            Instruction(.i32AddImm, 5, 5, UInt32.max),
            Instruction(.brIf, 0, 6),  // reads another slot: neither a loop step nor a pair
        ]
        FunctionTranslator.forwardResults(&code)
        #expect(
            code == [
                Instruction(.i32AddImmThenI32AddImmBrIfFwd, 0, 0, 4),
                Instruction(.i32AddImmBrIfFwd, 1, 1, UInt32.max),
                Instruction(.brIfFwd, 0, 1),
                Instruction(.i32AddImmThenI64AddImmBrIfI64NeFwd, 2, 2, 4),
                Instruction(.i64AddImmBrIfI64NeFwd, 3, 3, 1),
                Instruction(.brIfI64NeFwd, 3, 3, 4),
                Instruction(.i32AddImm, 5, 5, UInt32.max),
                Instruction(.brIf, 0, 6),
            ])
    }

    @Test func eqzFusesWithIfAsBranchOnNonZero() throws {
        // local.get 0; i32.eqz; if; i32.const 7; global.set 1 ... (use local.set) ; end
        let function = try compileBody(
            [0x00, 0x20, 0, 0x45, 0x04, 0x40, 0x41, 7, 0x21, 0, 0x0B, 0x0B], parameters: [.i32])
        #expect(
            function.code == [
                Instruction(.brIf, 2, 0), Instruction(.const32, 0, 7), Instruction(.return),
            ])
    }

    @Test func loopBackEdgeTargetsHeader() throws {
        // loop; local.get 0; i32.const -1; i32.add; local.tee 0; br_if 0; end
        let function = try compileBody(
            [0x00, 0x03, 0x40, 0x20, 0, 0x41, 0x7F, 0x6A, 0x22, 0, 0x0D, 0, 0x0B, 0x0B], parameters: [.i32])
        #expect(
            function.code == [
                Instruction(.i32AddImmBrIfFwd, 0, 0, UInt32(bitPattern: -1)), Instruction(.brIfFwd, 0, 0),
                Instruction(.return),
            ])
    }

    @Test func blockResultFromBothArms() throws {
        // (result i32) local.get 0; if (result i32); i32.const 1; else; local.get 0; end
        let function = try compileBody(
            [0x00, 0x20, 0, 0x04, 0x7F, 0x41, 1, 0x05, 0x20, 0, 0x0B, 0x0B], parameters: [.i32], results: [.i32])
        #expect(
            function.code == [
                Instruction(.brIfNot, 3, 0),
                Instruction(.const32, 1, 1),
                Instruction(.br, 4),
                Instruction(.copy, 1, 0),
                Instruction(.copy, 0, 1),
                Instruction(.return),
            ])
    }

    @Test func localSetMaterializesPendingReads() throws {
        // local.get 0; i32.const 1; local.set 0; drop... keep it: local.get 0; i32.const 1; local.set 0; local.set 0
        let function = try compileBody(
            [0x00, 0x20, 0, 0x41, 1, 0x21, 0, 0x21, 0, 0x0B], parameters: [.i32])
        #expect(
            function.code == [
                Instruction(.copy, 1, 0), Instruction(.const32, 0, 1), Instruction(.copy, 0, 1),
                Instruction(.return),
            ])
    }

    @Test func returnOfSwappedLocalsSavesTheOverwrittenOne() throws {
        // (param i32 i32) (result i32 i32) local.get 1; local.get 0
        let function = try compileBody(
            [0x00, 0x20, 1, 0x20, 0, 0x0B], parameters: [.i32, .i32], results: [.i32, .i32])
        #expect(
            function.code == [
                Instruction(.copy, 3, 0), Instruction(.copy, 0, 1), Instruction(.copy, 1, 3), Instruction(.return),
            ])
    }

    @Test func singleResultIsComputedIntoSlotZero() throws {
        // (param i32 i32) (result i32) local.get 0; local.get 1; i32.add
        let function = try compileBody([0x00, 0x20, 0, 0x20, 1, 0x6A, 0x0B], parameters: [.i32, .i32], results: [.i32])
        #expect(function.code == [Instruction(.i32AddThenReturn, 0, 0, 1), Instruction(.return)])
    }

    @Test func callArgumentsAreConsecutive() throws {
        // (result i32) local.get 0; call 1
        let function = try compileBody([0x00, 0x20, 0, 0x10, 1, 0x0B], parameters: [.i32], results: [.i32])
        #expect(
            function.code == [
                Instruction(.copy, 1, 0), Instruction(.callDefined, 1, 1), Instruction(.copy, 0, 1),
                Instruction(.return),
            ])
    }

    @Test func onlyCallsOfImportsAreGeneralCalls() throws {
        // (param i32) (result i32) local.get 0; call 0; call 1, with function 0 counted as an import
        let function = try compileBody(
            [0x00, 0x20, 0, 0x10, 0, 0x10, 1, 0x0B], parameters: [.i32], results: [.i32],
            configure: { $0.importedFunctionCount = 1; $0.functionTypeIndices = [1, 1] })
        let calls: [Opcode] = function.code.map(\.opcode).filter { $0 == .call || $0 == .callDefined }
        #expect(calls == [.call, .callDefined])
    }

    @Test func brTableEntriesAndStubs() throws {
        // (result i32) block (result i32); block (result i32); i32.const 9; local.get 0; br_table 0 1 1;
        // end; end
        let function = try compileBody(
            [0x00, 0x02, 0x7F, 0x02, 0x7F, 0x41, 9, 0x20, 0, 0x0E, 2, 0, 1, 1, 0x0B, 0x0B, 0x0B],
            parameters: [.i32], results: [.i32])
        // The constant reaches each block's result slot through one stub per target.
        #expect(
            function.code == [
                Instruction(.brTable, 0, 2),
                Instruction(.br, 4), Instruction(.br, 6), Instruction(.br, 6),
                Instruction(.const32, 1, 9), Instruction(.br, 8),
                Instruction(.const32, 1, 9), Instruction(.br, 8),
                Instruction(.copy, 0, 1), Instruction(.return),
            ])
    }

    @Test func zeroingAFreshLocalEmitsNothingBeforeTheFirstLoop() throws {
        // (local i32 i32) i32.const 0; local.set 0; i32.const 0; local.set 1; loop; i32.const 0; local.set 1;
        // end; i32.const 1; local.set 0; i32.const 0; local.set 0
        let function = try compileBody([
            0x01, 0x02, 0x7F, 0x41, 0, 0x21, 0, 0x41, 0, 0x21, 1, 0x03, 0x40, 0x41, 0, 0x21, 1, 0x0B, 0x41, 1, 0x21, 0,
            0x41, 0, 0x21, 0, 0x0B,
        ])
        #expect(
            function.code == [
                Instruction(.const32, 1, 0), Instruction(.const32, 0, 1), Instruction(.const32, 0, 0),
                Instruction(.return),
            ])
    }

    @Test func deadCodeEmitsNothing() throws {
        // (result i32) unreachable; i32.add; end
        let function = try compileBody([0x00, 0x00, 0x6A, 0x0B], results: [.i32])
        #expect(function.code == [Instruction(.unreachable)])
    }

    @Test func reinterpretIsFree() throws {
        // (param f32) (result i32) local.get 0; i32.reinterpret_f32
        let function = try compileBody([0x00, 0x20, 0, 0xBC, 0x0B], parameters: [.f32], results: [.i32])
        #expect(function.code == [Instruction(.return)])
    }

    @Test func wrapIsFree() throws {
        // (param i64) (result i32) local.get 0; i32.wrap_i64
        let function = try compileBody([0x00, 0x20, 0, 0xA7, 0x0B], parameters: [.i64], results: [.i32])
        #expect(function.code == [Instruction(.return)])
        // (param i64) (local i32) local.get 0; i64.const 1; i64.add; i32.wrap_i64; local.set 1: the i64 sum
        // is computed straight into the i32 local.
        let intoLocal = try compileBody(
            [0x01, 0x01, 0x7F, 0x20, 0, 0x42, 1, 0x7C, 0xA7, 0x21, 1, 0x0B], parameters: [.i64])
        #expect(intoLocal.code == [Instruction(.i64AddImm, 1, 0, 1), Instruction(.return)])
    }

    @Test func selectCopiesFirstOperandToResultSlot() throws {
        // (param i32 i32 i32) (result i32) local.get 0; local.get 1; local.get 2; select
        let function = try compileBody(
            [0x00, 0x20, 0, 0x20, 1, 0x20, 2, 0x1B, 0x0B], parameters: [.i32, .i32, .i32], results: [.i32])
        #expect(
            function.code == [
                // The copy and the select run as one pair.
                Instruction(.copyThenSelect, 3, 0), Instruction(.select, 3, 1, 2), Instruction(.copy, 0, 3),
                Instruction(.return),
            ])
    }
}

@Suite struct CompilerValidationTests {
    @Test func typeMismatch() {
        #expect(compileError([0x00, 0x41, 0, 0x42, 0, 0x6A, 0x1A, 0x0B])?.reason == "type mismatch")
        // Missing result.
        #expect(compileError([0x00, 0x0B], results: [.i32])?.reason == "type mismatch")
        // Leftover value.
        #expect(compileError([0x00, 0x41, 0, 0x0B])?.reason == "type mismatch")
        // Untyped select of references.
        #expect(compileError([0x00, 0xD0, 0x70, 0xD0, 0x70, 0x41, 0, 0x1B, 0x1A, 0x0B])?.reason == "type mismatch")
        // br_table with different arities.
        #expect(
            compileError([0x00, 0x02, 0x7F, 0x41, 0, 0x41, 0, 0x0E, 1, 0, 1, 0x0B, 0x1A, 0x0B])?.reason
                == "type mismatch")
    }

    @Test func unreachableCodeIsPolymorphic() throws {
        // (result i32) block (result i32); unreachable; i64.add; drop; br 0 ... simplified:
        _ = try compileBody([0x00, 0x00, 0x6A, 0x0B], results: [.i32])
        // After unreachable, i64 on the stack where i32 is needed still fails.
        #expect(compileError([0x00, 0x00, 0x42, 0, 0x0B], results: [.i32])?.reason == "type mismatch")
    }

    @Test func unknownIndices() {
        #expect(compileError([0x00, 0x20, 0, 0x1A, 0x0B])?.reason == "unknown local 0")
        #expect(compileError([0x00, 0x23, 5, 0x1A, 0x0B])?.reason == "unknown global 5")
        #expect(compileError([0x00, 0x10, 9, 0x0B])?.reason == "unknown function 9")
        #expect(compileError([0x00, 0x0C, 1, 0x0B])?.reason == "unknown label")
        #expect(compileError([0x00, 0x02, 0x07, 0x0B, 0x0B])?.reason == "unknown type 7")
        #expect(compileError([0x00, 0x41, 0, 0x25, 3, 0x1A, 0x0B])?.reason == "unknown table 3")
        #expect(compileError([0x00, 0xFC, 13, 0, 0x0B])?.reason == "unknown elem segment 0")
        #expect(
            compileError([0x00, 0x3F, 0, 0x1A, 0x0B]) { $0.memories = [] }?.reason == "unknown memory 0")
    }

    @Test func moduleLevelRules() {
        #expect(compileError([0x00, 0x41, 0, 0x24, 0, 0x0B])?.reason == "global is immutable")
        #expect(compileError([0x00, 0xD2, 0, 0x1A, 0x0B])?.reason == "undeclared function reference")
        #expect(compileError([0x00, 0x41, 0, 0x28, 3, 0, 0x1A, 0x0B])?.reason == "alignment must not be larger than natural")
        #expect(compileError([0x00, 0x41, 0, 0x28, 0x80, 0x01, 0, 0x1A, 0x0B])?.reason == "malformed memop flags")
        #expect(compileError([0x00, 0xFC, 9, 0, 0x0B])?.reason == "data count section required")
        #expect(compileError([0x00, 0xFC, 9, 1, 0x0B]) { $0.dataCount = 1 }?.reason == "unknown data segment 1")
        #expect(compileError([0x00, 0x1C, 2, 0x7F, 0x7F, 0x0B])?.reason == "invalid result arity")
    }

    @Test func malformedBodies() {
        #expect(compileError([0x00, 0x41, 1, 0x1A]) == .malformed(at: 4, "unexpected end of section or function"))
        #expect(compileError([0x00, 0x0B, 0x01]) == .malformed(at: 2, "section size mismatch"))
        #expect(compileError([0x00, 0x27, 0x0B]) == .malformed(at: 1, "illegal opcode"))
        #expect(compileError([0x00, 0x3F, 1, 0x1A, 0x0B])?.reason == "unknown memory 1")
        // v128.const with 1 of its 16 bytes.
        #expect(compileError([0x00, 0xFD, 0x0C, 0x0B]) == .malformed(at: 3, "unexpected end"))
        #expect(compileError([0x00, 0xFD, 0x9A, 0x01, 0x0B]) == .malformed(at: 1, "illegal opcode"))
    }

    @Test func tooManyLocals() {
        #expect(
            compileError([0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x02, 0x7E, 0x0B])
                == .malformed(at: 7, "too many locals"))
        #expect(compileError([0x01, 0xC0, 0x84, 0x3D, 0x7F, 0x0B])?.reason.hasPrefix("too many locals") == true)
        #expect(throws: Never.self) { try compileBody([0x01, 0x80, 0x01, 0x7F, 0x0B]) }
    }
}

@Suite struct CompilerConstantPoolTests {
    @Test func loopConstantsComeFromAPrologue() throws {
        // (param i32) loop; local.get 0; i32.const 1000; i32.mul; local.set 0; local.get 0; i32.const 1000;
        // i32.lt_u; br_if 0; end
        let function = try compileBody(
            [0x00, 0x03, 0x40, 0x20, 0, 0x41, 0xE8, 0x07, 0x6C, 0x21, 0, 0x20, 0, 0x41, 0xE8, 0x07, 0x49, 0x0D, 0, 0x0B,
             0x0B],
            parameters: [.i32])
        // Slots: local 0, pool 1, stack 2...3.
        #expect(function.frameSize == 4)
        #expect(
            function.code == [
                Instruction(.const32, 1, 1000),
                Instruction(.i32Mul, 0, 0, 1),
                Instruction(.brIfI32LtUImmFwd, 1, 0, 1000),
                Instruction(.return),
            ])
    }

    @Test func poolSitsBelowCallFrames() throws {
        // (param i32) (result i32) loop; local.get 0; i32.const 7; i32.mul; call 1; local.set 0; end;
        // local.get 0
        let function = try compileBody(
            [0x00, 0x03, 0x40, 0x20, 0, 0x41, 7, 0x6C, 0x10, 1, 0x21, 0, 0x0B, 0x20, 0, 0x0B],
            parameters: [.i32], results: [.i32])
        #expect(
            function.code == [
                Instruction(.const32, 1, 7),
                Instruction(.i32MulFwd, 2, 1, 0),
                Instruction(.callDefined, 1, 2),
                Instruction(.copy, 0, 2),
                Instruction(.return),
            ])
    }

    @Test func noPoolWhenResultsReachPastTheLocals() throws {
        // (result i32 i32) loop; i32.const 5; i32.const 6; i32.add; drop; end; i32.const 1; i32.const 2
        let function = try compileBody(
            [0x00, 0x03, 0x40, 0x41, 5, 0x41, 6, 0x6A, 0x1A, 0x0B, 0x41, 1, 0x41, 2, 0x0B],
            results: [.i32, .i32])
        #expect(function.code.first == Instruction(.const32, 0, 5))
    }
}

@Suite struct CompilerLimitTests {
    @Test func operandStackDepthIsCapped() {
        // Function 1 returns 300,000 values; calling it four times without dropping them is refused.
        let error = compileError([0x00, 0x10, 1, 0x10, 1, 0x10, 1, 0x10, 1, 0x0B]) { module in
            module.types[1] = FuncType(parameters: [], results: Array(repeating: .i32, count: 300_000))
        }
        #expect(error?.kind == .unsupported)
    }
}

extension CompilerLimitTests {
    @Test func deepStacksDoNotMakeLocalWritesQuadratic() {
        // 100,000 × local.get 0, then 50,000 × (i32.const 1; local.set 0; block; end): each reference is
        // copied once, not rescanned by every write and every block.
        var body: [UInt8] = [0x00]
        for _ in 0..<100_000 { body += [0x20, 0] }
        for _ in 0..<50_000 { body += [0x41, 1, 0x21, 0, 0x02, 0x40, 0x0B] }
        for _ in 0..<100_000 { body += [0x1A] }
        body.append(0x0B)
        let start = ContinuousClock.now
        #expect(compileError(body, parameters: [.i32]) == nil)
        #expect(ContinuousClock.now - start < .seconds(10))
    }
}
