// The Linux memory image mapper: a snapshot's memory image is a sealed memfd, and each restored memory maps it
// MAP_PRIVATE, so restores share the image's pages in the page cache and copy only those they write (the kernel's
// copy-on-write), and a restore costs two mmap calls whatever the memory's size.

#if os(Linux)
import CMemfd
import Glibc
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
            // SAFETY: the engine releases an image once, when nothing reads its view any more; restored memories
            // are mappings of their own, which the descriptor's closing leaves in place.
            munmap(image.bytes, image.count)
            close(Int32(image.handle))
        },
        map: { image, capacity in
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
        unmap: { base, capacity in
            // SAFETY: exactly the reservation `map` made for this base and capacity, unmapped once by its store.
            munmap(base - hostPageSize, hostPageSize + capacity)
        })

    private static let hostPageSize = Swift.max(Int(sysconf(Int32(_SC_PAGESIZE))), MemoryImageMapper.headerByteCount)
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
