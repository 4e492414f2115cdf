import CKVM
import Glibc

/// An `errno` value from a failed system call.
public struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    static var current: Errno { Errno(rawValue: errno) }

    public static let interrupted = Errno(rawValue: EINTR)
    public static let tryAgain = Errno(rawValue: EAGAIN)

    public var description: String {
        guard let message = strerror(rawValue) else { return "errno \(rawValue)" }
        return "\(String(cString: message)) (errno \(rawValue))"
    }
}

/// The system calls of the monitor, in one place so they can be audited (and later sandboxed) together.
/// Calls that may be interrupted by a signal are retried on `EINTR`, except `KVM_RUN`, whose interruption is
/// how a VM is stopped from outside.
enum Syscalls {
    static func openReadWrite(_ path: String) throws(Errno) -> Int32 {
        while true {
            let fd = open(path, O_RDWR | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno != EINTR { throw .current }
        }
    }

    /// Closes `fd`. Errors are ignored: on Linux the descriptor is released even when `close` fails, and retrying
    /// could close a descriptor another thread has just been given.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    static func ioctl(_ fd: Int32, _ request: UInt, retryingInterrupts: Bool = true) throws(Errno) -> Int32 {
        while true {
            let result = Glibc.ioctl(fd, request)
            if result >= 0 { return result }
            if errno != EINTR || !retryingInterrupts { throw .current }
        }
    }

    static func ioctl(_ fd: Int32, _ request: UInt, _ value: Int32) throws(Errno) -> Int32 {
        while true {
            let result = Glibc.ioctl(fd, request, value)
            if result >= 0 { return result }
            if errno != EINTR { throw .current }
        }
    }

