import Testing
@testable import WasmEngine

/// Compiles `bodies` (each a type index and the body bytes, locals declarations included) as functions
/// 0, 1, ... of a module with one memory, runs function 0 and returns its results.
func execute(types: [FuncType], _ bodies: [(type: UInt32, body: [UInt8])], _ arguments: [Value]) throws -> [Value] {
    var module = Module()
    module.types = types
    module.functionTypeIndices = bodies.map { $0.type }
    module.memories = [MemoryType(limits: Limits(min: 1))]
    for (index, function) in bodies.enumerated() {
        var reader = BinaryReader(bytes: function.body)
        module.functions.append(.compiled(try FunctionCompiler.compile(module: module, functionIndex: UInt32(index), body: &reader)))
    }
    module.exports = [Export(name: "main", descriptor: .function(0))]
    let store = Store()
    let instance = try store.instantiate(module, imports: Imports())
    return try store.invoke(instance.function("main"), arguments)
}

func execute(_ type: FuncType, _ body: [UInt8], _ arguments: [Value], extraTypes: [FuncType] = []) throws -> [Value] {
    try execute(types: [type] + extraTypes, [(0, body)], arguments)
}

@Suite struct CompilerExecutionTests {
    static let i32ToI32 = FuncType.of([.i32], [.i32])

    @Test func recursiveFibonacci() throws {
        // local.get 0; i32.const 2; i32.lt_u; if (result i32); local.get 0; else; local.get 0; i32.const 1;
        // i32.sub; call 0; local.get 0; i32.const 2; i32.sub; call 0; i32.add; end
        let body: [UInt8] = [
            0x00, 0x20, 0, 0x41, 2, 0x49, 0x04, 0x7F, 0x20, 0, 0x05, 0x20, 0, 0x41, 1, 0x6B, 0x10, 0, 0x20, 0, 0x41, 2,
            0x6B, 0x10, 0, 0x6A, 0x0B, 0x0B,
        ]
        #expect(try execute(Self.i32ToI32, body, [.i32(20)]) == [.i32(6765)])
    }

    @Test(arguments: [5, 7, 12, 40])
    func everyCallSeesItsDeclaredLocalsZeroed(declaredLocals: UInt8) throws {
        // f(n): the sum of declared locals 1, 5 and the last, then 7 stored into each, plus f(n - 1) if n != 0.
        // main(n) calls f(n), drops the result and returns f(n): the second chain of calls runs in the frames
        // the first one left its 7s in.
        let last = declaredLocals
        let f: [UInt8] = [
            0x01, declaredLocals, 0x7F,
            0x20, 1, 0x20, 5, 0x6A, 0x20, last, 0x6A,
            0x41, 7, 0x21, 1, 0x41, 7, 0x21, 5, 0x41, 7, 0x21, last,
            0x20, 0, 0x04, 0x7F, 0x20, 0, 0x41, 1, 0x6B, 0x10, 1, 0x05, 0x41, 0, 0x0B, 0x6A,
            0x0B,
        ]
        let main: [UInt8] = [0x00, 0x20, 0, 0x10, 1, 0x1A, 0x20, 0, 0x10, 1, 0x0B]
        #expect(try execute(types: [Self.i32ToI32], [(0, main), (0, f)], [.i32(10)]) == [.i32(0)])
    }

    /// Every handler ends in a tail call of the next one (see Interpreter.swift): were one a plain call, each
    /// instruction would take host stack, and this run of some thirty million would exhaust it.
    @Test func longRunsTakeNoHostStackPerInstruction() throws {
        // (n) (local acc): loop; acc = f(acc); n -= 1 (tee); br_if 0; end; acc — with f(x) = x + 1
        let main: [UInt8] = [
            0x01, 0x01, 0x7F, 0x03, 0x40, 0x20, 1, 0x10, 1, 0x21, 1, 0x20, 0, 0x41, 0x7F, 0x6A, 0x22, 0, 0x0D, 0, 0x0B,
            0x20, 1, 0x0B,
        ]
        let increment: [UInt8] = [0x00, 0x20, 0, 0x41, 1, 0x6A, 0x0B]
        #expect(try execute(types: [Self.i32ToI32], [(0, main), (0, increment)], [.i32(3_000_000)]) == [.i32(3_000_000)])
    }

