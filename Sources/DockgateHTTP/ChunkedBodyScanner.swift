/// A byte-at-a-time state machine over `chunked-body` (RFC 9112 §7.1) that validates framing only:
/// chunk data is skipped in bulk, nothing is copied or decoded, and no state needs earlier bytes.
struct ChunkedBodyScanner: Sendable {
    /// Go's chunked reader also caps a chunk-size line (with extensions) at 4 KiB.
    static let maxSizeLineBytes = 4 * 1024
    /// 16 hex digits fill a UInt64; more is either padding or an overflow attempt.
    static let maxSizeDigits = 16

    private enum State: Sendable, Equatable {
        case sizeStart
        case size
        case extensionNameStart
        case extensionName
        case extensionValueStart
        case extensionToken
        case extensionQuoted
        case extensionQuotedPair
        case extensionAfterQuoted
        case sizeLineFeed
        case data(remaining: UInt64)
        case dataCarriageReturn
        case dataLineFeed
        case trailerLine
        case trailerLineFeed
        case finalLineFeed
        case complete
    }

    let maxTrailerBytes: Int
    private var state = State.sizeStart
    private var chunkSize: UInt64 = 0
    private var sizeDigits = 0
    private var sizeLineBytes = 0
    private var trailerBytes = 0
    private var trailerField = FieldLineValidator()

    init(maxTrailerBytes: Int) {
        self.maxTrailerBytes = maxTrailerBytes
    }

    var isComplete: Bool { state == .complete }

