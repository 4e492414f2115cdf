import WasmEngine
print("swiftlet")
