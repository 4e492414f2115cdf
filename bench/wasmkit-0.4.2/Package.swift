// swift-tools-version:5.9
// A benchmark peer, not part of Swiftlet: WasmKit 0.4.2 (the fastest interpreter measured on this machine)
// behind a command as small as `swiftlet run --invoke`, so bench/run.py times both the same way.
// `make bench` builds it; nothing else depends on it.
import PackageDescription

let package = Package(
    name: "wasmkit-run",
    dependencies: [.package(url: "https://github.com/swiftwasm/WasmKit", exact: "0.4.2")],
    targets: [
        .executableTarget(name: "wasmkit-run", dependencies: [.product(name: "WasmKit", package: "WasmKit")])
    ]
)
