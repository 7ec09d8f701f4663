/// Checks a `field-line` (RFC 9112 §5) one byte at a time, so a bad header is refused the moment its
/// first offending byte arrives, and value bytes are looked at once, in the same pass that finds CRLF.
///
/// The single implementation of header-line syntax: used for request heads, response heads and
/// chunked trailers alike. CR and LF are the caller's business; it passes every other byte.
struct FieldLineValidator: Sendable, Equatable {
    private enum Phase: Sendable, Equatable {
        case lineStart
        case name
        case whitespaceAfterName
        case value
    }

    private var phase = Phase.lineStart
    /// Bytes of the field name so far; in a complete line, the colon follows them.
    private(set) var nameLength = 0

    /// Nothing of the line has been seen: at CRLF, this is the empty line that ends the section.
    var isAtLineStart: Bool { phase == .lineStart }

    /// The colon has been seen: the remaining bytes of the line are value bytes.
    var isInValue: Bool { phase == .value }

    mutating func check(_ byte: UInt8) throws(HTTPHeadError) {
        switch phase {
        case .lineStart:
            // RFC 9112 §5.2: obs-fold is rejected outright; unfolding it is how proxy and daemon disagree.
            if ASCII.isWhitespace(byte) { throw .obsFold }
            guard ASCII.isTokenChar(byte) else { throw .invalidHeaderName }
            phase = .name
            nameLength = 1
        case .name:
            if ASCII.isTokenChar(byte) {
                nameLength += 1
            } else if byte == ASCII.colon {
                phase = .value
            } else if ASCII.isWhitespace(byte) {
                phase = .whitespaceAfterName
            } else {
                throw .invalidHeaderName
            }
        case .whitespaceAfterName:
            // RFC 9112 §5.1: "No whitespace is allowed between the field name and colon" (MUST reject, 400).
            if byte == ASCII.colon { throw .whitespaceBeforeColon }
            // Otherwise the whitespace was inside the name ("X A: b").
            guard ASCII.isWhitespace(byte) else { throw .invalidHeaderName }
        case .value:
            // RFC 9110 §5.5: CR, LF and NUL MUST be rejected or replaced; dockgate rejects every CTL but HTAB.
            if ASCII.isForbiddenInFieldValue(byte) { throw .controlCharacter }
        }
    }

    /// Called at the CRLF ending the line: a non-empty line must have had its colon.
    func checkEndOfLine() throws(HTTPHeadError) {
        switch phase {
        case .lineStart, .value: return
        case .name, .whitespaceAfterName: throw .invalidHeaderName
        }
    }
}
