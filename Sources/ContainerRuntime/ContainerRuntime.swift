/// ContainerRuntime: a runc-compatible OCI runtime (`swiftlet runtime ...`, or the CLI called as `swiftlet-runtime`)
/// that containerd's `io.containerd.runc.v2` shim drives, running each Wasm container's module in its own micro-VM
/// with the monitor process as the container's init.
///
/// Owns: runc's command-line grammar and its error reporting (stderr and the `--log` file), the bundle's
/// `config.json` as far as a module needs it, the container state under `ROOT/swiftlet/ID`, the init process and its
/// `exec.fifo` handshake with `start`, and handing every other container (and every id it does not know) to runc.
/// Must not touch: how a module runs (the Swiftlet library's `Sandbox`), images (ContainerImage), KVM.
import Glibc

/// A failure of a runtime command, reported as runc reports one: the message on stderr and in the log, exit status 1.
public struct RuntimeError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }

    static func usage(_ message: String) -> RuntimeError { RuntimeError(message) }

    static func system(_ what: String, errno code: Int32 = errno) -> RuntimeError {
        RuntimeError("\(what): \(String(cString: strerror(code)))")
    }

    static func invalidBundle(_ bundle: String, _ reason: String) -> RuntimeError {
        RuntimeError("cannot load the bundle \(bundle): \(reason)")
    }

    static func containerExists(_ id: String) -> RuntimeError { RuntimeError("container with id exists: \(id)") }

    static func notRunning() -> RuntimeError { RuntimeError("container not running") }

    static func moduleMissing(_ path: String, reason: String) -> RuntimeError {
        RuntimeError("unable to start container process: exec: \"\(path)\": stat \(path): \(reason)")
    }

    static func notAModule(_ path: String) -> RuntimeError {
        RuntimeError("unable to start container process: \(path) is not a WebAssembly module (no \\0asm header)")
    }

    static func unsupported(_ command: String) -> RuntimeError {
        RuntimeError("\(command) is not supported for Wasm containers by swiftlet-runtime")
    }

    static func runcMissing() -> RuntimeError {
        RuntimeError("this container is not a Wasm module and runc was not found: give --runc PATH or SWIFTLET_RUNC")
    }
}
