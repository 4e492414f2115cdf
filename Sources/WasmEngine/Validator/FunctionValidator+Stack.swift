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
        if height < stack.count {
            stack[height] = type
        } else {
            stack.append(type)
        }
        height += 1
    }

    /// The spec's `pop_val(expected)`: an operand of type `expected` (or Unknown); in unreachable code, none
    /// left above the block counts as an Unknown one.
    @inline(__always)
    mutating func pop(_ expected: StackType) throws(ModuleError) {
        if height > frameHeight {
            height -= 1
            let actual = stack[height]
            if actual != expected && actual != Self.unknown { throw typeMismatch() }
        } else if !isUnreachable {
            throw typeMismatch()
        }
    }

    /// The spec's `pop_val()`: the top operand's type, Unknown in unreachable code when none is left.
    mutating func popAny() throws(ModuleError) -> StackType {
        if height > frameHeight {
            height -= 1
            return stack[height]
        }
        guard isUnreachable else { throw typeMismatch() }
        return Self.unknown
    }

    /// The three i32 operands of the bulk memory and table instructions.
    mutating func popThreeI32() throws(ModuleError) {
        try pop(ValueType.i32.rawValue)
        try pop(ValueType.i32.rawValue)
        try pop(ValueType.i32.rawValue)
    }

    /// Pushes `list` (call results), growing the stack's storage at most once.
    mutating func pushList(_ list: TypeList) {
        let newHeight = height + list.count
        if stack.count < newHeight {
            stack.append(contentsOf: repeatElement(Self.unknown, count: newHeight - stack.count))
        }
        var source = list.start
        for index in height..<newHeight {
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
            let actual = stack[index]
            if actual != typePool[type] && actual != Self.unknown { throw typeMismatch() }
            type += 1
        }
    }

    /// The spec's `push_vals(pop_vals(list))` (`br_if`, a block's parameters): the top operands must have the
    /// types of `list`, and have them from now on (Unknown ones included; missing ones, in unreachable code,
    /// are supplied).
    mutating func retypeTop(_ list: TypeList) throws(ModuleError) {
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

    @inline(__always)
    func sameTypes(_ first: TypeList, _ second: TypeList) -> Bool {
        guard first.count == second.count else { return false }
        for offset in 0..<first.count where typePool[first.start + offset] != typePool[second.start + offset] {
            return false
        }
        return true
    }
}
