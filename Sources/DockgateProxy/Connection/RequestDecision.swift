import DockgateDocker
import DockgatePolicy

/// The rest of a request's decision after its head verdict: the body rules, then the tenancy
/// step (the daemon's facts about the objects it names), then the request as it will be
/// forwarded (objects replaced by the IDs judged, owner labels stamped).
enum RequestDecision {
    /// Whether the decision can be made at once on the event loop: no body to judge (body rules
    /// may resolve host paths on disk) and nothing to ask the daemon.
    static func isImmediate(_ pending: PendingJudgement, gate: AccessGate) -> Bool {
        switch pending.verdict {
        case .inspectBody: return false
        case .deny: return true
        case .allow(let context):
            guard let user = context.user, let policy = context.policy, let request = context.request else { return true }
            return TenancyGate(policy: policy, tenant: user.tenant, resolver: gate.resolver).isNothingToDo(request)
        }
    }

    /// Decides; may block on the file system and the daemon, so it runs off the event loop
    /// unless `isImmediate` said otherwise.
    static func decide(_ pending: PendingJudgement, gate: AccessGate, facts: any DaemonFacts) -> RequestJudgement {
        var verdict = pending.verdict
        if case .inspectBody(let kind, let context) = verdict {
            verdict = gate.evaluate(body: pending.payload, kind: kind, context: context)
        }
        switch verdict {
        case .inspectBody:
            preconditionFailure("a body verdict cannot ask for the body again")
        case .deny(let status, let message, let context):
            return .deny(status: status, message: message, context)
        case .allow(var context):
            guard let user = context.user, let policy = context.policy, let request = context.request else {
                return allow(context, pending)
            }
            let tenancy = TenancyGate(policy: policy, tenant: user.tenant, resolver: gate.resolver)
            if tenancy.isNothingToDo(request) { return allow(context, pending) }
            switch tenancy.judge(request, body: context.body, facts: facts) {
            case .deny(let decision):
                // Observe mode forwards what ownership would refuse, unchanged, and records would-deny.
                switch gate.observing(gate.denial(decision, context)) {
                case .deny(let status, let message, let context): return .deny(status: status, message: message, context)
                case .allow(let context), .inspectBody(_, let context): return allow(context, pending)
                }
            case .allow(let rewrite):
                context.details += rewrite.auditDetails.map { ($0.0, .string($0.1)) }
                guard rewrite.changesRequest else { return allow(context, pending) }
                let forwarded = ForwardedRequest(head: pending.head, request: request, rewrite: rewrite)
                return .allow(context, headBytes: forwarded.headBytes, body: forwarded.body ?? pending.heldBody)
            }
        }
    }

    private static func allow(_ context: AccessContext, _ pending: PendingJudgement) -> RequestJudgement {
        .allow(context, headBytes: pending.headBytes, body: pending.heldBody)
    }
}
