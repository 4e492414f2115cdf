import CLibCrypto

/// SHA-256 over bytes given piece by piece (OpenSSL's libcrypto, as ModuleCache uses it): snapshot files are checked
/// as they stream, and the kernel image a snapshot was made with is named by its digest.
struct SHA256Digest {
    private var context = SHA256_CTX()

    init() {
        SHA256_Init(&context)
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return }
        SHA256_Update(&context, start, bytes.count)
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The 32-byte digest; the context is spent.
    mutating func finish() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        // SAFETY: `digest` has the 32 bytes SHA256_Final writes.
        digest.withUnsafeMutableBufferPointer { _ = SHA256_Final($0.baseAddress, &context) }
        return digest
    }
}

/// Which kernel image (and so which engine) a snapshot was made with: a snapshot resumes code at addresses of that
/// image, so it is refused with any other.
public struct KernelIdentity: Hashable, Sendable, CustomStringConvertible {
    /// SHA-256 of the entry point and every segment's address, length and contents.
    public let digest: [UInt8]

    public init(digest: [UInt8]) {
        self.digest = digest
    }

    public var description: String {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

extension KernelImage {
    /// This image's ``KernelIdentity``.
    public var identity: KernelIdentity {
        var digest = SHA256Digest()
        func word(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }
        digest.update(word(entry.rawValue))
        for segment in segments {
            digest.update(word(segment.range.start.rawValue) + word(segment.range.length) + [segment.isExecutable ? 1 : 0])
            segment.contents.withUnsafeBytes { digest.update($0) }
        }
        return KernelIdentity(digest: digest.finish())
    }
}
