/// A JSON object with its members in document order.
///
/// Two lookups, because dockerd uses two: struct fields match keys case-insensitively with Go's
/// Unicode folding (THREATS.md G-1, G-2), map-typed fields (`Labels`, `Sysctls`, `DriverOpts`, …)
/// match exactly (G-16). Both compare bytes, never Swift's canonical-equivalence `String ==`.
public struct JSONObject: Equatable, Sendable {
    public var members: [(key: String, value: JSONValue)]

    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    /// Member whose key equals `name` under Go's case-insensitive matching (`GoJSONFolding.fold`).
    /// `StrictJSONReader` rejects two keys that fold alike by default, so at most one matches; if a
    /// tree holds several anyway, the last is returned, as Go's "last wins" for scalars (G-4).
    public func member(_ name: String) -> JSONValue? {
        members.last { GoJSONFolding.equalFold($0.key, name) }?.value
    }

    /// Exact, case-sensitive lookup (for map-typed fields like Labels, Sysctls, DriverOpts): the key's
    /// UTF-8 bytes must equal `key`'s, as Go compares map keys (G-16). The last match wins, as in Go.
    public func exactMember(_ key: String) -> JSONValue? {
        members.last { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    /// The first key that Go would read as the same struct field as an earlier key (equal folds), or
    /// `nil`. For bodies read with `rejectFoldedDuplicates: false` (so that map-typed fields such as
    /// `Labels` may hold `"team"` and `"Team"`, G-16), the policy calls this on every struct-typed
    /// object to keep G-4…G-8 shut.
    public func foldedDuplicateKey() -> String? {
        var tracker = JSONKeyTracker(folding: true)
        return members.first { !tracker.insert($0.key) }?.key
    }

    /// The keys in document order.
    public var keys: [String] { members.map(\.key) }

    public var count: Int { members.count }

    public var isEmpty: Bool { members.isEmpty }

    /// Same keys (byte-exact) with equal values, in the same order: the order is part of the tree that
    /// is forwarded, so two objects that would serialize differently are not equal.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (a, b) in zip(lhs.members, rhs.members) {
            guard a.key.utf8.elementsEqual(b.key.utf8), a.value == b.value else { return false }
        }
        return true
    }
}
