import NIOCore
import NIOHTTP1
import Swiftlet

/// The request as a WAGI module sees it: CGI 1.1 variables (RFC 3875) with WAGI's additions (X_MATCHED_ROUTE,
/// X_FULL_URL, X_RAW_PATH_INFO), and each request header as HTTP_NAME. The route's own variables follow the CGI ones,
/// so a CGI variable wins where both name the same (`getenv` finds the first).
enum CGIEnvironment {
    static func variables(for job: Job, route: Route, serverHost: String, serverPort: Int) -> [String] {
        let head = job.head
        let uri = head.uri
        let pathInfo = uri[job.scriptNameEnd..<job.pathEnd]
        let query = job.pathEnd < uri.endIndex ? uri[uri.utf8.index(after: job.pathEnd)...] : ""
        let host = head.headers.first(name: "host")
        let remoteAddress = job.remoteAddress?.ipAddress ?? ""
        var variables: [String] = []
        variables.reserveCapacity(18 + head.headers.count + route.environment.count)
        variables.append("REQUEST_METHOD=\(head.method.rawValue)")
        variables.append("SCRIPT_NAME=\(uri[..<job.scriptNameEnd])")
        variables.append("PATH_INFO=\(percentDecoded(pathInfo))")
        variables.append("X_RAW_PATH_INFO=\(pathInfo)")
        variables.append("QUERY_STRING=\(query)")
        variables.append("CONTENT_TYPE=\(head.headers.first(name: "content-type") ?? "")")
        variables.append("CONTENT_LENGTH=\(job.body.readableBytes)")
        variables.append("SERVER_NAME=\(host.map(hostName) ?? serverHost[...])")
        variables.append("SERVER_PORT=\(serverPort)")
        variables.append("SERVER_PROTOCOL=HTTP/\(head.version.major).\(head.version.minor)")
        variables.append("SERVER_SOFTWARE=swiftlet/\(swiftletVersion)")
        variables.append("GATEWAY_INTERFACE=CGI/1.1")
        variables.append("REMOTE_ADDR=\(remoteAddress)")
        variables.append("REMOTE_HOST=\(remoteAddress)")
        variables.append("X_MATCHED_ROUTE=\(route.path)")
        variables.append("X_FULL_URL=http://\(host ?? "\(serverHost):\(serverPort)")\(uri)")
        for (index, (name, value)) in head.headers.enumerated() {
            // Given above as CONTENT_*; `Proxy` would become HTTP_PROXY, which programs take for their proxy (httpoxy).
            if name.caseInsensitiveEquals("content-type") || name.caseInsensitiveEquals("content-length")
                || name.caseInsensitiveEquals("proxy")
            {
                continue
            }
            // A repeated header is one variable, its values joined as CGI has them; given at its first occurrence.
            if head.headers.prefix(index).contains(where: { $0.name.caseInsensitiveEquals(name) }) { continue }
            let isRepeated = head.headers.dropFirst(index + 1).contains { $0.name.caseInsensitiveEquals(name) }
            variables.append(
                "\(variableName(ofHeader: name))=\(isRepeated ? head.headers[name].joined(separator: ", ") : value)")
        }
        variables += route.environment
        return variables
    }

    /// `User-Agent` → `HTTP_USER_AGENT`.
    private static func variableName(ofHeader name: String) -> String {
        let prefix = "HTTP_".utf8
        return String(unsafeUninitializedCapacity: prefix.count + name.utf8.count) { buffer in
            var count = 0
            for byte in prefix {
                buffer[count] = byte
                count += 1
            }
            for byte in name.utf8 {
                let isLowercase = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
                buffer[count] = byte == UInt8(ascii: "-") ? UInt8(ascii: "_") : isLowercase ? byte - 32 : byte
                count += 1
            }
            return count
        }
    }

    /// The host of a Host header, without its port (`[::1]:8080` → `[::1]`).
    private static func hostName(_ header: String) -> Substring {
        guard let colon = header.utf8.lastIndex(of: UInt8(ascii: ":")), !header[colon...].contains("]") else {
            return header[...]
        }
        return header[..<colon]
    }

