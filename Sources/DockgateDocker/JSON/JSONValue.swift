/// A JSON value with object members in document order (duplicates are an error, so order is informational).
///
/// This is the tree the policy engine judges and then forwards re-serialized (THREATS.md design rule 3),
/// so equality is byte-exact: strings and keys compare by their UTF-8 bytes, not by Swift's
/// canonical-equivalence `String ==` (which would make `"e\u{301}"` equal `"é"`, and the Kelvin sign
/// U+212A equal `"K"`, although Go's `encoding/json` keeps them apart).
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// Keeps the literal text, e.g. "1e2", "-0", "10" (G-14: Go's result depends on the spelling).
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null):
            return true
        case let (.bool(a), .bool(b)):
            return a == b
        case let (.number(a), .number(b)):
            return a == b
        case let (.string(a), .string(b)):
            return a.utf8.elementsEqual(b.utf8)
        case let (.array(a), .array(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0 == $1 }
        case let (.object(a), .object(b)):
            return a == b
        default:
            return false
        }
    }
}
