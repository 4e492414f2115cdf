import Digest
import Glibc
import WasmEngine

#if canImport(Monitor)
import Monitor
import SwiftletABI
#endif
#if canImport(MemfdImages)
import MemfdImages
#endif

/// Snapshot files (``SnapshotFile``'s container): a producer section naming what made the file, which must be this
/// swiftlet exactly (a snapshot holds an engine's or a guest kernel's state at addresses of that build); a
/// description (isolation, point, module name, the world's shape, exports, the imports host functions serve); for an
/// in-process snapshot the module's bytes; and the state in the isolation's own format (the engine's payload, or the
/// monitor's VM snapshot format, which also names the kernel image it needs).
extension SandboxSnapshot {
    /// What must match between the swiftlet that wrote a snapshot file and the one that reads it.
    static var producerIdentity: String {
        "swiftlet \(swiftletVersion); engine \(Module.engineRevision); engine snapshot \(InstanceSnapshot.payloadVersion)"
            + "; guest ABI \(guestABIVersion)"
    }

    private static var guestABIVersion: UInt64 {
        #if canImport(Monitor)
        SwiftletABI.version
        #else
        0
        #endif
    }

    /// Whether the file at `path` begins as a snapshot file does (so a command taking a module or a snapshot can tell).
    public static func isSnapshotFile(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var magic = [UInt8](repeating: 0, count: SnapshotFile.magic.count)
        return read(descriptor, &magic, magic.count) == magic.count && magic == SnapshotFile.magic
    }

    /// Writes the snapshot to `path` (replacing any file there only once the new one is complete).
    public func write(to path: String) throws(SandboxError) {
        let writer = try SnapshotFile.Writer(path: path)
        try writer.appendSection(.producer, Array(Self.producerIdentity.utf8))
        try writer.appendSection(.description, describedBytes())
        switch state {
        case .process(let captured):
            let module = captured.module.bytes.withUnsafeBytes { Array($0) }
            try writer.appendSection(.module, module)
            try writer.appendSection(.state) { (descriptor) throws(SandboxError) in
                var failure: Int32 = 0
                captured.serialize(moduleIdentity: module.withUnsafeBytes { sha256($0) }) { chunk in
                    guard failure == 0 else { return }
                    failure = writeAll(chunk, to: descriptor)
                }
                if failure != 0 {
                    throw .invalidConfiguration("cannot write the snapshot file `\(path)`: \(String(cString: strerror(failure)))")
                }
            }
        #if canImport(Monitor)
        case .vm(let box):
            try writer.appendSection(.state) { (descriptor) throws(SandboxError) in
                do throws(VMSnapshotError) {
                    try box.snapshot.write(to: descriptor)
                } catch {
                    throw .invalidConfiguration("cannot write the snapshot file `\(path)`: \(error)")
                }
            }
        #endif
        }
        try writer.commit()
    }