    /// `%XX` escapes decoded, as CGI gives PATH_INFO; bytes that are not UTF-8 become U+FFFD.
    static func percentDecoded(_ text: Substring) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            let high = iterator.next(), low = iterator.next()
            if let high, let low, let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
                if let high { bytes.append(high) }
                if let low { bytes.append(low) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The response a WAGI module writes to stdout: CGI header lines (RFC 3875 6.3: `Content-Type`, `Status: NNN Reason`,
/// `Location`, and any other header to pass on), a blank line, then the body. Lines end in LF or CRLF.
enum CGIResponse {
    /// The head the module's header lines describe, with `output`'s reader index moved to the body; nil when the
    /// output has no header block or a header that could not go on the wire.
    static func head(consumingFrom output: inout ByteBuffer) -> HTTPResponseHead? {
        let parsed = output.withUnsafeReadableBytes { bytes -> (HTTPResponseHead, Int)? in
            var headers = HTTPHeaders()
            var status: HTTPResponseStatus?
            var lineStart = 0
            while let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
                defer { lineStart = newline + 1 }
                var lineEnd = newline
                if lineEnd > lineStart && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                if lineEnd == lineStart {
                    // CGI: a Location without a Status is a redirect.
                    let found = status ?? (headers.contains(name: "location") ? .found : .ok)
                    return (HTTPResponseHead(version: .http1_1, status: found, headers: headers), newline + 1)
                }
                let line = bytes[lineStart..<lineEnd]
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > lineStart,
                    line[..<colon].allSatisfy(isTokenByte)
                else { return nil }
                var value = line[(colon + 1)...]
                while let first = value.first, first == 32 || first == 9 { value = value.dropFirst() }
                while let last = value.last, last == 32 || last == 9 { value = value.dropLast() }
                // No control characters in a value (a stray CR would split the response).
                guard value.allSatisfy({ $0 >= 32 && $0 != 127 || $0 == 9 }) else { return nil }
                let name = line[..<colon]
                if equalsIgnoringCase(name, "status") {
                    guard let parsed = parseStatus(value) else { return nil }
                    status = parsed
                } else if !equalsIgnoringCase(name, "content-length") && !equalsIgnoringCase(name, "connection")
                    && !equalsIgnoringCase(name, "transfer-encoding")
                {
                    // The server frames the body and manages the connection itself.
                    headers.add(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
                }
            }
            return nil
        }
        guard let (head, consumed) = parsed else { return nil }
        output.moveReaderIndex(forwardBy: consumed)
        return head
    }

    /// A response of the server's own for a request the module did not answer.
    static func failure(_ status: HTTPResponseStatus) -> (HTTPResponseHead, ByteBuffer) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/plain")
        return (
            HTTPResponseHead(version: .http1_1, status: status, headers: headers),
            ByteBuffer(string: status.reasonPhrase + "\n")
        )
    }

    /// `NNN` or `NNN Reason`, NNN from 100 to 599.
    private static func parseStatus(_ value: Slice<UnsafeRawBufferPointer>) -> HTTPResponseStatus? {
        guard value.count >= 3, value.prefix(3).allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let code = value.prefix(3).reduce(0) { $0 * 10 + Int($1 - 48) }
        guard (100...599).contains(code), value.count == 3 || value[value.startIndex + 3] == 32 else { return nil }
        let reason = value.dropFirst(4)
        // NIO's init(statusCode:reasonPhrase:) would give a known code its standard phrase: the module's stands.
        return reason.isEmpty
            ? HTTPResponseStatus(statusCode: code)
            : .custom(code: UInt(code), reasonPhrase: String(decoding: reason, as: UTF8.self))
    }

    /// RFC 9110's `tchar`: what a header name may hold.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func equalsIgnoringCase(_ bytes: Slice<UnsafeRawBufferPointer>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return zip(bytes, UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount))
            .allSatisfy { $0 | 0x20 == $1 || $0 == $1 }
    }
}

extension String {
    /// ASCII case-insensitive equality, as header names compare.
    fileprivate func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count
            && zip(utf8, other.utf8).allSatisfy { a, b in
                a == b || (a | 0x20 == b | 0x20 && a | 0x20 >= UInt8(ascii: "a") && a | 0x20 <= UInt8(ascii: "z"))
            }
    }
}
