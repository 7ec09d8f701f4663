import DockgateConfig
import DockgateCore
import DockgateDocker
import DockgateHTTP
import DockgatePolicy

/// The one place a request is authorized: identity → policy → canonical request → head rules →
/// body rules → object facts (the tenancy step). `serve` takes the steps one at a time, as the
/// bytes arrive and the daemon answers; `policy explain` and the tests take them all at once
/// through `authorize(user:policy:head:body:facts:)`, which calls the very same steps.
///
/// Pure apart from the host-path resolver and the `DaemonFacts` it is handed.
public struct Authorizer: Sendable {
    public let configuration: Configuration
    /// Serials revoked by the configured CRLs (the handshake already refuses them; this catches
    /// connections opened before a reload added them).
    let revokedSerials: Set<[UInt8]>
    public let resolver: any HostPathResolver
    /// Largest body read for inspection; a larger one is refused (413), never waved through
    /// unread (the CVE-2026-34040 class, THREATS H-02).
    public let maxInspectedBodyBytes: Int

    public init(
        configuration: Configuration, revokedSerials: Set<String> = [], resolver: any HostPathResolver,
        maxInspectedBodyBytes: Int = 4 * 1024 * 1024
    ) {
        self.configuration = configuration
        self.revokedSerials = Set(revokedSerials.map { Array($0.utf8) })
        self.resolver = resolver
        self.maxInspectedBodyBytes = maxInspectedBodyBytes
    }

    /// Whether this certificate still names a user: false once its CN was removed, its pinned
    /// fingerprint changed, or it was revoked (by CRL or fingerprint).
    public func admits(_ identity: ClientIdentity) -> Bool {
        !isRevoked(identity) && configuration.policy(commonName: identity.commonName, fingerprint: identity.sha256Fingerprint) != nil
    }

    public func isRevoked(_ identity: ClientIdentity) -> Bool {
        // Compared as bytes (a Set<String> lookup matches canonically equivalent spellings too).
        revokedSerials.contains(Array(identity.serialHex.utf8))
            || configuration.tls.revokedFingerprints.containsBytes(of: identity.sha256Fingerprint)
    }

    // MARK: Identity and head

    /// The first step for a verified certificate: its user and policy, then the head rules.
    public func evaluate(identity: ClientIdentity, head: RequestHead) -> AccessVerdict {
        var context = AccessContext()
        if isRevoked(identity) {
            context.rule = "identity/revoked"
            return .deny(status: 403, message: "dockgate: certificate serial \(identity.serialHex) has been revoked", context)
        }
        guard let (user, policy) = configuration.policy(commonName: identity.commonName, fingerprint: identity.sha256Fingerprint) else {
            context.rule = "identity/unknown"
            return .deny(
                status: 403,
                message: "dockgate: certificate CN \"\(identity.commonName)\" is not a configured user of this Docker endpoint",
                context)
        }
        return evaluate(user: user, policy: policy, head: head)
    }

    /// The head rules for a user already identified: canonical request, upgrade check, policy engine.
    public func evaluate(user: Configuration.User, policy: Policy, head: RequestHead) -> AccessVerdict {
        var context = AccessContext()
        context.user = user
        context.policy = policy
        let request: CanonicalRequest
        do {
            request = try RequestCanonicalizer.canonicalize(method: head.method, target: head.target)
        } catch {
            context.rule = "request/target"
            return deny(.malformed(error.message), context)
        }
        context.request = request
        context.details = AuditFacts.details(for: request)
        if head.isUpgrade, let problem = UpgradeCheck.problem(head.headers.first("Upgrade") ?? "", action: request.route?.action) {
            return deny(.malformed(problem), context)
        }
        let facts = RequestFacts(
            request: request, contentLength: head.framing.contentLength, isChunked: head.framing == .chunked,
            contentType: head.headers.first("Content-Type"))
        switch PolicyEngine(policy: policy, resolver: resolver).decide(facts) {
        case .decided(let decision):
            let judged = verdict(decision, context)
            // An observed request refused on its head is forwarded with its body: read that body
            // anyway, so its record holds the facts (image, mounts, …) and it is refused if it
            // cannot be read unambiguously, as it would be for everyone.
            if case .allow(let observed) = judged, observed.wouldDeny != nil, let kind = bodyKind(facts, policy: policy) {
                return .inspectBody(kind, observed)
            }
            return judged
        case .inspectBody(let kind):
            return .inspectBody(kind, context)
        }
    }

    /// The body a request would have had inspected had its head been allowed.
    private func bodyKind(_ facts: RequestFacts, policy: Policy) -> BodyKind? {
        guard let group = facts.request.route?.group else { return nil }
        var granted = policy
        granted.endpoints[group] = .write
        granted.isReadOnly = false
        if case .inspectBody(let kind) = PolicyEngine(policy: granted, resolver: resolver).decide(facts) { return kind }
        return nil
    }

    // MARK: Observe mode and wording

    /// Observe mode: a policy denial (403, or a 404 dockgate answers itself) becomes an allow
    /// that carries the denial, so the request is recorded as `would-deny` and forwarded.
    /// Requests that cannot be read unambiguously (400), identity failures (no user) and checks
    /// that could not be made (503) stay refused: none of them is the policy's decision.
    public func observing(_ verdict: AccessVerdict) -> AccessVerdict {
        guard case .deny(let status, _, var context) = verdict, status == 403 || status == 404,
            let user = context.user, let policy = context.policy, user.isObserved(under: policy)
        else { return verdict }
        let denial = ObservedDenial(rule: context.rule, reason: context.reason ?? "", status: status)
        context.details.removeAll { $0.0 == "answered_by" }  // the daemon answers this one
        if context.wouldDeny == nil {
            context.wouldDeny = denial
        } else {
            // The record keeps the first denial; later ones (a body judged after a head that was
            // already refused, a check on the target container) are listed beside it.
            context.noteAlsoWouldDeny(denial.rule)
        }
        return .allow(context)
    }

    /// A denial decided after the head and body rules (the tenancy step), worded like every other.
    public func denial(_ decision: PolicyDecision, _ context: AccessContext) -> AccessVerdict {
        deny(decision, context)
    }

    func verdict(_ decision: PolicyDecision, _ context: AccessContext) -> AccessVerdict {
        var context = context
        context.rule = decision.rule
        switch decision {
        case .allow: return .allow(context)
        case .deny: return observing(deny(decision, context))
        }
    }

    /// Denials read as `dockgate: <what and why> (user <cn>, policy <name>)`, which the docker CLI
    /// prints after "Error response from daemon:".
    func deny(_ decision: PolicyDecision, _ context: AccessContext) -> AccessVerdict {
        var context = context
        context.rule = decision.rule
        guard case .deny(_, let reason, let status) = decision else { return .allow(context) }
        context.reason = reason
        if status == 404 {
            // The daemon's own words (PolicyEngine: plugins/not-visible); the record says who answered.
            context.details.append(("answered_by", .string("dockgate")))
            return .deny(status: status, message: reason, context)
        }
        let who = context.user.map { " (user \($0.commonName), policy \($0.policyName))" } ?? ""
        return .deny(status: status, message: "dockgate: \(reason)\(who)", context)
    }
}

extension RequestBodyFraming {
    var contentLength: UInt64? {
        if case .contentLength(let length) = self { return length }
        return nil
    }
}
