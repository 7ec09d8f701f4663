/// The keys seen so far in one object, to refuse a second key Go would read as the same field:
/// identical bytes always, equal Go folds when `folding` (THREATS.md G-4…G-8, J-03…J-07: last-wins,
/// merging and case variants all start with a repeated key). Linear for small objects, hashed past
/// `linearLimit` keys, so a 4 MiB object of distinct keys stays linear overall.
struct JSONKeyTracker {
    static let linearLimit = 16

    let folding: Bool
    private var keys: [String] = []
    private var hashed: Set<[UInt8]>? = nil

    init(folding: Bool) {
        self.folding = folding
    }

    /// Records `key`; returns false if an earlier key is the same field.
    mutating func insert(_ key: String) -> Bool {
        if hashed == nil {
            for earlier in keys where same(earlier, key) {
                return false
            }
            keys.append(key)
            if keys.count > Self.linearLimit {
                hashed = Set(keys.map(normalized))
                keys = []
            }
            return true
        }
        let bytes = normalized(key)
        return hashed?.insert(bytes).inserted ?? true
    }

    private func same(_ a: String, _ b: String) -> Bool {
        folding ? GoJSONFolding.equalFold(a, b) : a.utf8.elementsEqual(b.utf8)
    }

    private func normalized(_ key: String) -> [UInt8] {
        folding ? GoJSONFolding.foldedBytes(key) : Array(key.utf8)
    }
}