    /// - Precondition: `argument` points to the structure `request` expects, valid for the whole call.
    static func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) throws(Errno) -> Int32 {
        while true {
            let result = Glibc.ioctl(fd, request, argument)
            if result >= 0 { return result }
            if errno != EINTR { throw .current }
        }
    }

    /// Maps `size` bytes: anonymous private memory when `fd` is nil, else a shared mapping of `fd`.
    static func mapMemory(size: Int, fd: Int32?, reserveSwap: Bool) throws(Errno) -> UnsafeMutableRawPointer {
        var flags = fd == nil ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED
        if !reserveSwap { flags |= MAP_NORESERVE }
        let address = mmap(nil, size, PROT_READ | PROT_WRITE, flags, fd ?? -1, 0)
        guard let address, address != MAP_FAILED else { throw .current }
        return address
    }

    /// Maps `size` bytes of `fd` from offset 0 copy-on-write (`MAP_PRIVATE`, `MAP_NORESERVE`): reads come from the
    /// file's pages, a write gives the mapping its own copy of that page and never reaches the file. With `fixed`, the
    /// mapping replaces whatever was mapped at that address (`MAP_FIXED`), in one step.
    /// - Precondition: with `fixed`, `[fixed, fixed + size)` is a mapping this process owns and nothing else uses.
    static func mapPrivate(fd: Int32, size: Int, fixed: UnsafeMutableRawPointer? = nil) throws(Errno)
        -> UnsafeMutableRawPointer
    {
        let flags = MAP_PRIVATE | MAP_NORESERVE | (fixed == nil ? 0 : MAP_FIXED)
        let address = mmap(fixed, size, PROT_READ | PROT_WRITE, flags, fd, 0)
        guard let address, address != MAP_FAILED else { throw .current }
        return address
    }

    /// Maps `size` bytes of `fd` read-only and shared (`MAP_SHARED`, `PROT_READ`): a view of a sealed memfd.
    static func mapReadOnly(fd: Int32, size: Int) throws(Errno) -> UnsafeMutableRawPointer {
        let address = mmap(nil, size, PROT_READ, MAP_SHARED | MAP_NORESERVE, fd, 0)
        guard let address, address != MAP_FAILED else { throw .current }
        return address
    }

    /// Replaces `[address, address + size)` with fresh anonymous zero pages (`MAP_FIXED`), in one step.
    /// - Precondition: the range is page aligned, inside a mapping this process owns that nothing else uses.
    static func mapAnonymousFixed(_ address: UnsafeMutableRawPointer, size: Int) -> Bool {
        let result = mmap(
            address, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0)
        return result != MAP_FAILED
    }

    /// Whether each page of `[address, address + size)` is resident (`mincore`), one byte per page into `vector`
    /// (bit 0 set when resident).
    /// - Precondition: the range is page aligned and mapped; `vector` holds one byte per page.
    static func residentPages(
        _ address: UnsafeMutableRawPointer, size: Int, into vector: UnsafeMutablePointer<UInt8>
    ) throws(Errno) {
        guard mincore(address, size, vector) == 0 else { throw .current }
    }

    /// /proc/self/pagemap, opened once for the process (one descriptor however many VMs are reset).
    private static let pagemap: Int32? = {
        let fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
        return fd >= 0 ? fd : nil
    }()

    /// The runs of pages of `[address, address + size)` written since it was mapped privately from a file (present
    /// pages that are no longer the file's: each write made a private copy), as offsets from `address`, in order
    /// (`PAGEMAP_SCAN`). Nil when the kernel cannot tell (before Linux 6.7) or more than `limit` bytes were written.
    /// - Precondition: the range is page aligned and is one private file mapping of this process.
    static func writtenPrivatePages(
        _ address: UnsafeMutableRawPointer, size: Int, limit: Int
    ) -> [(offset: Int, length: Int)]? {
        guard let pagemap else { return nil }
        var runs: [(offset: Int, length: Int)] = []
        var total = 0
        var regions = [ckvm_page_region](repeating: ckvm_page_region(), count: 256)
        var start = UInt(bitPattern: address)
        let end = start + UInt(size)
        while start < end {
            var walkEnd: UInt64 = 0
            let count = regions.withUnsafeMutableBufferPointer { buffer in
                // SAFETY: `buffer` holds `buffer.count` regions for the kernel to fill; the range is this process's.
                ckvm_written_private_pages(
                    pagemap, UnsafeMutableRawPointer(bitPattern: start), UnsafeMutableRawPointer(bitPattern: end),
                    buffer.baseAddress, UInt64(buffer.count), &walkEnd)
            }
            guard count >= 0 else { return nil }
            for region in regions[0..<count] {
                let offset = Int(region.start) - Int(bitPattern: UInt(bitPattern: address))
                total += Int(region.end - region.start)
                guard total <= limit else { return nil }
                runs.append((offset, Int(region.end - region.start)))
            }
            guard walkEnd > UInt64(start) else { return nil }  // no progress: not what PAGEMAP_SCAN promises
            start = UInt(walkEnd)
        }
        return runs
    }

    /// A new, empty, close-on-exec memfd that accepts seals.
    static func createSealableMemoryFile(name: String) throws(Errno) -> Int32 {
        let fd = ckvm_memfd_create(name)
        guard fd >= 0 else { throw .current }
        return fd
    }

    static func truncate(_ fd: Int32, size: UInt64) throws(Errno) {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno != EINTR { throw .current }
        }
    }

    /// Seals a memfd against every change: its contents (`F_SEAL_WRITE`), size (`F_SEAL_GROW`, `F_SEAL_SHRINK`) and
    /// seals (`F_SEAL_SEAL`). Private mappings of it stay writable, each page copied on its first write.
    static func sealCompletely(_ fd: Int32) throws(Errno) {
        let seals = CKVM_F_SEAL_WRITE | CKVM_F_SEAL_GROW | CKVM_F_SEAL_SHRINK | CKVM_F_SEAL_SEAL
        guard ckvm_add_seals(fd, seals) == 0 else { throw .current }
    }

    /// Whether `fd` is a memfd sealed against every change (``sealCompletely(_:)``).
    static func isSealedCompletely(_ fd: Int32) -> Bool {
        let seals = CKVM_F_SEAL_WRITE | CKVM_F_SEAL_GROW | CKVM_F_SEAL_SHRINK | CKVM_F_SEAL_SEAL
        return ckvm_get_seals(fd) & seals == seals
    }

    /// The next extent of `fd` holding data at or after `offset` (`SEEK_DATA`, then `SEEK_HOLE`), or nil past the
    /// last one. Holes of a memfd read as zero and take no memory.
    static func nextDataExtent(_ fd: Int32, from offset: UInt64) throws(Errno) -> (start: UInt64, end: UInt64)? {
        let start = lseek(fd, off_t(offset), CKVM_SEEK_DATA)
        if start < 0 {
            if errno == ENXIO { return nil }  // no data at or after `offset`
            throw .current
        }
        let end = lseek(fd, start, CKVM_SEEK_HOLE)
        guard end >= 0 else { throw .current }
        return (UInt64(start), UInt64(end))
    }

    /// Writes all of `bytes` to `fd` at `offset` (`pwrite`), retrying short writes and `EINTR`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(Errno) {
        var done = 0
        while done < bytes.count {
            let written = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if written > 0 {
                done += written
            } else if written < 0, errno != EINTR {
                throw .current
            }
        }
    }

    /// Reads up to `buffer.count` bytes from `fd`'s position, retrying `EINTR`; fewer only at the end of the file.
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        var done = 0
        while done < buffer.count {
            let got = read(fd, buffer.baseAddress! + done, buffer.count - done)
            if got > 0 {
                done += got
            } else if got == 0 {
                break
            } else if errno != EINTR {
                throw .current
            }
        }
        return done
    }

    /// Fills `buffer` from the kernel's CSPRNG (`getrandom`); a request of at most 256 bytes is never short.
    static func fillRandom(_ buffer: UnsafeMutableRawBufferPointer) throws(Errno) {
        var done = 0
        while done < buffer.count {
            let got = ckvm_getrandom(buffer.baseAddress! + done, UInt(buffer.count - done))
            if got > 0 {
                done += got
            } else if got < 0, errno != EINTR {
                throw .current
            }
        }
    }

    /// - Precondition: `[address, address + size)` is (part of) a mapping made by ``mapMemory(size:fd:reserveSwap:)``
    ///   that nothing uses any more.
    static func unmapMemory(_ address: UnsafeMutableRawPointer, size: Int) {
        _ = munmap(address, size)
    }

    /// Asks the kernel to back `[address, address + size)` with transparent huge pages where it can
    /// (`MADV_HUGEPAGE`). Only advice: false when the kernel refused it (no THP support), and nothing else changes.
    /// - Precondition: the range lies inside one mapping made by ``mapMemory(size:fd:reserveSwap:)``.
    static func adviseHugePages(_ address: UnsafeMutableRawPointer, size: Int) -> Bool {
        madvise(address, size, MADV_HUGEPAGE) == 0
    }

    /// Drops the pages of `[address, address + size)` (`MADV_DONTNEED`): an anonymous mapping reads zero there
    /// afterwards. False when the kernel refused.
    /// - Precondition: the range lies inside one mapping made by ``mapMemory(size:fd:reserveSwap:)``, page aligned.
    static func discardPages(_ address: UnsafeMutableRawPointer, size: Int) -> Bool {
        madvise(address, size, MADV_DONTNEED) == 0
    }

    /// Fills `buffer` from `fd`'s current position, retrying short reads and `EINTR`; a file that ends first is `EIO`.
    static func readExactly(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) {
        var offset = 0
        while offset < buffer.count {
            let got = read(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if got > 0 {
                offset += got
            } else if got == 0 {
                throw Errno(rawValue: EIO)
            } else if errno != EINTR {
                throw .current
            }
        }
    }

    /// Fills `buffer` from `fd` at `offset` (`pread`), retrying short reads and `EINTR`; a file that ends first is
    /// `EIO`.
    static func readExactly(_ fd: Int32, at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) {
        var done = 0
        while done < buffer.count {
            let got = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if got > 0 {
                done += got
            } else if got == 0 {
                throw Errno(rawValue: EIO)
            } else if errno != EINTR {
                throw .current
            }
        }
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and `EINTR`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0, errno != EINTR {
                throw .current
            }
        }
    }

    static func realtimeNanoseconds() -> UInt64 { nanoseconds(CLOCK_REALTIME) }

    static func monotonicNanoseconds() -> UInt64 { nanoseconds(CLOCK_MONOTONIC) }

    private static func nanoseconds(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Installs a process-wide handler that does nothing for `signal`. Its only purpose is to make the signal
    /// interrupt `KVM_RUN` (which then fails with `EINTR`) instead of killing the process.
    static func installNoOpHandler(_ signal: Int32) throws(Errno) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: the interrupted KVM_RUN must return
        guard sigaction(signal, &action, nil) == 0 else { throw .current }
    }

    /// Unblocks `signal` in the calling thread.
    static func unblock(_ signal: Int32) throws(Errno) {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        let result = pthread_sigmask(SIG_UNBLOCK, &set, nil)
        guard result == 0 else { throw Errno(rawValue: result) }
    }

    /// A CLOCK_MONOTONIC timer that sends `signal` to the calling thread only. Its id is a small integer in a
    /// pointer type, and 0 is a valid id, hence the optional.
    static func createThreadTimer(signal: Int32) throws(Errno) -> timer_t? {
        var event = sigevent()
        event.sigev_notify = Int32(SIGEV_THREAD_ID)
        event.sigev_signo = signal
        event._sigev_un._tid = Int32(truncatingIfNeeded: ckvm_gettid())
        var timer: timer_t?
        guard timer_create(CLOCK_MONOTONIC, &event, &timer) == 0 else { throw .current }
        return timer
    }

    /// Fires `timer` after `nanoseconds`, then every `intervalNanoseconds`.
    static func armTimer(_ timer: timer_t?, nanoseconds: UInt64, intervalNanoseconds: UInt64) throws(Errno) {
        func timespec(_ nanoseconds: UInt64) -> Glibc.timespec {
            Glibc.timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        }
        // A zero it_value would disarm the timer instead of firing it at once.
        var specification = itimerspec(it_interval: timespec(intervalNanoseconds), it_value: timespec(max(nanoseconds, 1)))
        guard timer_settime(timer, 0, &specification, nil) == 0 else { throw .current }
    }

    static func deleteTimer(_ timer: timer_t?) {
        _ = timer_delete(timer)
    }
}
