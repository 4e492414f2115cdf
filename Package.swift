// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Swiftlet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "swiftlet", targets: ["swiftlet"]),
        .library(name: "WasmEngine", targets: ["WasmEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Portable engine: no Foundation, no dependencies, Embedded-Swift clean.
        .target(name: "WasmEngine"),
        .executableTarget(
            name: "swiftlet",
            dependencies: [
                "WasmEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "WasmEngineTests", dependencies: ["WasmEngine"]),
        .testTarget(name: "swiftletTests", dependencies: ["swiftlet", "WasmEngine"]),
    ]
)