    /// Reads a snapshot file written by ``write(to:)``. Refused with ``SandboxError/invalidSnapshot(path:reason:)``
    /// when damaged, truncated, not a snapshot, or made by another swiftlet or for another guest kernel.
    /// - Parameter virtualMachine: where the guest kernel a micro-VM snapshot needs is found.
    public convenience init(
        contentsOf path: String, virtualMachine: Sandbox.VirtualMachineSettings = .init()
    ) throws(SandboxError) {
        let file = try SnapshotFile.Reader(path: path)
        let refusal = { (reason: String) in SandboxError.invalidSnapshot(path: path, reason: reason) }
        let producer = String(decoding: try file.section(.producer, limit: 4096), as: UTF8.self)
        guard producer == Self.producerIdentity else {
            throw refusal("it was made by \(producer), not by this \(Self.producerIdentity): take it again")
        }
        var description = DescriptionReader(bytes: try file.section(.description, limit: 1 << 24))
        guard let isolation = Isolation(rawValue: try description.string()),
            let point = SnapshotPoint(rawValue: try description.string())
        else { throw refusal("its description names an unknown isolation or point") }
        let moduleName = try description.string()
        let preopenNames = try (0..<description.count()).map { _ throws(SandboxError) in try description.string() }
        let listenCount = try description.count()
        let exports = try (0..<description.count()).map { _ throws(SandboxError) in
            (name: try description.string(), type: try description.functionType())
        }
        let hostImports = try (0..<description.count()).map { _ throws(SandboxError) in
            let functionIndex = UInt32(try description.count())
            let (module, name) = (try description.string(), try description.string())
            guard let type = try description.functionType() else { throw refusal("its description is malformed") }
            return HostFunctionImport(functionIndex: functionIndex, module: module, name: name, type: type)
        }
        guard description.isAtEnd else { throw refusal("its description has bytes after its end") }
        let state: State
        switch isolation {
        case .process:
            let moduleBytes = try file.section(.module)
            let module: Module
            do throws(ModuleError) {
                module = try Module(bytes: ModuleBytes(copying: moduleBytes))
            } catch {
                throw refusal("its module is invalid: \(error)")
            }
            var mapper: MemoryImageMapper?
            #if canImport(MemfdImages)
            mapper = .memfd
            #endif
            let stateBytes = try file.section(.state)
            do throws(SnapshotError) {
                state = .process(try InstanceSnapshot.deserialize(
                    stateBytes, module: module, moduleIdentity: moduleBytes.withUnsafeBytes { sha256($0) },
                    mapper: mapper))
            } catch {
                throw refusal("its state is unusable: \(error)")
            }
        case .vm:
            #if canImport(Monitor)
            let host = try VirtualMachineHost(virtualMachine)
            let descriptor = try file.descriptor(positionedAt: .state)
            do throws(VMSnapshotError) {
                state = .vm(VMSnapshotBox(try VMSnapshot(readingFrom: descriptor, kernel: host.kernel.identity)))
            } catch {
                throw refusal("\(error)")
            }
            #else
            throw .virtualMachineUnavailable("micro-VM snapshots need Linux KVM")
            #endif
        }
        self.init(
            isolation: isolation, point: point, moduleName: moduleName, preopenNames: preopenNames,
            listenCount: listenCount, exports: exports, hostImports: hostImports, state: state)
    }

    /// The description section: strings and counts, each a little-endian u32 length or value first.
    private func describedBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        func string(_ text: String) { bytes += littleEndian(UInt32(text.utf8.count)) + Array(text.utf8) }
        func count(_ value: Int) { bytes += littleEndian(UInt32(value)) }
        string(isolation.rawValue)
        string(point.rawValue)
        string(moduleName)
        count(preopenNames.count)
        preopenNames.forEach(string)
        count(listenCount)
        func functionType(_ type: FuncType?) {
            guard let type else {
                bytes += [0]
                return
            }
            bytes += [1]
            // Each value type is its u32 word (`ValueType.rawValue`).
            count(type.parameters.count)
            for parameter in type.parameters { count(Int(parameter.rawValue)) }
            count(type.results.count)
            for result in type.results { count(Int(result.rawValue)) }
        }
        count(exports.count)
        for export in exports {
            string(export.name)
            functionType(export.type)
        }
        count(hostImports.count)
        for item in hostImports {
            count(Int(item.functionIndex))
            string(item.module)
            string(item.name)
            functionType(item.type)
        }
        return bytes
    }
}

/// Reads ``SandboxSnapshot``'s description section, every length checked against what is left.
private struct DescriptionReader {
    let bytes: [UInt8]
    var position = 0

    var isAtEnd: Bool { position == bytes.count }

    mutating func count() throws(SandboxError) -> Int {
        let field = try take(4)
        return Int(integer(bytes[field], as: UInt32.self))
    }

    mutating func string() throws(SandboxError) -> String {
        let length = try count()
        return String(decoding: bytes[try take(length)], as: UTF8.self)
    }

    mutating func functionType() throws(SandboxError) -> FuncType? {
        guard bytes[try take(1)].first == 1 else { return nil }
        let parameters = try valueTypes()
        return FuncType(parameters: parameters, results: try valueTypes())
    }

    private mutating func valueTypes() throws(SandboxError) -> [ValueType] {
        var types: [ValueType] = []
        for _ in 0..<(try count()) {
            guard let type = ValueType(rawValue: UInt32(try count())) else { throw malformed }
            types.append(type)
        }
        return types
    }

    private mutating func take(_ count: Int) throws(SandboxError) -> Range<Int> {
        guard count <= bytes.count - position else { throw malformed }
        defer { position += count }
        return position..<position + count
    }

    private var malformed: SandboxError { .invalidSnapshot(path: "", reason: "its description is malformed") }
}
