@testable import WasmEngine

/// Builds `Module` values by hand (no decoder, no compiler): functions are written directly in internal code.
struct ModuleBuilder {
    var module = Module()

    mutating func typeIndex(_ type: FuncType) -> UInt32 {
        if let index = module.types.firstIndex(of: type) { return UInt32(index) }
        module.types.append(type)
        return UInt32(module.types.count - 1)
    }

    /// Imports must be added before any definition of the same kind.
    @discardableResult
    mutating func importFunction(_ moduleName: String, _ name: String, _ type: FuncType) -> UInt32 {
        let index = typeIndex(type)
        module.imports.append(Import(module: moduleName, name: name, descriptor: .function(typeIndex: index)))
        module.functionTypeIndices.append(index)
        module.importedFunctionCount += 1
        return UInt32(module.functionTypeIndices.count - 1)
    }

    mutating func importTable(_ moduleName: String, _ name: String, _ type: TableType) {
        module.imports.append(Import(module: moduleName, name: name, descriptor: .table(type)))
        module.tables.append(type)
        module.importedTableCount += 1
    }

    mutating func importMemory(_ moduleName: String, _ name: String, _ type: MemoryType) {
        module.imports.append(Import(module: moduleName, name: name, descriptor: .memory(type)))
        module.memories.append(type)
        module.importedMemoryCount += 1
    }

    mutating func importGlobal(_ moduleName: String, _ name: String, _ type: GlobalType) {
        module.imports.append(Import(module: moduleName, name: name, descriptor: .global(type)))
        module.globals.append(type)
        module.importedGlobalCount += 1
    }

    /// Adds a function; `locals` counts the declared locals after the parameters.
    @discardableResult
    mutating func function(
        _ type: FuncType, locals: UInt32 = 0, frameSize: UInt32 = 16, export: String? = nil, _ code: [Instruction]
    ) -> UInt32 {
        let index = typeIndex(type)
        let parameterCount = UInt32(type.parameters.count)
        module.functions.append(
            .compiled(
                CompiledFunction(
                    code: code, frameSize: frameSize, localCount: parameterCount + locals, parameterCount: parameterCount,
                    resultCount: UInt32(type.results.count), typeIndex: index)))
        module.functionTypeIndices.append(index)
        let functionIndex = UInt32(module.functionTypeIndices.count - 1)
        if let export { self.export(export, .function(functionIndex)) }
        return functionIndex
    }

    mutating func export(_ name: String, _ descriptor: Export.Descriptor) {
        module.exports.append(Export(name: name, descriptor: descriptor))
    }

    mutating func memory(_ minimum: UInt64, _ maximum: UInt64? = nil) {
        module.memories.append(MemoryType(limits: Limits(min: minimum, max: maximum)))
    }

    mutating func table(_ minimum: UInt64, _ maximum: UInt64? = nil, _ elementType: ValueType = .funcref) {
        module.tables.append(TableType(elementType: elementType, limits: Limits(min: minimum, max: maximum)))
    }

    mutating func global(_ type: GlobalType, _ initializer: ConstantExpression) {
        module.globals.append(type)
        module.globalInitializers.append(initializer)
    }

    mutating func activeElements(table: UInt32 = 0, offset: UInt32, functions: [UInt32]) {
        module.elements.append(
            ElementSegment(
                type: .funcref, items: functions.map { .functionReference($0) },
                mode: .active(table: table, offset: .i32(offset))))
    }

    mutating func activeData(offset: UInt32, _ bytes: [UInt8]) {
        module.dataSegments.append(DataSegment(bytes: bytes, mode: .active(memory: 0, offset: .i32(offset))))
    }
}

extension Instance {
    func function(_ name: String) -> Function {
        guard case .function(let function) = export(name) else { fatalError("no exported function \(name)") }
        return function
    }
}

extension FuncType {
    static func of(_ parameters: [ValueType], _ results: [ValueType]) -> FuncType {
        FuncType(parameters: parameters, results: results)
    }
}

/// Instantiates a builder's module without imports and invokes one export.
func run(_ builder: ModuleBuilder, _ name: String, _ arguments: [Value], store: Store = Store()) throws -> [Value] {
    let instance = try store.instantiate(builder.module, imports: Imports())
    return try store.invoke(instance.function(name), arguments)
}

/// The result of one instruction applied to the arguments, in a function `(params) -> result`.
func evaluate(_ opcode: Opcode, _ arguments: [Value], result: ValueType) throws(Trap) -> Value {
    var builder = ModuleBuilder()
    let parameters = arguments.map { $0.type }
    let code: [Instruction] =
        arguments.count == 1
        ? [Instruction(opcode, 0, 0), Instruction(.return)]
        : [Instruction(opcode, 0, 0, 1), Instruction(.return)]
    builder.function(.of(parameters, [result]), export: "f", code)
    let store = Store()
    let instance = try! store.instantiate(builder.module, imports: Imports())
    return try store.invoke(instance.function("f"), arguments)[0]
}

/// The reason of the trap `body` raised, or nil if it returned or threw something else.
func trapReason<R>(_ body: () throws -> R) -> TrapReason? {
    do {
        _ = try body()
        return nil
    } catch let trap as Trap {
        return trap.reason
    } catch InstantiationError.trap(let trap) {
        return trap.reason
    } catch {
        return nil
    }
}
