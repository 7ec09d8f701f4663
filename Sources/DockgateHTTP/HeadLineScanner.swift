/// Splits a message head into CRLF-terminated lines, incrementally, for both head parsers, and checks
/// header lines byte by byte as they arrive (start lines are left to the parser: their rules differ).
///
/// It remembers how far it has looked, so handing it a growing buffer again and again costs time linear
/// in the head's length overall. It never copies: lines are returned as offsets into the caller's buffer.
struct HeadLineScanner: Sendable {
    /// A complete line, without its CRLF.
    struct Line {
        let range: Range<Int>
        /// For a header line, the length of the field name (the colon follows it).
        let nameLength: Int
    }

    let maxHeadBytes: Int
    /// Offset of the first byte of the line being scanned; after the head ends, the head's length.
    private(set) var lineStart = 0
    /// Offset of the next byte to examine.
    private var cursor = 0
    /// Lines after the first non-empty one are header lines.
    private var hasStartLine = false
    private var field = FieldLineValidator()

    init(maxHeadBytes: Int) {
        precondition(maxHeadBytes > 0, "maxHeadBytes must be positive")
        self.maxHeadBytes = maxHeadBytes
    }

    /// The next complete line, or nil when more bytes are needed.
    ///
    /// `buffer` must start at the beginning of the head and hold at least the bytes of the previous call.
    /// Throws `.headTooLarge` once `maxHeadBytes` bytes have arrived and the line is still unfinished,
    /// because the head can then only end beyond the limit.
    mutating func nextLine(in buffer: UnsafeBufferPointer<UInt8>) throws(HTTPHeadError) -> Line? {
        // Bytes past the limit are never looked at: a complete head must end at or before it.
        let end = min(buffer.count, maxHeadBytes)
        while cursor < end {
            // Fast path for the bulk of a head (start line, field values): printable bytes need no state.
            if !hasStartLine || field.isInValue {
                var index = cursor
                while index < end, buffer[index] >= ASCII.space, buffer[index] != ASCII.delete { index += 1 }
                cursor = index
                if index == end { break }
            }
            let byte = buffer[cursor]
            if byte == ASCII.carriageReturn {
                // The LF must also fall within the limit; otherwise wait (or fail below).
                guard cursor + 1 < end else { break }
                // RFC 9112 §2.2: a bare CR is rejected rather than treated as a line end (request smuggling).
                guard buffer[cursor + 1] == ASCII.lineFeed else { throw .bareLineFeedOrCarriageReturn }
                return try endLine()
            }
            // RFC 9112 §2.2 allows accepting a bare LF; HAProxy and dockgate refuse, as anything ambiguous is.
            if byte == ASCII.lineFeed { throw .bareLineFeedOrCarriageReturn }
            if hasStartLine { try field.check(byte) }
            cursor += 1
        }
        if buffer.count >= maxHeadBytes { throw .headTooLarge(limit: maxHeadBytes) }
        return nil
    }

    /// Closes the line whose CR is at `cursor`.
    private mutating func endLine() throws(HTTPHeadError) -> Line {
        try field.checkEndOfLine()
        let line = Line(range: lineStart..<cursor, nameLength: field.nameLength)
        if !line.range.isEmpty { hasStartLine = true }
        field = FieldLineValidator()
        cursor += 2
        lineStart = cursor
        return line
    }
}
