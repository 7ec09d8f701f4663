import DockgateHTTP
import Testing

/// A request with the given request line and a valid Host.
private func line(_ requestLine: String) -> String {
    "\(requestLine)\r\nHost: x\r\n\r\n"
}

/// A GET request carrying the given header lines (each without CRLF) after a valid Host.
private func fields(_ lines: String...) -> String {
    "POST /x HTTP/1.1\r\nHost: x\r\n" + lines.map { $0 + "\r\n" }.joined() + "\r\n"
}

@Suite("Request heads that must be rejected, each with its exact error")
struct RequestHeadRejectionTests {
    static let requestLines: [Rejection] = [
        Rejection("double space after method", line("GET  / HTTP/1.1"), .malformedRequestLine),
        Rejection("double space before version", line("GET /  HTTP/1.1"), .malformedRequestLine),
        Rejection("trailing space", line("GET / HTTP/1.1 "), .malformedRequestLine),
        Rejection("leading space", line(" GET / HTTP/1.1"), .malformedRequestLine),
        Rejection("tab as separator", line("GET\t/ HTTP/1.1"), .malformedRequestLine),
        Rejection("HTTP/0.9 line", line("GET /"), .malformedRequestLine),
        Rejection("method only", line("GET"), .malformedRequestLine),
        Rejection("method not a token", line("G(T / HTTP/1.1"), .malformedRequestLine),
        Rejection("lower-case HTTP-name", line("GET / http/1.1"), .malformedRequestLine),
        Rejection("two-digit major version", line("GET / HTTP/11.1"), .malformedRequestLine),
        Rejection("version garbage", line("GET / HTTP/1.1x"), .malformedRequestLine),
        Rejection(
            "too many leading empty lines",
            "\r\n\r\n\r\n\r\n\r\n" + line("GET / HTTP/1.1"),
            .malformedRequestLine
        ),
        Rejection("HTTP/2.0", line("GET / HTTP/2.0"), .unsupportedVersion),
        Rejection("HTTP/1.2", line("GET / HTTP/1.2"), .unsupportedVersion),
        Rejection("HTTP/0.9 with version", line("GET / HTTP/0.9"), .unsupportedVersion),
    ]

    /// Every request line that is not exactly `token SP target SP HTTP/1.x` is refused with its error.
    @Test(arguments: requestLines)
    func requestLine(_ rejection: Rejection) {
        #expect(request(rejection.text) == .failed(rejection.error))
    }

    static let targets: [Rejection] = [
        Rejection("absolute form", line("GET http://h/x HTTP/1.1"), .absoluteFormTarget),
        Rejection(
            "absolute form, upper-case scheme",
            line("GET HTTPS://h:2376/v1.45/info HTTP/1.1"),
            .absoluteFormTarget
        ),
        Rejection("asterisk for GET", line("GET * HTTP/1.1"), .invalidTarget),
        Rejection("authority form", line("CONNECT docker:2376 HTTP/1.1"), .invalidTarget),
        Rejection("relative path", line("GET containers/json HTTP/1.1"), .invalidTarget),
        Rejection("space inside target", line("GET /a b HTTP/1.1"), .invalidTarget),
        Rejection("fragment", line("GET /containers/x#/../y HTTP/1.1"), .invalidTarget),
        Rejection("network-path reference", line("GET //evil/x HTTP/1.1"), .invalidTarget),
        Rejection("non-ASCII byte", line("GET /caf\u{E9} HTTP/1.1"), .invalidTarget),
        Rejection("control character", line("GET /a\u{01}b HTTP/1.1"), .controlCharacter),
        Rejection("tab", line("GET /a\tb HTTP/1.1"), .controlCharacter),
        Rejection("NUL", line("GET /a\u{00} HTTP/1.1"), .controlCharacter),
        Rejection("DEL", line("GET /a\u{7F} HTTP/1.1"), .controlCharacter),
    ]

    /// Only origin-form targets of visible ASCII are accepted (RFC 9112 §3.2).
    @Test(arguments: targets)
    func target(_ rejection: Rejection) {
        #expect(request(rejection.text) == .failed(rejection.error))
    }

    /// Bytes outside ASCII in any request header value: Go's Unicode TrimSpace and ToLower read
    /// them differently (U+0085, U+00A0, U+2028 are spaces to Go, "\u{212A}" lower-cases to "k").
    static let nonASCIIValues: [Rejection] = [
        Rejection("NEL after a form type", fields("Content-Type: application/x-www-form-urlencoded\u{85}"), .nonASCIIHeaderValue(name: "Content-Type")),
        Rejection("NBSP before a form type", fields("Content-Type: \u{A0}application/x-www-form-urlencoded"), .nonASCIIHeaderValue(name: "Content-Type")),
        Rejection("LINE SEPARATOR in Content-Type", fields("Content-Type: multipart/form-data\u{2028}"), .nonASCIIHeaderValue(name: "Content-Type")),
        Rejection("Kelvin sign in Upgrade", fields("Upgrade: tc\u{212A}"), .nonASCIIHeaderValue(name: "Upgrade")),
        Rejection("non-ASCII Connection", fields("Connection: clos\u{E9}"), .nonASCIIHeaderValue(name: "Connection")),
        Rejection("UTF-8 in an unknown header", fields("X-A: caf\u{E9}"), .nonASCIIHeaderValue(name: "X-A")),
        Rejection("two Content-Types", fields("Content-Type: application/json", "Content-Type: application/x-www-form-urlencoded"), .multipleContentTypes),
    ]

