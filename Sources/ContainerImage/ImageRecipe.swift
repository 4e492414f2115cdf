/// What goes into an image: the program (a module, or a native executable for a native platform), other files, and
/// the process defaults a runtime reads from the image config.
public struct ImageRecipe: Sendable {
    /// The program the image runs, stored at `programPath` in the root filesystem.
    public var program: [UInt8]
    /// Where the program is in the root filesystem: an absolute path, the image's entrypoint.
    public var programPath: String
    /// More files for the root filesystem (the plain image only; the Wasm artifact holds the module alone).
    public var files: [File] = []
    /// `NAME=value` environment variables.
    public var environment: [String] = []
    /// The program's default arguments (the config's `Cmd`).
    public var arguments: [String] = []
    public var workingDirectory = "/"
    public var platform = Platform.wasip1
    /// The `created` time of the config, RFC 3339. Fixed so that builds are reproducible; set it from
    /// `SOURCE_DATE_EPOCH` to record a real one.
    public var created = "1970-01-01T00:00:00Z"

    public struct File: Sendable {
        public var path: String
        public var contents: [UInt8]
        public var isExecutable: Bool

        public init(path: String, contents: [UInt8], isExecutable: Bool = false) {
            self.path = path
            self.contents = contents
            self.isExecutable = isExecutable
        }
    }

    public struct Platform: Equatable, Sendable, Codable {
        public var os: String
        public var architecture: String

        /// WebAssembly with WASI preview1, as the Wasm OCI artifact and Wasm-aware runtimes name it.
        public static let wasip1 = Platform(os: "wasip1", architecture: "wasm")

        public init(os: String, architecture: String) {
            self.os = os
            self.architecture = architecture
        }
    }

    public init(program: [UInt8], programPath: String) {
        self.program = program
        self.programPath = programPath.hasPrefix("/") ? programPath : "/" + programPath
    }
}

/// The two shapes a Wasm image takes.
public enum ImageKind: String, CaseIterable, Sendable {
    /// A `FROM scratch` image: one layer holding the module (and files) in the root filesystem, the module as
    /// entrypoint. Any OCI runtime that knows Wasm runs it, and containerd unpacks it like any image.
    case image
    /// The CNCF Wasm OCI artifact: config `application/vnd.wasm.config.v0+json`, one `application/wasm` layer that is
    /// the module itself; for registries and tools that store modules, not root filesystems.
    case wasmArtifact = "wasm-artifact"
}
