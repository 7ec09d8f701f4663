#if canImport(Glibc)
import Glibc
#endif

/// A cheap byte test that rules lines out before they are parsed: a line can only match a query
/// if it contains every `required` needle and, when `anyOf` is not empty, one of those, and none
/// of the `excluded` ones.
///
/// Needles are quoted JSON string values (`"deny"`, `"alice"`) so they hold whatever spacing the
/// writer used; a value that JSON would escape is not used as a needle (`quoted` returns nil) and
/// the full parse decides instead. An excluded needle must carry its key (`"action":"…"`): inside
/// any string value its quotes would be escaped, so it only matches the field itself. A prefilter
/// never decides a match, it only skips lines that cannot match.
public struct LinePrefilter: Sendable {
    public let required: [[UInt8]]
    public let anyOf: [[UInt8]]
    public let excluded: [[UInt8]]
    private let requiredNeedles: [Needle]
    private let anyOfNeedles: [Needle]
    private let excludedNeedles: [Needle]

    public init(required: [[UInt8]] = [], anyOf: [[UInt8]] = [], excluded: [[UInt8]] = []) {
        self.required = required
        self.anyOf = anyOf
        self.excluded = excluded
        requiredNeedles = required.map(Needle.init)
        anyOfNeedles = anyOf.map(Needle.init)
        excludedNeedles = excluded.map(Needle.init)
    }

    public static let none = LinePrefilter()

    /// `"value"` as AuditJSON writes it, when that is the value verbatim (printable ASCII
    /// without `"` or `\`); `prefix: true` leaves the closing quote off.
    public static func quoted(_ value: String, prefix: Bool = false) -> [UInt8]? {
        guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) else { return nil }
        return [0x22] + Array(value.utf8) + (prefix ? [] : [0x22])
    }

    /// The bare text, for values that may appear inside a longer string (an id prefix).
    public static func bare(_ value: String) -> [UInt8]? {
        quoted(value).map { Array($0.dropFirst().dropLast()) }
    }

    public func admits(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for needle in requiredNeedles where !needle.occurs(in: line) { return false }
        if !anyOfNeedles.isEmpty && !anyOfNeedles.contains(where: { $0.occurs(in: line) }) { return false }
        return !excludedNeedles.contains { $0.occurs(in: line) }
    }

    static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        Needle(needle).occurs(in: haystack)
    }

    /// Boyer-Moore-Horspool: every needle starts with `"`, so a memchr on the first byte would
    /// stop at every quote of the line; the skip table moves by up to the needle's length.
    struct Needle: Sendable {
        let bytes: [UInt8]
        let skip: [Int]

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            var skip = [Int](repeating: max(bytes.count, 1), count: 256)
            for (index, byte) in bytes.enumerated().dropLast() { skip[Int(byte)] = bytes.count - 1 - index }
            self.skip = skip
        }

        func occurs(in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
            let count = bytes.count
            guard count > 0 else { return true }
            guard haystack.count >= count, let base = haystack.baseAddress else { return false }
            return bytes.withUnsafeBufferPointer { pattern in
                skip.withUnsafeBufferPointer { skip in
                    let lastByte = pattern[count - 1]
                    var offset = 0
                    while offset <= haystack.count - count {
                        let byte = base[offset + count - 1]
                        if byte == lastByte && memcmp(base + offset, pattern.baseAddress!, count - 1) == 0 { return true }
                        offset += skip[Int(byte)]
                    }
                    return false
                }
            }
        }
    }
}
