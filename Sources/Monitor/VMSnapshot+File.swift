import CKVM
import Digest
import Glibc
import SwiftletABI

/// Snapshot files: a ``VMSnapshot`` written to a file descriptor and read back into a fresh sealed memfd.
///
/// Layout, every integer a little-endian 64-bit word:
/// - header: magic "SWLTSNAP", ``formatVersion``, the ``SwiftletABI/SwiftletABI/version`` it was made for, a zero word,
///   the memory layout (size, point, boot info, mailbox, run inputs), a zero word, the sizes of the two vCPU state
///   records, the code arena (start, length), a zero word, then the ``KernelIdentity`` (32 bytes);
/// - the captured ``BootInfo`` record; the `kvm_regs` and `kvm_sregs` records as KVM defines them (x86-64 Linux's ABI,
///   which does not change), each padded to whole words (no FPU state: the kernel keeps it in memory, see
///   `swiftlet_snapshot_exit`);
/// - memory, sparsely: extents of non-zero pages, each an offset and a length followed by its bytes, in increasing
///   order, ended by an extent of offset `UInt64.max` and length 0;
/// - SHA-256 of every byte before it.
///
/// Reading checks the digest before it trusts anything past the magic and format version, so a file changed anywhere
/// is refused as corrupted; then the ABI version and the kernel identity, so a snapshot of another kernel or engine is
/// refused by name.
extension VMSnapshot {
    /// "SWLTSNAP" in ASCII.
    static let fileMagic: UInt64 = 0x5041_4E53_544C_5753
    /// Bumped on every change of the layout above.
    public static let formatVersion: UInt64 = 3
    static let headerWordCount = 16
    /// What is read from or written to the file at once.
    static let chunkSize = 1 << 20

