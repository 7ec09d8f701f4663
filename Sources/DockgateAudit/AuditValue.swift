/// A security-relevant fact taken from a request or response (an image, a command, a mount list…),
/// in a shape that maps one-to-one onto JSON.
///
/// Objects keep their key order, so the same request always renders the same line.
public indirect enum AuditValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case strings([String])
    case object([(String, AuditValue)])

    public static func == (lhs: AuditValue, rhs: AuditValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.strings(let a), .strings(let b)): a == b
        case (.object(let a), .object(let b)): AuditValue.sameFields(a, b)
        default: false
        }
    }

    /// Tuples are not `Equatable`; ordered key/value lists compare pairwise, order included.
    static func sameFields(_ a: [(String, AuditValue)], _ b: [(String, AuditValue)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}
