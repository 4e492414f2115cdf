// A snapshot as bytes: a versioned payload that names its module (by size and a caller-chosen identity, such as its
// SHA-256) but does not contain it, and that the reader checks against that module item by item, so bytes from
// anywhere (a damaged file, a hostile one) are refused with `SnapshotError.malformed`, never trusted.
//
// Version 1, integers little-endian:
//   "SWSN"  u32 version
//   u64 module byte count    u32 identity length (≤ 1024)   identity bytes
//   u32 function count (imports included)   u32 defined globals   u32 defined tables   u32 element segments
//   u32 data segments   u8 has memory (0 or 1)
//   per defined global: u64 slot (a reference as function index + 1, 0 for null)
//   per defined table: u32 element count, then a u64 per element (as references above)
//   per element segment, then per data segment: u8 is empty (0 or 1)
//   u32 count of translated functions, then each one's defined-function index, increasing (translated again on
//       reading: a payload carries no code, which its reader could not check)
//   with a memory: u64 pages   u64 image byte count (a multiple of 64 KiB)   u32 chunk count
//       per chunk, increasing and apart: u64 offset   u64 byte count   the bytes (the image is zero elsewhere)
//   "SWSE"

/// Where `InstanceSnapshot.deserialize` reads a payload from (a file, a socket, an array).
public protocol SnapshotByteSource {
    /// Reads up to `buffer.count` bytes into `buffer`, returning how many; 0 at the end of the input.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int
}

/// A payload held in memory as an array.
public struct SnapshotBytes: SnapshotByteSource {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let count = Swift.min(buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            // SAFETY: both ranges hold `count` > 0 bytes (`position + count` ≤ `bytes.count`).
            buffer.baseAddress.unsafelyUnwrapped.copyMemory(from: source.baseAddress.unsafelyUnwrapped + position, byteCount: count)
        }
        position += count
        return count
    }
}

extension InstanceSnapshot {
    /// The payload format version `serialize` writes and `deserialize` reads.
    public static let payloadVersion: UInt32 = 1
    static let payloadMagic: UInt32 = 0x4E53_5753  // "SWSN"
    static let payloadEndMagic: UInt32 = 0x4553_5753  // "SWSE"
    static let maxIdentityByteCount = 1024
    /// The granularity at which zero runs of the image are left out of a payload (the smallest common page).
    static let chunkGranularity = 4096

    /// Writes the payload to `write`, in pieces (a large memory is written straight from its image, not copied).
    /// `moduleIdentity` (at most 1,024 bytes, such as the module's SHA-256) is recorded for `deserialize` to
    /// compare with the one it is given.
    public func serialize(moduleIdentity: [UInt8] = [], to write: (UnsafeRawBufferPointer) -> Void) {
        precondition(moduleIdentity.count <= Self.maxIdentityByteCount, "module identity over 1,024 bytes")
        var header: [UInt8] = []
        header.append(u32: Self.payloadMagic)
        header.append(u32: Self.payloadVersion)
        header.append(u64: UInt64(module.bytes.count))
        header.append(u32: UInt32(moduleIdentity.count))
        header += moduleIdentity
        header.append(u32: UInt32(module.functionTypeIndices.count))
        header.append(u32: UInt32(globals.count))
        header.append(u32: UInt32(tables.count))
        header.append(u32: UInt32(elementSegmentIsEmpty.count))
        header.append(u32: UInt32(dataSegmentIsEmpty.count))
        header.append(memoryPages == nil ? 0 : 1)
        for global in globals { header.append(u64: global) }
        header.withUnsafeBytes(write)
        for table in tables {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(4 + table.count * 8)
            bytes.append(u32: UInt32(table.count))
            for element in table { bytes.append(u64: element) }
            bytes.withUnsafeBytes(write)
        }
        var trailer: [UInt8] = elementSegmentIsEmpty.map { $0 ? 1 : 0 } + dataSegmentIsEmpty.map { $0 ? 1 : 0 }
        let translated = code.templates.indices.filter { code.templates[$0] != nil }
        trailer.append(u32: UInt32(translated.count))
        for index in translated { trailer.append(u32: UInt32(index)) }
        if let memoryPages {
            let image = memoryImage.buffer
            let chunks = Self.nonZeroChunks(of: image)
            trailer.append(u64: memoryPages)
            trailer.append(u64: UInt64(image.count))
            trailer.append(u32: UInt32(chunks.count))
            trailer.withUnsafeBytes(write)
            trailer = []
            for chunk in chunks {
                var chunkHeader: [UInt8] = []
                chunkHeader.append(u64: UInt64(chunk.lowerBound))
                chunkHeader.append(u64: UInt64(chunk.count))
                chunkHeader.withUnsafeBytes(write)
                // SAFETY: the chunk lies within the image (`nonZeroChunks` ranges), valid while the snapshot lives.
                write(UnsafeRawBufferPointer(rebasing: image[chunk]))
            }
        }
        trailer.append(u32: Self.payloadEndMagic)
        trailer.withUnsafeBytes(write)
    }

