import DockgateHTTP
import Testing

@Suite("Request heads that must be accepted")
struct RequestHeadParserTests {
    /// A plain GET yields every field as sent, no body, keep-alive, and a head length covering CRLF CRLF.
    @Test func validGet() {
        let text =
            "GET /v1.45/containers/json?all=1&filters=%7B%22a%22%7D HTTP/1.1\r\nHost: docker.example.com:2376\r\nUser-Agent: Docker-Client/28.0.0 (linux)\r\nAccept: */*\r\n\r\n"
        let expected = RequestHead(
            method: "GET",
            target: "/v1.45/containers/json?all=1&filters=%7B%22a%22%7D",
            version: .http11,
            headers: HTTPHeaders([
                (name: "Host", value: "docker.example.com:2376"),
                (name: "User-Agent", value: "Docker-Client/28.0.0 (linux)"),
                (name: "Accept", value: "*/*"),
            ]),
            framing: .none,
            headLength: text.utf8.count,
            isUpgrade: false,
            expectsContinue: false,
            isKeepAlive: true
        )
        #expect(request(text) == .head(expected))
    }

    /// A POST with Content-Length is framed by that length.
    @Test func postWithContentLength() {
        let head = expectHead(
            request(
                "POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n"
            )
        )
        #expect(head?.method == "POST")
        #expect(head?.framing == .contentLength(17))
    }

    /// A chunked POST (Go's streamed /build upload) is framed as chunked, whatever the case of the value.
    @Test func chunkedPost() {
        let head = expectHead(
            request(
                "POST /build HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\nContent-Type: application/x-tar\r\n\r\n"
            )
        )
        #expect(head?.framing == .chunked)
    }

