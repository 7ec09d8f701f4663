/// Writes the canonical form of a `JSONValue`: the bytes forwarded to dockerd after a body passed
/// (THREATS.md design rule 3), so dockerd decodes exactly the tree that was judged. No insignificant
/// whitespace; members in order; numbers as their literal; strings escaped with `\" \\ \n \r \t \b \f`,
/// `\u00XX` for other controls, and `\u2028`/`\u2029` (as Go's `json.Marshal` does, so the output is
/// also safe to embed in JavaScript and line-oriented logs); other non-ASCII as UTF-8.
struct JSONWriter {
    private(set) var output: [UInt8] = []

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            append("null")
        case let .bool(flag):
            append(flag ? "true" : "false")
        case let .number(number):
            output.append(contentsOf: number.literal.utf8)
        case let .string(text):
            write(string: text)
        case let .array(elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(element)
            }
            output.append(UInt8(ascii: "]"))
        case let .object(object):
            output.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(string: member.key)
                output.append(UInt8(ascii: ":"))
                write(member.value)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    mutating func write(string text: String) {
        output.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: append("\\\"")
            case 0x5C: append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            case 0..<0x20, 0x2028, 0x2029: appendUnicodeEscape(scalar.value)
            default: UTF8Validation.append(scalar.value, to: &output)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    private mutating func appendUnicodeEscape(_ value: UInt32) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        append("\\u")
        for shift in stride(from: 12, through: 0, by: -4) {
            output.append(hex[Int((value >> UInt32(shift)) & 0xF)])
        }
    }

    private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { output.append(contentsOf: $0) }
    }
}
