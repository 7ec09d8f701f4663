import DockgateHTTP
import Testing

/// A complete chunked body decodes to its payload, extensions and trailers dropped.
@Test func decodesACompleteBody() {
    let body = Array("5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n".utf8)
    #expect(ChunkedBodyDecoder.decode(body) == Array("hello world".utf8))
}

/// A body cut short, or a chunk size near Int.max, yields nil instead of trapping (found by
/// FuzzChunkedBody: the audit trail decodes response bodies that were never fully scanned).
@Test(arguments: ["7fffffffffffffff\r\nabc", "ffffffffffffffff\r\nabc", "5\r\nhel", "5\r\nhelloXY", "", "zz\r\n"])
func refusesTruncatedOrHugeChunks(text: String) {
    #expect(ChunkedBodyDecoder.decode(Array(text.utf8)) == nil)
}
