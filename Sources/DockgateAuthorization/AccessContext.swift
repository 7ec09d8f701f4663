import DockgateAudit
import DockgateConfig
import DockgateDocker
import DockgatePolicy

/// Who is asking and what for: the facts a decision was made on, kept for the log and audit.
public struct AccessContext: Sendable {
    public var user: Configuration.User?
    public var policy: Policy?
    public var request: CanonicalRequest?
    public var rule = ""
    public var reason: String?
    /// What the request does, for its audit record (never credentials or environment values).
    public var details: [(String, AuditValue)] = []
    /// The body as judged, when it was read (creates, exec create, update, network connect).
    public var body: JSONValue?
    /// Observe mode: the first denial enforcement would have made. The request is forwarded and
    /// recorded as `would-deny` with this rule and reason.
    public var wouldDeny: ObservedDenial?

    public init() {}
}

extension AccessContext {
    /// Observe mode: one more rule the request breaks, listed in `details.also_would_deny`.
    mutating func noteAlsoWouldDeny(_ rule: String) {
        guard rule != wouldDeny?.rule else { return }
        if let index = details.firstIndex(where: { $0.0 == "also_would_deny" }), case .strings(let rules) = details[index].1 {
            if !rules.contains(rule) { details[index].1 = .strings(rules + [rule]) }
        } else {
            details.append(("also_would_deny", .strings([rule])))
        }
    }
}

/// A denial that observe mode recorded instead of enforcing.
public struct ObservedDenial: Sendable, Equatable {
    public var rule: String
    public var reason: String
    /// What enforcement would have answered (403, or 404 where dockgate speaks as the daemon).
    public var status = 403

    public init(rule: String, reason: String, status: Int = 403) {
        self.rule = rule
        self.reason = reason
        self.status = status
    }
}
