import DockgateAudit

/// `search`: which records to show. Every set criterion must hold; an unset one admits all.
public struct RecordFilter: Sendable, Equatable {
    /// The certificate CN.
    public var user: String?
    /// An action (`exec.create`), or a prefix ending in `*` (`exec.*`, `container.*`).
    public var action: String?
    /// `allow` or `deny`.
    public var decision: AuditRecord.Decision?
    /// A container name, full id or id prefix, as the request or the create's response named it.
    public var container: String?
    /// A rule, or a prefix ending in `*` (`host-escape/*`).
    public var rule: String?
    /// Record kinds; by default requests only: one line per request, with its decision.
    public var kinds: Set<AuditRecord.Kind>

    public init(
        user: String? = nil, action: String? = nil, decision: AuditRecord.Decision? = nil, container: String? = nil,
        rule: String? = nil, kinds: Set<AuditRecord.Kind> = [.request]
    ) {
        self.user = user
        self.action = action
        self.decision = decision
        self.container = container.map(ContainerReference.normalized)
        self.rule = rule
        self.kinds = kinds
    }

    public func admits(_ record: AuditRecord) -> Bool {
        guard kinds.contains(record.kind) else { return false }
        if let user, record.commonName != user { return false }
        if let decision, record.decision != decision { return false }
        if let action, !Self.pattern(action, matches: record.action) { return false }
        if let rule, !Self.pattern(rule, matches: record.rule) { return false }
        if let container, !mentions(container, record) { return false }
        return true
    }

    /// Bytes every admitted line must contain (see `LinePrefilter`).
    public var prefilter: LinePrefilter {
        var needles: [[UInt8]] = []
        if let user, let needle = LinePrefilter.quoted(user) { needles.append(needle) }
        if let decision, let needle = LinePrefilter.quoted(decision.rawValue) { needles.append(needle) }
        if let action, let needle = Self.needle(action) { needles.append(needle) }
        if let rule, let needle = Self.needle(rule) { needles.append(needle) }
        if let container, let needle = LinePrefilter.bare(container) { needles.append(needle) }
        if kinds.count == 1, let kind = kinds.first, let needle = LinePrefilter.quoted(kind.rawValue) { needles.append(needle) }
        return LinePrefilter(required: needles)
    }

    private static func needle(_ pattern: String) -> [UInt8]? {
        pattern.hasSuffix("*") ? LinePrefilter.quoted(String(pattern.dropLast()), prefix: true) : LinePrefilter.quoted(pattern)
    }

    static func pattern(_ pattern: String, matches value: String?) -> Bool {
        guard let value else { return false }
        if pattern.hasSuffix("*") { return value.hasPrefix(pattern.dropLast()) }
        return value == pattern
    }

    private func mentions(_ container: String, _ record: AuditRecord) -> Bool {
        for key in ["container", "name"] {
            if let text = record.detailText(key), ContainerReference.normalized(text) == container { return true }
        }
        for key in ["container", "container_id"] {
            guard let text = record.detailText(key), ContainerReference.looksLikeID(container) else { continue }
            if text.hasPrefix(container) || (ContainerReference.looksLikeID(text) && container.hasPrefix(text)) { return true }
        }
        return false
    }
}
