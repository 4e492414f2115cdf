import Testing

@testable import X64Assembler

@Suite struct FloatEncodingTests {
    /// XMM registers that exercise REX.R and REX.B.
    let someXMM: [XMMRegister] = [.xmm0, .xmm1, .xmm7, .xmm8, .xmm15]

    @Test func scalarArithmetic() throws {
        let mnemonics: [FloatOperation: String] = [
            .squareRoot: "sqrt", .add: "add", .multiply: "mul", .subtract: "sub", .minimum: "min", .divide: "div", .maximum: "max",
        ]
        var cases: [EncodingCase] = []
        for precision in FloatPrecision.allCases {
            let suffix = precision == .single ? "ss" : "sd"
            let width = precision == .single ? "dword" : "qword"
            for operation in FloatOperation.allCases {
                for destination in someXMM {
                    for source in someXMM {
                        cases.append(.init(text: "\(mnemonics[operation]!)\(suffix) \(Names.of(destination)), \(Names.of(source))") {
                            $0.floatArithmetic(operation, destination, source, precision)
                        })
                    }
                }
                for address in addresses.prefix(8) {
                    cases.append(.init(text: "\(mnemonics[operation]!)\(suffix) xmm9, \(Names.of(address, width))") {
                        $0.floatArithmetic(operation, .xmm9, address, precision)
                    })
                }
            }
            for address in addresses {
                cases.append(.init(text: "mov\(suffix) xmm3, \(Names.of(address, width))") { $0.loadFloat(.xmm3, address, precision) })
                cases.append(.init(text: "mov\(suffix) \(Names.of(address, width)), xmm12") { $0.storeFloat(address, .xmm12, precision) })
            }
        }
        try checkAgainstLLVM(cases)
    }

    @Test func movesConversionsAndBitwise() throws {
        var cases: [EncodingCase] = []
        let bitwise: [FloatBitwiseOperation: String] = [.and: "and", .andNot: "andn", .or: "or", .xor: "xor"]
        let rounding: [RoundingMode: Int] = [.toNearestEven: 8, .down: 9, .up: 10, .towardZero: 11]
        for first in someXMM {
            for second in someXMM {
                cases.append(.init(text: "movaps \(Names.of(first)), \(Names.of(second))") { $0.moveFloat(first, second) })
                for precision in FloatPrecision.allCases {
                    let packed = precision == .single ? "ps" : "pd"
                    let scalar = precision == .single ? "ss" : "sd"
                    for operation in FloatBitwiseOperation.allCases {
                        cases.append(.init(text: "\(bitwise[operation]!)\(packed) \(Names.of(first)), \(Names.of(second))") {
                            $0.floatBitwise(operation, first, second, precision)
                        })
                    }
                    cases.append(.init(text: "ucomi\(scalar) \(Names.of(first)), \(Names.of(second))") {
                        $0.compareFloat(first, second, precision)
                    })
                    let converted = precision == .single ? "cvtss2sd" : "cvtsd2ss"
                    cases.append(.init(text: "\(converted) \(Names.of(first)), \(Names.of(second))") {
                        $0.convertPrecision(first, second, from: precision)
                    })
                    for mode in RoundingMode.allCases {
                        cases.append(.init(text: "round\(scalar) \(Names.of(first)), \(Names.of(second)), \(rounding[mode]!)") {
                            $0.round(first, second, mode, precision)
                        })
                    }
                }
            }
            for register in someRegisters {
                for size in sizes {
                    let name = Names.of(register, size)
                    let move = size == .bits64 ? "movq" : "movd"
                    cases.append(.init(text: "\(move) \(Names.of(first)), \(name)") { $0.moveBits(first, register, size) })
                    cases.append(.init(text: "\(move) \(name), \(Names.of(first))") { $0.moveBits(register, first, size) })
                    for precision in FloatPrecision.allCases {
                        let scalar = precision == .single ? "ss" : "sd"
                        cases.append(.init(text: "cvtsi2\(scalar) \(Names.of(first)), \(name)") {
                            $0.convertToFloat(first, register, size, precision)
                        })
                        cases.append(.init(text: "cvtt\(scalar)2si \(name), \(Names.of(first))") {
                            $0.convertTruncating(register, first, size, precision)
                        })
                    }
                }
            }
        }
        try checkAgainstLLVM(cases)
    }
}
