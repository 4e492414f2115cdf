// An instance's state at one moment, from which any number of independent instances are restored (see
// `Store.snapshot(of:)` and `Store.restore(_:imports:)`).

/// Why an instance cannot be captured, restored, or read back from bytes.
public enum SnapshotError: Error, Equatable, Sendable {
    /// The instance's state reaches beyond it, so a snapshot could not stand for it: an imported memory, table or
    /// global (owned outside the instance), a reference to a host value, or to a function outside the instance.
    case unsupportedState(String)
    /// A capture while the store runs code (from a host function): the instance is mid-call.
    case storeIsRunning
    /// A restore whose imports are missing or of the wrong types, or whose store's limits the snapshot exceeds.
    case unlinkable(String)
    /// Serialized bytes that are not a snapshot this engine wrote of this module (truncated, damaged, hostile, or
    /// of another module); the message says what is wrong.
    case malformed(String)
    /// Serialized bytes of a format version this engine does not read.
    case unsupportedVersion(UInt32)

    static func importedState(_ kind: String, _ item: Import) -> SnapshotError {
        .unsupportedState("imported \(kind) \"\(item.module)\" \"\(item.name)\" is owned outside the instance")
    }

    /// Exceptions live in the store, not the instance: a snapshot records no exnref, not even a null one.
    static func exceptionReference(in place: String) -> SnapshotError {
        .unsupportedState("\(place) holds exnrefs, which snapshots do not record")
    }

    /// GC's objects live in the store, not the instance: a snapshot records no reference of the any hierarchy, not even
    /// a null one.
    static func gcReference(in place: String) -> SnapshotError {
        .unsupportedState("\(place) holds GC references (structs, arrays, i31s), which snapshots do not record")
    }

    static func hostReference(in place: String) -> SnapshotError {
        .unsupportedState("\(place) holds a reference to a host value")
    }

    static func foreignFunction(in place: String) -> SnapshotError {
        .unsupportedState("\(place) holds a function of another instance or of the host")
    }

    static func truncated(_ what: String) -> SnapshotError { .malformed("truncated in \(what)") }
}

/// An instance's state at one moment: its memory's size and bytes, its globals, its tables, which of its segments
/// are dropped, and the code its functions were translated to so far. Immutable, and shared by every instance
/// restored from it (from any thread): a restore reads it, never writes it.
///
/// References are kept by function index (index + 1, 0 for null), so a restore points them at its own instance's
/// functions; imports are kept by name and type only (the module's), and each restore binds them again.
public final class InstanceSnapshot: @unchecked Sendable {
    /// The exports that initialize an instance before its capture (Wizer's, then the WASI reactor's): a caller
    /// that wants one calls the first the instance exports (see `Instance.initializer`).
    public static let initializerExportNames = ["wizer.initialize", "_initialize"]

    public let module: Module
    /// Memory 0's size in pages, if the instance defines a memory.
    let memoryPages: UInt64?
    /// Its first bytes (those past the image are zero); empty when it has no memory.
    let memoryImage: MemoryImage
    /// The defined globals' slots (references as function index + 1).
    let globals: [UInt64]
    /// The defined tables' elements (function index + 1, or 0 for null).
    let tables: [[UInt64]]
    /// Whether each element segment is empty (dropped, or empty from the start: a restore empties it alike).
    let elementSegmentIsEmpty: [Bool]
    let dataSegmentIsEmpty: [Bool]
    /// Code translated before the capture, installed by restores without translating it again.
    let code: CodeTemplates

    init(
        module: Module, memoryPages: UInt64?, memoryImage: consuming MemoryImage, globals: [UInt64], tables: [[UInt64]],
        elementSegmentIsEmpty: [Bool], dataSegmentIsEmpty: [Bool], code: CodeTemplates
    ) {
        self.module = module
        self.memoryPages = memoryPages
        self.memoryImage = memoryImage
        self.globals = globals
        self.tables = tables
        self.elementSegmentIsEmpty = elementSegmentIsEmpty
        self.dataSegmentIsEmpty = dataSegmentIsEmpty
        self.code = code
    }

    /// Whether restores map the memory image copy-on-write (the capturing store had a `MemoryImageMapper` that
    /// sealed it), rather than copying it.
    public var mapsMemory: Bool { memoryImage.hosted != nil }

    /// How many of the module's functions the snapshot holds translated.
    public var translatedFunctionCount: Int { code.templates.count { $0 != nil } }
}

extension Instance {
    /// The function to initialize the instance with before a capture: the first of
    /// `InstanceSnapshot.initializerExportNames` it exports as a function, if any.
    public var initializer: Function? {
        for name in InstanceSnapshot.initializerExportNames {
            if case .function(let function) = export(name) { return function }
        }
        return nil
    }
}

/// The linked code of the functions a snapshot holds translated, back to back in one buffer it owns, each in the
/// relocatable form of `Store.writeRelocatable` (its calls name callees by index). Linked code names records of one
/// store, so a restore cannot run it in place: it copies a function's code on its first call and links the copy
/// (`install`), which costs a copy and a pass, never a translation.
final class CodeTemplates: @unchecked Sendable {
    struct Template {
        let start: Int
        let count: Int
        let localCount: Int
        let frameSize: Int
    }

    /// Never written after `init`.
    let instructions: UnsafeMutablePointer<LinkedInstruction>
    /// By defined function index; nil for a function not translated.
    let templates: [Template?]

    /// Templates built by `write`, which is given a buffer of `instructionCount` instructions to fill.
    init(
        templates: [Template?], instructionCount: Int, write: (UnsafeMutablePointer<LinkedInstruction>) -> Void
    ) {
        instructions = .allocate(capacity: Swift.max(instructionCount, 1))
        write(instructions)
        self.templates = templates
    }

    // SAFETY: no store runs this code: each installs a copy of its own.
    deinit { instructions.deallocate() }

    /// Installs the template of defined function `definedIndex`, if there is one, as `record`'s code in `store`.
    func install(definedIndex: Int, in record: UnsafeMutablePointer<FunctionRecord>, store: Store) -> Bool {
        guard let template = templates[definedIndex] else { return false }
        let code = store.allocateCode(count: template.count)
        // SAFETY: the template's range lies in `instructions` (built so), and `code` has room for `template.count`.
        code.initialize(from: instructions + template.start, count: template.count)
        store.link(code, count: template.count, localCount: template.localCount, frameSize: template.frameSize, in: record)
        return true
    }
}