    /// Writes this snapshot to `fd` from its current position.
    public func write(to fd: Int32) throws(VMSnapshotError) {
        var writer = FileWriter(fd: fd)
        try writer.write(headerWords().flatMap(Self.bytes(of:)) + kernel.digest)
        var bootInfoWords: [UInt64] = []
        bootInfo.forEachWord { _, word in bootInfoWords.append(word) }
        try writer.write(bootInfoWords.flatMap(Self.bytes(of:)))
        try writer.write(Self.paddedBytes(of: registers))
        try writer.write(Self.paddedBytes(of: specialRegisters))
        // The memfd's data extents hold every page the capture (or a read) stored, and also zero pages that restored
        // VMs faulted in by reading holes of their private mappings (shmem allocates a page for that): only non-zero
        // pages are written, in runs cut at 1 MiB boundaries of memory, so the same memory always makes the same file.
        let page = Int(GuestMemory.pageSize)
        // SAFETY: allocated here, freed on return; only the part a pread just filled is read.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: page)
        defer { buffer.deallocate() }
        let zeroPage = [UInt8](repeating: 0, count: page)
        var offset: UInt64 = 0
        while offset < layout.memorySize, let extent = try wrapErrno(VMSnapshotError.io, { () throws(Errno) in
            try Syscalls.nextDataExtent(memoryFD, from: offset)
        }) {
            let end = min(extent.end, layout.memorySize)
            var chunkStart = extent.start
            while chunkStart < end {
                let chunkEnd = min(end, (chunkStart / UInt64(Self.chunkSize) + 1) * UInt64(Self.chunkSize))
                // SAFETY: chunkEnd - chunkStart <= chunkSize, the buffer's size.
                let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(chunkEnd - chunkStart)])
                try wrapErrno(VMSnapshotError.io) { () throws(Errno) in
                    try Syscalls.readExactly(memoryFD, at: Int(chunkStart), into: chunk)
                }
                var runStart: Int?
                for index in 0...(chunk.count / page) {
                    // SAFETY: the page lies inside the chunk just read (index < chunk.count / page).
                    let isData = index < chunk.count / page
                        && memcmp(chunk.baseAddress! + index * page, zeroPage, page) != 0
                    if isData, runStart == nil { runStart = index }
                    guard !isData, let start = runStart else { continue }
                    let run = UnsafeRawBufferPointer(rebasing: chunk[(start * page)..<(index * page)])
                    try writer.write(Self.bytes(of: chunkStart + UInt64(start * page)) + Self.bytes(of: UInt64(run.count)))
                    try writer.write(run)
                    runStart = nil
                }
                chunkStart = chunkEnd
            }
            offset = end
        }
        try writer.write(Self.bytes(of: UInt64.max) + Self.bytes(of: 0))
        try writer.finish()
    }

    /// Reads a snapshot written by ``write(to:)`` from `fd`'s current position into a new sealed memfd.
    /// - Parameter kernel: the identity of the kernel image the restored VMs will run; a snapshot of any other is
    ///   refused.
    public init(readingFrom fd: Int32, kernel: KernelIdentity) throws(VMSnapshotError) {
        var reader = FileReader(fd: fd)
        let header = try reader.words(Self.headerWordCount)
        guard header[0] == Self.fileMagic else { throw .notASnapshot }
        guard header[1] == Self.formatVersion else { throw .unsupportedFormat(version: header[1]) }
        let digest = try reader.bytes(32)
        let bootInfoWords = try reader.words(BootInfo.wordCount)
        let registers: kvm_regs = try reader.record(size: header[11])
        let specialRegisters: kvm_sregs = try reader.record(size: header[12])
        let memorySize = header[4]
        guard memorySize % GuestMemory.pageSize == 0, memorySize <= SwiftletABI.maximumMemorySize,
            memorySize > SwiftletABI.guestRegionStart
        else { throw .corrupted("memory size \(memorySize)") }

        let memoryFD = try wrapErrno(VMSnapshotError.memoryFile) { () throws(Errno) in
            try Syscalls.createSealableMemoryFile(name: "swiftlet-snapshot")
        }
        let point: SnapshotPoint
        let runInputs: GuestRange
        let codeArena: GuestRange
        let identity = KernelIdentity(digest: digest)
        do throws(VMSnapshotError) {
            try wrapErrno(VMSnapshotError.memoryFile) { () throws(Errno) in
                try Syscalls.truncate(memoryFD, size: memorySize)
            }
            var previousEnd: UInt64 = 0
            while true {
                let extent = try reader.words(2)
                if extent[0] == UInt64.max, extent[1] == 0 { break }
                let (end, overflow) = extent[0].addingReportingOverflow(extent[1])
                guard !overflow, extent[0] >= previousEnd, end <= memorySize, extent[1] > 0 else {
                    throw .corrupted("memory extent of \(extent[1]) bytes at \(extent[0])")
                }
                try reader.copy(extent[1], to: memoryFD, at: extent[0])
                previousEnd = end
            }
            let expected = reader.digest.finalize()
            guard try reader.rawBytes(32) == expected else { throw .corrupted("SHA-256 digest does not match") }
            guard header[2] == SwiftletABI.version else {
                throw .abiVersionMismatch(snapshot: header[2], expected: SwiftletABI.version)
            }
            guard identity == kernel else { throw .kernelMismatch(snapshot: identity, expected: kernel) }
            guard let headerPoint = SnapshotPoint(rawValue: header[5]), headerPoint != .none,
                let headerRunInputs = GuestRange(start: GuestPhysicalAddress(header[8]), length: header[9]),
                headerRunInputs.end <= memorySize, header[6] < memorySize, header[7] < memorySize,
                let headerCodeArena = GuestRange(start: GuestPhysicalAddress(header[13]), length: header[14]),
                headerCodeArena.end <= memorySize, CodeArena.isSupportedSize(headerCodeArena.length),
                headerCodeArena.length == 0 || headerCodeArena.start.rawValue >= SwiftletABI.guestRegionStart
            else { throw .corrupted("inconsistent header") }
            (point, runInputs, codeArena) = (headerPoint, headerRunInputs, headerCodeArena)
            try wrapErrno(VMSnapshotError.memoryFile) { () throws(Errno) in try Syscalls.sealCompletely(memoryFD) }
        } catch {
            Syscalls.close(memoryFD)
            throw error
        }
        try self.init(
            memoryFD: memoryFD,
            layout: VMSnapshotLayout(
                memorySize: memorySize, bootInfoAddress: GuestPhysicalAddress(header[6]),
                mailboxAddress: GuestPhysicalAddress(header[7]), runInputs: runInputs, codeArena: codeArena),
            point: point, kernel: identity, bootInfo: BootInfo(word: { bootInfoWords[$0] }),
            registers: registers, specialRegisters: specialRegisters, isFromThisHost: false)
    }

    private func headerWords() -> [UInt64] {
        [
            Self.fileMagic, Self.formatVersion, SwiftletABI.version, 0, layout.memorySize, point.rawValue,
            layout.bootInfoAddress.rawValue, layout.mailboxAddress.rawValue, layout.runInputs.start.rawValue,
            layout.runInputs.length, 0, UInt64(MemoryLayout<kvm_regs>.size),
            UInt64(MemoryLayout<kvm_sregs>.size), layout.codeArena.start.rawValue, layout.codeArena.length, 0,
        ]
    }

    static func bytes(of word: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) }
    }

    /// A KVM state record's bytes, zero-padded to whole words.
    static func paddedBytes<T: BitwiseCopyable>(of record: T) -> [UInt8] {
        // SAFETY: a plain C structure, read as bytes while it is alive.
        let bytes = withUnsafeBytes(of: record) { Array($0) }
        return bytes + [UInt8](repeating: 0, count: (8 - bytes.count % 8) % 8)
    }
}

