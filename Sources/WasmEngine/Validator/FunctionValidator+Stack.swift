/// The operand stack of types, as the spec's validation algorithm keeps it.
///
/// The translator's stack may grow inside an instruction beyond where it ends: checking a label's values in
/// unreachable code supplies the missing ones, which stay until the code is marked unreachable again. The
/// checks here that do not keep those values (`checkLabel`) report the height the translator reached, so that
/// the limit on its deepest stack (`FunctionCompiler.maximumStackHeight`) is applied to the same figure.
extension FunctionValidator {
    func typeMismatch() -> ModuleError { .typeMismatch(at: instructionOffset) }

    @inline(__always)
    mutating func push(_ type: StackType) {
        if height == stackCapacity { growStack(toHold: height + 1) }
        // SAFETY: `height < stackCapacity`, made so just above.
        stack[height] = type
        height += 1
    }

    /// Reallocates the operand types for at least `count` entries, doubling at least, keeping `0..<height`.
    @inline(never)
    mutating func growStack(toHold count: Int) {
        let capacity = max(count, 2 * stackCapacity)
        let grown = UnsafeMutablePointer<StackType>.allocate(capacity: capacity)
        // SAFETY: both buffers hold at least `height` entries (`height <= stackCapacity < capacity`).
        grown.initialize(from: stack, count: height)
        stack.deallocate()
        stack = grown
        stackCapacity = capacity
    }

    /// The spec's `pop_val(expected)`: an operand of type `expected` (or Unknown); in unreachable code, none
    /// left above the block counts as an Unknown one.
    @inline(__always)
    mutating func pop(_ expected: ValueType) throws(ModuleError) {
        if height > frameHeight {
            height -= 1
            // SAFETY: `0 <= frameHeight <= height < stackCapacity`.
            let actual = stack[height]
            if let actual, !actual.matches(expected, equivalence) { throw typeMismatch() }
        } else if !isUnreachable {
            throw typeMismatch()
        }
    }

    /// The spec's `pop_val()`: the top operand's type, Unknown in unreachable code when none is left.
    mutating func popAny() throws(ModuleError) -> StackType {
        if height > frameHeight {
            height -= 1
            // SAFETY: `0 <= frameHeight <= height < stackCapacity`.
            return stack[height]
        }
        guard isUnreachable else { throw typeMismatch() }
        return nil
    }

    /// A reference operand's type (Unknown in unreachable code).
    mutating func popReference() throws(ModuleError) -> StackType {
        let type = try popAny()
        if let type, !type.isReference { throw typeMismatch() }
        return type
    }

    /// Pushes `list` (call results), growing the stack's storage at most once.
    @inline(__always)
    mutating func pushList(_ list: TypeList) {
        // Most blocks and calls have no result or one.
        if list.count <= 1 {
            if list.count == 1 { push(typePool[list.start]) }
            return
        }
        let newHeight = height + list.count
        if newHeight > stackCapacity { growStack(toHold: newHeight) }
        var source = list.start
        for index in height..<newHeight {
            // SAFETY: `index < newHeight <= stackCapacity`.
            stack[index] = typePool[source]
            source += 1
        }
        height = newHeight
    }

    /// The spec's `pop_vals(list)`: call arguments and block parameters.
    mutating func popList(_ list: TypeList) throws(ModuleError) {
        let matched = min(height - frameHeight, list.count)
        try matchTop(matched, of: list)
        if matched < list.count && !isUnreachable { throw typeMismatch() }
        height -= matched
    }

    /// Checks the top `count` operands against the last `count` types of `list`; Unknown matches any type.
    @inline(__always)
    func matchTop(_ count: Int, of list: TypeList) throws(ModuleError) {
        var type = list.start + list.count - count
        for index in height - count..<height {
            // SAFETY: `count <= height - frameHeight` (every caller's bound), so `0 <= index < height`.
            let actual = stack[index]
            if let actual, !actual.matches(typePool[type], equivalence) { throw typeMismatch() }
            type += 1
        }
    }

    /// The spec's `push_vals(pop_vals(list))` (`br_if`, a block's parameters): the top operands must have the
    /// types of `list`, and have them from now on (Unknown ones included; missing ones, in unreachable code,
    /// are supplied).
    mutating func retypeTop(_ list: TypeList) throws(ModuleError) {
        if list.count == 0 { return }  // most blocks take no parameters, and most branches carry nothing
        if height - frameHeight >= list.count {
            try matchTop(list.count, of: list)
            height -= list.count
        } else {
            guard isUnreachable else { throw typeMismatch() }
            try matchTop(height - frameHeight, of: list)
            height = frameHeight
        }
        pushList(list)
    }

    /// Checks that the top operands can be `list` (a branch's label types, a block's results) without changing
    /// the stack. Returns the height the translator reaches doing so: it supplies the values missing in
    /// unreachable code.
    @inline(__always)
    func checkLabel(_ list: TypeList) throws(ModuleError) -> Int {
        let available = height - frameHeight
        if available >= list.count {
            try matchTop(list.count, of: list)
            return height
        }
        guard isUnreachable else { throw typeMismatch() }
        try matchTop(available, of: list)
        return frameHeight + list.count
    }

    /// After `unreachable`, `br`, `br_table` and `return`: the rest of the block is polymorphic.
    mutating func markUnreachable() {
        height = frameHeight
        isUnreachable = true
    }

    /// The stack limit for an instruction whose deepest point is not the height it leaves (see `checkLabel`).
    @inline(__always)
    func checkPeak(_ peak: Int) throws(ModuleError) {
        guard peak <= FunctionCompiler.maximumStackHeight else { throw .operandStackTooDeep(at: instructionOffset) }
    }

    /// Whether values of the types of `list` are also values of the types of `other` (a subtype of each).
    @inline(__always)
    func typesMatch(_ list: TypeList, _ other: TypeList) -> Bool {
        guard list.count == other.count else { return false }
        for offset in 0..<list.count
        where !typePool[list.start + offset].matches(typePool[other.start + offset], equivalence) {
            return false
        }
        return true
    }
}
