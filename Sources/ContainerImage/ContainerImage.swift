/// ContainerImage: OCI images of WebAssembly modules (`swiftlet build`), as an image layout directory or its tarball.
///
/// Owns: the OCI JSON documents (index, manifest, image config, the CNCF Wasm artifact's config), the layer tar
/// (`TarArchive`, ustar, reproducible) and writing the layout. Everything is a pure function of its inputs: the same
/// recipe gives the same bytes and digests. Must not touch: running modules, KVM or containerd (the runtime's, in
/// ContainerRuntime), command-line parsing (the CLI's).

/// Why an image could not be made.
public enum ImageError: Error, Equatable, CustomStringConvertible {
    /// A path that cannot be stored in an image (empty, `..`, or too long for a ustar header).
    case invalidPath(String)
    /// An image reference (`--tag`) that names nothing.
    case invalidReference(String)
    /// The output could not be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidPath(let path):
            "cannot store `\(path)` in an image: give a relative path without `..`, at most 255 bytes"
        case .invalidReference(let reference): "`\(reference)` is not an image reference (NAME[:TAG])"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}
