import Foundation
import Glibc
import TestSupport
import Testing

/// `swiftlet run --tcplisten` hands the guest a listening socket; an echo server in tests/wasi serves
/// two clients driven from here.
@Suite(.needsKVM)
struct WASISocketTests {
    /// Connects to 127.0.0.1:`port`, retrying while the server starts.
    static func connect(port: UInt16) throws -> Int32 {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            if connected { return client }
            close(client)
            usleep(50_000)
        }
        throw ToolMissing(description: "the echo server never accepted a connection on port \(port)")
    }

    /// Sends `message`, closes the sending side, and returns everything the server sent back.
    static func exchange(_ message: String, port: UInt16) throws -> String {
        let client = try connect(port: port)
        defer { close(client) }
        let bytes = Array(message.utf8)
        var sent = 0
        while sent < bytes.count {
            let result = bytes[sent...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard result > 0 else { throw ToolMissing(description: "send failed: errno \(errno)") }
            sent += result
        }
        shutdown(client, Int32(SHUT_WR))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    @Test func echoServerOverTCPListen() throws {
        let module = try WASITestSupport.compile("echo_server")
        let port = try Loopback.freePort()
        let server = Process()
        server.executableURL = try BuiltExecutable.named("swiftlet")
        server.arguments = ["run", "--tcplisten", "127.0.0.1:\(port)", module.path]
        let output = Pipe()
        server.standardOutput = output
        server.standardError = output
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        // Clients connect only once the server has seen its first accept find nobody (EAGAIN).
        var transcript = ""
        while !transcript.contains("listener flags=") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            transcript += String(decoding: chunk, as: UTF8.self)
        }

        let long = String(repeating: "0123456789abcdef", count: 4096)
        #expect(try Self.exchange("hello, echo\n", port: port) == "hello, echo\n")
        #expect(try Self.exchange(long, port: port) == long)
        server.waitUntilExit()
        transcript += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(server.terminationStatus == 0)
        #expect(
            transcript == """
                __wasi_fd_fdstat_get(3, &stat) -> 0
                listener filetype=6
                __wasi_sock_shutdown(0, __WASI_SDFLAGS_WR) -> 57
                __wasi_sock_accept(3, 0, &none) -> 6
                listener flags=4
                accepted, filetype=6
                peek -> 0 [hel]
                __wasi_sock_shutdown(connection, __WASI_SDFLAGS_WR) -> 0
                __wasi_fd_close(connection) -> 0
                served 12 bytes
                accepted, filetype=6
                peek -> 0 [012]
                __wasi_sock_shutdown(connection, __WASI_SDFLAGS_WR) -> 0
                __wasi_fd_close(connection) -> 0
                served 65536 bytes

                """)
    }

    @Test func unusableListenAddressIsAClearError() throws {
        let module = try WASITestSupport.compile("echo_server")
        let result = try WASITestSupport.run(try BuiltExecutable.named("swiftlet"), ["run", "--tcplisten", "localhost", module.path])
        #expect(result.status != 0)
        #expect(result.standardError.contains("--tcplisten `localhost`: expected HOST:PORT"))
    }
}
