// swift-tools-version: 6.1
import PackageDescription

/// This manifest's directory, for the linker script the CLI's release link takes by path.
let packageDirectory = String(#filePath.dropLast("/Package.swift".count))

let package = Package(
    name: "Swiftlet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "swiftlet", targets: ["swiftlet"]),
        .library(name: "WasmEngine", targets: ["WasmEngine"]),
        .library(name: "Swiftlet", targets: ["Swiftlet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Portable engine: no Foundation, no dependencies, Embedded-Swift clean.
        .target(
            name: "WasmEngine",
            dependencies: ["X64Assembler"],
            swiftSettings: [
                // The interpreter's handlers tail-call one another (see Interpreter.swift): only an optimized
                // build turns those calls into jumps, so the engine is optimized in every configuration, and as
                // one module (a debug build compiles file by file, and a handler could not inline the
                // `Registers` operations of another file). Swift's function merging would fold look-alike
                // handlers into one that the others reach through an extra jump, with one more argument.
                // Every function on a 64-byte cache line, so a handler (most are under 64 bytes) never straddles two
                // because of what precedes it, and a section per function, so that both links (the CLI's,
                // Sources/swiftlet/handlers.ld, and the guest kernel's, kernel/kernel.ld) put the handlers at the
                // same address modulo 64 KiB: the same code then runs alike in-process and in the micro-VM.
                .unsafeFlags([
                    "-O", "-wmo", "-num-threads", "2", "-Xfrontend", "-disable-llvm-merge-functions-pass", "-Xcc",
                    "-fno-math-errno", "-Xfrontend", "-function-sections", "-Xllvm", "-align-all-functions=6",
                ])
            ]
        ),
        // x86-64 machine code for the compiler tier (issue 17): instruction encoding and labels; portable, Embedded-clean.
        .target(name: "X64Assembler"),
        // WASI preview1 on the host: the fd table, path sandbox and system calls (Glibc, no Foundation).
        .target(name: "WASIHost", dependencies: ["SwiftletABI"]),
        // What is known about a module between runs (validation), on disk, keyed by its SHA-256.
        .target(name: "ModuleCache", dependencies: ["WasmEngine", "Digest"]),
        // SHA-256 (Sources/Digest/SHA256Hasher.swift says why libcrypto) over Debian's libcrypto (libssl-dev).
        .target(name: "Digest", dependencies: ["CLibCrypto"]),
        .systemLibrary(name: "CLibCrypto", providers: [.apt(["libssl-dev"])]),
        // Hooks: WebAssembly extensions run around every WASI call (include/swiftlet/hook.h); portable, Embedded-clean, so
        // the guest kernel runs the same code.
        .target(name: "Hooks", dependencies: ["WasmEngine", "SwiftletABI"]),
        // Registers WASIHost's functions as host functions of a WasmEngine store.
        .target(name: "WasmEngineWASI", dependencies: ["WasmEngine", "WASIHost"]),
        // The embedding API: a `Sandbox` runs a module in a micro-VM or in-process (Sources/Swiftlet/Swiftlet.swift).
        .target(
            name: "Swiftlet", dependencies: ["WasmEngine", "WASIHost", "WasmEngineWASI", "ModuleCache", "Digest", "Hooks"]),
        // The `kv` import module (include/swiftlet/kv.h) as host functions, over SQLite (GRDB) or Redis (Debian's hiredis).
        .target(
            name: "KeyValue",
            dependencies: ["Swiftlet", "WASIHost", "CHiredis", .product(name: "GRDB", package: "GRDB.swift")]),
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        // `swiftlet serve`: HTTP (SwiftNIO) in front of sandboxes, long-running or one per request; routes in YAML.
        .target(
            name: "SwiftletServe",
            dependencies: [
                "Swiftlet", "KeyValue", "Yams",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        // `swiftlet build`: OCI images of modules (layout directory or tarball, plain image or Wasm artifact).
        .target(name: "ContainerImage", dependencies: ["Digest"]),
        // `swiftlet runtime` / `swiftlet-runtime`: a runc-compatible runtime running each Wasm container in a micro-VM.
        .target(name: "ContainerRuntime", dependencies: ["Swiftlet", "ModuleCache"]),
        // The command line, a thin layer over the Swiftlet library (and the engine, for `wast` and `explore`).
        .executableTarget(
            name: "swiftlet",
            dependencies: [
                "Swiftlet",
                "KeyValue",
                "SwiftletServe",
                "ContainerImage",
                "ContainerRuntime",
                "WasmEngine",
                "ModuleCache",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The shipped (release) binary starts a process per module, so start-up is most of a short run. It is
            // one static executable: no dynamic loader, no libraries to map, relocate and bind (libstdc++ alone
            // cost 0.5 ms), no relocations of its own (not position-independent), unused sections dropped.
            // FoundationEssentials (ArgumentParser's) needs its two support libraries named. The interpreter's
            // handlers start on a 64 KiB boundary, as in the guest kernel (handlers.ld).
            exclude: ["handlers.ld"],
            linkerSettings: [
                .unsafeFlags(
                    ["-static-executable", "-l_FoundationCollections", "-l_FoundationCShims", "-lCoreFoundation",
                     "-l_FoundationICU", "-lstdc++", "-use-ld=lld",
                     "-Xlinker", "--gc-sections",
                     "-Xlinker", "--script=\(packageDirectory)/Sources/swiftlet/handlers.ld"],
                    .when(platforms: [.linux], configuration: .release))
            ]
        ),
        // What several test targets share: the WASI C compiler (scripts/wasi-cc.sh), the built `swiftlet`, servers on
        // loopback ports (Redis among them). Not a product.
        .target(name: "TestSupport", dependencies: ["Swiftlet"], path: "Tests/Support"),
        .testTarget(name: "WasmEngineTests", dependencies: ["WasmEngine"]),
        // Compares the assembler's encodings with the toolchain's clang assembling the same instructions.
        .testTarget(name: "X64AssemblerTests", dependencies: ["X64Assembler", "TestSupport"]),
        .testTarget(name: "ModuleCacheTests", dependencies: ["ModuleCache"]),
        .testTarget(name: "SwiftletTests", dependencies: ["Swiftlet"]),
        .testTarget(name: "KeyValueTests", dependencies: ["KeyValue", "Swiftlet", "TestSupport"]),
        .testTarget(name: "SwiftletServeTests", dependencies: ["SwiftletServe", "KeyValue", "Swiftlet", "TestSupport"]),
        .testTarget(name: "HookTests", dependencies: ["Swiftlet", "Hooks", "TestSupport"]),
        .testTarget(name: "swiftletTests", dependencies: ["swiftlet", "WasmEngine", "Swiftlet", "SwiftletServe"]),
        // The image writer, and the runtime under a real containerd (Debian's, started by the tests).
        .testTarget(name: "ContainerTests", dependencies: ["ContainerImage", "ContainerRuntime", "Digest", "swiftlet", "TestSupport"]),
        // Runs `swiftlet run` and wasmtime on C programs from tests/wasi (built with clang and wasi-libc).
        .testTarget(
            name: "WASIHostTests", dependencies: ["WASIHost", "WasmEngineWASI", "WasmEngine", "swiftlet", "TestSupport"]),
    ]
)

// Micro-VM. SwiftletABI is the guest/host boundary, compiled for both sides. The guest kernel (Sources/Kernel) is
// Embedded Swift built by kernel/build.sh for x86_64-unknown-none-elf; in a hosted build its code compiles away,
// and no product links it, so its memset/posix_memalign never reach a host binary.
package.targets += [
    .target(name: "SwiftletABI"),
    .target(name: "KernelSupport", path: "Sources/Kernel/Support"),
    .target(
        name: "Kernel", dependencies: ["SwiftletABI", "KernelSupport", "WasmEngine", "Hooks"], path: "Sources/Kernel/Swift"),
]

// The monitor drives Linux KVM, so it exists only where the manifest is evaluated on Linux.
#if os(Linux)
package.targets += [
    .target(name: "CKVM"),
    // Atomics on words of guest memory and futex calls, for the monitor's WASI mailbox worker.
    .target(name: "CSharedMemory"),
    // Digest: SHA-256 of snapshot files and of the kernel image a snapshot was made with.
    .target(name: "Monitor", dependencies: ["CKVM", "CSharedMemory", "SwiftletABI", "Digest"]),
    .executableTarget(name: "monitor-floor", dependencies: ["Monitor"], path: "bench/floor/Swift"),
    .testTarget(name: "MonitorTests", dependencies: ["Monitor", "SwiftletABI", "ModuleCache", "Digest"]),
]
#endif

// Snapshots' memory images as sealed memfds that restores map copy-on-write (`MemoryImageMapper.memfd`): the
// engine's host hook for Linux, outside the engine, which names no OS call. CMemfd compiles the calls that need
// _GNU_SOURCE.
#if os(Linux)
package.targets += [
    .target(name: "CMemfd"),
    .target(name: "MemfdImages", dependencies: ["WasmEngine", "CMemfd"]),
]
for target in package.targets where target.name == "WasmEngineTests" {
    target.dependencies += ["MemfdImages"]
}
// `swiftlet serve` hands each request's body and output to its sandbox in memfds (a worker's own, reused).
for target in package.targets where target.name == "SwiftletServe" {
    target.dependencies += ["CMemfd"]
}
#endif

// bench/sandbox: the time to a ready sandbox through the Swiftlet library, fresh and from snapshots (run.py prints it
// next to the C floor).
#if os(Linux)
package.targets += [
    .executableTarget(name: "sandbox-bench", dependencies: ["Swiftlet"], path: "bench/sandbox/Swift"),
]
#endif

// bench/snapshot: restore times from in-process snapshots (a small module, and one of 16 MiB of initialized memory).
#if os(Linux)
package.targets += [
    .executableTarget(
        name: "snapshot-bench", dependencies: ["WasmEngine", "MemfdImages", "WASIHost", "WasmEngineWASI"],
        path: "bench/snapshot/Swift"),
]
#endif

// In a Linux build sandboxes run modules in micro-VMs (`Isolation.vm`, the default there); `swiftlet info` checks KVM.
#if os(Linux)
for target in package.targets where target.name == "Swiftlet" {
    target.dependencies += ["Monitor", "SwiftletABI", "MemfdImages"]
}
for target in package.targets where target.name == "swiftlet" {
    target.dependencies += ["Monitor"]
}
#endif

// The monitor's tests compare VM runs with in-process runs of the same modules.
#if os(Linux)
for target in package.targets where target.name == "MonitorTests" {
    target.dependencies += ["WasmEngine", "WASIHost"]
}
#endif

// bench/vm/run.py's in-process timings: VM creation to the guest's and the module's first instruction.
#if os(Linux)
package.targets += [
    .executableTarget(name: "vm-bench", dependencies: ["Monitor", "SwiftletABI"], path: "bench/vm/Swift"),
    // VM snapshots at the monitor's level: restore to the first exit, pool resets per dirty page, capture and files
    // against memory touched.
    .executableTarget(name: "vm-snapshot-bench", dependencies: ["Monitor", "SwiftletABI"], path: "bench/vm/snapshot"),
]
#endif
