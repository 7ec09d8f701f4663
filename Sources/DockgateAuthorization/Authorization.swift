import DockgateConfig
import DockgateCore
import DockgateDocker
import DockgateHTTP
import DockgatePolicy

/// Every step of a decision for a request whose head and whole body are at hand.
public struct Authorization: Sendable {
    /// Allow (perhaps carrying an observed denial) or deny; never `inspectBody`.
    public var verdict: AccessVerdict
    /// What the tenancy step would change before forwarding (the object's full ID, owner filter,
    /// stamped labels), when it ran and allowed the request.
    public var rewrite: TenancyRewrite?
    /// The request names objects whose owners only the daemon knows, and no `DaemonFacts` were given.
    public var tenancyNotAsked = false
}

extension Authorizer {
    /// The whole decision at once, through the same steps the proxy takes one at a time:
    /// identity, head, body (when the head asks for it), then the tenancy step with `facts`
    /// (nil: not asked; `tenancyNotAsked` then says whether it was needed).
    public func authorize(identity: ClientIdentity, head: RequestHead, body: [UInt8]?, facts: (any DaemonFacts)?) -> Authorization {
        authorize(afterHead: observing(evaluate(identity: identity, head: head)), body: body, facts: facts)
    }

    /// As `authorize(identity:…)`, for a user named by the caller (`policy explain --user`).
    public func authorize(
        user: Configuration.User, policy: Policy, head: RequestHead, body: [UInt8]?, facts: (any DaemonFacts)?
    ) -> Authorization {
        authorize(afterHead: observing(evaluate(user: user, policy: policy, head: head)), body: body, facts: facts)
    }

    /// The steps after the head: the body (when the head asked for it), then the tenancy step.
    /// The proxy judges the head as soon as it is parsed and calls this once the body is in.
    public func authorize(afterHead headVerdict: AccessVerdict, body: [UInt8]?, facts: (any DaemonFacts)?) -> Authorization {
        var verdict = headVerdict
        if case .inspectBody(let kind, let context) = verdict {
            verdict = evaluate(body: body, kind: kind, context: context)
        }
        guard let gate = tenancyGate(for: verdict), case .allow(let context) = verdict, let request = context.request else {
            return Authorization(verdict: verdict)
        }
        guard let facts else { return Authorization(verdict: verdict, tenancyNotAsked: true) }
        let outcome = gate.judge(request, body: context.body, facts: facts)
        var rewrite: TenancyRewrite?
        if case .allow(let allowed) = outcome { rewrite = allowed }
        return Authorization(verdict: self.verdict(after: outcome, context: context), rewrite: rewrite)
    }
}

extension RequestHead {
    /// The head a client would send for `method target` with a JSON body of `bodyLength` bytes,
    /// read by the proxy's own parser (so a target the proxy would refuse is refused here too).
    public static func described(method: String, target: String, contentType: String?, bodyLength: Int?) throws(HTTPHeadError) -> RequestHead {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: dockgate\r\n"
        if let bodyLength {
            if let contentType { text += "Content-Type: \(contentType)\r\n" }
            text += "Content-Length: \(bodyLength)\r\n"
        }
        text += "\r\n"
        var parser = RequestHeadParser()
        guard let head = try parser.parse(Array(text.utf8)[...]) else { throw .malformedRequestLine }
        return head
    }
}
