import Digest
import FoundationEssentials
import Glibc

/// An OCI image layout in memory: content-addressed blobs and the `index.json` that names the image's manifest.
/// Written as a directory (`oci:DIR` for skopeo) or as a tarball of that directory (`oci-archive:`, which
/// `ctr images import` reads).
public struct ImageLayout {
    /// Each blob by its digest (`sha256:` and 64 hex digits).
    public private(set) var blobs: [String: [UInt8]] = [:]
    /// The digest of the image's manifest.
    public private(set) var manifestDigest = ""
    private var index: [UInt8] = []

    /// The layout of `recipe` built as `kind`, named `reference` (`NAME[:TAG]`, tag `latest` by default).
    public init(_ recipe: ImageRecipe, kind: ImageKind, reference: String) throws(ImageError) {
        let (config, layers) = try kind == .image ? addImage(recipe) : addWasmArtifact(recipe)
        let manifest = try add(Manifest(config: config, layers: layers), as: MediaType.manifest)
        manifestDigest = manifest.digest
        // No `platform` on the index's descriptor (the config says it, as in a single-platform build's layout): with a
        // wasip1/wasm platform there, `ctr images import` drops the image unless given --all-platforms.
        var named = manifest
        named.annotations = [
            AnnotationKey.containerdImageName: reference, AnnotationKey.referenceName: try Self.tag(of: reference),
        ]
        index = try Self.encode(Index(manifests: [named]))
    }

    /// The layout's files: `oci-layout`, `index.json` and `blobs/sha256/<hex>`.
    public var files: [(path: String, contents: [UInt8])] {
        get throws(ImageError) {
            var files = [("oci-layout", try Self.encode(LayoutMarker())), ("index.json", index)]
            for (digest, blob) in blobs.sorted(by: { $0.key < $1.key }) {
                files.append(("blobs/sha256/" + digest.dropFirst("sha256:".count), blob))
            }
            return files
        }
    }

    /// The layout as one tarball, in the reproducible tar form layers have.
    public func archive() throws(ImageError) -> [UInt8] {
        var archive = TarArchive()
        for (path, contents) in try files { try archive.addFile(path, contents: contents) }
        return try archive.bytes()
    }

    /// Writes the layout's files under `directory` (made if missing).
    public func write(directory: String) throws(ImageError) {
        for (path, contents) in try files {
            let full = directory + "/" + path
            try Self.makeDirectories(upTo: full)
            try Self.writeFile(full, contents)
        }
    }

    /// Writes the layout's tarball to `path`.
    public func writeArchive(to path: String) throws(ImageError) {
        try Self.writeFile(path, try archive())
    }

    // MARK: Building

    private mutating func addImage(_ recipe: ImageRecipe) throws(ImageError) -> (Descriptor, [Descriptor]) {
        var root = TarArchive()
        for file in recipe.files { try root.addFile(file.path, contents: file.contents, isExecutable: file.isExecutable) }
        try root.addFile(recipe.programPath, contents: recipe.program, isExecutable: true)
        // Uncompressed, so the layer's digest is also its diff ID.
        let layer = addBlob(try root.bytes(), as: MediaType.layer)
        let configuration = ImageConfiguration(
            created: recipe.created, architecture: recipe.platform.architecture, os: recipe.platform.os,
            config: .init(
                Entrypoint: [recipe.programPath], Cmd: recipe.arguments, Env: recipe.environment,
                WorkingDir: recipe.workingDirectory),
            rootfs: .init(diff_ids: [layer.digest]))
        return (try add(configuration, as: MediaType.imageConfig), [layer])
    }

    private mutating func addWasmArtifact(_ recipe: ImageRecipe) throws(ImageError) -> (Descriptor, [Descriptor]) {
        let layer = addBlob(recipe.program, as: MediaType.wasmLayer)
        let configuration = WasmConfiguration(
            created: recipe.created, architecture: recipe.platform.architecture, os: recipe.platform.os,
            layerDigests: [layer.digest])
        return (try add(configuration, as: MediaType.wasmConfig), [layer])
    }

    private mutating func add(_ document: some Encodable, as mediaType: String) throws(ImageError) -> Descriptor {
        addBlob(try Self.encode(document), as: mediaType)
    }

    private mutating func addBlob(_ bytes: [UInt8], as mediaType: String) -> Descriptor {
        let digest = Self.digest(of: bytes)
        blobs[digest] = bytes
        return Descriptor(mediaType: mediaType, digest: digest, size: bytes.count)
    }

    /// `sha256:` and the lowercase hex SHA-256 of `bytes`.
    public static func digest(of bytes: [UInt8]) -> String {
        let hash = bytes.withUnsafeBytes { sha256($0) }
        return "sha256:" + hash.map { String($0 >> 4, radix: 16) + String($0 & 0xf, radix: 16) }.joined()
    }

    /// Sorted keys, so a document's bytes (and its digest) depend only on its values.
    private static func encode(_ document: some Encodable) throws(ImageError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(document))
        } catch {
            preconditionFailure("the OCI documents are plain strings, numbers and arrays: \(error)")
        }
    }

    /// The tag of `NAME[:TAG]` (a `:` after the last `/`), `latest` without one.
    static func tag(of reference: String) throws(ImageError) -> String {
        let lastComponent = reference.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard !reference.isEmpty, !lastComponent.isEmpty, !lastComponent.hasPrefix(":"), !reference.contains(" ") else {
            throw .invalidReference(reference)
        }
        guard let colon = lastComponent.lastIndex(of: ":") else { return "latest" }
        let tag = lastComponent[lastComponent.index(after: colon)...]
        guard !tag.isEmpty else { throw .invalidReference(reference) }
        return String(tag)
    }

    // MARK: Files

    private static func makeDirectories(upTo path: String) throws(ImageError) {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        for depth in 1..<components.count {
            let directory = components[..<depth].joined(separator: "/")
            if directory.isEmpty { continue }
            if mkdir(directory, 0o755) != 0 && errno != EEXIST {
                throw .cannotWrite(path: directory, reason: String(cString: strerror(errno)))
            }
        }
    }

    private static func writeFile(_ path: String, _ contents: [UInt8]) throws(ImageError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var offset = 0
        while offset < contents.count {
            // SAFETY: the pointer is used only during this call, within `contents`' bounds.
            let written = contents.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
            offset += written
        }
    }
}
