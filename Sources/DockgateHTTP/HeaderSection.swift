/// The header section of a request or response being parsed: every field as received, plus the facts
/// that decide framing and connection reuse, checked field by field as lines complete.
///
/// Shared by both head parsers so a smuggling rule is written once and applied to both directions.
struct HeaderSection: Sendable {
    /// RFC 9112 §6.1: Transfer-Encoding is an HTTP/1.1 feature; on HTTP/1.0 it is refused.
    let allowsTransferEncoding: Bool

    private(set) var fields: [(name: String, value: String)] = []
    /// The value of the `Content-Length` field(s), when present.
    private(set) var contentLength: UInt64?
    /// Digits in the first `Content-Length`: with the value, this makes "identical duplicate" textual.
    private var contentLengthDigitCount = 0
    /// `Transfer-Encoding: chunked` was present (any other coding has already been refused).
    private(set) var isChunked = false
    private(set) var hostCount = 0
    private(set) var hasConnectionClose = false
    private(set) var hasUpgrade = false
    private(set) var expectsContinue = false
    private(set) var isRawStream = false
    private(set) var contentTypeCount = 0

    init(allowsTransferEncoding: Bool) {
        self.allowsTransferEncoding = allowsTransferEncoding
    }

    /// Records one header line (without its CRLF) already checked by `FieldLineValidator`, and applies
    /// the framing rules to it.
    mutating func append(_ line: Slice<UnsafeBufferPointer<UInt8>>, nameLength: Int) throws(HTTPHeadError) {
        let field = FieldLine(line, nameLength: nameLength)
        try note(field)
        fields.append((name: String(decoding: field.name, as: UTF8.self), value: ASCII.decodeText(field.value)))
    }

    private mutating func note(_ field: FieldLine) throws(HTTPHeadError) {
        let name = field.name
        let value = field.value
        if ASCII.equalsIgnoringCase(name, "content-length") {
            try noteContentLength(value)
        } else if ASCII.equalsIgnoringCase(name, "transfer-encoding") {
            try noteTransferEncoding(value)
        } else if ASCII.equalsIgnoringCase(name, "host") {
            hostCount += 1
        } else if ASCII.equalsIgnoringCase(name, "connection") {
            if Self.listContains(value, "close") { hasConnectionClose = true }
        } else if ASCII.equalsIgnoringCase(name, "upgrade") {
            hasUpgrade = true
        } else if ASCII.equalsIgnoringCase(name, "expect") {
            if ASCII.equalsIgnoringCase(value, "100-continue") { expectsContinue = true }
        } else if ASCII.equalsIgnoringCase(name, "content-type") {
            contentTypeCount += 1
            if contentTypeCount == 1 { isRawStream = Self.mediaTypeIs(value, "application/vnd.docker.raw-stream") }
        }
    }

    /// RFC 9112 §6.3 rule 5 and §6.2: `Content-Length = 1*DIGIT`, duplicates only if identical.
    private mutating func noteContentLength(_ value: Slice<UnsafeBufferPointer<UInt8>>) throws(HTTPHeadError) {
        // RFC 9112 §6.1: a sender MUST NOT send both; a recipient that might forward MUST treat it as an error.
        if isChunked { throw .contentLengthAndTransferEncoding }
        guard !value.isEmpty else { throw .invalidContentLength }
        var number: UInt64 = 0
        for byte in value {
            // No sign, inner space or comma list: "5, 5" is refused (Go net/http does the same).
            guard ASCII.isDigit(byte) else { throw .invalidContentLength }
            let (times10, overflow1) = number.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte &- ASCII.digit0))
            guard !overflow1, !overflow2 else { throw .invalidContentLength }
            number = sum
        }
        if let previous = contentLength {
            // "5" then "05" differ as text; Go compares the text too, so only exact repeats pass.
            guard previous == number, contentLengthDigitCount == value.count else {
                throw .conflictingContentLengths
            }
            return
        }
        contentLength = number
        contentLengthDigitCount = value.count
    }

    /// RFC 9112 §6.1 and §7: only a single `chunked` coding is relayed; anything else is ambiguous to
    /// at least one of client, proxy and daemon.
    private mutating func noteTransferEncoding(_ value: Slice<UnsafeBufferPointer<UInt8>>) throws(HTTPHeadError) {
        if contentLength != nil { throw .contentLengthAndTransferEncoding }
        guard allowsTransferEncoding, !isChunked, ASCII.equalsIgnoringCase(value, "chunked") else {
            throw .unsupportedTransferEncoding
        }
        isChunked = true
    }

    /// Whether a comma-separated list (RFC 9110 §5.6.1) contains `element`, ignoring ASCII case.
    private static func listContains(_ list: Slice<UnsafeBufferPointer<UInt8>>, _ element: StaticString) -> Bool {
        var start = list.startIndex
        while start <= list.endIndex {
            var end = start
            while end < list.endIndex, list[end] != ASCII.comma { end += 1 }
            if ASCII.equalsIgnoringCase(ASCII.trimmingWhitespace(list[start..<end]), element) { return true }
            start = end + 1
        }
        return false
    }

    /// Whether a `Content-Type` value's media type (before any parameters) is `mediaType`, ignoring case.
    private static func mediaTypeIs(_ value: Slice<UnsafeBufferPointer<UInt8>>, _ mediaType: StaticString) -> Bool {
        var end = value.startIndex
        while end < value.endIndex, value[end] != ASCII.semicolon { end += 1 }
        return ASCII.equalsIgnoringCase(ASCII.trimmingWhitespace(value[value.startIndex..<end]), mediaType)
    }
}
