import DockgateHTTP
import Testing

@Suite("Chunked bodies: the end is found, the bytes are untouched, malformed framing is refused")
struct ChunkedBodyScannerTests {
    /// A simple chunked body is accepted whole and reported complete, however the bytes arrive.
    @Test func simpleBody() {
        let text = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        #expect(chunked(text) == .consumed(text.utf8.count, complete: true))
    }

    /// Hex sizes in either case, with leading zeros, frame that many bytes.
    @Test func hexSizes() {
        let data = String(repeating: "x", count: 0x1A)
        let text = "1a\r\n\(data)\r\n001A\r\n\(data)\r\n0000\r\n\r\n"
        #expect(chunked(text) == .consumed(text.utf8.count, complete: true))
    }

    /// Chunk data is opaque: CRLFs and chunk-like text inside it do not end the body.
    @Test func opaqueData() {
        let data = "0\r\n\r\n\r\n\r\nx"
        #expect(data.utf8.count == 0xA)
        let text = "a\r\n\(data)\r\n0\r\n\r\n"
        #expect(chunked(text) == .consumed(text.utf8.count, complete: true))
    }

    /// Chunk extensions with token and quoted-string values (RFC 9112 §7.1.1) are accepted.
    @Test func extensions() {
        let text = "5;a=b;flag;q=\"x \\\" ;y\"\r\nhello\r\n0;last=1\r\n\r\n"
        #expect(chunked(text) == .consumed(text.utf8.count, complete: true))
    }

    /// Trailer fields (including an empty value) are accepted and belong to the body.
    @Test func trailers() {
        let text = "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\n"
        #expect(chunked(text) == .consumed(text.utf8.count, complete: true))
    }

    /// Fed one byte at a time, every byte is accepted until the last, then nothing more.
    @Test func byteByByte() throws {
        let body = bytes("3\r\nabc\r\n0\r\nT: v\r\n\r\n")
        var scanner = BodyScanner.chunked()
        for index in body.indices {
            #expect(!scanner.isComplete)
            #expect(try scanner.scan(body[index...index]) == 1)
        }
        #expect(scanner.isComplete)
        #expect(try scanner.scan(bytes("GET")[...]) == 0)
    }

    /// When the body ends inside a slice, only its own bytes are counted: the next request starts right after.
    @Test func endsMidSlice() {
        let body = "4\r\nwxyz\r\n0\r\n\r\n"
        let text = body + "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        #expect(chunked(text) == .consumed(body.utf8.count, complete: true))
    }

    /// An unfinished body takes every byte offered and is not complete.
    @Test(arguments: [
        "", "5", "5\r", "5\r\nhel", "5\r\nhello", "5\r\nhello\r", "5\r\nhello\r\n0\r\n", "0\r\nX: y\r\n", "0\r\n\r",
    ])
    func unfinished(text: String) {
        #expect(chunked(text) == .consumed(text.utf8.count, complete: false))
    }

    /// The largest size, 16 hex digits, is accepted as a size (its data is simply still expected).
    @Test func sixteenDigitSize() {
        let text = "ffffffffffffffff\r\nabc"
        #expect(chunked(text) == .consumed(text.utf8.count, complete: false))
    }

