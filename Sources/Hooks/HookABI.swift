import SwiftletABI
import WasmEngine

/// The contract between the kernel (or an in-process sandbox) and a hook module, as `include/swiftlet/hook.h` states it
/// for hook authors.
public enum HookABI {
    /// The only module a hook may import from.
    public static let importModule = "swiftlet_hook"
    /// Every event passes a WASI call's first nine arguments (preview1's longest, `path_open`, has nine), i32 ones
    /// zero-extended, unused ones 0.
    static let argumentCount = 9
    /// The most bytes one `read_memory` copies.
    static let maximumReadLength: UInt32 = 65536
    /// The verdict that ends the run; 0 allows the call and 1 to ``largestErrno`` deny it with that errno.
    static let endRunVerdict = UInt32(bitPattern: -1)
    static let allowVerdict: UInt32 = 0
    /// `__WASI_ERRNO_NOTCAPABLE`, preview1's last errno.
    static let largestErrno: UInt32 = 76
    /// What a call a failed hook denies returns: the capability was refused.
    static let failureErrno: UInt32 = 76

    /// The handlers a hook may export, and the type each must have.
    enum Handler: CaseIterable {
        case initialize, callEnter, callExit, data

        var exportName: String {
            switch self {
            case .initialize: "swiftlet_hook_init"
            case .callEnter: "swiftlet_hook_call_enter"
            case .callExit: "swiftlet_hook_call_exit"
            case .data: "swiftlet_hook_data"
            }
        }

        var type: FuncType {
            switch self {
            case .initialize: FuncType(parameters: [], results: [])
            case .callEnter: FuncType(parameters: HookABI.parameters(i32Count: 1), results: HookABI.i32s(1))
            case .callExit: FuncType(parameters: HookABI.parameters(i32Count: 2), results: [])
            case .data: FuncType(parameters: HookABI.i32s(3), results: [])
            }
        }
    }

    /// The exports by which a hook names the calls it wants an event for: each returns a mask of call numbers (bit `n`
    /// for call `n`), read once after initialization. Without one, the hook hears every call. A call no hook selects
    /// runs as if there were no hooks.
    enum Selection: CaseIterable {
        case callEnter, callExit

        var exportName: String {
            switch self {
            case .callEnter: "swiftlet_hook_call_enter_calls"
            case .callExit: "swiftlet_hook_call_exit_calls"
            }
        }

        static let type = FuncType(parameters: [], results: [ValueType](repeating: .i64, count: 1))
    }

    /// `i32Count` i32s, then the call's arguments as i64s.
    static func parameters(i32Count: Int) -> [ValueType] {
        var parameters = [ValueType](repeating: .i64, count: i32Count + argumentCount)
        for index in 0..<i32Count { parameters[index] = .i32 }
        return parameters
    }

    /// `count` i32s. The types here are built, not written as literals such as `[.i32]`: in the guest kernel (Embedded
    /// Swift 6.3) a `[.i32]` in this module read as `[.i32, .i32, .i32]`, another literal's contents.
    static func i32s(_ count: Int) -> [ValueType] {
        [ValueType](repeating: .i32, count: count)
    }

    /// The functions a hook may import from ``importModule``, and the type each has.
    enum Function: CaseIterable {
        case readMemory, readData, emit, now, config

        var name: String {
            switch self {
            case .readMemory: "read_memory"
            case .readData: "read_data"
            case .emit: "emit"
            case .now: "now"
            case .config: "config"
            }
        }

        var type: FuncType {
            switch self {
            case .readMemory, .readData: FuncType(parameters: HookABI.i32s(3), results: HookABI.i32s(1))
            case .emit, .config: FuncType(parameters: HookABI.i32s(2), results: HookABI.i32s(1))
            case .now: FuncType(parameters: [], results: [ValueType](repeating: .i64, count: 1))
            }
        }
    }

    /// The calls after which a data event reports the bytes moved, each with the index of the argument pointing at
    /// the count moved (`nread`, `nwritten`, `ro_datalen`, `so_datalen`); their iovecs are arguments 1 and 2.
    static let dataCalls: [(call: UInt32, countArgument: Int)] = [
        ("fd_read", 3), ("fd_write", 3), ("fd_pread", 4), ("fd_pwrite", 4), ("sock_recv", 4), ("sock_send", 4),
    ].map { (UInt32(truncatingIfNeeded: WASIPreview1.number(of: $0.0) ?? 0), $0.1) }

    static let procExit = UInt32(truncatingIfNeeded: WASIPreview1.number(of: "proc_exit") ?? 0)

    /// The preview1 name of call `number`, for messages.
    static func callName(_ number: UInt32) -> String {
        guard Int(number) < WASIPreview1.names.count else { return "call \(number)" }
        let name = WASIPreview1.names[Int(number)]
        return String(decoding: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), as: UTF8.self)
    }
}
