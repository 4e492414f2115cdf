// wasmkit-run MODULE.wasm FUNCTION N: calls the export FUNCTION with the i32 N and prints its i32 result.
import Glibc
import WasmKit

func fail(_ message: String, status: Int32) -> Never {
    fputs(message + "\n", stderr)
    exit(status)
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let size = UInt32(arguments[3]) else {
    fail("usage: wasmkit-run MODULE.wasm FUNCTION N", status: 2)
}
let module = try parseWasm(filePath: .init(arguments[1]))
let store = Store(engine: Engine())
let instance = try module.instantiate(store: store)
guard let function = instance.exports[function: arguments[2]] else {
    fail("no exported function \(arguments[2])", status: 2)
}
for result in try function([.i32(size)]) {
    guard case .i32(let value) = result else {
        fail("unexpected result \(result)", status: 1)
    }
    print(value)
}
