import DockgateDocker

/// What the tenancy step decided, and what must change in the request before it is forwarded so
/// that the daemon acts on exactly what was judged.
public enum TenancyOutcome: Sendable {
    case allow(TenancyRewrite)
    case deny(PolicyDecision)
}

public struct TenancyRewrite: Sendable {
    /// The full ID to put in place of the object named in the path (a rename between the check
    /// and the forward then changes nothing).
    public var pathObjectID: String?
    /// Query parameters to set (replacing every earlier value of that name), e.g. `filters` with
    /// the owner label merged in, `container` of a commit resolved to its ID.
    public var query: [(name: String, value: String)] = []
    /// The body to forward instead of the client's (owner labels stamped, names resolved).
    public var body: JSONValue?
    /// What the audit record says about the object acted on.
    public var auditDetails: [(String, String)] = []

    public init(pathObjectID: String? = nil) {
        self.pathObjectID = pathObjectID
    }

    public var changesRequest: Bool { pathObjectID != nil || !query.isEmpty || body != nil }
}
