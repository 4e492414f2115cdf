import Digest

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
        var digest = SHA256Hasher()
        func word(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }
        digest.update(word(entry.rawValue))
        for segment in segments {
            digest.update(word(segment.range.start.rawValue) + word(segment.range.length) + [segment.isExecutable ? 1 : 0])
            segment.contents.withUnsafeBytes { digest.update($0) }
        }
        return KernelIdentity(digest: digest.finalize())
    }
}
