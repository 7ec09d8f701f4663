import DockgateHTTP
import Testing

/// Parses the request at the start of `buffer`, then scans its body; returns the head and where the next starts.
private func next(in buffer: ArraySlice<UInt8>) throws -> (head: RequestHead, end: Int) {
    var parser = RequestHeadParser()
    let head = try #require(try parser.parse(buffer))
    var scanner =
        switch head.framing {
        case .none: BodyScanner(contentLength: 0)
        case .contentLength(let length): BodyScanner(contentLength: length)
        case .chunked: BodyScanner.chunked()
        }
    let bodyStart = buffer.startIndex + head.headLength
    let bodyLength = try scanner.scan(buffer[bodyStart...])
    #expect(scanner.isComplete)
    return (head, bodyStart + bodyLength)
}

@Suite("Pipelined requests: head lengths and body counts lead exactly to the next request")
struct PipeliningTests {
    /// A Content-Length POST followed by a GET: the second request starts right after the first body.
    @Test func contentLengthThenGet() throws {
        let buffer = bytes(
            "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        let first = try next(in: buffer[...])
        #expect(first.head.target == "/a")
        let second = try next(in: buffer[first.end...])
        #expect(second.head.target == "/b")
        #expect(second.end == buffer.count)
    }

    /// A chunked POST followed by a GET, whose head looks like chunk data, is split at the right byte.
    @Test func chunkedThenGet() throws {
        let buffer = bytes(
            "POST /build HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /_ping HTTP/1.1\r\nHost: \r\n\r\n"
        )
        let first = try next(in: buffer[...])
        #expect(first.head.framing == .chunked)
        let second = try next(in: buffer[first.end...])
        #expect(second.head.target == "/_ping")
        #expect(second.end == buffer.count)
    }

    /// Two bodiless GETs back to back: headLength alone separates them.
    @Test func twoGets() throws {
        let one = "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
        let buffer = bytes(one + "GET /two HTTP/1.1\r\nHost: x\r\n\r\n")
        let first = try next(in: buffer[...])
        #expect(first.end == one.utf8.count)
        #expect(try next(in: buffer[first.end...]).head.target == "/two")
    }

    /// A body split across reads, with the next request arriving in the same read as the body's end.
    @Test func bodyAcrossReads() throws {
        let buffer = bytes(
            "PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        var parser = RequestHeadParser()
        let head = try #require(try parser.parse(buffer[...]))
        var scanner = BodyScanner.chunked()
        var position = head.headLength
        for readSize in [3, 4, 1, 100] where !scanner.isComplete {
            let read = buffer[position..<min(position + readSize, buffer.count)]
            position += try scanner.scan(read)
        }
        #expect(scanner.isComplete)
        parser.reset()
        #expect(try parser.parse(buffer[position...])?.target == "/b")
    }
}
