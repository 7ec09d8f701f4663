import DockgatePolicy

/// What the connection does with a request.
public enum AccessVerdict: Sendable {
    case allow(AccessContext)
    case deny(status: Int, message: String, AccessContext)
    /// Hold the request until its whole body has been read, then ask `Authorizer.evaluate(body:…)`.
    case inspectBody(BodyKind, AccessContext)

    public var context: AccessContext {
        switch self {
        case .allow(let context), .deny(_, _, let context), .inspectBody(_, let context): context
        }
    }
}
