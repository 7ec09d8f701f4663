/// Matching of the `*` wildcard used by `ImagePattern` (THREATS.md §3 rule 9).
///
/// `*` matches any run of bytes, including an empty one and including "/", "." and "-"; every
/// other byte matches itself, case-sensitively. Patterns are matched part by part (domain, path,
/// tag separately), so a `*` never reaches from one part into another.
enum ImageWildcard {
    static let star = UInt8(ascii: "*")

    /// True when `text` as a whole matches `pattern`. Iterative, with one backtrack point (the last
    /// `*` seen), which is exact for `*`-only globs; worst case O(pattern × text), no recursion.
    static func matches(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        var p = 0
        var t = 0
        var lastStar: Int?
        var textAtStar = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == star {
                lastStar = p
                textAtStar = t
                p += 1
            } else if p < pattern.count, pattern[p] == text[t] {
                p += 1
                t += 1
            } else if let star = lastStar {
                p = star + 1
                textAtStar += 1
                t = textAtStar
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == star { p += 1 }
        return p == pattern.count
    }

    /// True when `pattern` is made only of `*` (and is not empty): it matches everything.
    static func isMatchAll(_ pattern: [UInt8]) -> Bool {
        !pattern.isEmpty && pattern.allSatisfy { $0 == star }
    }
}
