/// One `field-line` (RFC 9112 §5) already checked by `FieldLineValidator`, as ranges into the head buffer.
struct FieldLine {
    /// The field name as sent (a token).
    let name: Slice<UnsafeBufferPointer<UInt8>>
    /// The field value with leading and trailing OWS removed (RFC 9112 §5.1).
    let value: Slice<UnsafeBufferPointer<UInt8>>

    /// Splits a validated line (without its CRLF) whose name is `nameLength` bytes long, then a colon.
    init(_ line: Slice<UnsafeBufferPointer<UInt8>>, nameLength: Int) {
        let colon = line.startIndex + nameLength
        assert(colon < line.endIndex && line[colon] == ASCII.colon, "line was not validated")
        name = line[line.startIndex..<colon]
        value = ASCII.trimmingWhitespace(line[(colon + 1)...])
    }
}
