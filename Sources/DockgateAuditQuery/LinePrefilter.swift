#if canImport(Glibc)
import Glibc
#endif

/// A cheap byte test that rules lines out before they are parsed: a line can only match a query
/// if it contains every `required` needle and, when `anyOf` is not empty, one of those.
///
/// Needles are quoted JSON string values (`"deny"`, `"alice"`) so they hold whatever spacing the
/// writer used; a value that JSON would escape is not used as a needle (`quoted` returns nil) and
/// the full parse decides instead. A prefilter never decides a match, it only skips lines that
/// cannot match.
public struct LinePrefilter: Sendable {
    public var required: [[UInt8]] = []
    public var anyOf: [[UInt8]] = []

    public init(required: [[UInt8]] = [], anyOf: [[UInt8]] = []) {
        self.required = required
        self.anyOf = anyOf
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
        for needle in required where !Self.find(needle, in: line) { return false }
        if anyOf.isEmpty { return true }
        return anyOf.contains { Self.find($0, in: line) }
    }

    static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = needle.first else { return true }
        guard haystack.count >= needle.count, let base = haystack.baseAddress else { return false }
        return needle.withUnsafeBufferPointer { pattern in
            var offset = 0
            let last = haystack.count - pattern.count
            while offset <= last {
                guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return false }
                let position = hit.assumingMemoryBound(to: UInt8.self) - UnsafeMutablePointer(mutating: base)
                if memcmp(base + position, pattern.baseAddress!, pattern.count) == 0 { return true }
                offset = position + 1
            }
            return false
        }
    }
}
