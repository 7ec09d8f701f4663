import DockgateHTTP
import Testing

@Suite("Response heads: framing per RFC 9112 §6.3 and rejection")
struct ResponseHeadParserTests {
    /// A 200 with Content-Length is framed by it, keeps the connection, and reports every field.
    @Test func contentLength() {
        let text = "HTTP/1.1 200 OK\r\nApi-Version: 1.45\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n"
        let expected = ResponseHead(
            version: .http11,
            status: 200,
            reason: "OK",
            headers: HTTPHeaders([
                (name: "Api-Version", value: "1.45"),
                (name: "Content-Type", value: "application/json"),
                (name: "Content-Length", value: "2"),
            ]),
            framing: .contentLength(2),
            headLength: text.utf8.count,
            isInterim: false,
            isRawStream: false,
            isKeepAlive: true
        )
        #expect(response(text) == .head(expected))
    }

    /// A chunked response (events, logs, pull progress) is framed as chunked and keeps the connection.
    @Test func chunked() {
        let head = expectHead(
            response("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        )
        #expect(head?.framing == .chunked)
        #expect(head?.isKeepAlive == true)
    }

    /// Without Content-Length or Transfer-Encoding the body runs to EOF, so the connection cannot be reused.
    @Test func closeDelimited() {
        let head = expectHead(response("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n"))
        #expect(head?.framing == .closeDelimited)
        #expect(head?.isKeepAlive == false)
        #expect(head?.isRawStream == true)
    }

    /// A response to HEAD has no body whatever its Content-Length says (the CLI's `HEAD /_ping`).
    @Test func headRequest() {
        let head = expectHead(
            response("HTTP/1.1 200 OK\r\nApi-Version: 1.45\r\nContent-Length: 2\r\n\r\n", method: "HEAD")
        )
        #expect(head?.framing == ResponseBodyFraming.none)
        #expect(head?.isKeepAlive == true)
        #expect(
            expectHead(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", method: "HEAD"))?.framing
                == ResponseBodyFraming.none
        )
    }

    /// 204 and 304 have no body, even with Content-Type (dockerd's 304) or Content-Length.
    @Test(arguments: [
        "HTTP/1.1 204 No Content\r\nServer: Docker/28.0.0 (linux)\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Type: application/json\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 40\r\n\r\n",
    ])
    func noContentStatuses(text: String) {
        let head = expectHead(response(text, method: "POST"))
        #expect(head?.framing == ResponseBodyFraming.none)
        #expect(head?.isInterim == false)
        #expect(head?.isKeepAlive == true)
    }

    /// A 101 turns the connection into a tunnel; its Content-Length: 0 is ignored and no response follows.
    @Test func switchingProtocols() {
        let head = expectHead(
            response(
                "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n",
                method: "POST"
            )
        )
        #expect(head?.framing == .switchingProtocols)
        #expect(head?.isInterim == false)
        #expect(head?.isKeepAlive == false)
        #expect(head?.isRawStream == true)
    }

    /// A 100 Continue is interim and bodiless, and the final head that follows it parses after a reset.
    @Test func continueThenFinal() throws {
        let buffer = bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        var parser = ResponseHeadParser()
        let interim = try #require(try parser.parse(buffer[...], requestMethod: "PUT"))
        #expect(interim.status == 100)
        #expect(interim.isInterim)
        #expect(interim.framing == ResponseBodyFraming.none)
        parser.reset()
        let final = try #require(try parser.parse(buffer[interim.headLength...], requestMethod: "PUT"))
        #expect(final.status == 200)
        #expect(!final.isInterim)
        #expect(final.framing == .contentLength(0))
        #expect(interim.headLength + final.headLength == buffer.count)
    }

    /// Other 1xx codes (102, 103) are interim too.
    @Test func earlyHints() {
        let head = expectHead(response("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"))
        #expect(head?.isInterim == true)
        #expect(head?.framing == ResponseBodyFraming.none)
    }

    /// An HTTP/1.0 response or `Connection: close` ends the connection after the body.
    @Test func notKeepAlive() {
        #expect(expectHead(response("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"))?.isKeepAlive == false)
        #expect(
            expectHead(response("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))?.isKeepAlive
                == false
        )
        #expect(expectHead(response("HTTP/1.0 200 OK\r\n\r\n"))?.framing == .closeDelimited)
    }

    /// The reason may be empty, with or without the SP after the code (Go writes "HTTP/1.1 200 OK").
    @Test(arguments: ["HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"])
    func emptyReason(text: String) {
        let head = expectHead(response(text))
        #expect(head?.status == 200)
        #expect(head?.reason == "")
    }

    /// The reason phrase is kept as sent, including inner spaces.
    @Test func reasonKept() {
        #expect(expectHead(response("HTTP/1.1 404 Not  Found\r\nContent-Length: 0\r\n\r\n"))?.reason == "Not  Found")
    }

    /// The raw-stream media type is matched case-insensitively, ignoring parameters; the multiplexed one is not raw.
    @Test func rawStreamMediaType() {
        #expect(
            expectHead(response("HTTP/1.1 200 OK\r\nContent-Type: Application/VND.Docker.Raw-Stream ; x=y\r\n\r\n"))?
                .isRawStream == true
        )
        #expect(
            expectHead(response("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n\r\n"))?
                .isRawStream == false
        )
        #expect(
            expectHead(response("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-streamx\r\n\r\n"))?
                .isRawStream == false
        )
    }

