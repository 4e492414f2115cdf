import Testing

@testable import X64Assembler

@Suite struct IntegerEncodingTests {
    @Test func moves() throws {
        var cases: [EncodingCase] = []
        for size in sizes {
            for destination in Register.allCases {
                for source in someRegisters {
                    cases.append(.init(text: "mov \(Names.of(destination, size)), \(Names.of(source, size))") {
                        $0.move(destination, source, size)
                    })
                }
            }
            for address in addresses {
                let width = Names.width(size)
                cases.append(.init(text: "mov \(Names.of(.r10, size)), \(Names.of(address, width))") { $0.move(.r10, address, size) })
                cases.append(.init(text: "mov \(Names.of(address, width)), \(Names.of(.rdx, size))") { $0.move(address, .rdx, size) })
                cases.append(.init(text: "mov \(Names.of(address, width)), -7") { $0.move(address, immediate: -7, size) })
            }
        }
        for destination in someRegisters {
            for value: UInt64 in [0, 1, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x1_0000_0000, UInt64(bitPattern: -1), UInt64(bitPattern: -2_000_000)] {
                let text =
                    if value <= UInt64(UInt32.max) { "mov \(Names.of(destination, .bits32)), \(value)" }
                    else if Int32(exactly: Int64(bitPattern: value)) != nil { "mov \(Names.of(destination, .bits64)), \(Int64(bitPattern: value))" }
                    else { "movabs \(Names.of(destination, .bits64)), \(value)" }
                cases.append(.init(text: text) { $0.move(destination, immediate: value) })
            }
        }
        for address in addresses {
            cases.append(.init(text: "lea r11, \(Names.of(address, "qword"))") { $0.loadAddress(.r11, address) })
        }
        try checkAgainstLLVM(cases)
    }

    @Test func narrowAccesses() throws {
        var cases: [EncodingCase] = []
        for address in addresses {
            cases += [
                .init(text: "movzx ecx, \(Names.of(address, "byte"))") { $0.zeroExtend8(.rcx, address) },
                .init(text: "movzx r9d, \(Names.of(address, "word"))") { $0.zeroExtend16(.r9, address) },
                .init(text: "movsx rax, \(Names.of(address, "byte"))") { $0.signExtend8(.rax, address, .bits64) },
                .init(text: "movsx edi, \(Names.of(address, "byte"))") { $0.signExtend8(.rdi, address, .bits32) },
                .init(text: "movsx r14, \(Names.of(address, "word"))") { $0.signExtend16(.r14, address, .bits64) },
                .init(text: "movsx esi, \(Names.of(address, "word"))") { $0.signExtend16(.rsi, address, .bits32) },
                .init(text: "movsxd rbx, \(Names.of(address, "dword"))") { $0.signExtend32(.rbx, address) },
            ]
            for source in someRegisters {
                cases.append(.init(text: "mov \(Names.of(address, "byte")), \(Names.byte[Int(source.rawValue)])") {
                    $0.store8(address, source)
                })
                cases.append(.init(text: "mov \(Names.of(address, "word")), \(Names.word[Int(source.rawValue)])") {
                    $0.store16(address, source)
                })
            }
        }
        for destination in someRegisters {
            for source in Register.allCases {
                let byte = Names.byte[Int(source.rawValue)]
                let word = Names.word[Int(source.rawValue)]
                cases += [
                    .init(text: "movzx \(Names.of(destination, .bits32)), \(byte)") { $0.zeroExtend8(destination, source) },
                    .init(text: "movzx \(Names.of(destination, .bits32)), \(word)") { $0.zeroExtend16(destination, source) },
                    .init(text: "movsx \(Names.of(destination, .bits64)), \(byte)") { $0.signExtend8(destination, source, .bits64) },
                    .init(text: "movsx \(Names.of(destination, .bits32)), \(word)") { $0.signExtend16(destination, source, .bits32) },
                    .init(text: "movsxd \(Names.of(destination, .bits64)), \(Names.of(source, .bits32))") {
                        $0.signExtend32(destination, source)
                    },
                ]
            }
        }
        try checkAgainstLLVM(cases)
    }

