// Linear-memory images of snapshots, and the host hook that maps them copy-on-write. The engine stays portable:
// it holds an image as bytes it can read, and only a host that sets a `MemoryImageMapper` (on Linux, a sealed
// memfd mapped MAP_PRIVATE: see WasmEngineWASI's `MemoryImageMapper.memfd`) makes a restore share the image's
// pages instead of copying them.

/// The host's way of sealing a memory image and mapping it copy-on-write into restored memories: five
/// operations as closures, since the engine names no OS call (and Embedded Swift has no existential of a
/// non-class protocol). Set it as `Store.Configuration.memoryImageMapper` of the store that captures a snapshot
/// (or pass it to `InstanceSnapshot.deserialize`): its images are then mapped by every restore, and stores
/// restoring from them unmap their memories through it. A store keeps the snapshots it restored from alive, so an
/// image is released only after every memory mapping it has been given back.
public final class MemoryImageMapper: Sendable {
    /// An image as the host made it: a handle it defines (a file descriptor) and a view of the bytes.
    public struct Image: @unchecked Sendable {
        /// The host's name for the image (on Linux, the memfd's descriptor).
        public var handle: Int
        /// The image's `count` bytes: writable from `makeImage` until `sealImage`, then only readable.
        public var bytes: UnsafeMutableRawPointer
        public var count: Int

        public init(handle: Int, bytes: UnsafeMutableRawPointer, count: Int) {
            self.handle = handle
            self.bytes = bytes
            self.count = count
        }
    }

    /// The bytes a mapping must leave readable and writable just below the base it returns: the memory's bounds
    /// words live there (see `MemoryRecord.lastFittingOffsetField`).
    public static let headerByteCount = MemoryRecord.headerSize

    /// Creates a writable image of `count` zero bytes (`count` a multiple of 64 KiB), or nil when it cannot.
    let makeImage: @Sendable (_ count: Int) -> Image?
    /// Makes a filled image read-only for good (on Linux, write-sealed), returning it with its read-only view. When
    /// it cannot, it returns the image still readable, and false: the engine then copies the bytes out and releases it.
    let sealImage: @Sendable (Image) -> (image: Image, isSealed: Bool)
    let releaseImage: @Sendable (Image) -> Void
    /// Reserves `capacity` bytes of zeros (plus `headerByteCount` below them) with the sealed image's bytes mapped
    /// copy-on-write at their start, returning the address of the image's first byte; nil when it cannot.
    let map: @Sendable (_ image: Image, _ capacity: Int) -> UnsafeMutableRawPointer?
    /// Gives back what `map` returned as `base` for `image` and `capacity`. Only the first `writtenByteCount` bytes
    /// from `base` (the memory's final size) and the header below it may have been written, so a mapper may keep the
    /// reservation to map the same image again once it has discarded those bytes' pages.
    let unmap: @Sendable (_ image: Image, _ base: UnsafeMutableRawPointer, _ capacity: Int, _ writtenByteCount: Int) -> Void

    public init(
        makeImage: @escaping @Sendable (_ count: Int) -> Image?,
        sealImage: @escaping @Sendable (Image) -> (image: Image, isSealed: Bool),
        releaseImage: @escaping @Sendable (Image) -> Void,
        map: @escaping @Sendable (_ image: Image, _ capacity: Int) -> UnsafeMutableRawPointer?,
        unmap: @escaping @Sendable (
            _ image: Image, _ base: UnsafeMutableRawPointer, _ capacity: Int, _ writtenByteCount: Int
        ) -> Void
    ) {
        self.makeImage = makeImage
        self.sealImage = sealImage
        self.releaseImage = releaseImage
        self.map = map
        self.unmap = unmap
    }
}

/// The first bytes of a linear memory at capture, read-only and owned: a sealed host image that restores map, or,
/// without a mapper (or when it fails), a plain allocation that restores copy. The memory's bytes past the image
/// are zero.
struct MemoryImage: ~Copyable {
    /// `count` bytes, a multiple of the wasm page size.
    let bytes: UnsafeRawPointer
    let count: Int
    /// The sealed host image and its mapper; nil for a plain allocation.
    let hosted: (image: MemoryImageMapper.Image, mapper: MemoryImageMapper)?

    /// An image of `count` bytes that `initialize` fills (it is given them zeroed), or nil when `initialize` fails.
    init?(count: Int, mapper: MemoryImageMapper?, initialize: (UnsafeMutableRawBufferPointer) -> Bool) {
        self.count = count
        guard let mapper, let writable = mapper.makeImage(count) else {
            guard let buffer = Self.allocate(count: count, initialize: initialize) else { return nil }
            bytes = UnsafeRawPointer(buffer)
            hosted = nil
            return
        }
        // SAFETY: the mapper made `count` writable bytes at `writable.bytes`, valid until released.
        guard initialize(UnsafeMutableRawBufferPointer(start: writable.bytes, count: count)) else {
            mapper.releaseImage(writable)
            return nil
        }
        let (readable, isSealed) = mapper.sealImage(writable)
        if isSealed {
            bytes = UnsafeRawPointer(readable.bytes)
            hosted = (readable, mapper)
        } else {
            // Unsealed, the image could change under its restores: its bytes are copied out instead.
            let buffer = Self.allocate(count: count) { buffer in
                // SAFETY: both hold `count` bytes.
                buffer.copyMemory(from: UnsafeRawBufferPointer(start: readable.bytes, count: count))
                return true
            }
            mapper.releaseImage(readable)
            bytes = UnsafeRawPointer(buffer.unsafelyUnwrapped)
            hosted = nil
        }
    }

    /// A plain allocation of `count` zeroed bytes that `initialize` fills, or nil (freed) when it fails.
    private static func allocate(
        count: Int, initialize: (UnsafeMutableRawBufferPointer) -> Bool
    ) -> UnsafeMutableRawPointer? {
        let buffer = allocateZeroedBytes(count)
        guard initialize(UnsafeMutableRawBufferPointer(start: buffer, count: count)) else {
            deallocateZeroedBytes(buffer)
            return nil
        }
        return buffer
    }

    deinit {
        if let hosted {
            hosted.mapper.releaseImage(hosted.image)
        } else {
            // SAFETY: the plain allocation of `init`, which nothing reads once the owning snapshot is gone.
            deallocateZeroedBytes(UnsafeMutableRawPointer(mutating: bytes))
        }
    }

    /// The image's bytes; valid while the image lives.
    var buffer: UnsafeRawBufferPointer {
        // SAFETY: `bytes` holds `count` readable bytes for as long as the image lives.
        UnsafeRawBufferPointer(start: bytes, count: count)
    }
}
