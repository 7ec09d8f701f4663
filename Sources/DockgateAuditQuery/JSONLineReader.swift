import DockgateAudit

/// A small, strict JSON reader over one line's bytes, producing `AuditValue`s.
///
/// Only what reading the trail needs: objects keep their key order, integers become `.int`,
/// other numbers keep their literal text, `null` is "absent", and arrays become `.strings` (a
/// non-string element is kept as its JSON text). Strings without escapes, the common case in the
/// trail, are taken in one step. Any syntax error gives nil: the line is counted as malformed.
struct JSONLineReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index = 0
    /// Nesting limit: the trail nests two levels (`details.mounts`); a hostile line cannot recurse deeply.
    private static let maxDepth = 16

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    enum Value {
        case null
        case value(AuditValue)
    }

    var atEnd: Bool {
        mutating get {
            skipWhitespace()
            return index == bytes.count
        }
    }

    /// `{`, then `body(key)` for each member (which must consume the value), then `}`.
    mutating func object(_ member: (inout JSONLineReader, String) -> Bool) -> Bool {
        skipWhitespace()
        guard take(UInt8(ascii: "{")) else { return false }
        skipWhitespace()
        if take(UInt8(ascii: "}")) { return true }
        while true {
            skipWhitespace()
            guard let key = string() else { return false }
            skipWhitespace()
            guard take(UInt8(ascii: ":")) else { return false }
            guard member(&self, key) else { return false }
            skipWhitespace()
            if take(UInt8(ascii: ",")) { continue }
            return take(UInt8(ascii: "}"))
        }
    }

    mutating func value(depth: Int = 0) -> Value? {
        guard depth < Self.maxDepth else { return nil }
        skipWhitespace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return string().map { .value(.string($0)) }
        case UInt8(ascii: "{"):
            var fields: [(String, AuditValue)] = []
            let ok = object { reader, key in
                guard let value = reader.value(depth: depth + 1) else { return false }
                if case .value(let v) = value { fields.append((key, v)) }
                return true
            }
            return ok ? .value(.object(fields)) : nil
        case UInt8(ascii: "["):
            index += 1
            var items: [String] = []
            skipWhitespace()
            if take(UInt8(ascii: "]")) { return .value(.strings(items)) }
            while true {
                skipWhitespace()
                let start = index
                guard let item = value(depth: depth + 1) else { return nil }
                if case .value(.string(let text)) = item {
                    items.append(text)
                } else {
                    items.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                }
                skipWhitespace()
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "]")) else { return nil }
                return .value(.strings(items))
            }
        case UInt8(ascii: "t"): return literal("true") ? .value(.bool(true)) : nil
        case UInt8(ascii: "f"): return literal("false") ? .value(.bool(false)) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        default:
            return number()
        }
    }

    /// An integer that fits in Int64, or nil (also for a non-integer or a syntax error).
    mutating func integer() -> Int64? {
        guard case .value(.int(let number))? = number() else { return nil }
        return number
    }

    mutating func number() -> Value? {
        skipWhitespace()
        let start = index
        var negative = false
        if take(UInt8(ascii: "-")) { negative = true }
        var magnitude: Int64 = 0
        var overflow = false
        let digitsStart = index
        while index < bytes.count, bytes[index] &- 0x30 < 10 {
            let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(bytes[index] &- 0x30))
            overflow = overflow || o1 || o2
            magnitude = sum
            index += 1
        }
        guard index > digitsStart else { return nil }
        guard bytes[digitsStart] != UInt8(ascii: "0") || index - digitsStart == 1 else { return nil }
        var isInteger = true
        if take(UInt8(ascii: ".")) {
            isInteger = false
            guard skipDigits() else { return nil }
        }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            isInteger = false
            _ = take(UInt8(ascii: "+")) || take(UInt8(ascii: "-"))
            guard skipDigits() else { return nil }
        }
        if isInteger && !overflow { return .value(.int(negative ? -magnitude : magnitude)) }
        return .value(.string(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)))
    }

    mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        // Fast path: no escape before the closing quote.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { return nil }
            index += 1
        }
        guard index < bytes.count else { return nil }
        // Slow path: collect UTF-8, decoding escapes into it.
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard var unit = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(unit) {
                        // A high surrogate must be followed by `\u` and a low one (RFC 8259 §7).
                        guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(),
                            (0xDC00..<0xE000).contains(low)
                        else { return nil }
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(unit) {
                        return nil
                    }
                    utf8.append(contentsOf: Unicode.UTF8.encode(Unicode.Scalar(unit)!)!)
                default:
                    return nil
                }
            default:
                if byte < 0x20 { return nil }
                utf8.append(byte)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - 0x30
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - 0x61 + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - 0x41 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func skipDigits() -> Bool {
        let start = index
        while index < bytes.count, bytes[index] &- 0x30 < 10 { index += 1 }
        return index > start
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }
}
