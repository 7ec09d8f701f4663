/// A validated `request-line = method SP request-target SP HTTP-version` (RFC 9112 §3).
struct RequestLine: Sendable {
    var method: String
    var target: String
    var version: HTTPVersion

    /// Validates one request line (without its CRLF), with exactly one SP between its three parts.
    init(_ line: Slice<UnsafeBufferPointer<UInt8>>) throws(HTTPHeadError) {
        var methodEnd = line.startIndex
        while methodEnd < line.endIndex, ASCII.isTokenChar(line[methodEnd]) { methodEnd += 1 }
        guard methodEnd > line.startIndex, methodEnd < line.endIndex, line[methodEnd] == ASCII.space else {
            throw .malformedRequestLine
        }
        let targetStart = methodEnd + 1
        var lastSpace = line.endIndex - 1
        while lastSpace >= targetStart, line[lastSpace] != ASCII.space { lastSpace -= 1 }
        // Only one SP: an HTTP/0.9 "GET /" line, or no version at all.
        guard lastSpace >= targetStart else { throw .malformedRequestLine }

        switch HTTPVersion.parse(line[(lastSpace + 1)...]) {
        case .version(let parsed): version = parsed
        case .unsupported: throw .unsupportedVersion
        case .malformed: throw .malformedRequestLine
        }

        let target = line[targetStart..<lastSpace]
        // RFC 9112 §3: exactly one SP; a doubled SP is refused rather than collapsed (HAProxy does the same).
        guard let first = target.first, let last = target.last, first != ASCII.space, last != ASCII.space else {
            throw .malformedRequestLine
        }
        let methodBytes = line[line.startIndex..<methodEnd]
        try Self.validateTarget(target, method: methodBytes)

        method = String(decoding: methodBytes, as: UTF8.self)
        self.target = String(decoding: target, as: UTF8.self)
    }

    /// Accepts only origin-form (RFC 9112 §3.2.1) and `*` for OPTIONS (§3.2.4).
    private static func validateTarget(
        _ target: Slice<UnsafeBufferPointer<UInt8>>,
        method: Slice<UnsafeBufferPointer<UInt8>>
    ) throws(HTTPHeadError) {
        for byte in target {
            switch byte {
            // An inner SP would make the line's three parts ambiguous.
            case ASCII.space: throw .invalidTarget
            case 0x00..<0x20, ASCII.delete: throw .controlCharacter
            // Non-ASCII must arrive percent-encoded (RFC 3986 §2.1); '#' never belongs to a request-target,
            // and Go keeps it in the path while a URL parser would cut a fragment: policy would see another path.
            case 0x80..., ASCII.hash: throw .invalidTarget
            default: continue
            }
        }
        let first = target[target.startIndex]
        if first == ASCII.slash {
            // "//x": Go routes it as a path, while generic URL parsers read "x" as an authority.
            if target.count > 1, target[target.startIndex + 1] == ASCII.slash { throw .invalidTarget }
            return
        }
        if target.count == 1, first == ASCII.asterisk {
            guard method.elementsEqual("OPTIONS".utf8) else { throw .invalidTarget }
            return
        }
        if hasSchemePrefix(target) { throw .absoluteFormTarget }
        // Authority-form (CONNECT host:port) or anything else.
        throw .invalidTarget
    }

    /// Whether `target` starts with `scheme "://"` (RFC 3986 §3.1), i.e. is absolute-form.
    private static func hasSchemePrefix(_ target: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        var index = target.startIndex
        guard ASCII.lowercased(target[index]) &- 0x61 < 26 else { return false }
        index += 1
        while index < target.endIndex {
            let byte = target[index]
            let isSchemeChar =
                ASCII.lowercased(byte) &- 0x61 < 26 || ASCII.isDigit(byte) || byte == 0x2B || byte == 0x2D
                || byte == ASCII.period
            if !isSchemeChar { break }
            index += 1
        }
        return target.endIndex - index >= 3 && target[index] == ASCII.colon && target[index + 1] == ASCII.slash
            && target[index + 2] == ASCII.slash
    }
}
