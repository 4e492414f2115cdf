/// A POSIX ustar archive written in memory, the same bytes for the same entries: entries sorted by name, every
/// timestamp 0, owner root (uid and gid 0), modes 0755 (directories and executables) or 0644. Layer digests then
/// depend only on the files, so an image built twice from the same inputs has the same digest.
public struct TarArchive {
    public struct Entry: Equatable, Sendable {
        /// The path inside the archive, relative (no leading `/`); a directory's ends with `/`.
        public var name: String
        public var contents: [UInt8]
        public var isExecutable: Bool

        public var isDirectory: Bool { name.hasSuffix("/") }

        public init(name: String, contents: [UInt8] = [], isExecutable: Bool = false) {
            self.name = name
            self.contents = contents
            self.isExecutable = isExecutable
        }
    }

    private var entries: [String: Entry] = [:]

    public init() {}

    /// Adds a file (and every directory above it that is not there yet); a later file of the same name replaces it.
    public mutating func addFile(_ path: String, contents: [UInt8], isExecutable: Bool = false) throws(ImageError) {
        let components = path.split(separator: "/").filter { $0 != "." }
        guard !components.isEmpty, !components.contains("..") else { throw .invalidPath(path) }
        for depth in 1..<components.count {
            let directory = components[..<depth].joined(separator: "/") + "/"
            entries[directory] = Entry(name: directory, isExecutable: true)
        }
        let name = components.joined(separator: "/")
        guard entries[name + "/"] == nil else { throw .invalidPath(path) }
        entries[name] = Entry(name: name, contents: contents, isExecutable: isExecutable)
    }

    /// The archive's bytes: a header and the padded contents of each entry, in name order, then two zero blocks.
    public func bytes() throws(ImageError) -> [UInt8] {
        var archive: [UInt8] = []
        for entry in entries.values.sorted(by: { $0.name < $1.name }) {
            archive += try Self.header(for: entry)
            archive += entry.contents
            archive += [UInt8](repeating: 0, count: Self.padding(after: entry.contents.count))
        }
        archive += [UInt8](repeating: 0, count: 2 * Self.blockSize)
        return archive
    }

    private static let blockSize = 512

    private static func padding(after count: Int) -> Int {
        (blockSize - count % blockSize) % blockSize
    }

    /// The 512-byte ustar header. Names over 100 bytes are split into the prefix field (155 bytes) at a `/`.
    private static func header(for entry: Entry) throws(ImageError) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: blockSize)
        let (prefix, name) = try splitName(entry.name)
        put(Array(name.utf8), at: 0, width: 100, in: &header)
        putOctal(entry.isExecutable ? 0o755 : 0o644, at: 100, width: 8, in: &header)
        putOctal(0, at: 108, width: 8, in: &header)  // uid
        putOctal(0, at: 116, width: 8, in: &header)  // gid
        putOctal(entry.isDirectory ? 0 : entry.contents.count, at: 124, width: 12, in: &header)
        putOctal(0, at: 136, width: 12, in: &header)  // mtime
        header[156] = entry.isDirectory ? UInt8(ascii: "5") : UInt8(ascii: "0")
        put(Array("ustar\0".utf8), at: 257, width: 6, in: &header)
        put(Array("00".utf8), at: 263, width: 2, in: &header)
        put(Array("root".utf8), at: 265, width: 32, in: &header)
        put(Array("root".utf8), at: 297, width: 32, in: &header)
        put(Array(prefix.utf8), at: 345, width: 155, in: &header)
        // The checksum is the byte sum of the header with its own field taken as eight spaces.
        put(Array("        ".utf8), at: 148, width: 8, in: &header)
        let checksum = header.reduce(0) { $0 + Int($1) }
        putOctal(checksum, at: 148, width: 7, in: &header)
        return header
    }

    private static func splitName(_ name: String) throws(ImageError) -> (prefix: String, name: String) {
        let bytes = Array(name.utf8)
        if bytes.count <= 100 { return ("", name) }
        // The last `/` that leaves at most 100 bytes after it and at most 155 before it (a directory's own
        // trailing `/` stays in the name part).
        let searchEnd = name.hasSuffix("/") ? bytes.count - 1 : bytes.count
        for split in stride(from: searchEnd - 1, through: 0, by: -1) where bytes[split] == UInt8(ascii: "/") {
            guard bytes.count - split - 1 <= 100 else { break }
            if split <= 155 {
                let prefix = String(decoding: bytes[..<split], as: UTF8.self)
                return (prefix, String(decoding: bytes[(split + 1)...], as: UTF8.self))
            }
        }
        throw .invalidPath(name)
    }

    private static func put(_ bytes: [UInt8], at offset: Int, width: Int, in header: inout [UInt8]) {
        for (index, byte) in bytes.prefix(width).enumerated() { header[offset + index] = byte }
    }

    /// A number in octal ASCII, zero-padded to `width - 1` digits and NUL-terminated.
    private static func putOctal(_ value: Int, at offset: Int, width: Int, in header: inout [UInt8]) {
        let digits = String(value, radix: 8)
        let padded = String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
        put(Array(padded.utf8), at: offset, width: width - 1, in: &header)
    }
}
