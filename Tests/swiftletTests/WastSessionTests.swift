import Foundation
import Testing
import WasmEngine
@testable import swiftlet

/// Runs script commands against the real engine, with small modules written to a scratch directory.
@Suite struct WastSessionTests {
    /// Each module's bytes after the 8-byte header (`wasm-tools parse` of the text in the comment).
    private static let modules: [String: [UInt8]] = [
        // (import "spectest" "print_i32" (func (param i32))) (import "spectest" "global_i32" (global i32))
        // (global (export "g") i32 (global.get 0)) (func (export "add") (param i32 i32) (result i32) ...)
        // (func (export "trap") unreachable) (func (export "nan") (result f32) (f32.const nan))
        // (func (export "print") (call 0 (i32.const 1))) (func (export "spin") (loop (br 0)))
        "main.wasm": [
            0x01, 0x12, 0x04, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00,
            0x60, 0x00, 0x01, 0x7d, 0x02, 0x2d, 0x02, 0x08, 0x73, 0x70, 0x65, 0x63, 0x74, 0x65, 0x73, 0x74,
            0x09, 0x70, 0x72, 0x69, 0x6e, 0x74, 0x5f, 0x69, 0x33, 0x32, 0x00, 0x00, 0x08, 0x73, 0x70, 0x65,
            0x63, 0x74, 0x65, 0x73, 0x74, 0x0a, 0x67, 0x6c, 0x6f, 0x62, 0x61, 0x6c, 0x5f, 0x69, 0x33, 0x32,
            0x03, 0x7f, 0x00, 0x03, 0x06, 0x05, 0x01, 0x02, 0x03, 0x02, 0x02, 0x06, 0x06, 0x01, 0x7f, 0x00,
            0x23, 0x00, 0x0b, 0x07, 0x27, 0x06, 0x01, 0x67, 0x03, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x01,
            0x04, 0x74, 0x72, 0x61, 0x70, 0x00, 0x02, 0x03, 0x6e, 0x61, 0x6e, 0x00, 0x03, 0x05, 0x70, 0x72,
            0x69, 0x6e, 0x74, 0x00, 0x04, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x05, 0x0a, 0x24, 0x05, 0x07,
            0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, 0x03, 0x00, 0x00, 0x0b, 0x07, 0x00, 0x43, 0x00, 0x00,
            0xc0, 0x7f, 0x0b, 0x06, 0x00, 0x41, 0x01, 0x10, 0x00, 0x0b, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00,
            0x0b, 0x0b,
        ],
        // (func (export "five") (result i32) (i32.const 5))
        "five.wasm": [
            0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x66,
            0x69, 0x76, 0x65, 0x00, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x05, 0x0b,
        ],
        // (import "m2" "five" (func (result i32))) (func (export "call-five") (result i32) (call 0))
        "callfive.wasm": [
            0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x0b, 0x01, 0x02, 0x6d, 0x32, 0x04, 0x66, 0x69,
            0x76, 0x65, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x0d, 0x01, 0x09, 0x63, 0x61, 0x6c, 0x6c,
            0x2d, 0x66, 0x69, 0x76, 0x65, 0x00, 0x01, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b,
        ],
        // (func (result i32) (i64.const 0))
        "invalid.wasm": [
            0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00,
            0x42, 0x00, 0x0b,
        ],
        // (import "spectest" "nonexistent" (func))
        "unlinkable.wasm": [
            0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x02, 0x18, 0x01, 0x08, 0x73, 0x70, 0x65, 0x63, 0x74, 0x65,
            0x73, 0x74, 0x0b, 0x6e, 0x6f, 0x6e, 0x65, 0x78, 0x69, 0x73, 0x74, 0x65, 0x6e, 0x74, 0x00, 0x00,
        ],
        // (func $count (export "count") (param i64 i64) (result i64) (if (result i64) (i64.eqz (local.get 0))
        //   (then (local.get 1)) (else (return_call $count (i64.sub ...) (i64.add ...)))))
        "tailcall.wasm": [
            0x01, 0x07, 0x01, 0x60, 0x02, 0x7E, 0x7E, 0x01, 0x7E, 0x03, 0x02, 0x01, 0x00, 0x07, 0x09, 0x01, 0x05, 0x63,
            0x6F, 0x75, 0x6E, 0x74, 0x00, 0x00, 0x0A, 0x19, 0x01, 0x17, 0x00, 0x20, 0x00, 0x50, 0x04, 0x7E, 0x20, 0x01,
            0x05, 0x20, 0x00, 0x42, 0x01, 0x7D, 0x20, 0x01, 0x42, 0x01, 0x7C, 0x12, 0x00, 0x0B, 0x0B,
        ],
        // (func unreachable) (start 0)
        "uninstantiable.wasm": [
            0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x08, 0x01, 0x00, 0x0a, 0x05, 0x01,
            0x03, 0x00, 0x00, 0x0b,
        ],
    ]

