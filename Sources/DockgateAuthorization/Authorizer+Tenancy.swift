import DockgateAudit
import DockgatePolicy

extension Authorizer {
    /// The tenancy step for a request the head and body rules allowed: the gate that asks the
    /// daemon about the objects it names, or nil when there is nothing to ask or change (and for
    /// verdicts that are not an allow). The caller decides where `judge` runs: the proxy off its
    /// event loops, `policy explain` in line.
    public func tenancyGate(for verdict: AccessVerdict) -> TenancyGate? {
        guard case .allow(let context) = verdict, let user = context.user, let policy = context.policy,
            let request = context.request
        else { return nil }
        let gate = TenancyGate(policy: policy, tenant: user.tenant, resolver: resolver)
        return gate.isNothingToDo(request) ? nil : gate
    }

    /// The final verdict once the tenancy step answered. A denial is worded like every other and
    /// observed like every other (observe mode forwards the request unchanged); an allow carries
    /// what the step learned about the objects into the audit details.
    public func verdict(after outcome: TenancyOutcome, context: AccessContext) -> AccessVerdict {
        switch outcome {
        case .deny(let decision):
            return observing(denial(decision, context))
        case .allow(let rewrite):
            var context = context
            context.details += rewrite.auditDetails.map { ($0.0, AuditValue.string($0.1)) }
            return .allow(context)
        }
    }
}
