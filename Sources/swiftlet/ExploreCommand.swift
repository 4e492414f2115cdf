import ArgumentParser
import WasmEngine

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
        try reportingFailures {
            let bytes = try readModuleFile(module)
            do throws(ModuleError) {
                print(InternalCodeListing(try Module(bytes: bytes)).text, terminator: "")
            } catch {
                throw CommandFailure(message: describe(error, path: module, bytes: bytes))
            }
        }
    }
}

/// A module's translated functions as text: a header line per function (its index in the module's function index
/// space, imports included), then one line per instruction with its operands as stored (`c` shown signed, as
/// immediates and offsets read best that way).
struct InternalCodeListing {
    let text: String

    init(_ module: Module) {
        var text = ""
        for (offset, function) in module.functions.enumerated() {
            text += "function \(module.importedFunctionCount + offset): \(function.parameterCount) parameters, "
                + "\(function.localCount - function.parameterCount) locals, \(function.frameSize) slots\n"
            for (index, instruction) in function.code.enumerated() {
                let position = String(index)
                text += String(repeating: " ", count: max(1, 6 - position.count)) + position + "  "
                    + "\(instruction.opcode)".padding(toLength: 34) + " \(instruction.a) \(instruction.b) "
                    + "\(Int32(bitPattern: instruction.c))\n"
            }
        }
        self.text = text
    }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
