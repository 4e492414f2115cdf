/// Digest: SHA-256 from Debian's libcrypto, for every layer that names bytes by their digest (the module cache's
/// keys, snapshot files' checksums, the kernel image a snapshot was made with).
///
/// Not swift-crypto: on Linux it imports all of Foundation, which a static `swiftlet` would then link (ICU included)
/// and initialize in every run's start-up. Owns only the hashing; must not touch files or formats.
import CLibCrypto

/// SHA-256 of bytes given piece by piece (a module, a snapshot file written or read in chunks).
public struct SHA256Hasher {
    private var context = SHA256_CTX()

    public init() {
        SHA256_Init(&context)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if let start = bytes.baseAddress { SHA256_Update(&context, start, bytes.count) }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything given so far (32 bytes). The hasher is spent: make a new one for other bytes.
    public mutating func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        // SAFETY: `digest` has the 32 bytes SHA256_Final writes.
        digest.withUnsafeMutableBufferPointer { _ = SHA256_Final($0.baseAddress, &context) }
        return digest
    }
}

/// SHA-256 of `bytes`.
public func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
    var hasher = SHA256Hasher()
    hasher.update(bytes)
    return hasher.finalize()
}