    /// The payload as one array (see `serialize(moduleIdentity:to:)`).
    public func serialized(moduleIdentity: [UInt8] = []) -> [UInt8] {
        var bytes: [UInt8] = []
        serialize(moduleIdentity: moduleIdentity) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The runs of `chunkGranularity`-byte blocks of `image` that hold a non-zero byte.
    static func nonZeroChunks(of image: UnsafeRawBufferPointer) -> [Range<Int>] {
        var chunks: [Range<Int>] = []
        var start = 0
        while start < image.count {
            let end = Swift.min(start + chunkGranularity, image.count)
            let isZero = UnsafeRawBufferPointer(rebasing: image[start..<end]).allSatisfy { $0 == 0 }
            if !isZero {
                if let last = chunks.last, last.upperBound == start {
                    chunks[chunks.count - 1] = last.lowerBound..<end
                } else {
                    chunks.append(start..<end)
                }
            }
            start = end
        }
        return chunks
    }

    /// The snapshot a payload of `serialize` describes, for `module` (the one captured: its byte count and the
    /// `moduleIdentity` the payload was written with must match), reading `source` to the payload's end marker.
    /// Functions the payload lists as translated are translated now, once, for every restore to install. With a
    /// `mapper`, the memory image is sealed for restores to map copy-on-write (see `MemoryImageMapper`).
    public static func deserialize<Source: SnapshotByteSource>(
        from source: inout Source, module: Module, moduleIdentity: [UInt8] = [], mapper: MemoryImageMapper? = nil
    ) throws(SnapshotError) -> InstanceSnapshot {
        var reader = PayloadReader(source: source)
        defer { source = reader.source }
        return try read(&reader, module: module, moduleIdentity: moduleIdentity, mapper: mapper)
    }

    /// The snapshot `bytes` hold, which must end at the payload's end marker (see `deserialize(from:...)`).
    public static func deserialize(
        _ bytes: [UInt8], module: Module, moduleIdentity: [UInt8] = [], mapper: MemoryImageMapper? = nil
    ) throws(SnapshotError) -> InstanceSnapshot {
        var source = SnapshotBytes(bytes)
        let snapshot = try deserialize(from: &source, module: module, moduleIdentity: moduleIdentity, mapper: mapper)
        guard source.position == bytes.count else { throw .malformed("bytes after the end marker") }
        return snapshot
    }

    private static func read<Source: SnapshotByteSource>(
        _ reader: inout PayloadReader<Source>, module: Module, moduleIdentity: [UInt8], mapper: MemoryImageMapper?
    ) throws(SnapshotError) -> InstanceSnapshot {
        guard try reader.u32("the header") == payloadMagic else { throw .malformed("not a snapshot payload") }
        let version = try reader.u32("the header")
        guard version == payloadVersion else { throw .unsupportedVersion(version) }
        guard try reader.u64("the header") == UInt64(module.bytes.count) else {
            throw .malformed("the payload is of another module (its size differs)")
        }
        let identityCount = try reader.u32("the header")
        guard identityCount <= maxIdentityByteCount,
            try reader.bytes(Int(identityCount), "the module identity") == moduleIdentity
        else { throw .malformed("the payload is of another module (its identity differs)") }
        guard module.importedMemoryCount == 0, module.importedTableCount == 0, module.importedGlobalCount == 0 else {
            throw .malformed("the module imports state, which no snapshot holds")
        }
        guard module.memories.count <= 1 else { throw .malformed("the module has several memories, which no snapshot holds") }

        let functionCount = module.functionTypeIndices.count
        let expectedCounts = [functionCount, module.globals.count, module.tables.count, module.elements.count, module.dataSegments.count]
        for expected in expectedCounts where Int(try reader.u32("the counts")) != expected {
            throw .malformed("the counts differ from the module's")
        }
        guard try reader.u8("the counts") == (module.memories.isEmpty ? 0 : 1) else {
            throw .malformed("the counts differ from the module's")
        }

        /// A slot of `type` as a payload holds it, checked: a 32-bit value fits 32 bits (the interpreter relies
        /// on a slot's high half being zero), a reference names a function of the module or none.
        func checked(_ slot: UInt64, _ type: ValueType, in place: String) throws(SnapshotError) -> UInt64 {
            switch type {
            case .i32, .f32: guard slot <= UInt64(UInt32.max) else { throw .malformed("\(place) does not fit 32 bits") }
            case .i64, .f64: break
            case .v128: throw .malformed("\(place) is a v128, which snapshots do not record")
            default:
                switch module.typeEquivalence.top(type.heapType!) {
                case .extern: guard slot == 0 else { throw .malformed("\(place) holds a host reference") }
                case .exn: throw .malformed("\(place) holds exnrefs, which snapshots do not record")
                case .any: throw .gcReference(in: place)
                default: guard slot <= UInt64(functionCount) else { throw .malformed("\(place) names no function") }
                }
            }
            return slot
        }
        var globals: [UInt64] = []
        for (index, type) in module.globals.enumerated() {
            globals.append(try checked(try reader.u64("the globals"), type.valueType, in: "global \(index)"))
        }
        var tables: [[UInt64]] = []
        for (index, type) in module.tables.enumerated() {
            let count = UInt64(try reader.u32("the tables"))
            guard count >= type.limits.min, count <= type.limits.max ?? UInt64(UInt32.max),
                count <= TableRecord.implementationLimit
            else { throw .malformed("table \(index)'s size is outside its limits") }
            var elements: [UInt64] = []
            // Grown as the elements arrive, so a count that the payload does not back costs no large allocation.
            for _ in 0..<count {
                elements.append(try checked(try reader.u64("the tables"), type.elementType, in: "table \(index)"))
            }
            tables.append(elements)
        }
        let elementSegmentIsEmpty = try reader.flags(module.elements.count, "the element segments")
        let dataSegmentIsEmpty = try reader.flags(module.dataSegments.count, "the data segments")

        let translatedCount = try reader.u32("the translated functions")
        guard translatedCount <= module.functions.count else { throw .malformed("more translated functions than defined") }
        var translated: [Int] = []
        for _ in 0..<translatedCount {
            let index = Int(try reader.u32("the translated functions"))
            guard index < module.functions.count, index > translated.last ?? -1 else {
                throw .malformed("translated function indices out of range or out of order")
            }
            translated.append(index)
        }

        var memoryPages: UInt64? = nil
        let image: MemoryImage
        if let type = module.memories.first {
            let pages = try reader.u64("the memory")
            guard pages >= type.limits.min, pages <= type.limits.max ?? 65536, pages <= 65536 else {
                throw .malformed("the memory's size is outside its limits")
            }
            let imageCount = try reader.u64("the memory")
            guard imageCount <= pages * wasmPageSize, imageCount % wasmPageSize == 0 else {
                throw .malformed("the memory image's size is not whole pages within the memory")
            }
            memoryPages = pages
            var failure: SnapshotError? = nil
            guard
                let filled = MemoryImage(count: Int(imageCount), mapper: mapper, initialize: { buffer in
                    do throws(SnapshotError) {
                        try reader.chunks(into: buffer)
                        return true
                    } catch {
                        failure = error
                        return false
                    }
                })
            else { throw failure.unsafelyUnwrapped }
            image = filled
        } else {
            guard let empty = MemoryImage(count: 0, mapper: nil, initialize: { _ in true }) else {
                preconditionFailure("an empty image needs no filling")
            }
            image = empty
        }
        guard try reader.u32("the end marker") == payloadEndMagic else { throw .malformed("no end marker") }

        return InstanceSnapshot(
            module: module, memoryPages: memoryPages, memoryImage: image, globals: globals, tables: tables,
            elementSegmentIsEmpty: elementSegmentIsEmpty, dataSegmentIsEmpty: dataSegmentIsEmpty,
            code: translatedCode(of: module, functions: translated))
    }

    /// The defined functions `indices` of `module`, translated into templates. One that fails to translate (an
    /// engine limit) is left out: a restore translates it on its first call, and fails there as instantiation would.
    static func translatedCode(of module: Module, functions indices: [Int]) -> CodeTemplates {
        var compiled: [(index: Int, function: CompiledFunction)] = []
        for index in indices {
            // A hand-built module's functions come translated, and every instance installs them itself.
            guard case .body = module.functions[index],
                let function = try? module.compiledFunction(definedIndex: index)
            else { continue }
            compiled.append((index, function))
        }
        var templates = [CodeTemplates.Template?](repeating: nil, count: module.functions.count)
        var instructionCount = 0
        for (index, function) in compiled {
            templates[index] = CodeTemplates.Template(
                start: instructionCount, count: function.code.count, localCount: Int(function.localCount),
                frameSize: Int(function.frameSize))
            instructionCount += function.code.count
        }
        return CodeTemplates(templates: templates, instructionCount: instructionCount) { buffer in
            for (index, function) in compiled {
                // SAFETY: the buffer has room for every template, each at its `start`.
                Store.writeRelocatable(function, into: buffer + templates[index].unsafelyUnwrapped.start)
            }
        }
    }
}

/// Reads a payload's fields from a source, each read exactly or refused as truncated.
struct PayloadReader<Source: SnapshotByteSource> {
    var source: Source

