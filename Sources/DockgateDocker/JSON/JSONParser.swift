/// The strict single-pass JSON parser behind `StrictJSONReader`: RFC 8259 exactly, plus refusals for
/// every input Go's `encoding/json` would read in a way we could misjudge (THREATS.md §2, step 1).
/// It works on a borrowed byte buffer with an explicit container stack; strings are built once per
/// string from validated byte ranges, never byte by byte.
struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    private let folding: Bool
    private let rootShape: GoValueShape
    private var pos = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, rejectFoldedDuplicates: Bool, shape: GoValueShape = .plain) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.folding = rejectFoldedDuplicates
        self.rootShape = shape
    }

    // MARK: Document

    /// Exactly one value, with only JSON whitespace around it (G-14, G-15).
    mutating func parseDocument() throws(JSONReadError) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw .byteOrderMark
        }
        skipWhitespace()
        if pos == bytes.count {
            throw .syntax(offset: pos, reason: "the body is empty, expected a JSON value")
        }
        let value = try parseValue()
        skipWhitespace()
        if pos < bytes.count {
            if bytes[pos] >= 0x80, UTF8Validation.sequenceLength(in: bytes, at: pos) == nil {
                throw .invalidUTF8(offset: pos)
            }
            throw .trailingData(offset: pos)
        }
        return value
    }

    // MARK: Values

    /// Reads one value iteratively: containers are pushed on `stack` instead of recursing.
    private mutating func parseValue() throws(JSONReadError) -> JSONValue {
        var stack: [JSONParserFrame] = []
        nextValue: while true {
            // A value is expected at `pos`.
            skipWhitespace()
            guard pos < bytes.count else { throw unexpected(expecting: "a value") }
            var value: JSONValue
            switch bytes[pos] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = bytes[pos] == UInt8(ascii: "{")
                if stack.count + 1 > maxDepth { throw .tooDeep(limit: maxDepth) }
                pos += 1
                skipWhitespace()
                if pos < bytes.count, bytes[pos] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    pos += 1
                    value = isObject ? .object(JSONObject()) : .array([])
                    break
                }
                let step = stack.last?.childStep ?? .root
                let shape = stack.last?.childShape ?? rootShape
                stack.append(JSONParserFrame(isObject: isObject, step: step, shape: shape, folding: folding))
                if isObject { try parseMemberKey(&stack) }
                continue nextValue
            case UInt8(ascii: "\""):
                value = .string(try parseString(isKey: false))
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = pos
                pos = try JSONNumber.scanLiteral(in: bytes, at: pos)
                value = .number(JSONNumber(uncheckedLiteral: text(start, pos)))
            default:
                throw unexpected(expecting: "a value")
            }

            // `value` is complete: hand it to the open containers, closing those that end here.
            while true {
                guard !stack.isEmpty else { return value }
                let top = stack.count - 1
                skipWhitespace()
                if stack[top].isObject {
                    let key = stack[top].pendingKey
                    stack[top].members.append((key: key, value: value))
                    if pos < bytes.count, bytes[pos] == UInt8(ascii: ",") {
                        pos += 1
                        try parseMemberKey(&stack)
                        continue nextValue
                    }
                    guard pos < bytes.count, bytes[pos] == UInt8(ascii: "}") else {
                        throw unexpected(expecting: "',' or '}' after an object member")
                    }
                    pos += 1
                    value = .object(JSONObject(stack.removeLast().members))
                } else {
                    stack[top].elements.append(value)
                    if pos < bytes.count, bytes[pos] == UInt8(ascii: ",") {
                        pos += 1
                        continue nextValue
                    }
                    guard pos < bytes.count, bytes[pos] == UInt8(ascii: "]") else {
                        throw unexpected(expecting: "',' or ']' after an array element")
                    }
                    pos += 1
                    value = .array(stack.removeLast().elements)
                }
            }
        }
    }

    /// Reads `"key" :` for the object on top of `stack`, refusing a key that repeats a field.
    private mutating func parseMemberKey(_ stack: inout [JSONParserFrame]) throws(JSONReadError) {
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
            throw unexpected(expecting: "a string key")
        }
        let key = try parseString(isKey: true)
        let top = stack.count - 1
        guard stack[top].keys.insert(key) else {
            throw .duplicateKey(path: stack.map(\.step.pointerComponent).joined(), key: key)
        }
        stack[top].pendingKey = key
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else {
            throw unexpected(expecting: "':' after an object key")
        }
        pos += 1
    }

    // MARK: Strings

    /// Reads a string starting at the opening quote. Raw bytes are validated as UTF-8 (G-13) and
    /// copied in runs; escapes are decoded (G-12), surrogate escapes must pair, and `\u0000` is
    /// refused in keys.
    private mutating func parseString(isKey: Bool) throws(JSONReadError) -> String {
        let open = pos
        var i = pos + 1
        var runStart = i
        var decoded: [UInt8] = []
        var hasEscapes = false
        while true {
            guard i < bytes.count else {
                throw .syntax(offset: open, reason: "the string is not terminated")
            }
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                decoded.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                i = try decodeEscape(at: i, isKey: isKey, into: &decoded)
                runStart = i
                continue
            }
            if byte < 0x20 {
                throw .syntax(offset: i, reason: "a control character in a string must be escaped")
            }
            if byte < 0x80 {
                i += 1
                continue
            }
            guard let length = UTF8Validation.sequenceLength(in: bytes, at: i) else {
                throw .invalidUTF8(offset: i)
            }
            i += length
        }
        pos = i + 1
        guard hasEscapes else {
            return text(open + 1, i)
        }
        decoded.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
        return String(decoding: decoded, as: UTF8.self)
    }

    /// Decodes the escape at `start` (a backslash) into `out`; returns the index after it.
    private func decodeEscape(at start: Int, isKey: Bool, into out: inout [UInt8]) throws(JSONReadError) -> Int {
        guard start + 1 < bytes.count else {
            throw .syntax(offset: start, reason: "the string is not terminated")
        }
        let simple: UInt8
        switch bytes[start + 1] {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            return try decodeUnicodeEscape(at: start, isKey: isKey, into: &out)
        default:
            throw .syntax(offset: start, reason: "invalid escape sequence")
        }
        out.append(simple)
        return start + 2
    }

    /// `\uXXXX`, or a `\uD8xx\uDCxx` pair decoding to one scalar; anything unpaired is refused.
    private func decodeUnicodeEscape(at start: Int, isKey: Bool, into out: inout [UInt8]) throws(JSONReadError) -> Int {
        guard let unit = hex4(at: start + 2) else {
            throw .syntax(offset: start, reason: "\\u must be followed by four hex digits")
        }
        var scalar = unit
        var end = start + 6
        switch unit {
        case 0xD800..<0xDC00:
            guard end + 1 < bytes.count, bytes[end] == UInt8(ascii: "\\"), bytes[end + 1] == UInt8(ascii: "u") else {
                throw .loneSurrogate(offset: start)
            }
            guard let low = hex4(at: end + 2) else {
                throw .syntax(offset: end, reason: "\\u must be followed by four hex digits")
            }
            guard (0xDC00..<0xE000).contains(low) else { throw .loneSurrogate(offset: start) }
            scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            end += 6
        case 0xDC00..<0xE000:
            throw .loneSurrogate(offset: start)
        case 0:
            if isKey { throw .nulInKey(offset: start) }
        default:
            break
        }
        UTF8Validation.append(scalar, to: &out)
        return end
    }

    private func hex4(at index: Int) -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    // MARK: Helpers

    /// `true`, `false`, `null`, lower case only (G-14: no `tRue`).
    private mutating func expectLiteral(_ literal: StaticString) throws(JSONReadError) {
        let count = literal.utf8CodeUnitCount
        let matches = literal.withUTF8Buffer { expected -> Bool in
            guard pos + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[pos + offset] != expected[offset] {
                return false
            }
            return true
        }
        guard matches else {
            throw .syntax(offset: pos, reason: "invalid literal, expected \(literal)")
        }
        pos += count
    }

    /// Space, tab, LF, CR only (RFC 8259 §2; G-14).
    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    /// A String from a byte range already validated as UTF-8.
    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    /// The error for an unexpected byte (or the end) at `pos`: invalid UTF-8 is named as such.
    private func unexpected(expecting what: String) -> JSONReadError {
        guard pos < bytes.count else {
            return .syntax(offset: pos, reason: "unexpected end of the body, expected \(what)")
        }
        let byte = bytes[pos]
        if byte >= 0x80, UTF8Validation.sequenceLength(in: bytes, at: pos) == nil {
            return .invalidUTF8(offset: pos)
        }
        let found = (0x21...0x7E).contains(byte)
            ? "character '\(Character(Unicode.Scalar(byte)))'"
            : "byte 0x" + String(byte, radix: 16, uppercase: true)
        return .syntax(offset: pos, reason: "unexpected \(found), expected \(what)")
    }
}
