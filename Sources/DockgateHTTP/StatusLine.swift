/// A validated `status-line = HTTP-version SP status-code SP [ reason-phrase ]` (RFC 9112 §4).
struct StatusLine: Sendable {
    var version: HTTPVersion
    var status: Int
    var reason: String

    /// Validates one status line (without its CRLF); `HTTP/1.1 200` without the second SP is accepted too.
    init(_ line: Slice<UnsafeBufferPointer<UInt8>>) throws(HTTPHeadError) {
        var versionEnd = line.startIndex
        while versionEnd < line.endIndex, line[versionEnd] != ASCII.space { versionEnd += 1 }
        switch HTTPVersion.parse(line[line.startIndex..<versionEnd]) {
        case .version(let parsed): version = parsed
        case .unsupported: throw .unsupportedVersion
        case .malformed: throw .malformedStatusLine
        }

        let codeStart = versionEnd + 1
        guard line.endIndex - codeStart >= 3 else { throw .malformedStatusLine }
        var code = 0
        for byte in line[codeStart..<(codeStart + 3)] {
            guard ASCII.isDigit(byte) else { throw .malformedStatusLine }
            code = code * 10 + Int(byte &- ASCII.digit0)
        }
        // RFC 9110 §15: status codes are 100...599; anything else has no defined framing.
        guard (100...599).contains(code) else { throw .malformedStatusLine }
        status = code

        let afterCode = codeStart + 3
        guard afterCode < line.endIndex else {
            reason = ""
            return
        }
        guard line[afterCode] == ASCII.space else { throw .malformedStatusLine }
        let reasonBytes = line[(afterCode + 1)...]
        // RFC 9112 §4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ).
        for byte in reasonBytes where ASCII.isForbiddenInFieldValue(byte) { throw .controlCharacter }
        reason = ASCII.decodeText(reasonBytes)
    }
}
