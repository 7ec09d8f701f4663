/// The two HTTP versions dockgate speaks on either side; anything else is refused (RFC 9112 §2.3).
public enum HTTPVersion: Equatable, Sendable {
    case http10
    case http11
}

extension HTTPVersion {
    /// Outcome of reading an `HTTP-version` token from a start line.
    enum ParseResult {
        case version(HTTPVersion)
        /// Well-formed `HTTP/DIGIT.DIGIT`, but not 1.0 or 1.1.
        case unsupported
        case malformed
    }

    /// Reads `HTTP-version = HTTP-name "/" DIGIT "." DIGIT` (RFC 9112 §2.3); `HTTP-name` is case-sensitive.
    static func parse(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> ParseResult {
        guard bytes.count == 8 else { return .malformed }
        let b = bytes.startIndex
        guard bytes[b] == 0x48, bytes[b + 1] == 0x54, bytes[b + 2] == 0x54, bytes[b + 3] == 0x50,  // "HTTP"
            bytes[b + 4] == ASCII.slash, ASCII.isDigit(bytes[b + 5]), bytes[b + 6] == ASCII.period,
            ASCII.isDigit(bytes[b + 7])
        else { return .malformed }
        switch (bytes[b + 5], bytes[b + 7]) {
        case (ASCII.digit1, ASCII.digit0): return .version(.http10)
        case (ASCII.digit1, ASCII.digit1): return .version(.http11)
        default: return .unsupported
        }
    }
}