    @Test(arguments: nonASCIIValues)
    func nonASCIIValue(_ rejection: Rejection) {
        #expect(request(rejection.text) == .failed(rejection.error))
    }

    static let fieldLines: [Rejection] = [
        Rejection("obs-fold with SP", fields("X-A: a", " b"), .obsFold),
        Rejection("obs-fold with HTAB", fields("X-A: a", "\tb"), .obsFold),
        Rejection("obs-fold as first field", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", .obsFold),
        Rejection("space before colon", fields("Content-Length : 5"), .whitespaceBeforeColon),
        Rejection("tab before colon", fields("Transfer-Encoding\t: chunked"), .whitespaceBeforeColon),
        Rejection("empty name", fields(": x"), .invalidHeaderName),
        Rejection("space inside name", fields("X A: x"), .invalidHeaderName),
        Rejection("no colon", fields("X-A"), .invalidHeaderName),
        Rejection("separator in name", fields("X(A): x"), .invalidHeaderName),
        Rejection("non-ASCII in name", fields("X-\u{E9}: x"), .invalidHeaderName),
        Rejection("NUL in value", fields("X-A: a\u{00}b"), .controlCharacter),
        Rejection("ESC in value", fields("X-A: a\u{1B}b"), .controlCharacter),
        Rejection("DEL in value", fields("X-A: a\u{7F}"), .controlCharacter),
        Rejection("vertical tab in value", fields("X-A: \u{0B}"), .controlCharacter),
    ]

    /// Header lines follow RFC 9112 §5: token name, colon right after it, no obs-fold, no CTL but HTAB.
    @Test(arguments: fieldLines)
    func fieldLine(_ rejection: Rejection) {
        #expect(request(rejection.text) == .failed(rejection.error))
    }

    static let lineEndings: [Rejection] = [
        Rejection("bare LF after request line", "GET / HTTP/1.1\nHost: x\r\n\r\n", .bareLineFeedOrCarriageReturn),
        Rejection("bare LF after field", "GET / HTTP/1.1\r\nHost: x\n\r\n", .bareLineFeedOrCarriageReturn),
        Rejection("bare LF as final line", "GET / HTTP/1.1\r\nHost: x\r\n\n", .bareLineFeedOrCarriageReturn),
        Rejection("bare LF leading line", "\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", .bareLineFeedOrCarriageReturn),
        Rejection("bare CR inside value", "GET / HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n", .bareLineFeedOrCarriageReturn),
        Rejection("bare CR inside target", "GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n", .bareLineFeedOrCarriageReturn),
        Rejection("CR CR LF", "GET / HTTP/1.1\r\r\nHost: x\r\n\r\n", .bareLineFeedOrCarriageReturn),
    ]

    /// Lines end with CRLF only; a lone LF or CR anywhere in the head is refused (RFC 9112 §2.2).
    @Test(arguments: lineEndings)
    func lineEnding(_ rejection: Rejection) {
        #expect(request(rejection.text) == .failed(rejection.error))
    }

    static let framing: [Rejection] = [
        Rejection(
            "CL then TE",
            fields("Content-Length: 5", "Transfer-Encoding: chunked"),
            .contentLengthAndTransferEncoding
        ),
        Rejection(
            "TE then CL",
            fields("Transfer-Encoding: chunked", "Content-Length: 5"),
            .contentLengthAndTransferEncoding
        ),
        Rejection(
            "TE then CL 0",
            fields("Transfer-Encoding: chunked", "Content-Length: 0"),
            .contentLengthAndTransferEncoding
        ),
        Rejection("different lengths", fields("Content-Length: 5", "Content-Length: 6"), .conflictingContentLengths),
        Rejection(
            "same value, other text",
            fields("Content-Length: 5", "Content-Length: 05"),
            .conflictingContentLengths
        ),
        Rejection("comma list", fields("Content-Length: 5, 5"), .invalidContentLength),
        Rejection("negative", fields("Content-Length: -1"), .invalidContentLength),
        Rejection("plus sign", fields("Content-Length: +5"), .invalidContentLength),
        Rejection("inner space", fields("Content-Length: 5 5"), .invalidContentLength),
        Rejection("empty", fields("Content-Length: "), .invalidContentLength),
        Rejection("hexadecimal", fields("Content-Length: 0x5"), .invalidContentLength),
        Rejection("decimal point", fields("Content-Length: 5.0"), .invalidContentLength),
        Rejection("overflow", fields("Content-Length: 18446744073709551616"), .invalidContentLength),
        Rejection("huge", fields("Content-Length: 99999999999999999999999"), .invalidContentLength),
        Rejection("gzip", fields("Transfer-Encoding: gzip"), .unsupportedTransferEncoding),
        Rejection("gzip, chunked", fields("Transfer-Encoding: gzip, chunked"), .unsupportedTransferEncoding),
        Rejection(
            "chunked twice in one field",
            fields("Transfer-Encoding: chunked, chunked"),
            .unsupportedTransferEncoding
        ),
        Rejection(
            "chunked in two fields",
            fields("Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
            .unsupportedTransferEncoding
        ),
        Rejection("identity", fields("Transfer-Encoding: identity"), .unsupportedTransferEncoding),
        Rejection("empty", fields("Transfer-Encoding: "), .unsupportedTransferEncoding),
        Rejection("chunked with parameter", fields("Transfer-Encoding: chunked;q=1"), .unsupportedTransferEncoding),
        Rejection("chunked misspelt", fields("Transfer-Encoding: chunke"), .unsupportedTransferEncoding),
        Rejection(
            "chunked on HTTP/1.0",
            "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            .unsupportedTransferEncoding
        ),
    ]

    /// Framing is never guessed: anything a smuggler could exploit is refused (RFC 9112 §6, PROTOCOL §4.3).
    @Test(arguments: framing)
    func bodyFraming(_ rejection: Rejection) {
        #expect(request(rejection.text) == .failed(rejection.error))
    }

    static let hosts: [Rejection] = [
        Rejection("no Host on HTTP/1.1", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", .missingHost),
        Rejection("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", .multipleHosts),
        Rejection("two Host fields, one empty", "GET / HTTP/1.1\r\nHost: \r\nHost: b\r\n\r\n", .multipleHosts),
        Rejection("two Host fields on HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", .multipleHosts),
    ]

    /// RFC 9112 §3.2: HTTP/1.1 needs exactly one Host field.
    @Test(arguments: hosts)
    func host(_ rejection: Rejection) {
        #expect(request(rejection.text) == .failed(rejection.error))
    }

    /// A head one byte over the limit is refused, and so is a head that never ends.
    @Test func headTooLarge() {
        let text = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        let limit = text.utf8.count - 1
        #expect(request(text, maxHeadBytes: limit) == .failed(.headTooLarge(limit: limit)))
        #expect(request(String(repeating: "A", count: 100), maxHeadBytes: 64) == .failed(.headTooLarge(limit: 64)))
    }

    /// With the default limit, a head over 512 KiB is refused as soon as the limit is reached, before it ends.
    @Test func headOverDefaultLimit() throws {
        let value = String(repeating: "a", count: RequestHeadParser.defaultMaxHeadBytes)
        let unfinished = bytes("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(value)")
        var parser = RequestHeadParser()
        let limit = RequestHeadParser.defaultMaxHeadBytes
        #expect(try parser.parse(unfinished[..<(limit - 1)]) == nil)
        #expect(throws: HTTPHeadError.headTooLarge(limit: limit)) { try parser.parse(unfinished[...]) }
    }

    /// The error raised is the first rule broken in byte order, so it does not depend on how bytes arrive.
    @Test func firstViolationWins() {
        #expect(request(fields("X A: b", "Content-Length: x")) == .failed(.invalidHeaderName))
        #expect(request(fields("Content-Length: x", "X A: b")) == .failed(.invalidContentLength))
    }

    /// Invalid bytes are reported as soon as they arrive, without waiting for the end of the head.
    @Test func failsEarly() {
        var parser = RequestHeadParser()
        #expect(throws: HTTPHeadError.obsFold) { try parser.parse(bytes("GET / HTTP/1.1\r\nHost: x\r\n X")[...]) }
        var second = RequestHeadParser()
        #expect(throws: HTTPHeadError.bareLineFeedOrCarriageReturn) { try second.parse(bytes("GET / HTTP/1.1\n")[...]) }
    }

    /// Every error has a one-sentence message for the 400 body.
    @Test func messages() {
        let all: [HTTPHeadError] = [
            .headTooLarge(limit: 10), .malformedRequestLine, .malformedStatusLine, .unsupportedVersion,
            .absoluteFormTarget, .invalidTarget, .obsFold, .whitespaceBeforeColon, .invalidHeaderName,
            .controlCharacter, .bareLineFeedOrCarriageReturn, .contentLengthAndTransferEncoding,
            .conflictingContentLengths, .invalidContentLength, .unsupportedTransferEncoding, .missingHost,
            .multipleHosts,
        ]
        for error in all {
            #expect(!error.message.isEmpty)
            #expect(!error.message.hasSuffix("."))
        }
        #expect(HTTPHeadError.headTooLarge(limit: 10).message.contains("10"))
        #expect(Set(all.map(\.message)).count == all.count)
    }
}