    /// `Content-Length: 0` stays a zero length, not "no body" (docker start rejects chunked, PROTOCOL §4.3).
    @Test func zeroContentLength() {
        #expect(
            expectHead(request("POST /containers/x/start HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"))?.framing
                == .contentLength(0)
        )
    }

    /// The largest Content-Length that fits a UInt64 is accepted.
    @Test func maximumContentLength() {
        let head = expectHead(request("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551615\r\n\r\n"))
        #expect(head?.framing == .contentLength(.max))
    }

    /// Identical duplicate Content-Length fields are one length (RFC 9112 §6.3 rule 5).
    @Test func identicalDuplicateContentLengths() {
        let head = expectHead(request("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n"))
        #expect(head?.framing == .contentLength(5))
        #expect(head?.headers.values("Content-Length") == ["5", "5"])
    }

    /// An empty Host is valid (buildx DialHijack sends `Host: `, PROTOCOL §7.1).
    @Test func emptyHostAccepted() {
        let head = expectHead(request("POST /grpc HTTP/1.1\r\nHost: \r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"))
        #expect(head?.headers.first("host") == "")
        #expect(head?.isUpgrade == true)
    }

    /// HTTP/1.0 needs no Host and is never keep-alive.
    @Test func http10() {
        let head = expectHead(request("GET /_ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))
        #expect(head?.version == .http10)
        #expect(head?.isKeepAlive == false)
    }

    /// `Connection: close` anywhere in a Connection list, in any case, ends keep-alive.
    @Test(arguments: ["close", "Close", "keep-alive, CLOSE", " foo ,close "])
    func connectionClose(value: String) {
        #expect(expectHead(request("GET / HTTP/1.1\r\nHost: x\r\nConnection: \(value)\r\n\r\n"))?.isKeepAlive == false)
    }

    /// A Connection list without `close` keeps the connection (a token merely containing "close" does not count).
    @Test func connectionWithoutClose() {
        #expect(
            expectHead(request("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, closed\r\n\r\n"))?.isKeepAlive
                == true
        )
    }

    /// The mere presence of Upgrade marks a hijack candidate, as dockerd hijacks on presence.
    @Test func upgradePresence() {
        let head = expectHead(
            request(
                "POST /v1.45/containers/x/attach?stream=1 HTTP/1.1\r\nHost: x\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n"
            )
        )
        #expect(head?.isUpgrade == true)
        #expect(expectHead(request("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))?.isUpgrade == false)
    }

    /// `Expect: 100-continue` is recognised case-insensitively; other expectations are not.
    @Test func expectContinue() {
        #expect(
            expectHead(request("PUT /x HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n"))?
                .expectsContinue == true
        )
        #expect(
            expectHead(request("PUT /x HTTP/1.1\r\nHost: x\r\nExpect: something\r\nContent-Length: 3\r\n\r\n"))?
                .expectsContinue == false
        )
    }

    /// `OPTIONS *` is the one non-path target allowed (RFC 9112 §3.2.4).
    @Test func optionsAsterisk() {
        #expect(expectHead(request("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"))?.target == "*")
    }

    /// Leading empty lines are skipped (RFC 9112 §2.2) and counted in headLength.
    @Test func leadingEmptyLinesSkipped() {
        let text = "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"
        #expect(expectHead(request(text))?.headLength == text.utf8.count)
    }

    /// Optional whitespace around a value is trimmed; inner whitespace and the name's spelling are kept.
    @Test func valueWhitespaceTrimmed() {
        let head = expectHead(request("GET / HTTP/1.1\r\nHost: x\r\nX-Meta-Foo: \t a  b \t\r\nX-Empty:\r\n\r\n"))
        #expect(head?.headers.fields.map(\.name) == ["Host", "X-Meta-Foo", "X-Empty"])
        #expect(head?.headers.first("x-meta-foo") == "a  b")
        #expect(head?.headers.first("X-EMPTY") == "")
    }

    /// Content-Type is read once, from the only field that carries it.
    @Test func singleContentType() {
        let head = expectHead(dripFed({ RequestFeeder(parser: RequestHeadParser()) },
            bytes("POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n")))
        #expect(head?.headers.first("content-type") == "application/json")
    }

    /// A single 300 KiB header value (X-Registry-Config) fits the default limit, fed at once and byte by byte.
    @Test func largeRegistryConfigAccepted() {
        let value = String(repeating: "eyJhdXRocyI6e30", count: 300 * 1024 / 15 + 1)
        let text =
            "POST /build HTTP/1.1\r\nHost: x\r\nX-Registry-Config: \(value)\r\nTransfer-Encoding: chunked\r\n\r\n"
        let outcome = dripFed({ RequestFeeder(parser: RequestHeadParser()) }, bytes(text), everySplit: false)
        let head = expectHead(outcome)
        #expect(head?.headers.first("X-Registry-Config")?.utf8.count == value.utf8.count)
        #expect(head?.headLength == text.utf8.count)
    }

    /// A head of exactly the limit is accepted: the limit counts the final CRLF CRLF.
    @Test func headOfExactlyTheLimit() {
        let text = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        #expect(expectHead(request(text, maxHeadBytes: text.utf8.count))?.headLength == text.utf8.count)
    }

    /// Bytes after the head are not part of it: headLength points at the first body byte.
    @Test func trailingBytesNotConsumed() {
        let head = "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
        #expect(expectHead(request(head + "helloGET"))?.headLength == head.utf8.count)
    }

    /// The parser works on a slice that does not start at index 0 (the proxy's buffer after a previous request).
    @Test func sliceWithOffset() throws {
        let buffer = bytes("junkGET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        var parser = RequestHeadParser()
        let head = try parser.parse(buffer[4...])
        #expect(head?.target == "/a")
        #expect(head?.headLength == buffer.count - 4)
    }

    /// After a head, the parser repeats it until reset, then parses a fresh request.
    @Test func resetStartsOver() throws {
        var parser = RequestHeadParser()
        let first = bytes("GET /one HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try parser.parse(first[...])?.target == "/one")
        #expect(try parser.parse(first[...])?.target == "/one")
        parser.reset()
        #expect(try parser.parse(bytes("GET /two HTTP/1.1\r\nHost: x\r\n\r\n")[...])?.target == "/two")
    }

    /// An error is sticky until reset, so a caller cannot parse past a rejected head by accident.
    @Test func errorIsSticky() throws {
        var parser = RequestHeadParser()
        let bad = bytes("GET / HTTP/1.1\r\nHost : x\r\n\r\n")
        #expect(throws: HTTPHeadError.whitespaceBeforeColon) { try parser.parse(bad[...]) }
        #expect(throws: HTTPHeadError.whitespaceBeforeColon) { try parser.parse(bad[...]) }
        parser.reset()
        #expect(try parser.parse(bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n")[...]) != nil)
    }

    /// An incomplete head returns nil, not an error, whatever its last byte (including a lone CR).
    @Test(arguments: [
        "", "GET", "GET / HTTP/1.1", "GET / HTTP/1.1\r", "GET / HTTP/1.1\r\nHost: x\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n\r",
    ])
    func incomplete(text: String) {
        #expect(request(text) == .incomplete)
    }
}