    @Test func loopStepsAddThenBranchOnTheSum() throws {
        // loop; local.get 0; i32.const 3; i32.add; local.tee 0; i32.const 30; i32.lt_u; br_if 0; end; local.get 0
        let counting: [UInt8] = [0x00, 0x03, 0x40, 0x20, 0, 0x41, 3, 0x6A, 0x22, 0, 0x41, 30, 0x49, 0x0D, 0, 0x0B, 0x20, 0, 0x0B]
        #expect(try compileBody(counting, parameters: [.i32], results: [.i32]).code.contains {
            $0.opcode == .i32AddImmBrIfI32LtUImmFwd
        })
        #expect(try execute(Self.i32ToI32, counting, [.i32(0)]) == [.i32(30)])
        #expect(try execute(Self.i32ToI32, counting, [.i32(100)]) == [.i32(103)])  // falls through at once
        // The same in i64 with `i64.ne 50` as the exit test.
        let counting64: [UInt8] = [0x00, 0x03, 0x40, 0x20, 0, 0x42, 5, 0x7C, 0x22, 0, 0x42, 50, 0x52, 0x0D, 0, 0x0B, 0x20, 0, 0x0B]
        #expect(try compileBody(counting64, parameters: [.i64], results: [.i64]).code.contains {
            $0.opcode == .i64AddBrIfI64NeFwd || $0.opcode == .i64AddImmBrIfI64NeFwd
        })
        #expect(try execute(FuncType.of([.i64], [.i64]), counting64, [.i64(0)]) == [.i64(50)])
    }

    @Test func countDownLoopStepsAddThenBranchOnTheSum() throws {
        // loop; local.get 0; i32.const -2; i32.add; local.tee 0; i32.const 1; i32.gt_u; br_if 0; end; local.get 0
        let countDown: [UInt8] = [0x00, 0x03, 0x40, 0x20, 0, 0x41, 0x7E, 0x6A, 0x22, 0, 0x41, 1, 0x4B, 0x0D, 0, 0x0B, 0x20, 0, 0x0B]
        #expect(try compileBody(countDown, parameters: [.i32], results: [.i32]).code.contains {
            $0.opcode == .i32AddImmBrIfI32GtUImmFwd
        })
        #expect(try execute(Self.i32ToI32, countDown, [.i32(10)]) == [.i32(0)])
        #expect(try execute(Self.i32ToI32, countDown, [.i32(11)]) == [.i32(1)])
        #expect(try execute(Self.i32ToI32, countDown, [.i32(3)]) == [.i32(1)])  // falls through at once
    }

    @Test func inductionStepThenLoopStepRunsBothSteps() throws {
        // (n, s): loop; s += 3; n -= 1 (tee); br_if 0 (n != 0); end; s
        let countDown: [UInt8] = [
            0x00, 0x03, 0x40, 0x20, 1, 0x41, 3, 0x6A, 0x21, 1, 0x20, 0, 0x41, 0x7F, 0x6A, 0x22, 0, 0x0D, 0, 0x0B, 0x20, 1, 0x0B,
        ]
        let twoI32s = FuncType.of([.i32, .i32], [.i32])
        #expect(try compileBody(countDown, parameters: [.i32, .i32], results: [.i32]).code.first?.opcode == .i32AddImmThenI32AddImmBrIfFwd)
        #expect(try execute(twoI32s, countDown, [.i32(10), .i32(0)]) == [.i32(30)])
        #expect(try execute(twoI32s, countDown, [.i32(1), .i32(5)]) == [.i32(8)])  // falls through at once
        // (n: i64, s): loop; s += 3; n += 1 (tee); br_if 0 (n != 50); end; s
        let countUp64: [UInt8] = [
            0x00, 0x03, 0x40, 0x20, 1, 0x41, 3, 0x6A, 0x21, 1, 0x20, 0, 0x42, 1, 0x7C, 0x22, 0, 0x42, 50, 0x52, 0x0D, 0,
            0x0B, 0x20, 1, 0x0B,
        ]
        #expect(try compileBody(countUp64, parameters: [.i64, .i32], results: [.i32]).code.contains {
            $0.opcode == .i32AddImmThenI64AddImmBrIfI64NeFwd
        })
        #expect(try execute(FuncType.of([.i64, .i32], [.i32]), countUp64, [.i64(40), .i32(0)]) == [.i32(30)])
        #expect(try execute(FuncType.of([.i64, .i32], [.i32]), countUp64, [.i64(49), .i32(1)]) == [.i32(4)])
    }

    @Test func sumThenReturnReturnsToTheCaller() throws {
        // (n): n < 2 ? n : f(n - 1) + n, the sum computed into the result slot and returned in one step
        let sumDown: [UInt8] = [
            0x00, 0x20, 0, 0x41, 2, 0x49, 0x04, 0x40, 0x20, 0, 0x0F, 0x0B, 0x20, 0, 0x41, 1, 0x6B, 0x10, 0, 0x20, 0,
            0x6A, 0x0B,
        ]
        #expect(try compileBody(sumDown, parameters: [.i32], results: [.i32]).code.contains { $0.opcode == .i32AddThenReturn })
        #expect(try execute(Self.i32ToI32, sumDown, [.i32(1)]) == [.i32(1)])
        #expect(try execute(Self.i32ToI32, sumDown, [.i32(100)]) == [.i32(5050)])
    }

    @Test func pairsRunBothInstructions() throws {
        // (p, stride, value): store8 [p] = value; p += stride; load8_u [p - stride] + p
        let storeThenStep: [UInt8] = [
            0x00, 0x20, 0, 0x20, 2, 0x3A, 0, 0, 0x20, 0, 0x20, 1, 0x6A, 0x21, 0,
            0x20, 0, 0x20, 1, 0x6B, 0x2D, 0, 0, 0x20, 0, 0x6A, 0x0B,
        ]
        let twoI32s = FuncType.of([.i32, .i32], [.i32])
        let threeI32s = FuncType.of([.i32, .i32, .i32], [.i32])
        #expect(try compileBody(storeThenStep, parameters: [.i32, .i32, .i32], results: [.i32]).code.first?.opcode == .i32Store8ThenI32Add)
        // The byte stored is the value's low byte.
        #expect(try execute(threeI32s, storeThenStep, [.i32(100), .i32(5), .i32(0x107)]) == [.i32(7 + 105)])
        #expect(try execute(threeI32s, storeThenStep, [.i32(65535), .i32(5), .i32(7)]) == [.i32(7 + 65540)])  // the last byte
        #expect(trapReason { try execute(threeI32s, storeThenStep, [.i32(65536), .i32(5), .i32(7)]) } == .memoryOutOfBounds)

        // (source, destination): store [source] = 0x12345678; store [destination] = load [source]; load [destination]
        let copy: [UInt8] = [
            0x00, 0x20, 0, 0x41, 0xF8, 0xAC, 0xD1, 0x91, 0x01, 0x36, 2, 0,
            0x20, 1, 0x20, 0, 0x28, 2, 0, 0x36, 2, 0, 0x20, 1, 0x28, 2, 0, 0x0B,
        ]
        #expect(try compileBody(copy, parameters: [.i32, .i32], results: [.i32]).code.contains {
            $0.opcode == .i32LoadThenI32StoreFwd
        })
        #expect(try execute(twoI32s, copy, [.i32(8), .i32(65532)]) == [.i32(0x1234_5678)])
        #expect(trapReason { try execute(twoI32s, copy, [.i32(8), .i32(65533)]) } == .memoryOutOfBounds)

        // (a, b, c): a += 3; b += c (or b += -2); a - b
        let steps: [UInt8] = [0x00, 0x20, 0, 0x41, 3, 0x6A, 0x21, 0, 0x20, 1, 0x20, 2, 0x6A, 0x21, 1, 0x20, 0, 0x20, 1, 0x6B, 0x0B]
        let constantSteps: [UInt8] = [0x00, 0x20, 0, 0x41, 3, 0x6A, 0x21, 0, 0x20, 1, 0x41, 0x7E, 0x6A, 0x21, 1, 0x20, 0, 0x20, 1, 0x6B, 0x0B]
        #expect(try compileBody(steps, parameters: [.i32, .i32, .i32], results: [.i32]).code.first?.opcode == .i32AddImmThenI32Add)
        #expect(try compileBody(constantSteps, parameters: [.i32, .i32, .i32], results: [.i32]).code.first?.opcode == .i32AddImmThenI32AddImm)
        #expect(try execute(threeI32s, steps, [.i32(10), .i32(20), .i32(5)]) == [.i32(UInt32(bitPattern: -12))])
        #expect(try execute(threeI32s, constantSteps, [.i32(10), .i32(20), .i32(5)]) == [.i32(UInt32(bitPattern: -5))])
    }

    @Test func floatAndCopyPairsRunBothInstructions() throws {
        // (p, a, b, c): f64[p] += a * b * c; f64[p + 8] = a - f64[p]; f64[p] + f64[p + 8]
        let products: [UInt8] = [
            0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xA2, 0x20, 0x03, 0xA2, 0x20, 0x00, 0x2B, 0x03, 0x00, 0xA0, 0x39,
            0x03, 0x00, 0x20, 0x00, 0x41, 0x08, 0x6A, 0x20, 0x01, 0x20, 0x00, 0x2B, 0x03, 0x00, 0xA1, 0x39, 0x03, 0x00,
            0x20, 0x00, 0x2B, 0x03, 0x00, 0x20, 0x00, 0x2B, 0x03, 0x08, 0xA0, 0x0B,
        ]
        let opcodes = try compileBody(products, parameters: [.i32, .f64, .f64, .f64], results: [.f64]).code.map(\.opcode)
        #expect(opcodes.contains(.f64MulThenF64MulFwd))
        #expect(opcodes.contains(.f64AddFwdThenF64StoreFwd))
        #expect(opcodes.contains(.f64SubFwdCThenF64StoreFwd))
        func f64(_ value: Double) -> Value { .f64(bits: value.bitPattern) }
        let productsType = FuncType.of([.i32, .f64, .f64, .f64], [.f64])
        #expect(try execute(productsType, products, [.i32(0), f64(2), f64(3), f64(4)]) == [f64(2)])
        #expect(try execute(productsType, products, [.i32(65520), f64(2), f64(3), f64(4)]) == [f64(2)])  // the last 16 bytes
        #expect(trapReason { try execute(productsType, products, [.i32(65528), f64(2), f64(3), f64(4)]) } == .memoryOutOfBounds)

        // (p, a, b) (local q): f64[p + 8, 16, 24] = 1.5, 2.5, 0.25; then, with s = a - f64[q = p + 8],
        // m = s * f64[p + 16], e = (a - (b - f64[p + 24])) * b, k = b / (sqrt(m + e) * a): k * a + b
        let expression: [UInt8] = [
            0x01, 0x01, 0x7F, 0x20, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F, 0x39, 0x03,
            0x08, 0x20, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x40, 0x39, 0x03, 0x10, 0x20,
            0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xD0, 0x3F, 0x39, 0x03, 0x18, 0x20, 0x02, 0x20,
            0x01, 0x20, 0x00, 0x41, 0x08, 0x6A, 0x22, 0x03, 0x2B, 0x03, 0x00, 0xA1, 0x20, 0x00, 0x41, 0x10,
            0x6A, 0x2B, 0x03, 0x00, 0xA2, 0x20, 0x01, 0x20, 0x02, 0x20, 0x00, 0x41, 0x18, 0x6A, 0x2B, 0x03,
            0x00, 0xA1, 0xA1, 0x20, 0x02, 0xA2, 0xA0, 0x9F, 0x20, 0x01, 0xA2, 0xA3, 0x20, 0x01, 0xA2, 0x20,
            0x02, 0xA0, 0x0B,
        ]
        let expressionType = FuncType.of([.i32, .f64, .f64], [.f64])
        let expressionOpcodes = try compileBody(expression, parameters: [.i32, .f64, .f64], results: [.f64]).code.map(\.opcode)
        for pair in [
            Opcode.i64LoadFwdThenF64SubFwdC, .i64LoadAddImmThenF64MulFwd, .i64LoadAddImmThenF64SubFwdC,
            .f64SubFwdCThenF64MulFwd, .f64AddFwdThenF64SqrtFwd, .f64MulFwdThenF64DivFwdC, .f64MulFwdThenF64AddFwd,
        ] {
            #expect(expressionOpcodes.contains(pair), "\(pair)")
        }
        func expected(_ a: Double, _ b: Double) -> Value {
            let s = a - 1.5, m = s * 2.5, e = (a - (b - 0.25)) * b
            let k = b / ((m + e).squareRoot() * a)
            return f64(k * a + b)
        }
        for (a, b) in [(3.0, 2.0), (-7.25, 0.1), (1e300, 1e-300)] {
            #expect(try execute(expressionType, expression, [.i32(64), f64(a), f64(b)]) == [expected(a, b)])
        }
        #expect(trapReason { try execute(expressionType, expression, [.i32(65512), f64(1), f64(1)]) } == .memoryOutOfBounds)

        // (x, y, z) (local i32 i32): i32[x] = y; i32[x + 4] = 7; y = i32[x + (tee 3 y) * 4]; select(y, z, y < z) + local 3
        let teeThenRead: [UInt8] = [
            0x01, 0x02, 0x7F, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x20, 0x00, 0x41, 0x07, 0x36, 0x02, 0x04, 0x20,
            0x00, 0x20, 0x01, 0x22, 0x03, 0x41, 0x02, 0x74, 0x6A, 0x28, 0x02, 0x00, 0x21, 0x01, 0x20, 0x01, 0x20, 0x02,
            0x20, 0x01, 0x20, 0x02, 0x49, 0x1B, 0x20, 0x03, 0x6A, 0x0B,
        ]
        let copyOpcodes = try compileBody(teeThenRead, parameters: [.i32, .i32, .i32], results: [.i32]).code.map(\.opcode)
        #expect(copyOpcodes.contains(.copyThenI32LoadScaledFwdC))
        #expect(copyOpcodes.contains(.i32MinU))  // select(y, z, y < z)
        let threeI32s = FuncType.of([.i32, .i32, .i32], [.i32])
        #expect(try execute(threeI32s, teeThenRead, [.i32(0), .i32(1), .i32(10)]) == [.i32(7 + 1)])  // selects y
        #expect(try execute(threeI32s, teeThenRead, [.i32(0), .i32(1), .i32(5)]) == [.i32(5 + 1)])  // selects z
        #expect(try execute(threeI32s, teeThenRead, [.i32(0), .i32(16383), .i32(1)]) == [.i32(16383)])  // the last word
        #expect(trapReason { try execute(threeI32s, teeThenRead, [.i32(0), .i32(16384), .i32(1)]) } == .memoryOutOfBounds)
    }

    @Test func comparisonPairsRunBothInstructions() throws {
        // (a, b) (local i32 i32): l2 = (a > b) + b; l3 = (a <= b) + l2;
        // block; br_if 0 (local.tee 2 (a >= b)); l3 += 100; end; l3 + l2 * 1000
        let branchFree: [UInt8] = [
            0x01, 0x02, 0x7F, 0x20, 0x00, 0x20, 0x01, 0x4B, 0x20, 0x01, 0x6A, 0x21, 0x02, 0x20, 0x00, 0x20, 0x01, 0x4D,
            0x20, 0x02, 0x6A, 0x21, 0x03, 0x02, 0x40, 0x20, 0x00, 0x20, 0x01, 0x4F, 0x22, 0x02, 0x0D, 0x00, 0x20, 0x03,
            0x41, 0xE4, 0x00, 0x6A, 0x21, 0x03, 0x0B, 0x20, 0x03, 0x20, 0x02, 0x41, 0xE8, 0x07, 0x6C, 0x6A, 0x0B,
        ]
        let opcodes = try compileBody(branchFree, parameters: [.i32, .i32], results: [.i32]).code.map(\.opcode)
        #expect(opcodes.starts(with: [.i32GtUThenI32AddFwd, .i32AddFwd, .i32LeUThenI32AddFwd, .i32AddFwd, .i32GeUThenBrIfFwd]))
        let twoI32s = FuncType.of([.i32, .i32], [.i32])
        #expect(try execute(twoI32s, branchFree, [.i32(5), .i32(3)]) == [.i32(4 + 1000)])  // branches
        #expect(try execute(twoI32s, branchFree, [.i32(3), .i32(5)]) == [.i32(106)])  // falls through
        #expect(try execute(twoI32s, branchFree, [.i32(5), .i32(5)]) == [.i32(6 + 1000)])
        #expect(try execute(twoI32s, branchFree, [.i32(0xFFFF_FFFF), .i32(1)]) == [.i32(2 + 1000)])  // unsigned
    }

    @Test func byteTestPairBranchesOnTheLoadedByte() throws {
        // (p, v) (local i32): i32.store8 [0] = v; l2 = 10; block; br_if 0 (i32.load8_u [p + 1]); l2 = 20; end; l2
        let byteTest: [UInt8] = [
            0x01, 0x01, 0x7F, 0x41, 0x00, 0x20, 0x01, 0x3A, 0x00, 0x00, 0x41, 0x0A, 0x21, 0x02, 0x02, 0x40, 0x20, 0x00,
            0x41, 0x01, 0x6A, 0x2D, 0x00, 0x00, 0x0D, 0x00, 0x41, 0x14, 0x21, 0x02, 0x0B, 0x20, 0x02, 0x0B,
        ]
        #expect(try compileBody(byteTest, parameters: [.i32, .i32], results: [.i32]).code.contains {
            $0.opcode == .i32Load8UFwdThenBrIfFwd
        })
        let twoI32s = FuncType.of([.i32, .i32], [.i32])
        // p + 1 wraps to 0 (an i32.add): the byte stored there decides.
        #expect(try execute(twoI32s, byteTest, [.i32(0xFFFF_FFFF), .i32(1)]) == [.i32(10)])
        #expect(try execute(twoI32s, byteTest, [.i32(0xFFFF_FFFF), .i32(0x100)]) == [.i32(20)])  // low byte 0
        #expect(try execute(twoI32s, byteTest, [.i32(65534), .i32(1)]) == [.i32(20)])  // the last byte, zero
        #expect(trapReason { try execute(twoI32s, byteTest, [.i32(65535), .i32(1)]) } == .memoryOutOfBounds)
    }

    @Test func wrappedI64KeepsOnlyItsLowHalfEverywhere() throws {
        // i32.wrap_i64 emits nothing: the i32 reads the i64's slot, upper half included.
        let i64ToI32 = FuncType.of([.i64], [.i32])
        let i64ToI64 = FuncType.of([.i64], [.i64])
        let high: UInt64 = 0x1234_5678_0000_0000
        // Returned to the host: local.get 0; i32.wrap_i64
        #expect(try execute(i64ToI32, [0x00, 0x20, 0, 0xA7, 0x0B], [.i64(high | 5)]) == [.i32(5)])
        // A fresh i64 result: local.get 0; i64.const 1; i64.add; i32.wrap_i64
        #expect(try execute(i64ToI32, [0x00, 0x20, 0, 0x42, 1, 0x7C, 0xA7, 0x0B], [.i64(high | 5)]) == [.i32(6)])
        // Extended back: local.get 0; i32.wrap_i64; i64.extend_i32_u (then _s)
        #expect(try execute(i64ToI64, [0x00, 0x20, 0, 0xA7, 0xAD, 0x0B], [.i64(high | 0xFFFF_FFFF)]) == [.i64(0xFFFF_FFFF)])
        #expect(try execute(i64ToI64, [0x00, 0x20, 0, 0xA7, 0xAC, 0x0B], [.i64(high | 0xFFFF_FFFF)]) == [.i64(UInt64.max)])
        // Stored to an i32 local, read back, extended: (local i32) local.get 0; i32.wrap_i64; local.set 1;
        // local.get 1; i64.extend_i32_u
        let viaLocal: [UInt8] = [0x01, 0x01, 0x7F, 0x20, 0, 0xA7, 0x21, 1, 0x20, 1, 0xAD, 0x0B]
        #expect(try execute(i64ToI64, viaLocal, [.i64(high | 7)]) == [.i64(7)])
        // Compared: local.get 0; i32.wrap_i64; i32.const 5; i32.eq (and i32.eqz; and as a branch condition)
        #expect(try execute(i64ToI32, [0x00, 0x20, 0, 0xA7, 0x41, 5, 0x46, 0x0B], [.i64(high | 5)]) == [.i32(1)])
        #expect(try execute(i64ToI32, [0x00, 0x20, 0, 0xA7, 0x45, 0x0B], [.i64(high)]) == [.i32(1)])
        // i32.const 3; local.get 0; i32.wrap_i64; br_if 0; drop; i32.const 4
        let branch: [UInt8] = [0x00, 0x41, 3, 0x20, 0, 0xA7, 0x0D, 0, 0x1A, 0x41, 4, 0x0B]
        #expect(try execute(i64ToI32, branch, [.i64(high)]) == [.i32(4)])
        #expect(try execute(i64ToI32, branch, [.i64(high | 1)]) == [.i32(3)])
        // An address: i32.const 5; i32.const 45; i32.store8; local.get 0; i32.wrap_i64; i32.load8_u
        let address: [UInt8] = [0x00, 0x41, 5, 0x41, 45, 0x3A, 0, 0, 0x20, 0, 0xA7, 0x2D, 0, 0, 0x0B]
        #expect(try execute(i64ToI32, address, [.i64(high | 5)]) == [.i32(45)])
        // A call argument: local.get 0; i32.wrap_i64; call 1, where function 1 is local.get 0; i64.extend_i32_u
        let caller: [UInt8] = [0x00, 0x20, 0, 0xA7, 0x10, 1, 0x0B]
        let callee: [UInt8] = [0x00, 0x20, 0, 0xAD, 0x0B]
        let results = try execute(types: [i64ToI64, .of([.i32], [.i64])], [(0, caller), (1, callee)], [.i64(high | 9)])
        #expect(results == [.i64(9)])
    }

    @Test func byteTestOfACopiedIndexIsOneDispatch() throws {
        // (param i64) (local i32): i32.store8 [3] = 1; block; local.get 0; i32.wrap_i64; local.tee 1;
        // i32.load8_u; br_if 0; i32.const 7; return; end; local.get 1
        let byteTest: [UInt8] = [
            0x01, 0x01, 0x7F, 0x41, 3, 0x41, 1, 0x3A, 0, 0, 0x02, 0x40, 0x20, 0, 0xA7, 0x22, 1, 0x2D, 0, 0,
            0x0D, 0, 0x41, 7, 0x0F, 0x0B, 0x20, 1, 0x0B,
        ]
        #expect(try compileBody(byteTest, parameters: [.i64], results: [.i32]).code.contains {
            $0.opcode == .copyThenI32Load8UFwdThenBrIfFwd
        })
        let i64ToI32 = FuncType.of([.i64], [.i32])
        #expect(try execute(i64ToI32, byteTest, [.i64(0x1_0000_0003)]) == [.i32(3)])  // the byte is 1: branches
        #expect(try execute(i64ToI32, byteTest, [.i64(0x1_0000_0004)]) == [.i32(7)])  // the byte is 0
        #expect(trapReason { try execute(i64ToI32, byteTest, [.i64(0x1_0001_0000)]) } == .memoryOutOfBounds)
    }

    @Test func loopConstantsSurviveCalls() throws {
        // (local i32) loop; local.get 1; local.get 0; i32.const 1000; i32.mul; call 1; i32.add; local.set 1;
        // local.get 0; i32.const -1; i32.add; local.tee 0; br_if 0; end; local.get 1
        let caller: [UInt8] = [
            0x01, 0x01, 0x7F, 0x03, 0x40, 0x20, 1, 0x20, 0, 0x41, 0xE8, 0x07, 0x6C, 0x10, 1, 0x6A, 0x21, 1, 0x20, 0,
            0x41, 0x7F, 0x6A, 0x22, 0, 0x0D, 0, 0x0B, 0x20, 1, 0x0B,
        ]
        // (local i32 i32 i32 i32): zeroed by every call. local.get 0; i32.const 7; i32.add
        let callee: [UInt8] = [0x01, 0x04, 0x7F, 0x20, 0, 0x41, 7, 0x6A, 0x0B]
        #expect(try execute(types: [Self.i32ToI32], [(0, caller), (0, callee)], [.i32(3)]) == [.i32(6021)])
    }

    @Test func returnSwapsLocals() throws {
        let body: [UInt8] = [0x00, 0x20, 1, 0x20, 0, 0x0B]
        #expect(try execute(.of([.i32, .i32], [.i32, .i32]), body, [.i32(1), .i32(2)]) == [.i32(2), .i32(1)])
    }

    @Test func localSetKeepsEarlierReads() throws {
        // local.get 0; i32.const 5; local.set 0; local.get 0
        let body: [UInt8] = [0x00, 0x20, 0, 0x41, 5, 0x21, 0, 0x20, 0, 0x0B]
        #expect(try execute(.of([.i32], [.i32, .i32]), body, [.i32(3)]) == [.i32(3), .i32(5)])
    }

    @Test func brTableDeliversValuesToEachTarget() throws {
        // block (result i32); block (result i32); i32.const 9; local.get 0; br_table 0 1 1; end;
        // i32.const 100; i32.add; end
        let body: [UInt8] = [
            0x00, 0x02, 0x7F, 0x02, 0x7F, 0x41, 9, 0x20, 0, 0x0E, 2, 0, 1, 1, 0x0B, 0x41, 0xE4, 0x00, 0x6A, 0x0B, 0x0B,
        ]
        #expect(try execute(Self.i32ToI32, body, [.i32(0)]) == [.i32(109)])
        #expect(try execute(Self.i32ToI32, body, [.i32(1)]) == [.i32(9)])
        #expect(try execute(Self.i32ToI32, body, [.i32(7)]) == [.i32(9)])
    }

    @Test func brIfCarriesAValue() throws {
        // block (result i32); i32.const 7; local.get 0; br_if 0; drop; i32.const 8; end
        let body: [UInt8] = [0x00, 0x02, 0x7F, 0x41, 7, 0x20, 0, 0x0D, 0, 0x1A, 0x41, 8, 0x0B, 0x0B]
        #expect(try execute(Self.i32ToI32, body, [.i32(1)]) == [.i32(7)])
        #expect(try execute(Self.i32ToI32, body, [.i32(0)]) == [.i32(8)])
    }

    @Test func blockAndIfParameters() throws {
        // local.get 0; local.get 1; block (type 1: [i32 i32] -> [i32]); i32.sub; end
        let block: [UInt8] = [0x00, 0x20, 0, 0x20, 1, 0x02, 1, 0x6B, 0x0B, 0x0B]
        let pair = FuncType.of([.i32, .i32], [.i32])
        #expect(try execute(pair, block, [.i32(10), .i32(3)], extraTypes: [pair]) == [.i32(7)])
        // i32.const 10; local.get 0; if (type 1: [i32] -> [i32]); i32.const 1; i32.add; end
        let conditional: [UInt8] = [0x00, 0x41, 10, 0x20, 0, 0x04, 1, 0x41, 1, 0x6A, 0x0B, 0x0B]
        #expect(try execute(Self.i32ToI32, conditional, [.i32(1)], extraTypes: [Self.i32ToI32]) == [.i32(11)])
        #expect(try execute(Self.i32ToI32, conditional, [.i32(0)], extraTypes: [Self.i32ToI32]) == [.i32(10)])
    }

    @Test func loopParameterCountsDown() throws {
        // (local i32) local.get 0; loop (type 1: [i32] -> [i32]); local.get 1; i32.const 1; i32.add; local.set 1;
        // i32.const -1; i32.add; local.tee 0; local.get 0; br_if 0; end; local.get 1; i32.add
        let body: [UInt8] = [
            0x01, 0x01, 0x7F, 0x20, 0, 0x03, 1, 0x20, 1, 0x41, 1, 0x6A, 0x21, 1, 0x41, 0x7F, 0x6A, 0x22, 0, 0x20, 0,
            0x0D, 0, 0x0B, 0x20, 1, 0x6A, 0x0B,
        ]
        #expect(try execute(Self.i32ToI32, body, [.i32(5)], extraTypes: [Self.i32ToI32]) == [.i32(5)])
    }

    @Test func selectOnItsOwnComparisonIsMinimumOrMaximum() throws {
        // local.get A; local.get B; local.get 0; local.get 1; <comparison>; select, for (A, B) = (0, 1) and (1, 0)
        let samples: [Int64] = [0, 1, -1, 7, Int64.min, Int64.max, Int64(Int32.min), Int64(UInt32.max)]
        for (wide, firstComparison) in [(false, UInt8(0x48)), (true, UInt8(0x53))] {
            // lt_s, lt_u, gt_s, gt_u, le_s, le_u, ge_s, ge_u
            for comparison in firstComparison..<firstComparison + 8 {
                for (first, second) in [(UInt8(0), UInt8(1)), (1, 0)] {
                    let body: [UInt8] = [0x00, 0x20, first, 0x20, second, 0x20, 0, 0x20, 1, comparison, 0x1B, 0x0B]
                    let type: ValueType = wide ? .i64 : .i32
                    let code = try compileBody(body, parameters: [type, type], results: [type]).code.map(\.opcode)
                    #expect(!code.contains(.select) && !code.contains(.copyThenSelect), "comparison \(comparison)")
                    for x in samples {
                        for y in samples {
                            let holds = Self.compare(comparison - firstComparison, x, y, wide: wide)
                            let chosen = holds ? (first == 0 ? x : y) : (second == 0 ? x : y)
                            let arguments: [Value] = wide ? [.i64(UInt64(bitPattern: x)), .i64(UInt64(bitPattern: y))]
                                : [.i32(UInt32(truncatingIfNeeded: x)), .i32(UInt32(truncatingIfNeeded: y))]
                            let expected: Value = wide ? .i64(UInt64(bitPattern: chosen)) : .i32(UInt32(truncatingIfNeeded: chosen))
                            #expect(try execute(FuncType.of([type, type], [type]), body, arguments) == [expected])
                        }
                    }
                }
            }
        }
    }

    /// The wasm comparison `lt_s, lt_u, gt_s, gt_u, le_s, le_u, ge_s, ge_u` numbered from 0, on i32 or i64.
    private static func compare(_ operation: UInt8, _ x: Int64, _ y: Int64, wide: Bool) -> Bool {
        let (signedX, signedY) = wide ? (x, y) : (Int64(Int32(truncatingIfNeeded: x)), Int64(Int32(truncatingIfNeeded: y)))
        let (unsignedX, unsignedY) = wide ? (UInt64(bitPattern: x), UInt64(bitPattern: y))
            : (UInt64(UInt32(truncatingIfNeeded: x)), UInt64(UInt32(truncatingIfNeeded: y)))
        switch operation {
        case 0: return signedX < signedY
        case 1: return unsignedX < unsignedY
        case 2: return signedX > signedY
        case 3: return unsignedX > unsignedY
        case 4: return signedX <= signedY
        case 5: return unsignedX <= unsignedY
        case 6: return signedX >= signedY
        default: return unsignedX >= unsignedY
        }
    }

    @Test func selectPicksByCondition() throws {
        let body: [UInt8] = [0x00, 0x20, 0, 0x20, 1, 0x20, 2, 0x1B, 0x0B]
        let type = FuncType.of([.i32, .i32, .i32], [.i32])
        #expect(try execute(type, body, [.i32(4), .i32(5), .i32(1)]) == [.i32(4)])
        #expect(try execute(type, body, [.i32(4), .i32(5), .i32(0)]) == [.i32(5)])
    }

    @Test func fusedComparisonsBranchBothWays() throws {
        // block; local.get 0; i32.const 10; i32.lt_s; br_if 0; i32.const 1; return; end; i32.const 0
        let body: [UInt8] = [0x00, 0x02, 0x40, 0x20, 0, 0x41, 10, 0x48, 0x0D, 0, 0x41, 1, 0x0F, 0x0B, 0x41, 0, 0x0B]
        #expect(try execute(Self.i32ToI32, body, [.i32(3)]) == [.i32(0)])
        #expect(try execute(Self.i32ToI32, body, [.i32(10)]) == [.i32(1)])
        #expect(try execute(Self.i32ToI32, body, [.i32(UInt32(bitPattern: -5))]) == [.i32(0)])
    }

    @Test func xorshiftStepsComputeTheirSteps() throws {
        // x ^= x << 13; x ^= x >> 17; x ^= x << 5 (the shift first, then the other order), returning x
        let body: [UInt8] = [
            0x00, 0x20, 0, 0x41, 13, 0x74, 0x20, 0, 0x73, 0x21, 0,
            0x20, 0, 0x20, 0, 0x41, 17, 0x76, 0x73, 0x21, 0,
            0x20, 0, 0x41, 5, 0x74, 0x20, 0, 0x73, 0x0B,
        ]
        var x: UInt32 = 0x9E37_79B9
        x ^= x << 13
        x ^= x >> 17
        x ^= x << 5
        #expect(try execute(Self.i32ToI32, body, [.i32(0x9E37_79B9)]) == [.i32(x)])
    }

    @Test func immediateAndI64ComparisonsBranchBothWays() throws {
        // block; local.get 0; i32.const -1; i32.lt_u; br_if 0; i32.const 1; return; end; i32.const 0
        let unsigned: [UInt8] = [0x00, 0x02, 0x40, 0x20, 0, 0x41, 0x7F, 0x49, 0x0D, 0, 0x41, 1, 0x0F, 0x0B, 0x41, 0, 0x0B]
        #expect(try execute(Self.i32ToI32, unsigned, [.i32(5)]) == [.i32(0)])
        #expect(try execute(Self.i32ToI32, unsigned, [.i32(UInt32.max)]) == [.i32(1)])
        // block; i32.const 10; local.get 0; i32.lt_s; br_if 0; i32.const 1; return; end; i32.const 0
        let constantLeft: [UInt8] = [0x00, 0x02, 0x40, 0x41, 10, 0x20, 0, 0x48, 0x0D, 0, 0x41, 1, 0x0F, 0x0B, 0x41, 0, 0x0B]
        #expect(try execute(Self.i32ToI32, constantLeft, [.i32(11)]) == [.i32(0)])
        #expect(try execute(Self.i32ToI32, constantLeft, [.i32(10)]) == [.i32(1)])
        #expect(try execute(Self.i32ToI32, constantLeft, [.i32(UInt32(bitPattern: -5))]) == [.i32(1)])
        // (param i64 i64) block; local.get 0; local.get 1; i64.lt_s; br_if 0; i32.const 1; return; end; i32.const 0
        let wide: [UInt8] = [0x00, 0x02, 0x40, 0x20, 0, 0x20, 1, 0x53, 0x0D, 0, 0x41, 1, 0x0F, 0x0B, 0x41, 0, 0x0B]
        let i64Pair = FuncType(parameters: [.i64, .i64], results: [.i32])
        #expect(try execute(i64Pair, wide, [.i64(UInt64(bitPattern: -1)), .i64(1)]) == [.i32(0)])
        // Equal low halves: only the high halves decide.
        #expect(try execute(i64Pair, wide, [.i64(1 << 32 | 1), .i64(1)]) == [.i32(1)])
    }

    @Test func branchesToTheFunctionLabelReturn() throws {
        // block (result i32); i32.const 5; local.get 0; br_table 1 0; end; i32.const 10; i32.add
        let table: [UInt8] = [0x00, 0x02, 0x7F, 0x41, 5, 0x20, 0, 0x0E, 1, 1, 0, 0x0B, 0x41, 10, 0x6A, 0x0B]
        #expect(try execute(Self.i32ToI32, table, [.i32(0)]) == [.i32(5)])
        #expect(try execute(Self.i32ToI32, table, [.i32(1)]) == [.i32(15)])
        // i32.const 3; local.get 0; br_if 0; drop; i32.const 4
        let conditional: [UInt8] = [0x00, 0x41, 3, 0x20, 0, 0x0D, 0, 0x1A, 0x41, 4, 0x0B]
        #expect(try execute(Self.i32ToI32, conditional, [.i32(1)]) == [.i32(3)])
        #expect(try execute(Self.i32ToI32, conditional, [.i32(0)]) == [.i32(4)])
        // local.get 1; local.get 0; br 0
        let swap: [UInt8] = [0x00, 0x20, 1, 0x20, 0, 0x0C, 0, 0x0B]
        #expect(try execute(.of([.i32, .i32], [.i32, .i32]), swap, [.i32(1), .i32(2)]) == [.i32(2), .i32(1)])
    }
}
