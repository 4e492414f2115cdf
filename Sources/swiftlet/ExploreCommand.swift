import ArgumentParser
import Swiftlet

/// `swiftlet explore`: the internal code of every defined function, as the interpreter runs it (after forwarding,
/// fusion and the constant pool), for tuning the translator against real modules.
struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Prints the interpreter's internal code for each function of a module."
    )

    @Argument(help: "The WebAssembly binary module to translate.")
    var module: String

    func run() throws {
        try reportingFailures { print(try internalCodeListing(try Sandbox.loadModule(path: module).module), terminator: "") }
    }
}

/// A module's translated functions as text: a header line per function (its index in the module's function index
/// space, imports included), then one line per instruction with its operands as stored (`c` shown signed, as
/// immediates and offsets read best that way).
func internalCodeListing(_ module: Module) throws(ModuleError) -> String {
    func padded(_ text: String, to width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? padding + text : text + padding
    }
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