    /// Fills `buffer` whole, or throws.
    mutating func fill(_ buffer: UnsafeMutableRawBufferPointer, _ what: String) throws(SnapshotError) {
        var filled = 0
        while filled < buffer.count {
            let count = source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            guard count > 0, count <= buffer.count - filled else { throw .truncated(what) }
            filled += count
        }
    }

    mutating func u64(_ what: String) throws(SnapshotError) -> UInt64 {
        var value: UInt64 = 0
        try withUnsafeMutableBytes(of: &value) { buffer throws(SnapshotError) in try fill(buffer, what) }
        return UInt64(littleEndian: value)
    }

    mutating func u32(_ what: String) throws(SnapshotError) -> UInt32 {
        var value: UInt32 = 0
        try withUnsafeMutableBytes(of: &value) { buffer throws(SnapshotError) in try fill(buffer, what) }
        return UInt32(littleEndian: value)
    }

    mutating func u8(_ what: String) throws(SnapshotError) -> UInt8 {
        var value: UInt8 = 0
        try withUnsafeMutableBytes(of: &value) { buffer throws(SnapshotError) in try fill(buffer, what) }
        return value
    }

    /// `count` bytes, read in pieces so that a count the payload does not back costs no large allocation.
    mutating func bytes(_ count: Int, _ what: String) throws(SnapshotError) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            bytes.append(try u8(what))
        }
        return bytes
    }

    /// `count` flags, each 0 or 1.
    mutating func flags(_ count: Int, _ what: String) throws(SnapshotError) -> [Bool] {
        var flags: [Bool] = []
        for _ in 0..<count {
            switch try u8(what) {
            case 0: flags.append(false)
            case 1: flags.append(true)
            default: throw .malformed("a flag of \(what) is neither 0 nor 1")
            }
        }
        return flags
    }

    /// The memory image's chunks, read into `image` (zero elsewhere); each must lie in it, after the previous one.
    mutating func chunks(into image: UnsafeMutableRawBufferPointer) throws(SnapshotError) {
        let count = try u32("the memory")
        var end: UInt64 = 0
        for _ in 0..<count {
            let offset = try u64("the memory's chunks")
            let length = try u64("the memory's chunks")
            guard offset >= end, length > 0, length <= UInt64(image.count), offset <= UInt64(image.count) - length else {
                throw .malformed("a memory chunk out of order or outside the image")
            }
            end = offset + length
            // SAFETY: `offset..<end` lies within the image (checked just above, without overflow).
            try fill(UnsafeMutableRawBufferPointer(rebasing: image[Int(offset)..<Int(end)]), "the memory's chunks")
        }
    }
}

extension [UInt8] {
    mutating func append(u32 value: UInt32) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func append(u64 value: UInt64) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
