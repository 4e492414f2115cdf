import ArgumentParser
import ContainerImage
import Glibc
import Swiftlet

extension ImageKind: ExpressibleByArgument {}

/// `swiftlet build`: an OCI image of a module, for containerd, skopeo and registries.
struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Makes an OCI image of a module: an image layout directory, or its tarball if OUTPUT ends in .tar.",
        discussion: """
            The same inputs give the same bytes and digests. `image` is a FROM-scratch image (platform wasip1/wasm, \
            the module as entrypoint) that `ctr images import` and `swiftlet runtime` run; `wasm-artifact` is the \
            CNCF Wasm OCI artifact (one application/wasm layer).
            """
    )

    @Option(name: .shortAndLong, help: ArgumentHelp("The layout directory, or a tarball (.tar).", valueName: "OUTPUT"))
    var output: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The image's name.", valueName: "NAME[:TAG]"))
    var tag: String

    @Option(help: "`image` (a root filesystem) or `wasm-artifact` (the CNCF Wasm OCI artifact).")
    var kind: ImageKind = .image

    @Option(help: ArgumentHelp("Where the module goes in the image (default /NAME.wasm).", valueName: "PATH"))
    var path: String?

    @Option(
        name: .customLong("file"),
        help: ArgumentHelp("Add a file to the root filesystem (default GUEST: /HOST's name).", valueName: "HOST[::GUEST]"))
    var files: [String] = []

    @Option(name: .customLong("env"), help: ArgumentHelp("A default environment variable.", valueName: "NAME=VALUE"))
    var environment: [String] = []

    @Option(help: ArgumentHelp(
        "The image's platform; another than wasip1/wasm packs a native executable instead of a module.",
        valueName: "OS/ARCH"))
    var platform = "wasip1/wasm"

    @Argument(help: "The module (for a native platform, the executable).")
    var module: String

    @Argument(parsing: .captureForPassthrough, help: "The program's default arguments.")
    var arguments: [String] = []

    func run() throws {
        try reportingFailures {
            guard let program = readWholeFile(module) else {
                throw CommandFailure(message: "cannot read \(module): \(String(cString: strerror(errno)))")
            }
            let platformParts = platform.split(separator: "/").map(String.init)
            guard platformParts.count == 2 else { throw CommandFailure(message: "--platform \(platform): give OS/ARCH") }
            let recipePlatform = ImageRecipe.Platform(os: platformParts[0], architecture: platformParts[1])
            if recipePlatform == .wasip1, !program.starts(with: [0x00, 0x61, 0x73, 0x6d]) {
                throw CommandFailure(message: "\(module) is not a WebAssembly module (give --platform for a native program)")
            }
            let name = String(module.split(separator: "/").last ?? "module")
            var recipe = ImageRecipe(program: program, programPath: path ?? "/" + name)
            recipe.platform = recipePlatform
            recipe.environment = environment
            recipe.arguments = arguments
            recipe.files = try files.map(readFile)
            if let epoch = environmentValue("SOURCE_DATE_EPOCH").flatMap(Int.init) { recipe.created = rfc3339(epoch) }
            do throws(ImageError) {
                let layout = try ImageLayout(recipe, kind: kind, reference: tag)
                if output.hasSuffix(".tar") {
                    try layout.writeArchive(to: output)
                } else {
                    try layout.write(directory: output)
                }
                print(layout.manifestDigest)
            } catch {
                throw CommandFailure(message: error.description)
            }
        }
    }

    private func readFile(_ mapping: String) throws -> ImageRecipe.File {
        let (host, guest): (String, String)
        if let separator = mapping.firstRange(of: "::") {
            (host, guest) = (String(mapping[..<separator.lowerBound]), String(mapping[separator.upperBound...]))
        } else {
            (host, guest) = (mapping, "/" + (mapping.split(separator: "/").last.map(String.init) ?? mapping))
        }
        guard let contents = readWholeFile(host) else {
            throw CommandFailure(message: "cannot read \(host): \(String(cString: strerror(errno)))")
        }
        return ImageRecipe.File(path: guest, contents: contents, isExecutable: access(host, X_OK) == 0)
    }

    /// `seconds` since the epoch as RFC 3339 UTC.
    private func rfc3339(_ seconds: Int) -> String {
        var time = seconds
        var broken = tm()
        gmtime_r(&time, &broken)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &broken)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
