// The Linux memory image mapper: a snapshot's memory image is a sealed memfd, and each restored memory maps it
// MAP_PRIVATE, so restores share the image's pages in the page cache and copy only those they write (the kernel's
// copy-on-write). A memory given back keeps its reservation for the next restore of the same image, its written pages
// dropped: a restore then makes no system call and takes no fault, and a teardown is one madvise.

#if os(Linux)
import CMemfd
import Glibc
import Synchronization
import WasmEngine

extension MemoryImageMapper {
    /// Images in sealed memfds (`memfd_create`, then `F_ADD_SEALS` of write, grow, shrink and seal), mapped
    /// MAP_PRIVATE into a reservation of the memory's maximum size (MAP_NORESERVE, so untouched pages cost neither
    /// memory nor commit charge). The seal makes the image immutable for as long as any restore maps it: not even
    /// this process could change it under them.
    public static let memfd = MemoryImageMapper(
        makeImage: { count in
            // An empty image has nothing to share; the engine keeps it as a plain (empty) allocation.
            guard count > 0 else { return nil }
            let fd = cmemfd_create("swiftlet-snapshot-memory")
            guard fd >= 0 else { return nil }
            // SAFETY: a new mapping of the whole (new) file; `releaseImage` or `sealImage` unmaps it.
            guard retryingOnInterrupt({ ftruncate(fd, off_t(count)) }) == 0,
                let bytes = mmap(nil, count, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), bytes != MAP_FAILED
            else {
                close(fd)
                return nil
            }
            return Image(handle: Int(fd), bytes: bytes, count: count)
        },
        sealImage: { image in
            // A write seal is refused while any shared mapping may write (even a read-only one, of a descriptor open
            // for writing), so the view that replaces the writable mapping is private: never written, it reads the
            // file's pages.
            // SAFETY: a new mapping of the whole file; the writable one is unmapped only once the view exists, and the
            // engine reads the returned view from then on.
            guard let view = mmap(nil, image.count, PROT_READ, MAP_PRIVATE, Int32(image.handle), 0), view != MAP_FAILED else {
                return (image, false)
            }
            munmap(image.bytes, image.count)
            let sealed = Image(handle: image.handle, bytes: view, count: image.count)
            return (sealed, cmemfd_seal(Int32(image.handle)) == 0)
        },
        releaseImage: { image in
            reservations.drain(image: image.handle)
            // SAFETY: the engine releases an image once, when nothing reads its view any more and every restored
            // memory has given its mapping back (their stores keep the snapshot alive).
            munmap(image.bytes, image.count)
            close(Int32(image.handle))
        },
        map: { image, capacity in
            if let base = reservations.take(image: image.handle, capacity: capacity) { return base }
            // The memory's bounds words sit just below its base (MemoryImageMapper.headerByteCount), in a page of
            // their own in front of the reservation.
            let total = hostPageSize + capacity
            // SAFETY: a new reservation; the image is then mapped over its start (MAP_FIXED), within it.
            guard let start = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
                start != MAP_FAILED
            else { return nil }
            let base = start + hostPageSize
            guard
                let mapped = mmap(base, image.count, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, Int32(image.handle), 0),
                mapped == base
            else {
                munmap(start, total)
                return nil
            }
            return base
        },
        unmap: { image, base, capacity, writtenByteCount in
            // MADV_DONTNEED drops the written pages: in the image's part the file's pages show through again, past it
            // the anonymous pages read zero again, so the reservation is as `map` made it (but for the header, which
            // the next restore writes anew).
            // SAFETY: the range lies within the reservation `map` made for this base and capacity, which its store
            // gives back once and no longer touches.
            let written = (writtenByteCount + hostPageSize - 1) / hostPageSize * hostPageSize
            if written == 0 || madvise(base, written, MADV_DONTNEED) == 0,
                reservations.keep(base, image: image.handle, capacity: capacity)
            {
                return
            }
            unmapReservation(base, capacity: capacity)
        })

    private static let reservations = Reservations()

    /// Unmaps a reservation `map` made, header page included.
    fileprivate static func unmapReservation(_ base: UnsafeMutableRawPointer, capacity: Int) {
        // SAFETY: exactly the reservation `map` made for this base and capacity, which no memory uses any more.
        munmap(base - hostPageSize, hostPageSize + capacity)
    }

    private static let hostPageSize = Swift.max(Int(sysconf(Int32(_SC_PAGESIZE))), MemoryImageMapper.headerByteCount)
}

/// Reservations given back by restored memories, each still mapping its image, ready for the next restore of it.
private final class Reservations: Sendable {
    struct Key: Hashable {
        let image: Int
        let capacity: Int
    }

    /// Bound the address space and page tables kept: per image and capacity, what concurrent sandboxes of one
    /// snapshot need, not what a burst of them left behind; in all, 1 TiB of 4 GiB reservations (a module that
    /// declares no maximum memory), of the 128 TiB a process has.
    static let limitPerImage = 16
    static let limit = 256
    /// Base addresses, by image and capacity.
    let free = Mutex<(count: Int, bases: [Key: [UInt]])>((0, [:]))

    func take(image: Int, capacity: Int) -> UnsafeMutableRawPointer? {
        let address = free.withLock { free -> UInt? in
            guard let address = free.bases[Key(image: image, capacity: capacity)]?.popLast() else { return nil }
            free.count -= 1
            return address
        }
        return address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    /// Whether the reservation was kept (else the caller unmaps it).
    func keep(_ base: UnsafeMutableRawPointer, image: Int, capacity: Int) -> Bool {
        free.withLock { free in
            let key = Key(image: image, capacity: capacity)
            guard free.count < Self.limit, free.bases[key, default: []].count < Self.limitPerImage else { return false }
            free.bases[key, default: []].append(UInt(bitPattern: base))
            free.count += 1
            return true
        }
    }

    /// Unmaps every reservation kept for `image`, which is being released.
    func drain(image: Int) {
        let drained = free.withLock { free in
            let keys = free.bases.keys.filter { $0.image == image }
            let drained = keys.map { key in (key.capacity, free.bases.removeValue(forKey: key) ?? []) }
            free.count -= drained.reduce(0) { $0 + $1.1.count }
            return drained
        }
        for (capacity, bases) in drained {
            for base in bases {
                MemoryImageMapper.unmapReservation(UnsafeMutableRawPointer(bitPattern: base).unsafelyUnwrapped, capacity: capacity)
            }
        }
    }
}

/// `call`'s result, calling again while it fails with EINTR.
private func retryingOnInterrupt(_ call: () -> Int32) -> Int32 {
    while true {
        let result = call()
        if result == -1 && errno == EINTR { continue }
        return result
    }
}
#endif