    private let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let header: [UInt8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
        for (name, body) in Self.modules {
            try Data(header + body).write(to: directory.appendingPathComponent(name))
        }
        // Version 2: well-formed bytes up to the version field, which is wrong.
        try Data([0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00]).write(to: directory.appendingPathComponent("malformed.wasm"))
    }

    private func run(
        _ kinds: [WastScriptCommand.Kind], timeLimit: TimeInterval = 20, refusedFeatures: WasmFeatures = []
    ) -> [WastOutcome] {
        let session = WastSession(moduleDirectory: directory, commandTimeLimit: timeLimit, refusedFeatures: refusedFeatures)
        defer { try? FileManager.default.removeItem(at: directory) }
        return kinds.enumerated().map { session.execute(WastScriptCommand(line: $0.offset + 1, kind: $0.element)) }
    }

    private func invoke(_ field: String, _ arguments: [WastValue] = [], module: String? = nil) -> WastAction {
        WastAction(module: module, field: field, kind: .invoke(arguments: arguments))
    }

    @Test func returnsTrapsAndGlobalsOfTheCurrentModule() {
        let outcomes = run([
            .module(name: nil, file: .binary("main.wasm")),
            .assertReturn(invoke("add", [WastValue(type: "i32", value: "-1"), WastValue(type: "i32", value: "3")]),
                          expected: [WastValue(type: "i32", value: "2")]),
            .assertReturn(invoke("nan"), expected: [WastValue(type: "f32", value: "nan:canonical")]),
            .assertReturn(WastAction(module: nil, field: "g", kind: .get), expected: [WastValue(type: "i32", value: "666")]),
            .action(invoke("print")),
            .assertTrap(invoke("trap"), message: "unreachable"),
        ])
        #expect(outcomes == [.completed, .passed, .passed, .passed, .completed, .passed])
    }

