extension AuditJSON {
    /// Appends `text` as a quoted, escaped JSON string (see the type's documentation for what is
    /// escaped). Runs of bytes that need no escape are copied whole.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if text.utf8.withContiguousStorageIfAvailable({ appendEscaped($0, to: &out) }) == nil {
            var contiguous = text
            contiguous.withUTF8 { appendEscaped($0, to: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Scalars that could end a line or change what a terminal shows: the ones `line` escapes.
    package static func isUnsafeForDisplay(_ scalar: Unicode.Scalar) -> Bool { mustEscape(scalar.value) }

    static func mustEscape(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x00...0x1F, 0x7F...0x9F: true         // C0, DEL, C1 (NEL is U+0085)
        case 0x2028, 0x2029: true                   // line / paragraph separator
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true  // bidi controls
        case 0xFEFF: true                           // BOM / zero-width no-break space
        default: false
        }
    }

    /// `utf8` is valid UTF-8 (it comes from a `String`), so a lead byte tells the sequence length.
    private static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var runStart = 0
        var index = 0
        func flushRun() {
            if runStart < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
        }
        while index < utf8.count {
            let byte = utf8[index]
            if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if byte < 0x80 {
                flushRun()
                appendASCIIEscape(byte, to: &out)
                index += 1
                runStart = index
                continue
            }
            let (scalar, length) = decodeScalar(utf8, at: index, lead: byte)
            if mustEscape(scalar) {
                flushRun()
                appendUnicodeEscape(scalar, to: &out)
                runStart = index + length
            }
            index += length
        }
        flushRun()
    }

    private static func appendASCIIEscape(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out.appendLiteral(#"\""#)
        case UInt8(ascii: "\\"): out.appendLiteral(#"\\"#)
        case UInt8(ascii: "\n"): out.appendLiteral(#"\n"#)
        case UInt8(ascii: "\r"): out.appendLiteral(#"\r"#)
        case UInt8(ascii: "\t"): out.appendLiteral(#"\t"#)
        default: appendUnicodeEscape(UInt32(byte), to: &out)
        }
    }

    /// `\uXXXX` in lower-case hex; every escaped scalar is in the BMP, so one escape suffices.
    private static func appendUnicodeEscape(_ scalar: UInt32, to out: inout [UInt8]) {
        let hexDigits: StaticString = "0123456789abcdef"
        out.appendLiteral(#"\u"#)
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigits.utf8Start[Int((scalar >> UInt32(shift)) & 0xF)])
        }
    }

    private static func decodeScalar(
        _ utf8: UnsafeBufferPointer<UInt8>, at index: Int, lead: UInt8
    ) -> (scalar: UInt32, length: Int) {
        func continuation(_ offset: Int) -> UInt32 { UInt32(utf8[index + offset] & 0x3F) }
        switch lead {
        case ..<0xE0: return ((UInt32(lead & 0x1F) << 6) | continuation(1), 2)
        case ..<0xF0: return ((UInt32(lead & 0x0F) << 12) | (continuation(1) << 6) | continuation(2), 3)
        default: return ((UInt32(lead & 0x07) << 18) | (continuation(1) << 12) | (continuation(2) << 6) | continuation(3), 4)
        }
    }
}
