/// Finds where a message body ends without changing it: the proxy forwards the same bytes untouched.
/// `scan` is handed the bytes that follow what it has already accepted and returns how many of the
/// leading ones belong to the body (all of them, unless the body ends inside the slice).
///
/// Once complete, `scan` returns 0: the remaining bytes start the next message (pipelining).
public struct BodyScanner: Sendable {
    private enum Mode: Sendable {
        case contentLength(remaining: UInt64)
        case chunked(ChunkedBodyScanner)
        case closeDelimited
    }

    private var mode: Mode

    private init(mode: Mode) {
        self.mode = mode
    }

    /// A body of exactly `contentLength` bytes (RFC 9112 §6.3 rule 6); 0 is complete at once.
    public init(contentLength: UInt64) {
        self.init(mode: .contentLength(remaining: contentLength))
    }

    /// A chunked body (RFC 9112 §7.1) whose trailer section may hold at most `maxTrailerBytes` bytes.
    public static func chunked(maxTrailerBytes: Int = 64 * 1024) -> BodyScanner {
        BodyScanner(mode: .chunked(ChunkedBodyScanner(maxTrailerBytes: maxTrailerBytes)))
    }

    /// A body that ends when the peer closes the connection (RFC 9112 §6.3 rule 8): never completes by itself.
    public static var closeDelimited: BodyScanner {
        BodyScanner(mode: .closeDelimited)
    }

    public var isComplete: Bool {
        switch mode {
        case .contentLength(let remaining): remaining == 0
        case .chunked(let scanner): scanner.isComplete
        case .closeDelimited: false
        }
    }

    /// Bytes of the body still expected, when the framing says so (Content-Length only).
    public var remainingContentLength: UInt64? {
        if case .contentLength(let remaining) = mode { remaining } else { nil }
    }

    public mutating func scan(_ bytes: ArraySlice<UInt8>) throws(ChunkedBodyError) -> Int {
        switch mode {
        case .contentLength(let remaining):
            let taken = min(remaining, UInt64(bytes.count))
            mode = .contentLength(remaining: remaining - taken)
            return Int(taken)
        case .chunked(var scanner):
            defer { mode = .chunked(scanner) }
            return try scanner.scan(bytes)
        case .closeDelimited:
            return bytes.count
        }
    }
}
