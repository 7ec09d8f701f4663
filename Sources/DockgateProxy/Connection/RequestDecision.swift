import DockgateAuthorization
import DockgatePolicy

/// The rest of a request's decision after its head verdict, through the one authorization entry
/// point (`Authorizer.authorize(afterHead:…)`, which `policy explain` uses too), then the request
/// as it will be forwarded (objects replaced by the IDs judged, owner labels stamped).
enum RequestDecision {
    /// Whether the decision can be made at once on the event loop: no body to judge (body rules
    /// may resolve host paths on disk) and nothing to ask the daemon.
    static func isImmediate(_ pending: PendingJudgement, gate: Authorizer) -> Bool {
        if case .inspectBody = pending.verdict { return false }
        return gate.tenancyGate(for: pending.verdict) == nil
    }

    /// Decides; may block on the file system and the daemon, so it runs off the event loop
    /// unless `isImmediate` said otherwise.
    static func decide(_ pending: PendingJudgement, gate: Authorizer, facts: any DaemonFacts) -> RequestJudgement {
        let authorization = gate.authorize(afterHead: pending.verdict, body: pending.payload, facts: facts)
        switch authorization.verdict {
        case .deny(let status, let message, let context):
            return .deny(status: status, message: message, context)
        case .allow(let context), .inspectBody(_, let context):
            guard let rewrite = authorization.rewrite, rewrite.changesRequest, let request = context.request else {
                return .allow(context, headBytes: pending.headBytes, body: pending.heldBody)
            }
            let forwarded = ForwardedRequest(head: pending.head, request: request, rewrite: rewrite)
            return .allow(context, headBytes: forwarded.headBytes, body: forwarded.body ?? pending.heldBody)
        }
    }
}