    @Test func wrongResultsAndTrapsAreFailuresThatSayWhatHappened() {
        let outcomes = run([
            .module(name: nil, file: .binary("main.wasm")),
            .assertReturn(invoke("add", [WastValue(type: "i32", value: "1"), WastValue(type: "i32", value: "1")]),
                          expected: [WastValue(type: "i32", value: "3")]),
            .assertReturn(invoke("trap"), expected: []),
            .assertTrap(invoke("trap"), message: "integer overflow"),
            .assertReturn(invoke("missing"), expected: []),
        ])
        #expect(outcomes == [
            .completed,
            .failed("expected [i32:3], got [i32:2]"),
            .failed("expected [], trapped: unreachable"),
            .failed("expected trap \"integer overflow\", trapped: unreachable"),
            .failed("no export named \"missing\""),
        ])
    }

    @Test func registeredModulesSatisfyImportsByTheirNewName() {
        let outcomes = run([
            .module(name: "Five", file: .binary("five.wasm")),
            .register(module: "Five", as: "m2"),
            .module(name: nil, file: .binary("callfive.wasm")),
            .assertReturn(invoke("call-five"), expected: [WastValue(type: "i32", value: "5")]),
            .assertReturn(invoke("five", module: "Five"), expected: [WastValue(type: "i32", value: "5")]),
        ])
        #expect(outcomes == [.completed, .completed, .completed, .passed, .passed])
    }

    @Test func rejectedModulesMatchTheirAssertion() {
        let outcomes = run([
            .assertInvalid(.binary("invalid.wasm"), message: "type mismatch"),
            .assertMalformed(.binary("malformed.wasm"), message: "unknown binary version"),
            .assertMalformed(.text("quoted.wat"), message: "unexpected token"),
            .assertUnlinkable(.binary("unlinkable.wasm"), message: "unknown import"),
            .assertUninstantiable(.binary("uninstantiable.wasm"), message: "unreachable"),
            .assertInvalid(.binary("five.wasm"), message: "type mismatch"),
            .assertMalformed(.binary("invalid.wasm"), message: "type mismatch"),
        ])
        #expect(outcomes[0] == .passed)
        #expect(outcomes[1] == .passed)
        #expect(outcomes[2] == .skipped("text-format module"))
        #expect(outcomes[3] == .passed)
        #expect(outcomes[4] == .passed)
        #expect(outcomes[5] == .failed("expected invalid \"type mismatch\", but the module decoded and validated"))
        guard case .failed(let reason) = outcomes[6] else {
            Issue.record("an invalid module passed as malformed")
            return
        }
        #expect(reason.hasPrefix("expected malformed \"type mismatch\", got invalid module"))
    }

    @Test func aFailedModuleLeavesNoCurrentModule() {
        let outcomes = run([
            .module(name: nil, file: .binary("main.wasm")),
            .module(name: nil, file: .binary("unlinkable.wasm")),
            .assertReturn(invoke("nan"), expected: [WastValue(type: "f32", value: "nan:canonical")]),
        ])
        #expect(outcomes[2] == .failed("no current module (none yet, or the last one failed)"))
    }

    @Test func runawayCodeIsInterruptedAtTheTimeLimit() {
        let outcomes = run([
            .module(name: nil, file: .binary("main.wasm")),
            .assertReturn(invoke("spin"), expected: []),
            .assertTrap(invoke("trap"), message: "unreachable"),
        ], timeLimit: 0.2)
        #expect(outcomes == [.completed, .failed("ran longer than 0.2 s and was interrupted"), .passed])
    }

    @Test func unsupportedCommandsFail() {
        #expect(run([.unsupported(type: "thread")]) == [.failed("unsupported command type `thread`")])
    }

    @Test func aModuleUsingARefusedFeatureIsInvalid() {
        let tailCall = WastModuleFile.binary("tailcall.wasm")
        // A session of its own first: `run` removes the modules when it is done.
        let allowed = WastSession(moduleDirectory: directory, commandTimeLimit: 20)
        let count = invoke("count", [WastValue(type: "i64", value: "1000000"), WastValue(type: "i64", value: "0")])
        #expect(allowed.execute(WastScriptCommand(line: 1, kind: .module(name: nil, file: tailCall))) == .completed)
        #expect(allowed.execute(WastScriptCommand(
            line: 2, kind: .assertReturn(count, expected: [WastValue(type: "i64", value: "1000000")]))) == .passed)
        let refused = run(
            [.assertInvalid(tailCall, message: "unknown operator"), .assertMalformed(tailCall, message: "unknown operator"),
             .module(name: nil, file: tailCall)],
            refusedFeatures: .tailCall)
        #expect(refused[0] == .passedWithDifferentMessage("expected \"unknown operator\", got \"uses tail-call, which --wasm-features turns off\""))
        #expect(refused[1] == refused[0])
        #expect(refused[2] == .failed("module rejected: uses tail-call, which --wasm-features turns off"))
    }
}