    /// Returns how many leading bytes belong to the body: all of them unless the body ends inside `bytes`.
    mutating func scan(_ bytes: ArraySlice<UInt8>) throws(ChunkedBodyError) -> Int {
        let outcome = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(ChunkedBodyError) in try self.scan(buffer: buffer) }
        }
        return try outcome.get()
    }

    private mutating func scan(buffer: UnsafeBufferPointer<UInt8>) throws(ChunkedBodyError) -> Int {
        var index = 0
        while index < buffer.count {
            switch state {
            case .complete:
                return index
            case .data(let remaining):
                // Chunk data is opaque: skip as much of it as this slice holds in one step.
                let taken = min(remaining, UInt64(buffer.count - index))
                index += Int(taken)
                state = taken == remaining ? .dataCarriageReturn : .data(remaining: remaining - taken)
            default:
                try step(buffer[index])
                index += 1
            }
        }
        return index
    }

    private mutating func step(_ byte: UInt8) throws(ChunkedBodyError) {
        switch state {
        case .sizeStart, .size, .extensionNameStart, .extensionName, .extensionValueStart, .extensionToken,
            .extensionQuoted, .extensionQuotedPair, .extensionAfterQuoted, .sizeLineFeed:
            sizeLineBytes += 1
            // Only extensions can make the line long: the digits are capped at 16.
            if sizeLineBytes > Self.maxSizeLineBytes { throw .invalidChunkExtension }
            try stepSizeLine(byte)
        case .dataCarriageReturn:
            guard byte == ASCII.carriageReturn else { throw .missingCRLFAfterData }
            state = .dataLineFeed
        case .dataLineFeed:
            guard byte == ASCII.lineFeed else { throw .missingCRLFAfterData }
            startChunk()
        case .trailerLine, .trailerLineFeed, .finalLineFeed:
            trailerBytes += 1
            if trailerBytes > maxTrailerBytes { throw .trailerTooLarge }
            try stepTrailer(byte)
        case .data, .complete:
            preconditionFailure("scan(buffer:) handles data and completion")
        }
    }

    private mutating func startChunk() {
        state = .sizeStart
        chunkSize = 0
        sizeDigits = 0
        sizeLineBytes = 0
    }

    /// `chunk-size [ chunk-ext ] CRLF` with `chunk-size = 1*HEXDIG` and, strictly, no BWS anywhere:
    /// Docker clients never send extensions, so any looseness would only serve smuggling.
    private mutating func stepSizeLine(_ byte: UInt8) throws(ChunkedBodyError) {
        switch state {
        case .sizeStart, .size:
            if let digit = ASCII.hexValue(byte) {
                sizeDigits += 1
                if sizeDigits > Self.maxSizeDigits { throw .chunkSizeTooLarge }
                chunkSize = chunkSize << 4 | UInt64(digit)
                state = .size
            } else if state == .size, byte == ASCII.semicolon {
                state = .extensionNameStart
            } else if state == .size, byte == ASCII.carriageReturn {
                state = .sizeLineFeed
            } else if state == .size, byte == ASCII.lineFeed {
                throw .bareLineFeedOrCarriageReturn
            } else {
                // Empty size, sign, "0x" prefix, or whitespace around the digits.
                throw .invalidChunkSize
            }
        case .extensionNameStart:
            guard ASCII.isTokenChar(byte) else { throw .invalidChunkExtension }
            state = .extensionName
        case .extensionName, .extensionToken:
            if ASCII.isTokenChar(byte) { return }
            if state == .extensionName, byte == ASCII.equals {
                state = .extensionValueStart
            } else {
                try endOfExtension(byte)
            }
        case .extensionValueStart:
            if ASCII.isTokenChar(byte) {
                state = .extensionToken
            } else if byte == ASCII.doubleQuote {
                state = .extensionQuoted
            } else {
                throw .invalidChunkExtension
            }
        case .extensionQuoted:
            // RFC 9110 §5.6.4: qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text.
            if byte == ASCII.doubleQuote {
                state = .extensionAfterQuoted
            } else if byte == ASCII.backslash {
                state = .extensionQuotedPair
            } else if ASCII.isForbiddenInFieldValue(byte) {
                throw .invalidChunkExtension
            }
        case .extensionQuotedPair:
            guard !ASCII.isForbiddenInFieldValue(byte) else { throw .invalidChunkExtension }
            state = .extensionQuoted
        case .extensionAfterQuoted:
            try endOfExtension(byte)
        case .sizeLineFeed:
            guard byte == ASCII.lineFeed else { throw .bareLineFeedOrCarriageReturn }
            // RFC 9112 §7.1: the last chunk has size 0 and is followed by the trailer section.
            state = chunkSize == 0 ? .trailerLine : .data(remaining: chunkSize)
        default:
            preconditionFailure("not a chunk-size line state")
        }
    }

    /// After a complete extension: another one, or the end of the chunk-size line.
    private mutating func endOfExtension(_ byte: UInt8) throws(ChunkedBodyError) {
        switch byte {
        case ASCII.semicolon: state = .extensionNameStart
        case ASCII.carriageReturn: state = .sizeLineFeed
        case ASCII.lineFeed: throw .bareLineFeedOrCarriageReturn
        default: throw .invalidChunkExtension
        }
    }

    /// `trailer-section CRLF` (RFC 9112 §7.1.2): each field is checked exactly like a header line.
    private mutating func stepTrailer(_ byte: UInt8) throws(ChunkedBodyError) {
        switch state {
        case .trailerLine:
            if byte == ASCII.carriageReturn {
                if trailerField.isAtLineStart {
                    state = .finalLineFeed
                } else {
                    try Self.asTrailerError { () throws(HTTPHeadError) in try trailerField.checkEndOfLine() }
                    state = .trailerLineFeed
                }
            } else if byte == ASCII.lineFeed {
                throw .bareLineFeedOrCarriageReturn
            } else {
                try Self.asTrailerError { () throws(HTTPHeadError) in try trailerField.check(byte) }
            }
        case .trailerLineFeed:
            guard byte == ASCII.lineFeed else { throw .bareLineFeedOrCarriageReturn }
            trailerField = FieldLineValidator()
            state = .trailerLine
        case .finalLineFeed:
            guard byte == ASCII.lineFeed else { throw .bareLineFeedOrCarriageReturn }
            state = .complete
        default:
            preconditionFailure("not a trailer state")
        }
    }

    /// Any header-line error inside the trailer section is an invalid trailer.
    private static func asTrailerError(_ check: () throws(HTTPHeadError) -> Void) throws(ChunkedBodyError) {
        do throws(HTTPHeadError) {
            try check()
        } catch {
            throw .invalidTrailer
        }
    }
}
