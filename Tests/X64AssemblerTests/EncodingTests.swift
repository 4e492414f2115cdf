import Foundation
import TestSupport
import Testing

@testable import X64Assembler

/// One instruction: how the assembler emits it, and the same instruction in Intel syntax for LLVM's assembler.
struct EncodingCase {
    let text: String
    let emit: (inout Assembler) -> Void
}

/// Register names as Intel syntax spells them at each width.
enum Names {
    static let qword = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"] + (8...15).map { "r\($0)" }
    static let dword = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] + (8...15).map { "r\($0)d" }
    static let word = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"] + (8...15).map { "r\($0)w" }
    static let byte = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"] + (8...15).map { "r\($0)b" }

    static func of(_ register: Register, _ size: OperandSize) -> String {
        (size == .bits64 ? qword : dword)[Int(register.rawValue)]
    }

    static func of(_ register: XMMRegister) -> String { "xmm\(register.rawValue)" }

    static func of(_ memory: MemoryOperand, _ width: String) -> String {
        var address = qword[Int(memory.base.rawValue)]
        if let index = memory.index { address += " + \(qword[Int(index.rawValue)])*\(1 << memory.scale.rawValue)" }
        if memory.displacement != 0 { address += memory.displacement < 0 ? " - \(-Int(memory.displacement))" : " + \(memory.displacement)" }
        return "\(width) ptr [\(address)]"
    }

    static func width(_ size: OperandSize) -> String { size == .bits64 ? "qword" : "dword" }

    static func condition(_ condition: Condition) -> String {
        ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"][Int(condition.rawValue)]
    }
}

/// Every case is assembled by the toolchain's clang into a 16-byte slot of its own (`.balign 16` padding with
/// `int3`), so the slot holds LLVM's encoding followed by 0xCC bytes: the assembler's must be the same.
func checkAgainstLLVM(_ cases: [EncodingCase], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let reference = try assembleWithClang(cases.map(\.text))
    #expect(reference.count == cases.count * 16, "clang's output is not one 16-byte slot per case", sourceLocation: sourceLocation)
    for (index, testCase) in cases.enumerated() {
        var assembler = Assembler()
        testCase.emit(&assembler)
        let ours = assembler.finish()
        let slot = Array(reference[min(index * 16, reference.count)..<min(index * 16 + 16, reference.count)])
        let expected = ours + Array(repeating: 0xCC, count: max(0, 16 - ours.count))
        #expect(slot == expected, "\(testCase.text): LLVM \(hex(slot)), ours \(hex(ours))", sourceLocation: sourceLocation)
    }
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined(separator: " ") }

struct ToolFailure: Error, CustomStringConvertible {
    let description: String
}

/// The `.text` bytes clang assembles from `lines`, each in its own 16-byte slot.
func assembleWithClang(_ lines: [String]) throws -> [UInt8] {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("x64-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let source = directory.appendingPathComponent("cases.s")
    let object = directory.appendingPathComponent("cases.o")
    let text = directory.appendingPathComponent("cases.bin")
    let body = lines.map { "\t\($0)\n\t.balign 16, 0xcc\n" }.joined()
    try (".intel_syntax noprefix\n.text\n" + body).write(to: source, atomically: true, encoding: .utf8)
    try run(tool("clang"), ["--target=x86_64-unknown-linux-gnu", "-c", "-x", "assembler", source.path, "-o", object.path])
    try run(tool("llvm-objcopy"), ["-O", "binary", "--only-section=.text", object.path, text.path])
    return Array(try Data(contentsOf: text))
}

/// A tool of the Swift toolchain (clang, llvm-objcopy): from PATH, else from the toolchain's directory.
func tool(_ name: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    let directories = path.split(separator: ":").map(String.init) + ["/opt/swift/usr/bin"]
    guard let directory = directories.first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/" + name) }) else {
        throw ToolFailure(description: "\(name) not found on PATH or in /opt/swift/usr/bin (the Swift toolchain's)")
    }
    return directory + "/" + name
}

func run(_ executable: String, _ arguments: [String]) throws {
    let result = try ChildProgram.run(URL(fileURLWithPath: executable), arguments)
    guard result.status == 0 else {
        throw ToolFailure(description: "\(executable) \(arguments.joined(separator: " ")) failed:\n\(result.standardError)")
    }
}

/// Memory operands that cover the encoding's special cases: every base (rsp/r12 need a SIB byte, rbp/r13 a
/// displacement), no/8-bit/32-bit displacements, and indexes with each scale (r12 as an index is legal).
let addresses: [MemoryOperand] =
    Register.allCases.flatMap { base in [Int32(0), 8, -128, 4096].map { MemoryOperand.at(base, $0) } }
    + [Register.rax, .r12, .rbp, .r13].flatMap { index in
        MemoryOperand.Scale.allCases.map { MemoryOperand(base: .rsp, index: index, scale: $0, displacement: 16) }
    }
    + [MemoryOperand(base: .r13, index: .r9, scale: .four), MemoryOperand(base: .rbx, index: .r15, scale: .eight, displacement: -4096)]

extension MemoryOperand.Scale: CaseIterable {
    public static let allCases: [MemoryOperand.Scale] = [.one, .two, .four, .eight]
}

let sizes: [OperandSize] = [.bits32, .bits64]
/// Registers that exercise REX: the classic eight's edge cases and the extended ones.
let someRegisters: [Register] = [.rax, .rcx, .rsp, .rbp, .rsi, .rdi, .r8, .r12, .r13, .r15]
