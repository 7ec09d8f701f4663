import DockgateAudit

/// `denials`: denied requests grouped by user and rule, most frequent first, each with one
/// example, so a policy author sees which rule stops whom and why.
public struct DenialSummary {
    public struct Group: Sendable, Equatable, Codable {
        public var user: String
        public var policy: String?
        public var rule: String
        public var count: Int
        public var first: String
        public var last: String
        /// The first denial's reason, action and path, as an example.
        public var reason: String?
        public var action: String?
        public var path: String?
        /// Distinct actions denied by this rule to this user (at most `maxActions`).
        public var actions: [String]
    }

    static let maxActions = 8
    private var groups: [GroupKey: Group] = [:]
    public private(set) var total = 0

    public init() {}

    /// Only denied requests carry `"deny"`.
    public static let prefilter = LinePrefilter(required: [Array(#""deny""#.utf8)])

    public mutating func consume(_ record: AuditRecord) {
        guard record.kind == .request, record.decision == .deny else { return }
        total += 1
        let user = record.commonName ?? "(no certificate)"
        let rule = record.rule ?? "(no rule)"
        let time = AuditTimestamp.text(AuditTimestamp.micros(of: record))
        let key = GroupKey(user: user, rule: rule)
        if var group = groups[key] {
            group.count += 1
            group.last = time
            if let action = record.action, group.actions.count < Self.maxActions, !group.actions.contains(action) {
                group.actions.append(action)
            }
            groups[key] = group
        } else {
            groups[key] = Group(
                user: user, policy: record.policy, rule: rule, count: 1, first: time, last: time,
                reason: record.reason, action: record.action, path: record.path,
                actions: record.action.map { [$0] } ?? [])
        }
    }

    /// Most denials first; ties by user, then rule.
    public var sortedGroups: [Group] {
        groups.values.sorted {
            ($0.count, $1.user, $1.rule) > ($1.count, $0.user, $0.rule)
        }
    }

    private struct GroupKey: Hashable {
        var user: String
        var rule: String
    }
}