/// Writes through a buffer to a file descriptor, hashing every byte.
private struct FileWriter: ~Copyable {
    let fd: Int32
    var digest = SHA256Hasher()

    init(fd: Int32) {
        self.fd = fd
    }

    mutating func write(_ bytes: [UInt8]) throws(VMSnapshotError) {
        digest.update(bytes)
        try Self.writeUnhashed(bytes, to: fd)
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(VMSnapshotError) {
        digest.update(bytes)
        try wrapErrno(VMSnapshotError.io) { () throws(Errno) in try Syscalls.writeAll(fd, bytes) }
    }

    /// Appends the digest of everything written.
    mutating func finish() throws(VMSnapshotError) {
        try Self.writeUnhashed(digest.finalize(), to: fd)
    }

    private static func writeUnhashed(_ bytes: [UInt8], to fd: Int32) throws(VMSnapshotError) {
        let written = bytes.withUnsafeBytes { bytes in Result { () throws(Errno) in try Syscalls.writeAll(fd, bytes) } }
        try wrapErrno(VMSnapshotError.io) { () throws(Errno) in try written.get() }
    }
}

/// Reads a file descriptor through a buffer, hashing every byte but the final digest; a file that ends early is
/// corrupted.
private struct FileReader: ~Copyable {
    let fd: Int32
    var digest = SHA256Hasher()
    // SAFETY: owned by the reader, freed in deinit; `start..<end` is the part the last read filled.
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: VMSnapshot.chunkSize, alignment: 4096)
    /// The unread bytes of `buffer`.
    private var start = 0
    private var end = 0

    init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        buffer.deallocate()
    }

    /// Makes at least one unread byte available; false at the end of the file.
    private mutating func fill() throws(VMSnapshotError) -> Bool {
        if start < end { return true }
        let fd = self.fd
        let buffer = self.buffer
        end = try wrapErrno(VMSnapshotError.io) { () throws(Errno) in try Syscalls.readFully(fd, into: buffer) }
        start = 0
        return end > 0
    }

    /// Calls `body` with the next pieces of exactly `count` bytes in all, unhashed.
    private mutating func consume(
        _ count: UInt64, _ body: (UnsafeRawBufferPointer) throws(VMSnapshotError) -> Void
    ) throws(VMSnapshotError) {
        var left = count
        while left > 0 {
            guard try fill() else { throw .corrupted("the file ends early") }
            let take = min(Int(min(left, UInt64(Int.max))), end - start)
            // SAFETY: [start, start + take) lies inside the filled part of the buffer.
            try body(UnsafeRawBufferPointer(rebasing: buffer[start..<(start + take)]))
            start += take
            left -= UInt64(take)
        }
    }

    mutating func rawBytes(_ count: Int) throws(VMSnapshotError) -> [UInt8] {
        var bytes: [UInt8] = []
        try consume(UInt64(count)) { piece in bytes += piece }
        return bytes
    }

    mutating func bytes(_ count: Int) throws(VMSnapshotError) -> [UInt8] {
        let bytes = try rawBytes(count)
        digest.update(bytes)
        return bytes
    }

    mutating func words(_ count: Int) throws(VMSnapshotError) -> [UInt64] {
        let bytes = try bytes(count * 8)
        return (0..<count).map { index in
            (0..<8).reduce(UInt64(0)) { word, byte in word | UInt64(bytes[index * 8 + byte]) << (byte * 8) }
        }
    }

    /// A KVM state record of `size` bytes (padded to words in the file), which must be this build's size of `T`.
    mutating func record<T: BitwiseCopyable>(size: UInt64) throws(VMSnapshotError) -> T {
        guard size == UInt64(MemoryLayout<T>.size) else { throw .corrupted("a vCPU state record of \(size) bytes") }
        let bytes = try bytes(Int(size + (8 - size % 8) % 8))
        // SAFETY: `bytes` holds at least MemoryLayout<T>.size bytes, and T is a plain C structure.
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
    }

    /// Copies the next `count` bytes into `memoryFD` at `offset`, hashing them.
    mutating func copy(_ count: UInt64, to memoryFD: Int32, at offset: UInt64) throws(VMSnapshotError) {
        var position = offset
        var digest = self.digest
        try consume(count) { (piece) throws(VMSnapshotError) in
            digest.update(piece)
            try wrapErrno(VMSnapshotError.memoryFile) { () throws(Errno) in
                try Syscalls.writeAll(memoryFD, piece, at: position)
            }
            position += UInt64(piece.count)
        }
        self.digest = digest
    }

    mutating func isAtEnd() throws(VMSnapshotError) -> Bool {
        try !fill()
    }
}
