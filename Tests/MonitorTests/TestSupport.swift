import Glibc
import Monitor
import SwiftletABI
import Testing

/// Why KVM tests cannot run here (nil when they can); a skipped KVM test reports it.
let kvmProblem: KVMError? = {
    do throws(KVMError) {
        _ = try KVMSystem()
        return nil
    } catch {
        return error
    }
}()
let kvmAvailable = kvmProblem == nil
let kvmUnavailableReason = Comment(rawValue: "needs a usable /dev/kvm: \(kvmProblem.map(String.init(describing:)) ?? "")")

/// The guest kernel built by kernel/build.sh, if it has been built.
let kernelPath: String = {
    let packageRoot = String(#filePath.split(separator: "/Tests/MonitorTests/", maxSplits: 1)[0])
    return packageRoot + "/.build-kernel/swiftlet-kernel.elf"
}()

func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return bytes
}

let kernelBytes = readFile(kernelPath)
let kernelMissingReason: Comment = "needs the guest kernel: run kernel/build.sh first"

/// Where raw-code test guests are placed: the first guest-owned address.
let codeAddress = GuestPhysicalAddress(SwiftletABI.guestRegionStart)

/// x86-64 machine code for the small test guests.
enum X86 {
    static let ud2: [UInt8] = [0x0F, 0x0B]

    /// `mov edx, port; mov eax, value; out dx, eax`
    static func out32(port: UInt16, value: UInt32) -> [UInt8] {
        [0xBA] + littleEndian(UInt32(port)) + [0xB8] + littleEndian(value) + [0xEF]
    }

    /// `mov rax, [address]` with a 32-bit absolute address.
    static func load(from address: UInt32) -> [UInt8] {
        [0x48, 0x8B, 0x04, 0x25] + littleEndian(address)
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}

/// A minimal valid ELF64 executable: one executable PT_LOAD segment holding `code` at `address`, entered at its
/// first byte. Tests break one field at a time to check the loader's validation.
struct ELFBuilder {
    var code: [UInt8] = X86.ud2
    var address: UInt64 = SwiftletABI.guestRegionStart
    var extraSegments: [(type: UInt32, flags: UInt32, offset: UInt64, address: UInt64, fileSize: UInt64, memorySize: UInt64)] = []

    static let headerSize = 64
    static let programHeaderSize = 56

    var segmentCount: Int { 1 + extraSegments.count }
    var codeOffset: Int { Self.headerSize + segmentCount * Self.programHeaderSize }

    func build() -> [UInt8] {
        var bytes: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        bytes += X86.littleEndian(UInt16(2))  // e_type ET_EXEC
        bytes += X86.littleEndian(UInt16(62))  // e_machine x86-64
        bytes += X86.littleEndian(UInt32(1))  // e_version
        bytes += X86.littleEndian(address)  // e_entry
        bytes += X86.littleEndian(UInt64(Self.headerSize))  // e_phoff
        bytes += X86.littleEndian(UInt64(0))  // e_shoff
        bytes += X86.littleEndian(UInt32(0))  // e_flags
        bytes += X86.littleEndian(UInt16(Self.headerSize))  // e_ehsize
        bytes += X86.littleEndian(UInt16(Self.programHeaderSize))  // e_phentsize
        bytes += X86.littleEndian(UInt16(segmentCount))  // e_phnum
        bytes += [UInt8](repeating: 0, count: 6)  // e_shentsize, e_shnum, e_shstrndx
        bytes += programHeader(
            type: 1, flags: 5, offset: UInt64(codeOffset), address: address, fileSize: UInt64(code.count),
            memorySize: UInt64(code.count))
        for segment in extraSegments {
            bytes += programHeader(
                type: segment.type, flags: segment.flags, offset: segment.offset, address: segment.address,
                fileSize: segment.fileSize, memorySize: segment.memorySize)
        }
        return bytes + code
    }

    private func programHeader(
        type: UInt32, flags: UInt32, offset: UInt64, address: UInt64, fileSize: UInt64, memorySize: UInt64
    ) -> [UInt8] {
        X86.littleEndian(type) + X86.littleEndian(flags) + X86.littleEndian(offset) + X86.littleEndian(address)
            + X86.littleEndian(address) + X86.littleEndian(fileSize) + X86.littleEndian(memorySize)
            + X86.littleEndian(UInt64(0x1000))
    }
}

extension [UInt8] {
    /// A copy with `value` written little-endian at `offset`.
    func patching<T: FixedWidthInteger>(_ offset: Int, _ value: T) -> [UInt8] {
        var copy = self
        copy.replaceSubrange(offset..<offset + MemoryLayout<T>.size, with: X86.littleEndian(value))
        return copy
    }
}

/// The host address ranges of this process's mappings whose `VmFlags` in /proc/self/smaps include `hg` (advised
/// with MADV_HUGEPAGE), as (start, end).
func hostMappingsAdvisedHugePages() -> [(start: UInt, end: UInt)] {
    guard let bytes = readFile("/proc/self/smaps") else { return [] }
    var ranges: [(start: UInt, end: UInt)] = []
    var current: (start: UInt, end: UInt)?
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
        if line.hasPrefix("VmFlags:") {
            if let current, line.split(separator: " ").contains("hg") { ranges.append(current) }
        } else if let first = line.split(separator: " ").first, first.contains("-"),
            case let bounds = first.split(separator: "-"), bounds.count == 2,
            let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16)
        {
            current = (start, end)
        }
    }
    return ranges
}
