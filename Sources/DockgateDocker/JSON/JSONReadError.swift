/// Why a body was refused. Every case is a 400 except `tooLarge` (413). Each one marks an input that
/// Go's `encoding/json` would read differently from us, or read at all where we cannot be sure how
/// (THREATS.md §2 "What the Swift engine must do", step 1): reject, never guess.
public enum JSONReadError: Error, Equatable, Sendable {
    case tooLarge(limit: Int)
    case tooDeep(limit: Int)
    /// Go would silently decode the bytes as U+FFFD (G-13): a differential, so reject.
    case invalidUTF8(offset: Int)
    /// Go's decoder rejects a leading BOM (G-14); say so plainly.
    case byteOrderMark
    case syntax(offset: Int, reason: String)
    /// Go decodes only the first value and ignores or refuses what follows, by version (G-15).
    case trailingData(offset: Int)
    /// An escaped surrogate without its partner; Go turns it into U+FFFD (G-13).
    case loneSurrogate(offset: Int)
    case nulInKey(offset: Int)
    /// Two keys in one object that Go would treat as the same field (same spelling, or equal after folding).
    case duplicateKey(path: String, key: String)

    /// One sentence for a 400 body. Echoes no input except a duplicate key and its path, shortened and
    /// with control characters written out; the caller still JSON-escapes it for the body.
    public var message: String {
        switch self {
        case let .tooLarge(limit):
            return "The request body is larger than the limit of \(limit) bytes."
        case let .tooDeep(limit):
            return "The request body nests arrays and objects deeper than the limit of \(limit)."
        case let .invalidUTF8(offset):
            return "The request body is not valid UTF-8 at byte \(offset)."
        case .byteOrderMark:
            return "The request body starts with a byte order mark, which JSON does not allow."
        case let .syntax(offset, reason):
            return "The request body is not valid JSON at byte \(offset): \(reason)."
        case let .trailingData(offset):
            return "The request body has data after the JSON value, at byte \(offset)."
        case let .loneSurrogate(offset):
            return "The request body has an unpaired UTF-16 surrogate escape at byte \(offset)."
        case let .nulInKey(offset):
            return "The request body has a NUL character in an object key at byte \(offset)."
        case let .duplicateKey(path, key):
            let location = path.isEmpty ? "the top-level object" : "the object at \(Self.printable(path))"
            return "The request body repeats the key \"\(Self.printable(key))\" (or a case variant of it) in \(location)."
        }
    }

    /// A key or path as it may appear in a message: at most 64 scalars, controls and line separators
    /// written as `\u{…}`, so a hostile key cannot forge lines in a log or bloat a response.
    static func printable(_ text: String) -> String {
        var out = ""
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if index == 64 {
                out += "…"
                break
            }
            switch scalar.value {
            case 0..<0x20, 0x7F, 0x80..<0xA0, 0x2028, 0x2029:
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
