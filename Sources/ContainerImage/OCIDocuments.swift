/// The OCI image-spec documents an image layout holds, as Codable values whose encoding (sorted keys, see
/// `ImageLayout`) is stable.
enum MediaType {
    static let index = "application/vnd.oci.image.index.v1+json"
    static let manifest = "application/vnd.oci.image.manifest.v1+json"
    static let imageConfig = "application/vnd.oci.image.config.v1+json"
    static let layer = "application/vnd.oci.image.layer.v1.tar"
    static let wasmConfig = "application/vnd.wasm.config.v0+json"
    static let wasmLayer = "application/wasm"
}

/// Annotations that name an image in an index: containerd's import reads the first, skopeo and the OCI layout the
/// second (the tag alone).
enum AnnotationKey {
    static let containerdImageName = "io.containerd.image.name"
    static let referenceName = "org.opencontainers.image.ref.name"
}

struct Descriptor: Codable, Equatable {
    var mediaType: String
    var digest: String
    var size: Int
    var annotations: [String: String]?
}

struct Manifest: Codable {
    var schemaVersion = 2
    var mediaType = MediaType.manifest
    var config: Descriptor
    var layers: [Descriptor]
}

struct Index: Codable {
    var schemaVersion = 2
    var mediaType = MediaType.index
    var manifests: [Descriptor]
}

/// The image config (`application/vnd.oci.image.config.v1+json`) of the plain image.
struct ImageConfiguration: Codable {
    struct ProcessDefaults: Codable {
        var Entrypoint: [String]
        var Cmd: [String]
        var Env: [String]
        var WorkingDir: String
    }

    struct RootFilesystem: Codable {
        var type = "layers"
        var diff_ids: [String]
    }

    var created: String
    var architecture: String
    var os: String
    var config: ProcessDefaults
    var rootfs: RootFilesystem
}

/// The config of the CNCF Wasm OCI artifact (`application/vnd.wasm.config.v0+json`).
struct WasmConfiguration: Codable {
    var created: String
    var architecture: String
    var os: String
    var layerDigests: [String]
}

/// The `oci-layout` file of every layout.
struct LayoutMarker: Codable {
    var imageLayoutVersion = "1.0.0"
}
