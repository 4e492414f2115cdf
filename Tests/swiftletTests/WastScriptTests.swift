import Foundation
import Testing
@testable import swiftlet

@Suite struct WastScriptTests {
    private func decode(_ json: String) throws -> [WastScriptCommand] {
        let script = """
            {"source_filename": "x.wast", "commands": [\(json)]}
            """
        return try JSONDecoder().decode(WastScript.self, from: Data(script.utf8)).commands
    }

    @Test func modulesAndRegistration() throws {
        let commands = try decode("""
            {"type": "module", "line": 1, "name": "M", "filename": "x.0.wasm", "module_type": "binary"},
            {"type": "module", "line": 5, "filename": "x.1.wat", "module_type": "text", "binary_filename": "x.1.wasm"},
            {"type": "register", "line": 9, "name": "M", "as": "reg"},
            {"type": "register", "line": 10, "as": "other"}
            """)
        #expect(commands.map(\.kind) == [
            .module(name: "M", file: .binary("x.0.wasm")),
            .module(name: nil, file: .binary("x.1.wasm")),
            .register(module: "M", as: "reg"),
            .register(module: nil, as: "other"),
        ])
        #expect(commands.map(\.line) == [1, 5, 9, 10])
        #expect(!commands.contains { $0.isAssertion })
    }

    @Test func actionsAndTheirAssertions() throws {
        let commands = try decode("""
            {"type": "assert_return", "line": 3, "action": {"type": "invoke", "module": "M", "field": "f",
             "args": [{"type": "i32", "value": "1"}]}, "expected": [{"type": "f32", "value": "nan:canonical"}]},
            {"type": "assert_return", "line": 4, "action": {"type": "get", "field": "g"},
             "expected": [{"type": "i64", "value": "2"}]},
            {"type": "assert_trap", "line": 5, "action": {"type": "invoke", "field": "t", "args": []},
             "text": "unreachable"},
            {"type": "assert_exhaustion", "line": 6, "action": {"type": "invoke", "field": "r", "args": []},
             "text": "call stack exhausted"},
            {"type": "action", "line": 7, "action": {"type": "invoke", "field": "a", "args": []}}
            """)
        #expect(commands.map(\.kind) == [
            .assertReturn(
                WastAction(module: "M", field: "f", kind: .invoke(arguments: [WastValue(type: "i32", value: "1")])),
                expected: [WastValue(type: "f32", value: "nan:canonical")]),
            .assertReturn(WastAction(module: nil, field: "g", kind: .get), expected: [WastValue(type: "i64", value: "2")]),
            .assertTrap(WastAction(module: nil, field: "t", kind: .invoke(arguments: [])), message: "unreachable"),
            .assertExhaustion(WastAction(module: nil, field: "r", kind: .invoke(arguments: [])), message: "call stack exhausted"),
            .action(WastAction(module: nil, field: "a", kind: .invoke(arguments: []))),
        ])
    }

    @Test func moduleAssertions() throws {
        let commands = try decode("""
            {"type": "assert_invalid", "line": 1, "filename": "x.2.wasm", "module_type": "binary", "text": "type mismatch"},
            {"type": "assert_malformed", "line": 2, "filename": "x.3.wat", "module_type": "text", "text": "unexpected token"},
            {"type": "assert_malformed", "line": 3, "filename": "x.4.wasm", "module_type": "binary", "text": "magic header not detected"},
            {"type": "assert_unlinkable", "line": 4, "filename": "x.5.wasm", "module_type": "binary", "text": "unknown import"},
            {"type": "assert_uninstantiable", "line": 5, "filename": "x.6.wasm", "module_type": "binary", "text": "unreachable"},
            {"type": "assert_trap", "line": 6, "filename": "x.7.wasm", "module_type": "binary", "text": "out of bounds memory access"}
            """)
        #expect(commands.map(\.kind) == [
            .assertInvalid(.binary("x.2.wasm"), message: "type mismatch"),
            .assertMalformed(.text("x.3.wat"), message: "unexpected token"),
            .assertMalformed(.binary("x.4.wasm"), message: "magic header not detected"),
            .assertUnlinkable(.binary("x.5.wasm"), message: "unknown import"),
            .assertUninstantiable(.binary("x.6.wasm"), message: "unreachable"),
            .assertUninstantiable(.binary("x.7.wasm"), message: "out of bounds memory access"),
        ])
        #expect(commands.allSatisfy { $0.isAssertion })
    }

    @Test func unknownCommandTypesAreKeptAsUnsupported() throws {
        let commands = try decode("""
            {"type": "thread", "line": 12, "name": "T"}
            """)
        #expect(commands.map(\.kind) == [.unsupported(type: "thread")])
        #expect(commands[0].typeName == "thread")
        #expect(commands[0].isAssertion)
    }

    @Test func vectorAndEitherValuesDecode() throws {
        let commands = try decode("""
            {"type": "assert_return", "line": 1, "action": {"type": "invoke", "field": "v", "args": []},
             "expected": [{"type": "v128", "lane_type": "i32", "value": ["1", "2", "3", "4"]},
                          {"type": "either", "values": [{"type": "i32", "value": "1"}, {"type": "i32", "value": "2"}]}]}
            """)
        guard case .assertReturn(_, let expected) = commands[0].kind else {
            Issue.record("not an assert_return")
            return
        }
        #expect(expected[0].value == .lanes(["1", "2", "3", "4"]))
        #expect(expected[0].laneType == "i32")
        #expect(expected[1].values?.count == 2)
    }
}
