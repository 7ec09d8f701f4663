import DockgateHTTP
import Testing

@Suite("Content-Length and close-delimited bodies")
struct BodyScannerTests {
    /// A Content-Length body takes exactly its length, leaving the next request's bytes, however bytes arrive.
    @Test func contentLength() {
        #expect(dripScanned({ BodyScanner(contentLength: 5) }, bytes("helloGET /")) == .consumed(5, complete: true))
        #expect(dripScanned({ BodyScanner(contentLength: 5) }, bytes("hel")) == .consumed(3, complete: false))
    }

    /// A zero length is complete before any byte, and takes none.
    @Test func zeroLength() throws {
        var scanner = BodyScanner(contentLength: 0)
        #expect(scanner.isComplete)
        #expect(try scanner.scan(bytes("GET")[...]) == 0)
    }

    /// The remaining length counts down as bytes are accepted.
    @Test func remainingCountsDown() throws {
        var scanner = BodyScanner(contentLength: 10)
        #expect(try scanner.scan(bytes("abcd")[...]) == 4)
        #expect(scanner.remainingContentLength == 6)
        #expect(BodyScanner.chunked().remainingContentLength == nil)
    }

    /// A huge Content-Length is handled without overflow.
    @Test func hugeLength() throws {
        var scanner = BodyScanner(contentLength: .max)
        #expect(try scanner.scan(ArraySlice(repeating: 0, count: 1000)) == 1000)
        #expect(scanner.remainingContentLength == UInt64.max - 1000)
    }

    /// A close-delimited body takes everything and never completes by itself.
    @Test func closeDelimited() throws {
        var scanner = BodyScanner.closeDelimited
        #expect(try scanner.scan(bytes("HTTP/1.1 200 OK\r\n\r\n")[...]) == 19)
        #expect(!scanner.isComplete)
        #expect(try scanner.scan([][...]) == 0)
        #expect(!scanner.isComplete)
    }
}
