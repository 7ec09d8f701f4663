/// How much of an endpoint group a policy grants.
public enum AccessLevel: String, Sendable, Comparable, CaseIterable {
    case none
    /// GET and HEAD requests that only read.
    case read
    /// Everything in the group, subject to the policy's body and query rules.
    case write

    public static func < (lhs: AccessLevel, rhs: AccessLevel) -> Bool {
        let order: [AccessLevel] = [.none, .read, .write]
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
}
