import DockgateAudit
import DockgateConfig
import DockgateCore
import DockgateDocker
import DockgateHTTP
import DockgatePolicy
import Foundation

/// Who is asking and what for: the facts a decision was made on, kept for the log and audit.
struct AccessContext: Sendable {
    var user: Configuration.User?
    var policy: Policy?
    var request: CanonicalRequest?
    var rule = ""
    var reason: String?
    /// What the request does, for its audit record (never credentials or environment values).
    var details: [(String, AuditValue)] = []
    /// The body as judged, when it was read (creates, exec create, update, network connect).
    var body: JSONValue?
    /// Observe mode: the first denial enforcement would have made. The request is forwarded and
    /// recorded as `would-deny` with this rule and reason.
    var wouldDeny: ObservedDenial?
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
struct ObservedDenial: Sendable, Equatable {
    var rule: String
    var reason: String
}

/// What the connection does with a request.
enum AccessVerdict: Sendable {
    case allow(AccessContext)
    case deny(status: Int, message: String, AccessContext)
    /// Hold the request until its whole body has been read, then ask `evaluate(body:…)`.
    case inspectBody(BodyKind, AccessContext)
}

/// The identity gate and the policy engine, request by request. Pure apart from the host-path
/// resolver: the connection feeds it heads and bodies and acts on its verdicts.
struct AccessGate: Sendable {
    let configuration: Configuration
    /// Serials revoked by the configured CRLs (the handshake already refuses them; this catches
    /// connections opened before a reload added them).
    let revokedSerials: Set<[UInt8]>
    let resolver: any HostPathResolver
    /// Largest body read for inspection; a larger one is refused (413), never waved through
    /// unread (the CVE-2026-34040 class, THREATS H-02).
    let maxInspectedBodyBytes: Int

    init(
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
    func admits(_ identity: ClientIdentity) -> Bool {
        !isRevoked(identity) && configuration.policy(commonName: identity.commonName, fingerprint: identity.sha256Fingerprint) != nil
    }

    func isRevoked(_ identity: ClientIdentity) -> Bool {
        // Compared as bytes (a Set<String> lookup matches canonically equivalent spellings too).
        revokedSerials.contains(Array(identity.serialHex.utf8))
            || configuration.tls.revokedFingerprints.containsBytes(of: identity.sha256Fingerprint)
    }

    func evaluate(identity: ClientIdentity, head: RequestHead) -> AccessVerdict {
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
        if head.isUpgrade, let problem = Self.upgradeProblem(head.headers.first("Upgrade") ?? "", action: request.route?.action) {
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

    /// Observe mode: a policy denial (403, or a 404 dockgate answers itself) becomes an allow
    /// that carries the denial, so the request is recorded as `would-deny` and forwarded.
    /// Requests that cannot be read unambiguously (400), identity failures (no user) and checks
    /// that could not be made (503) stay refused: none of them is the policy's decision.
    func observing(_ verdict: AccessVerdict) -> AccessVerdict {
        guard case .deny(let status, _, var context) = verdict, status == 403 || status == 404,
            let user = context.user, let policy = context.policy, user.isObserved(under: policy)
        else { return verdict }
        let denial = ObservedDenial(rule: context.rule, reason: context.reason ?? "")
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

    /// Judges a held body (`nil` when the request had none). Chunked bodies arrive decoded.
    func evaluate(body: [UInt8]?, kind: BodyKind, context: AccessContext) -> AccessVerdict {
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

    /// A denial decided after the head and body rules (the tenancy step), worded like every other.
    func denial(_ decision: PolicyDecision, _ context: AccessContext) -> AccessVerdict {
        deny(decision, context)
    }

    private func verdict(_ decision: PolicyDecision, _ context: AccessContext) -> AccessVerdict {
        var context = context
        context.rule = decision.rule
        switch decision {
        case .allow: return .allow(context)
        case .deny: return observing(deny(decision, context))
        }
    }

    /// Denials read as `dockgate: <what and why> (user <cn>, policy <name>)`, which the docker CLI
    /// prints after "Error response from daemon:".
    private func deny(_ decision: PolicyDecision, _ context: AccessContext) -> AccessVerdict {
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

    /// The only routes dockerd hijacks, and the upgrade each speaks (PROTOCOL.md §1.1). Anything
    /// else asking to upgrade is refused: the proxy must never take a connection out of HTTP
    /// parsing on the client's word alone (THREATS H-14, H-15).
    static let upgradeProtocols: [(action: String, protocol: String)] = [
        ("container.attach", "tcp"), ("exec.start", "tcp"), ("container.attach.ws", "websocket"),
        ("session", "h2c"), ("grpc", "h2c"),
    ]

    static func upgradeProblem(_ upgrade: String, action: String?) -> String? {
        guard let action, let allowed = upgradeProtocols.first(where: { $0.action.hasSameBytes(as: action) }) else {
            return "Upgrade is accepted only on attach, exec start and the BuildKit session endpoints"
        }
        // The value is ASCII (the head parser refuses anything else); compared as bytes, ignoring ASCII case.
        let wanted = upgrade.utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
        let matches = wanted.count == allowed.protocol.utf8.count
            && zip(wanted, allowed.protocol.utf8).allSatisfy { ($0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0) == $1 }
        return matches ? nil : "Upgrade: \(upgrade) is not accepted on \(action)"
    }
}

extension RequestBodyFraming {
    var contentLength: UInt64? {
        if case .contentLength(let length) = self { return length }
        return nil
    }
}
