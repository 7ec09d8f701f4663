import DockgateDocker
/// The outcome of judging a request. A denial is data: it travels to the audit record and to the
/// Docker-shaped error body, with the rule that decided it.
public enum PolicyDecision: Sendable, Equatable {
    case allow(rule: String)
    /// `status` is 403 for a policy denial, 400 for a request dockgate refuses to read at all, and
    /// 404 where dockgate answers in the daemon's own words (`reason` is then that answer).
    case deny(rule: String, reason: String, status: Int)

    public static func deny(_ rule: String, _ reason: String) -> PolicyDecision {
        .deny(rule: rule, reason: reason, status: 403)
    }

    public static func malformed(_ reason: String) -> PolicyDecision {
        .deny(rule: "request/malformed", reason: reason, status: 400)
    }

    public var isAllowed: Bool {
        if case .allow = self { return true }
        return false
    }

    public var rule: String {
        switch self {
        case .allow(let rule), .deny(let rule, _, _): rule
        }
    }
}

/// The first, body-less look at a request: decided, or the body must be read first.
public enum HeadVerdict: Sendable, Equatable {
    case decided(PolicyDecision)
    /// Read the whole body (up to the inspection limit) and call `PolicyEngine.decide(body:…)`.
    case inspectBody(BodyKind)
}

/// Which request body dockerd will decode, and so which rules judge it.
public enum BodyKind: String, Sendable, Equatable {
    case containerCreate = "container create"
    case containerUpdate = "container update"
    case execCreate = "exec create"
    case volumeCreate = "volume create"
    case networkCreate = "network create"
    case networkConnect = "network connect"

    /// Where the body holds Go maps (exact keys) rather than structs (folded keys).
    public var goShape: GoValueShape {
        switch self {
        case .containerCreate: DockerBodyShapes.containerCreate
        case .containerUpdate: DockerBodyShapes.containerUpdate
        case .execCreate: DockerBodyShapes.execCreate
        case .volumeCreate: DockerBodyShapes.volumeCreate
        case .networkCreate: DockerBodyShapes.networkCreate
        case .networkConnect: DockerBodyShapes.networkConnect
        }
    }

    /// "container-create": the kind as it appears in rule names.
    var ruleName: String { String(rawValue.map { $0 == " " ? "-" : $0 }) }
}
