import ContainerImage
import Digest
import Foundation
import Testing
import TestSupport

@Suite("OCI images of modules")
struct ImageLayoutTests {
    /// `(module)`: the smallest module, as bytes.
    static let module: [UInt8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]

    static func recipe() -> ImageRecipe {
        var recipe = ImageRecipe(program: module, programPath: "app.wasm")
        recipe.files = [ImageRecipe.File(path: "/etc/greeting.txt", contents: Array("hello\n".utf8))]
        recipe.environment = ["GREETING=hello"]
        recipe.arguments = ["--verbose"]
        return recipe
    }

    static func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func sameInputsGiveTheSameBytesAndDigest() throws {
        for kind in ImageKind.allCases {
            let first = try ImageLayout(Self.recipe(), kind: kind, reference: "example.com/app:1")
            let second = try ImageLayout(Self.recipe(), kind: kind, reference: "example.com/app:1")
            #expect(first.manifestDigest == second.manifestDigest)
            #expect(try first.archive() == second.archive())
        }
        var changed = Self.recipe()
        changed.environment = ["GREETING=bye"]
        #expect(
            try ImageLayout(changed, kind: .image, reference: "app").manifestDigest
                != ImageLayout(Self.recipe(), kind: .image, reference: "app").manifestDigest)
    }

    @Test func everyBlobIsNamedByItsSHA256() throws {
        let layout = try ImageLayout(Self.recipe(), kind: .image, reference: "app")
        #expect(layout.blobs.count == 3)
        for (digest, blob) in layout.blobs {
            let hash = blob.withUnsafeBytes { sha256($0) }
            #expect(digest == "sha256:" + hash.map { String(format: "%02x", $0) }.joined())
        }
        // The known digest of the empty string, from the SHA-256 standard's test vectors.
        #expect(ImageLayout.digest(of: []) == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func plainImageHasTheModuleAsEntrypointOnWasip1() throws {
        let layout = try ImageLayout(Self.recipe(), kind: .image, reference: "example.com/app:1")
        let files = Dictionary(uniqueKeysWithValues: try layout.files.map { ($0.path, $0.contents) })
        #expect(files["oci-layout"] == Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))

        let index = try Self.json(try #require(files["index.json"]))
        let manifests = try #require(index["manifests"] as? [[String: Any]])
        #expect(manifests.count == 1)
        #expect(manifests[0]["digest"] as? String == layout.manifestDigest)
        #expect(manifests[0]["platform"] == nil)
        #expect(
            manifests[0]["annotations"] as? [String: String]
                == ["io.containerd.image.name": "example.com/app:1", "org.opencontainers.image.ref.name": "1"])

        let manifest = try Self.json(try #require(layout.blobs[layout.manifestDigest]))
        #expect(manifest["mediaType"] as? String == "application/vnd.oci.image.manifest.v1+json")
        let configDescriptor = try #require(manifest["config"] as? [String: Any])
        #expect(configDescriptor["mediaType"] as? String == "application/vnd.oci.image.config.v1+json")
        let layers = try #require(manifest["layers"] as? [[String: Any]])
        #expect(layers.map { $0["mediaType"] as? String } == ["application/vnd.oci.image.layer.v1.tar"])

        let configDigest = try #require(configDescriptor["digest"] as? String)
        let config = try Self.json(try #require(layout.blobs[configDigest]))
        #expect(config["os"] as? String == "wasip1")
        #expect(config["architecture"] as? String == "wasm")
        let process = try #require(config["config"] as? [String: Any])
        #expect(process["Entrypoint"] as? [String] == ["/app.wasm"])
        #expect(process["Cmd"] as? [String] == ["--verbose"])
        #expect(process["Env"] as? [String] == ["GREETING=hello"])
        let rootfs = try #require(config["rootfs"] as? [String: Any])
        #expect(rootfs["diff_ids"] as? [String] == [try #require(layers[0]["digest"] as? String)])
        for file in try layout.files where file.path.hasPrefix("blobs/") {
            #expect(layout.blobs["sha256:" + file.path.dropFirst("blobs/sha256/".count)] == file.contents)
        }
    }

    @Test func wasmArtifactIsOneApplicationWasmLayer() throws {
        let layout = try ImageLayout(Self.recipe(), kind: .wasmArtifact, reference: "app")
        let manifest = try Self.json(try #require(layout.blobs[layout.manifestDigest]))
        let configDescriptor = try #require(manifest["config"] as? [String: Any])
        #expect(configDescriptor["mediaType"] as? String == "application/vnd.wasm.config.v0+json")
        let layers = try #require(manifest["layers"] as? [[String: Any]])
        #expect(layers.count == 1)
        #expect(layers[0]["mediaType"] as? String == "application/wasm")
        let layerDigest = try #require(layers[0]["digest"] as? String)
        #expect(layout.blobs[layerDigest] == Self.module)
        let configDigest = try #require(configDescriptor["digest"] as? String)
        let config = try Self.json(try #require(layout.blobs[configDigest]))
        #expect(config["layerDigests"] as? [String] == [layerDigest])
        #expect(config["os"] as? String == "wasip1")
    }

    /// GNU tar reads the layer back: the files, their modes, owner root and time 0, in name order.
    @Test func layerIsAReproducibleUstarArchive() throws {
        var archive = TarArchive()
        let longName = String(repeating: "d", count: 90) + "/" + String(repeating: "f", count: 60) + ".txt"
        try archive.addFile("/b.wasm", contents: Self.module, isExecutable: true)
        try archive.addFile("a/c.txt", contents: Array("c".utf8))
        try archive.addFile(longName, contents: [])
        let bytes = try archive.bytes()
        #expect(bytes.count % 512 == 0)
        let listing = try tarListing(bytes)
        #expect(
            listing == [
                "drwxr-xr-x root/root 0 1970-01-01 00:00 a/",
                "-rw-r--r-- root/root 1 1970-01-01 00:00 a/c.txt",
                "-rwxr-xr-x root/root 8 1970-01-01 00:00 b.wasm",
                "drwxr-xr-x root/root 0 1970-01-01 00:00 \(String(repeating: "d", count: 90))/",
                "-rw-r--r-- root/root 0 1970-01-01 00:00 \(longName)",
            ])
        #expect(throws: ImageError.invalidPath("../escape")) { try archive.addFile("../escape", contents: []) }
    }

    private func tarListing(_ archive: [UInt8]) throws -> [String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("layer.tar")
        try Data(archive).write(to: path)
        let result = try ChildProgram.run(URL(fileURLWithPath: "/usr/bin/tar"), ["--utc", "-tvf", path.path])
        try #require(result.status == 0, "tar: \(result.standardError)")
        return result.standardOutput.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
    }

    /// skopeo (Debian's) accepts the layout directory and the tarball and reads the same image from both.
    @Test func skopeoReadsTheLayoutAndTheArchive() throws {
        let skopeo = "/usr/bin/skopeo"
        guard FileManager.default.isExecutableFile(atPath: skopeo) else {
            throw ToolMissing(description: "skopeo not found (Debian package skopeo; scripts/install-deps.sh test installs it)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("layout-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let layout = try ImageLayout(Self.recipe(), kind: .image, reference: "example.com/app:1")
        try layout.write(directory: directory + "/dir")
        try layout.writeArchive(to: directory + "/image.tar")
        for reference in ["oci:\(directory)/dir:1", "oci-archive:\(directory)/image.tar:1"] {
            let result = try ChildProgram.run(URL(fileURLWithPath: skopeo), ["inspect", reference])
            try #require(result.status == 0, "skopeo inspect \(reference): \(result.standardError)")
            let inspected = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
            #expect(inspected["Digest"] as? String == layout.manifestDigest)
            #expect(inspected["Os"] as? String == "wasip1")
            #expect(inspected["Architecture"] as? String == "wasm")
        }
        let artifact = try ImageLayout(Self.recipe(), kind: .wasmArtifact, reference: "app")
        try artifact.write(directory: directory + "/artifact")
        let raw = try ChildProgram.run(URL(fileURLWithPath: skopeo), ["inspect", "--raw", "oci:\(directory)/artifact:latest"])
        try #require(raw.status == 0, "skopeo inspect --raw: \(raw.standardError)")
        #expect(raw.standardOutput.contains("application/vnd.wasm.config.v0+json"))
    }
}
