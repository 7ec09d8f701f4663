import DockgateDocker
import DockgatePolicy

extension Authorizer {
    /// Judges a held body (`nil` when the request had none). Chunked bodies arrive decoded.
    public func evaluate(body: [UInt8]?, kind: BodyKind, context: AccessContext) -> AccessVerdict {
        guard let policy = context.policy else { return deny(.deny("identity/unknown", "no policy"), context) }
        var json: JSONValue?
        if let body, !body.isEmpty {
            do {
                json = try StrictJSONReader(maxBytes: maxInspectedBodyBytes).read(body, shape: kind.goShape)
            } catch {
                return deny(.malformed("the \(kind.rawValue) body cannot be read unambiguously: \(error.message)"), context)
            }
        }
        var context = context
        context.body = json
        context.details += AuditFacts.details(for: kind, body: json)
        let judged = verdict(PolicyEngine(policy: policy, resolver: resolver).decide(body: json, kind: kind), context)
        if case .allow(var observed) = judged, let rule = hostEscapeBesides(observed, body: json, kind: kind, policy: policy) {
            observed.noteAlsoWouldDeny(rule)
            return .allow(observed)
        }
        return judged
    }

    /// For an observed create refused for its image (or its head): the host-escape rule its
    /// HostConfig breaks as well, which the engine's first denial hides. `policy suggest` must
    /// see it, so that it is never granted silently.
    private func hostEscapeBesides(_ context: AccessContext, body: JSONValue?, kind: BodyKind, policy: Policy) -> String? {
        guard context.wouldDeny != nil, policy.images != nil else { return nil }
        var anyImage = policy
        anyImage.images = nil
        guard case .deny(let rule, _, _) = PolicyEngine(policy: anyImage, resolver: resolver).decide(body: body, kind: kind),
            rule.hasPrefix("host-escape/")
        else { return nil }
        return rule
    }
}