    static let malformed: [(label: String, text: String, error: ChunkedBodyError)] = [
        ("data not followed by CRLF", "5\r\nhelloXX", .missingCRLFAfterData),
        ("data followed by CR and garbage", "5\r\nhello\rX", .missingCRLFAfterData),
        ("data followed by LF only", "5\r\nhello\n0\r\n\r\n", .missingCRLFAfterData),
        ("negative size", "-1\r\n", .invalidChunkSize),
        ("leading space", " 5\r\nhello\r\n", .invalidChunkSize),
        ("trailing space", "5 \r\nhello\r\n", .invalidChunkSize),
        ("tab before extension", "5\t;a\r\nhello\r\n", .invalidChunkSize),
        ("0x prefix", "0x5\r\nhello\r\n", .invalidChunkSize),
        ("empty size line", "\r\n", .invalidChunkSize),
        ("non-hex digit", "5g\r\n", .invalidChunkSize),
        ("plus sign", "+5\r\n", .invalidChunkSize),
        ("17 hex digits", "10000000000000000\r\n", .chunkSizeTooLarge),
        ("17 digits with leading zeros", "00000000000000005\r\n", .chunkSizeTooLarge),
        ("empty extension", "5;\r\nhello\r\n", .invalidChunkExtension),
        ("extension without name", "5;=x\r\n", .invalidChunkExtension),
        ("whitespace in extension", "5; a\r\n", .invalidChunkExtension),
        ("empty extension value", "5;a=\r\n", .invalidChunkExtension),
        ("space in extension value", "5;a=b c\r\n", .invalidChunkExtension),
        ("unterminated quoted value", "5;a=\"x\r\n", .invalidChunkExtension),
        ("text after quoted value", "5;a=\"x\"y\r\n", .invalidChunkExtension),
        ("control character in quoted value", "5;a=\"\u{01}\"\r\n", .invalidChunkExtension),
        ("bare LF after size", "5\nhello\r\n", .bareLineFeedOrCarriageReturn),
        ("bare LF after extension", "5;a\nhello\r\n", .bareLineFeedOrCarriageReturn),
        ("bare CR after size", "5\rhello\r\n", .bareLineFeedOrCarriageReturn),
        ("bare LF ending trailers", "0\r\n\n", .bareLineFeedOrCarriageReturn),
        ("bare CR ending trailers", "0\r\n\rX", .bareLineFeedOrCarriageReturn),
        ("bare LF after trailer", "0\r\nX: v\n\r\n", .bareLineFeedOrCarriageReturn),
        ("whitespace before colon in trailer", "0\r\nX : v\r\n\r\n", .invalidTrailer),
        ("obs-fold in trailer", "0\r\nX: v\r\n w\r\n\r\n", .invalidTrailer),
        ("trailer without colon", "0\r\nX-Trailer\r\n\r\n", .invalidTrailer),
        ("control character in trailer", "0\r\nX: a\u{01}\r\n\r\n", .invalidTrailer),
        ("empty trailer name", "0\r\n: v\r\n\r\n", .invalidTrailer),
    ]

    /// Every malformed chunked framing is refused with its exact error, however the bytes arrive.
    @Test(arguments: malformed)
    func rejected(_ testCase: (label: String, text: String, error: ChunkedBodyError)) {
        #expect(chunked(testCase.text) == .failed(testCase.error), "\(testCase.label)")
    }

    /// A chunk-size line longer than 4 KiB (through extensions) is refused.
    @Test func sizeLineTooLong() {
        let text = "5;a=" + String(repeating: "b", count: 4 * 1024) + "\r\n"
        #expect(scan(BodyScanner.chunked(), bytes(text), cuts: []) == .failed(.invalidChunkExtension))
    }

    /// A trailer section over the limit is refused; one exactly at the limit (final CRLF included) is not.
    @Test func trailerLimit() {
        let trailers = "X-A: 1234\r\n\r\n"
        let text = "0\r\n" + trailers
        #expect(chunked(text, maxTrailerBytes: trailers.utf8.count) == .consumed(text.utf8.count, complete: true))
        #expect(chunked(text, maxTrailerBytes: trailers.utf8.count - 1) == .failed(.trailerTooLarge))
    }

    /// A scanner that failed keeps failing rather than resynchronising on later bytes.
    @Test func errorIsNotRecovered() {
        var scanner = BodyScanner.chunked()
        #expect(throws: ChunkedBodyError.invalidChunkSize) { try scanner.scan(bytes("x")[...]) }
        #expect(!scanner.isComplete)
    }

    /// Every error has a distinct one-sentence message.
    @Test func messages() {
        let all: [ChunkedBodyError] = [
            .invalidChunkSize, .chunkSizeTooLarge, .invalidChunkExtension, .missingCRLFAfterData, .invalidTrailer,
            .trailerTooLarge, .bareLineFeedOrCarriageReturn,
        ]
        #expect(Set(all.map(\.message)).count == all.count)
        #expect(all.allSatisfy { !$0.message.isEmpty })
    }
}
