/// The errors a function body's validation reports, worded as the spec's reference interpreter words them (the
/// spec scripts match a prefix: "type mismatch", "unknown local", ...). The translator (`FunctionTranslator`) and
/// the validator (`FunctionValidator`) both throw these, so their messages cannot drift apart.
///
/// Each is built out of line: a check in a hot path then costs a compare and a branch to a call, instead of
/// inlined string building that bloats its function past inlining.
extension ModuleError {
    @inline(never)
    static func typeMismatch(at offset: Int) -> ModuleError { .invalid(at: offset, "type mismatch") }

    @inline(never)
    static func unknownLabel(at offset: Int) -> ModuleError { .invalid(at: offset, "unknown label") }

    @inline(never)
    static func unknownLocal(_ index: UInt32, at offset: Int) -> ModuleError {
        .invalid(at: offset, "unknown local \(index)")
    }

    @inline(never)
    static func unknownGlobal(_ index: UInt32, at offset: Int) -> ModuleError {
        .invalid(at: offset, "unknown global \(index)")
    }

    static func unknownTag(_ index: UInt32, at offset: Int) -> ModuleError {
        .invalid(at: offset, "unknown tag \(index)")
    }

    @inline(never)
    static func unknownFunction(_ index: UInt32, at offset: Int) -> ModuleError {
        .invalid(at: offset, "unknown function \(index)")
    }

    /// A type index: a block type's is an s33, so the index is wider than `UInt32`.
    @inline(never)
    static func unknownType(_ index: Int64, at offset: Int) -> ModuleError {
        .invalid(at: offset, "unknown type \(index)")
    }

    @inline(never)
    static func unknownTable(_ index: UInt32, at offset: Int) -> ModuleError {
        .invalid(at: offset, "unknown table \(index)")
    }

    @inline(never)
    static func unknownMemory(_ index: UInt32, at offset: Int) -> ModuleError {
        .invalid(at: offset, "unknown memory \(index)")
    }

    @inline(never)
    static func unknownElementSegment(_ index: UInt32, at offset: Int) -> ModuleError {
        .invalid(at: offset, "unknown elem segment \(index)")
    }

    @inline(never)
    static func unknownDataSegment(_ index: UInt32, at offset: Int) -> ModuleError {
        .invalid(at: offset, "unknown data segment \(index)")
    }

    /// `memory.init` and `data.drop` in a module without a data count section.
    @inline(never)
    static func dataCountRequired(at offset: Int) -> ModuleError {
        .malformed(at: offset, "data count section required")
    }

    @inline(never)
    static func uninitializedLocal(_ index: UInt32, at offset: Int) -> ModuleError {
        .invalid(at: offset, "uninitialized local \(index)")
    }

    @inline(never)
    static func immutableGlobal(at offset: Int) -> ModuleError { .invalid(at: offset, "global is immutable") }

    @inline(never)
    static func undeclaredFunctionReference(at offset: Int) -> ModuleError {
        .invalid(at: offset, "undeclared function reference")
    }

    @inline(never)
    static func invalidResultArity(at offset: Int) -> ModuleError { .invalid(at: offset, "invalid result arity") }

    @inline(never)
    static func elseWithoutIf(at offset: Int) -> ModuleError { .malformed(at: offset, "else without if") }

    /// A legacy `catch`, `catch_all` or `delegate` that ends no `try` (or follows a `catch_all`).
    static func catchWithoutTry(at offset: Int) -> ModuleError { .malformed(at: offset, "catch without try") }

    static func invalidRethrowLabel(at offset: Int) -> ModuleError { .invalid(at: offset, "invalid rethrow label") }

    @inline(never)
    static func illegalOpcode(at offset: Int) -> ModuleError { .malformed(at: offset, "illegal opcode") }

    /// The body goes on after the `end` that closes it.
    @inline(never)
    static func sectionSizeMismatch(at offset: Int) -> ModuleError { .malformed(at: offset, "section size mismatch") }

    /// This engine's limit on the operand stack (`FunctionCompiler.maximumStackHeight`).
    @inline(never)
    static func operandStackTooDeep(at offset: Int) -> ModuleError {
        .unsupported(at: offset, "an operand stack deeper than \(FunctionCompiler.maximumStackHeight)")
    }
}
