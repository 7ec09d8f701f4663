/// Percent-decoding exactly as Go's `net/url` `unescape`: `%` must be followed by two hex
/// digits; `+` becomes a space only in query components (THREATS H-18, H-23).
enum TargetPercentDecoder {
    /// The decoded bytes, or nil for a malformed escape (`%`, `%4`, `%zz`).
    static func decode(_ raw: some Collection<UInt8>, plusAsSpace: Bool) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index != raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "%") {
                let high = raw.index(after: index)
                guard high != raw.endIndex else { return nil }
                let low = raw.index(after: high)
                guard low != raw.endIndex, let h = hexValue(raw[high]), let l = hexValue(raw[low]) else { return nil }
                output.append(h << 4 | l)
                index = raw.index(after: low)
            } else {
                output.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index = raw.index(after: index)
            }
        }
        return output
    }

    /// The decoded text, or nil for a malformed escape or bytes that are not valid UTF-8 (Go
    /// would keep such bytes; a Swift `String` would replace them, so the two would differ).
    static func decodeString(_ raw: some Collection<UInt8>, plusAsSpace: Bool) -> String? {
        guard let bytes = decode(raw, plusAsSpace: plusAsSpace) else { return nil }
        return validUTF8(bytes)
    }

    /// The text of `bytes` when they are valid UTF-8, else nil.
    static func validUTF8(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.utf8.elementsEqual(bytes) ? text : nil
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
