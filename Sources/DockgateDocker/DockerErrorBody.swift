/// Error responses in the exact shape the docker CLI prints well: `Content-Type: application/json`
/// (no charset, or the CLI prints raw JSON) and a non-empty `{"message":"…"}` body (PROTOCOL.md §6).
public enum DockerErrorBody {
    /// A complete response. For a HEAD request (`omitBody`) the head still states the length of
    /// the body a GET would have had, and no body follows (RFC 9110 §9.3.2).
    public static func response(status: Int, message: String, closeConnection: Bool, omitBody: Bool = false) -> [UInt8] {
        let body = "{\"message\":\(jsonString(message))}\n"
        var head = "HTTP/1.1 \(status) \(reasonPhrase(status))\r\n"
        head += "Content-Type: application/json\r\n"
        head += "Content-Length: \(body.utf8.count)\r\n"
        if closeConnection { head += "Connection: close\r\n" }
        head += "\r\n"
        return Array((omitBody ? head : head + body).utf8)
    }

    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 413: "Request Entity Too Large"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Error"
        }
    }

    /// A JSON string literal; every control character escaped, so no message can break the framing.
    public static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += unicodeEscape(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// `\uXXXX` for a code point below U+10000.
private func unicodeEscape(_ value: UInt32) -> String {
    let hex = String(value, radix: 16)
    return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
}
