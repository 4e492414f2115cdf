import ArgumentParser
import Swiftlet
import WasmEngine

/// `swiftlet explore`: the internal code of every defined function, as the interpreter runs it (after forwarding,
/// fusion and the constant pool), or the machine code the compiler tier makes of it, for tuning the translator and
/// the compiler against real modules.
struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Prints the internal code, or the machine code, of each function of a module."
    )

    @Option(help: "`interpreter`: the internal code the interpreter runs; `compiler`: the x86-64 machine code of each instruction.")
    var tier: ExecutionTier = .interpreter

    @Argument(help: "The WebAssembly binary module to translate.")
    var module: String

    func run() throws {
        try reportingFailures {
            let module = try Sandbox.loadModule(path: module).module
            switch tier {
            case .interpreter: print(try internalCodeListing(module), terminator: "")
            case .compiler: print(try machineCodeListing(module), terminator: "")
            }
        }
    }
}

/// The machine code of a module's functions, from an instance whose imports are placeholders (the code names its
/// instance's objects by address): per function its prologue, then each internal instruction (before the
/// interpreter's fusions, which the compiler does without) with its bytes in hex.
func machineCodeListing(_ module: Module) throws -> String {
    var configuration = Store.Configuration()
    configuration.tier = .compiler
    let store = Store(configuration: configuration)
    let instance = try store.instantiate(module, imports: .placeholders(for: module, in: store))
    guard let listings = store.machineCodeListing(of: instance) else {
        throw CommandFailure(message: "the module's functions cannot be compiled (a function has no body to compile)")
    }
    func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }
    var text = ""
    for listing in listings {
        text += "function \(listing.functionIndex): prologue \(hex(listing.prologue))\n"
        for (index, (instruction, bytes)) in listing.instructions.enumerated() {
            let operands = "\(instruction.a) \(instruction.b) \(Int32(bitPattern: instruction.c))"
            text += padded(String(index), to: 6, left: true) + "  \(instruction.opcode) \(operands)"
            text += "\n        \(hex(bytes))\n"
        }
    }
    return text
}

/// A module's translated functions as text: a header line per function (its index in the module's function index
/// space, imports included), then one line per instruction with its operands as stored (`c` shown signed, as
/// immediates and offsets read best that way).
func internalCodeListing(_ module: Module) throws(ModuleError) -> String {
    var text = ""
    for offset in module.functions.indices {
        let function = try module.compiledFunction(definedIndex: offset)
        text += "function \(module.importedFunctionCount + offset): \(function.parameterCount) parameters, "
            + "\(function.localCount - function.parameterCount) locals, \(function.frameSize) slots\n"
        for (index, instruction) in function.code.enumerated() {
            text += padded(String(index), to: 6, left: true) + "  " + padded("\(instruction.opcode)", to: 34)
                + " \(instruction.a) \(instruction.b) \(Int32(bitPattern: instruction.c))\n"
        }
    }
    return text
}

/// `text` padded with spaces to `width`, on the left (right-aligned) or on the right.
private func padded(_ text: String, to width: Int, left: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return left ? padding + text : text + padding
}
