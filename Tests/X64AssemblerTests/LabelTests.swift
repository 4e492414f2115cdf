import Testing

@testable import X64Assembler

@Suite struct LabelTests {
    /// rel32 counts from the end of the instruction: backward, forward (patched when bound), and to a label
    /// bound before the jump.
    @Test func jumpsAndCallsReachTheirLabels() {
        var assembler = Assembler()
        let top = assembler.makeLabel()
        let end = assembler.makeLabel()
        assembler.bind(top)
        assembler.jump(if: .equal, to: end)  // 0: 0F 84 rel32 (6 bytes)
        assembler.call(top)  // 6: E8 rel32
        assembler.jump(to: top)  // 11: E9 rel32
        assembler.ret()  // 16
        assembler.bind(end)  // 17
        assembler.jump(to: end)  // 17: E9 -5
        #expect(assembler.offset(of: end) == 17)
        #expect(assembler.finish() == [
            0x0F, 0x84, 0x0B, 0x00, 0x00, 0x00,
            0xE8, 0xF5, 0xFF, 0xFF, 0xFF,
            0xE9, 0xF0, 0xFF, 0xFF, 0xFF,
            0xC3,
            0xE9, 0xFB, 0xFF, 0xFF, 0xFF,
        ])
    }

    /// A jump table: `lea` of the table (rip-relative), entries holding each target's distance from the table.
    @Test func jumpTableEntriesAreDistancesFromTheTable() {
        var assembler = Assembler()
        let table = assembler.makeLabel()
        let first = assembler.makeLabel()
        let second = assembler.makeLabel()
        assembler.loadAddress(.rcx, of: table)  // 0: 48 8D 0D rel32 = 0 (the table follows)
        assembler.bind(table)  // 7
        assembler.emitDistance(to: first, from: table)  // 7: 8
        assembler.emitDistance(to: second, from: table)  // 11: 9
        assembler.bind(first)  // 15
        assembler.ret()
        assembler.bind(second)  // 16
        assembler.ret()
        #expect(assembler.finish() == [
            0x48, 0x8D, 0x0D, 0x00, 0x00, 0x00, 0x00,
            0x08, 0x00, 0x00, 0x00,
            0x09, 0x00, 0x00, 0x00,
            0xC3, 0xC3,
        ])
    }

    /// Code emitted after a checkpoint, with its labels, its jumps to earlier labels and the labels it bound, is
    /// forgotten by a rollback: emitting the same again gives the code as if the first attempt never happened.
    @Test func rollbackForgetsWhatFollowedTheCheckpoint() {
        func emitLoop(_ assembler: inout Assembler, exit: Assembler.Label, body: UInt8) {
            let top = assembler.makeLabel()
            assembler.bind(top)
            assembler.arithmetic(.add, .rax, immediate: Int32(body), .bits32)
            assembler.jump(if: .equal, to: exit)
            assembler.jump(to: top)
        }
        var direct = Assembler()
        let directExit = direct.makeLabel()
        emitLoop(&direct, exit: directExit, body: 2)
        direct.bind(directExit)
        direct.ret()

        var retried = Assembler()
        let exit = retried.makeLabel()
        let checkpoint = retried.checkpoint()
        emitLoop(&retried, exit: exit, body: 1)
        retried.bind(exit)  // unbound again by the rollback
        retried.rollback(to: checkpoint)
        emitLoop(&retried, exit: exit, body: 2)
        retried.bind(exit)
        retried.ret()
        #expect(retried.finish() == direct.finish())
    }

    @Test func conditionsNegate() {
        for condition in Condition.allCases {
            #expect(condition.negated != condition)
            #expect(condition.negated.negated == condition)
        }
        #expect(Condition.less.negated == .greaterOrEqual)
        #expect(Condition.below.negated == .aboveOrEqual)
    }
}