    static let rejections: [Rejection] = [
        Rejection("two-digit code", "HTTP/1.1 20 OK\r\n\r\n", .malformedStatusLine),
        Rejection("four-digit code", "HTTP/1.1 2000 OK\r\n\r\n", .malformedStatusLine),
        Rejection("double space", "HTTP/1.1  200 OK\r\n\r\n", .malformedStatusLine),
        Rejection("code below 100", "HTTP/1.1 099 Odd\r\n\r\n", .malformedStatusLine),
        Rejection("code above 599", "HTTP/1.1 600 Odd\r\n\r\n", .malformedStatusLine),
        Rejection("no code", "HTTP/1.1\r\n\r\n", .malformedStatusLine),
        Rejection("not HTTP", "XTTP/1.1 200 OK\r\n\r\n", .malformedStatusLine),
        Rejection("leading empty line", "\r\nHTTP/1.1 200 OK\r\n\r\n", .malformedStatusLine),
        Rejection("tab after version", "HTTP/1.1\t200 OK\r\n\r\n", .malformedStatusLine),
        Rejection("HTTP/2", "HTTP/2.0 200 OK\r\n\r\n", .unsupportedVersion),
        Rejection("control character in reason", "HTTP/1.1 200 O\u{01}K\r\n\r\n", .controlCharacter),
        Rejection("obs-fold", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n", .obsFold),
        Rejection("space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", .whitespaceBeforeColon),
        Rejection("bad name", "HTTP/1.1 200 OK\r\nX/A: a\r\n\r\n", .invalidHeaderName),
        Rejection("control character in value", "HTTP/1.1 200 OK\r\nX-A: \u{00}\r\n\r\n", .controlCharacter),
        Rejection("bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", .bareLineFeedOrCarriageReturn),
        Rejection(
            "CL and TE",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            .contentLengthAndTransferEncoding
        ),
        Rejection(
            "CL and TE on a 204",
            "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
            .contentLengthAndTransferEncoding
        ),
        Rejection(
            "conflicting lengths",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n",
            .conflictingContentLengths
        ),
        Rejection("invalid length", "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", .invalidContentLength),
        Rejection(
            "gzip, chunked",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            .unsupportedTransferEncoding
        ),
        Rejection(
            "chunked on HTTP/1.0",
            "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            .unsupportedTransferEncoding
        ),
    ]

    /// Every malformed or ambiguous response head is refused with its exact error (the proxy answers 502).
    @Test(arguments: rejections)
    func rejected(_ rejection: Rejection) {
        #expect(response(rejection.text) == .failed(rejection.error))
    }

    /// A response head over the limit is refused.
    @Test func headTooLarge() {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        #expect(expectHead(response(text, maxHeadBytes: text.utf8.count))?.headLength == text.utf8.count)
        #expect(response(text, maxHeadBytes: 20) == .failed(.headTooLarge(limit: 20)))
    }
}