    @Test func arithmetic() throws {
        let mnemonics = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"]
        var cases: [EncodingCase] = []
        for operation in ArithmeticOperation.allCases {
            let mnemonic = mnemonics[Int(operation.rawValue)]
            for size in sizes {
                for destination in someRegisters {
                    for source in someRegisters {
                        cases.append(.init(text: "\(mnemonic) \(Names.of(destination, size)), \(Names.of(source, size))") {
                            $0.arithmetic(operation, destination, source, size)
                        })
                    }
                    for immediate: Int32 in [0, 1, -128, 127, 128, -129, 100_000, Int32.min] {
                        cases.append(.init(text: "\(mnemonic) \(Names.of(destination, size)), \(immediate)") {
                            $0.arithmetic(operation, destination, immediate: immediate, size)
                        })
                    }
                }
                for address in addresses.prefix(12) + addresses.suffix(6) {
                    let width = Names.width(size)
                    cases += [
                        .init(text: "\(mnemonic) \(Names.of(.r8, size)), \(Names.of(address, width))") {
                            $0.arithmetic(operation, .r8, address, size)
                        },
                        .init(text: "\(mnemonic) \(Names.of(address, width)), \(Names.of(.rsi, size))") {
                            $0.arithmetic(operation, address, .rsi, size)
                        },
                        .init(text: "\(mnemonic) \(Names.of(address, width)), 5") { $0.arithmetic(operation, address, immediate: 5, size) },
                        .init(text: "\(mnemonic) \(Names.of(address, width)), -5000") {
                            $0.arithmetic(operation, address, immediate: -5000, size)
                        },
                    ]
                }
            }
        }
        for size in sizes {
            for first in someRegisters {
                for second in someRegisters {
                    cases.append(.init(text: "test \(Names.of(first, size)), \(Names.of(second, size))") { $0.test(first, second, size) })
                    cases.append(.init(text: "imul \(Names.of(first, size)), \(Names.of(second, size))") {
                        $0.multiply(first, second, size)
                    })
                }
                for immediate: Int32 in [1, -1, 300, -70_000] {
                    cases.append(.init(text: "test \(Names.of(first, size)), \(immediate)") { $0.test(first, immediate: immediate, size) })
                    cases.append(.init(text: "imul \(Names.of(first, size)), \(Names.of(.r13, size)), \(immediate)") {
                        $0.multiply(first, .r13, immediate: immediate, size)
                    })
                }
                cases += [
                    .init(text: "neg \(Names.of(first, size))") { $0.negate(first, size) },
                    .init(text: "not \(Names.of(first, size))") { $0.not(first, size) },
                    .init(text: "div \(Names.of(first, size))") { $0.divideUnsigned(by: first, size) },
                    .init(text: "idiv \(Names.of(first, size))") { $0.divideSigned(by: first, size) },
                ]
            }
        }
        cases.append(.init(text: "cdq") { $0.signExtendAccumulator(.bits32) })
        cases.append(.init(text: "cqo") { $0.signExtendAccumulator(.bits64) })
        try checkAgainstLLVM(cases)
    }

    @Test func shiftsAndBitCounts() throws {
        let mnemonics: [ShiftOperation: String] = [
            .rotateLeft: "rol", .rotateRight: "ror", .shiftLeft: "shl", .shiftRightLogical: "shr", .shiftRightArithmetic: "sar",
        ]
        var cases: [EncodingCase] = []
        for size in sizes {
            for register in someRegisters {
                let name = Names.of(register, size)
                for operation in ShiftOperation.allCases {
                    let mnemonic = mnemonics[operation]!
                    cases.append(.init(text: "\(mnemonic) \(name), cl") { $0.shift(operation, register, size) })
                    for count: UInt8 in [1, 2, 31, 63] {
                        cases.append(.init(text: "\(mnemonic) \(name), \(count)") { $0.shift(operation, register, by: count, size) })
                    }
                }
                for source in someRegisters {
                    let sourceName = Names.of(source, size)
                    cases += [
                        .init(text: "lzcnt \(name), \(sourceName)") { $0.countLeadingZeros(register, source, size) },
                        .init(text: "tzcnt \(name), \(sourceName)") { $0.countTrailingZeros(register, source, size) },
                        .init(text: "popcnt \(name), \(sourceName)") { $0.populationCount(register, source, size) },
                    ]
                }
            }
        }
        try checkAgainstLLVM(cases)
    }

    @Test func flagsAndControl() throws {
        var cases: [EncodingCase] = []
        for condition in Condition.allCases {
            for register in Register.allCases {
                cases.append(.init(text: "set\(Names.condition(condition)) \(Names.byte[Int(register.rawValue)])") {
                    $0.set(register, if: condition)
                })
            }
            for size in sizes {
                for (destination, source) in [(Register.rax, Register.rbx), (.r9, .rsi), (.rdi, .r14)] {
                    cases.append(.init(
                        text: "cmov\(Names.condition(condition)) \(Names.of(destination, size)), \(Names.of(source, size))"
                    ) { $0.conditionalMove(destination, source, if: condition, size) })
                }
            }
        }
        for register in Register.allCases {
            let name = Names.qword[Int(register.rawValue)]
            cases += [
                .init(text: "push \(name)") { $0.push(register) },
                .init(text: "pop \(name)") { $0.pop(register) },
                .init(text: "call \(name)") { $0.call(register) },
                .init(text: "jmp \(name)") { $0.jump(register) },
            ]
        }
        for address in addresses {
            cases.append(.init(text: "call \(Names.of(address, "qword"))") { $0.call(address) })
            cases.append(.init(text: "jmp \(Names.of(address, "qword"))") { $0.jump(address) })
        }
        cases += [
            .init(text: "ret") { $0.ret() },
            .init(text: "ud2") { $0.undefinedInstruction() },
        ]
        try checkAgainstLLVM(cases)
    }
}
