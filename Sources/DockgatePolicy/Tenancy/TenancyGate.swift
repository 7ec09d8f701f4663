import DockgateCore
import DockgateDocker

/// The tenancy step of a decision: every container, exec instance, volume and network a request
/// acts on is looked up in the daemon, its owner checked against the policy's scope, and the
/// request rewritten to name what was judged (the full ID), so a rename in between changes nothing.
///
/// Runs after the head and body rules allowed the request. Pure apart from `DaemonFacts` and the
/// host-path resolver: the proxy calls it off its event loops, `policy explain` directly.
public struct TenancyGate: Sendable {
    public let policy: Policy
    public let tenant: Tenant
    public let resolver: any HostPathResolver

    public init(policy: Policy, tenant: Tenant, resolver: any HostPathResolver) {
        self.policy = policy
        self.tenant = tenant
        self.resolver = resolver
    }

    /// Creates whose object gets the owner labels.
    static let createActions: Set<DockerAction> = [.containerCreate, .volumeCreate, .networkCreate]
    /// Lists and streams that get the owner filter merged into the client's own `filters`.
    static let filteredActions: Set<DockerAction> = [
        .containerList, .volumeList, .networkList, .events, .containerPrune, .volumePrune, .networkPrune,
    ]
    /// Where code runs, files are read or written, or processes are listed inside a container:
    /// allowed to a restricted policy only on a container that its own create rules would allow.
    static let hostSensitiveActions: Set<DockerAction> = [
        .execCreate, .execStart, .containerAttach, .containerAttachWebSocket, .containerArchiveGet,
        .containerArchiveStat, .containerArchivePut, .containerExport, .containerTop,
    ]
    /// The daemon mounts the container's binds (again) at these.
    static let bindMountingActions: Set<DockerAction> = [.containerStart, .containerRestart]

    /// Which kind of object a route's `{id}` names, if it is one dockgate tracks owners of.
    static func pathObjectKind(action: DockerAction) -> DaemonObject.Kind? {
        if action == .execCreate { return .container }
        for (prefix, kind) in [("container.", DaemonObject.Kind.container), ("exec.", .exec), ("volume.", .volume), ("network.", .network)]
        where action.rawValue.startsWithBytes(of: prefix) {
            return kind
        }
        return nil
    }

    /// Whether judging the request needs nothing from the daemon and changes nothing in it.
    public func isNothingToDo(_ request: CanonicalRequest) -> Bool {
        guard let route = request.route else { return true }
        if route.objectName != nil, Self.pathObjectKind(action: route.action) != nil { return false }
        if Self.createActions.contains(route.action) { return false }
        if route.action == .imageCommit || route.action == .diskUsage { return policy.scope == .all }
        return !(Self.filteredActions.contains(route.action) && policy.scope != .all)
    }

    public func judge(_ request: CanonicalRequest, body: JSONValue?, facts: any DaemonFacts) -> TenancyOutcome {
        guard let route = request.route else { return .allow(TenancyRewrite()) }
        let action = route.action
        var rewrite = TenancyRewrite()
        if let name = route.objectName, let kind = Self.pathObjectKind(action: action) {
            switch pathObject(kind, name, action: action, facts: facts) {
            case .deny(let decision): return .deny(decision)
            case .allow(let object):
                rewrite.pathObjectID = object.id
                rewrite.auditDetails.append(("object_id", object.id))
                rewrite.auditDetails.append(("owner", object.owningObject.owner ?? ""))
            }
        }
        if Self.createActions.contains(action) {
            if let key = OwnerLabels.reservedKey(in: Self.labels(of: body)) {
                return .deny(.deny("ownership/reserved-label", "the label \(key) is reserved: dockgate sets it to the object's creator"))
            }
            var stamped = OwnerLabels.stamped(body, for: tenant)
            if action == .containerCreate, !policy.isPrivileged {
                if case .deny(let decision) = containerReferences(in: &stamped, facts: facts) { return .deny(decision) }
            }
            rewrite.body = stamped
            rewrite.auditDetails.append(("owner", tenant.commonName))
            return .allow(rewrite)
        }
        if policy.scope != .all {
            if Self.filteredActions.contains(action) {
                switch OwnerFilter(scope: policy.scope, tenant: tenant).merged(into: request.query) {
                case .success(let filters): rewrite.query.append(("filters", filters))
                case .failure(let problem): return .deny(.malformed(problem.message))
                }
            }
            if action == .diskUsage {
                return .deny(.deny("ownership/df", "disk usage lists every user's containers and volumes; ask an administrator"))
            }
        }
        if action == .imageCommit, let container = request.query.first("container"), !container.isEmpty {
            switch owned(.container, container, action: action.rawValue, facts: facts) {
            case .deny(let decision): return .deny(decision)
            case .allow(let object): rewrite.query.append(("container", object.id))
            }
        }
        if action == .networkConnect || action == .networkDisconnect, !policy.isPrivileged {
            if case .deny(let decision) = connectedContainer(in: body, rewrite: &rewrite, facts: facts) { return .deny(decision) }
        }
        return .allow(rewrite)
    }

    // MARK: Objects

    enum Judged {
        case allow(DaemonObject)
        case deny(PolicyDecision)
    }

    private func lookUp(_ kind: DaemonObject.Kind, _ name: String, facts: any DaemonFacts) -> DaemonLookup<DaemonObject> {
        switch kind {
        case .container: facts.container(name)
        case .exec: facts.exec(name)
        case .volume: facts.volume(name)
        case .network: facts.network(name)
        }
    }

    /// Looks the object up and checks its owner against the scope.
    func owned(_ kind: DaemonObject.Kind, _ name: String, action: String, facts: any DaemonFacts) -> Judged {
        switch lookUp(kind, name, facts: facts) {
        case .notFound:
            // Answered here, not forwarded by name: an object created under that name in between
            // would otherwise be acted on unjudged.
            return .deny(.deny(rule: "ownership/not-found", reason: "No such \(kind.rawValue): \(name)", status: 404))
        case .unavailable(let why):
            return .deny(.deny(rule: "ownership/unavailable", reason: "the \(kind.rawValue) \(name) could not be looked up (\(why))", status: 503))
        case .found(let object):
            if let denial = ownership(of: object, action: action) { return .deny(denial) }
            return .allow(object)
        }
    }

    /// nil when the scope lets the tenant act on the object (an exec through its container).
    public func ownership(of object: DaemonObject, action: String) -> PolicyDecision? {
        let owning = object.owningObject
        let owner = owning.owner
        switch policy.scope {
        case .all:
            return nil
        case .own:
            if let owner, owner.hasSameBytes(as: tenant.commonName) { return nil }
        case .team:
            if let owner, owner.hasSameBytes(as: tenant.commonName) { return nil }
            if let team = tenant.team, let objectTeam = owning.team, objectTeam.hasSameBytes(as: team) { return nil }
        }
        let whose = owner.map { "it belongs to \($0)" } ?? "it belongs to nobody (made outside dockgate)"
        let what = object.kind == .exec ? "exec \(object.id) (in container \(owning.name))" : "\(owning.kind.rawValue) \(Self.displayName(owning))"
        return .deny("ownership/\(object.kind.rawValue)", "\(action) on \(what) is not allowed: \(whose)")
    }

    private func pathObject(_ kind: DaemonObject.Kind, _ name: String, action: DockerAction, facts: any DaemonFacts) -> Judged {
        let judged = owned(kind, name, action: action.rawValue, facts: facts)
        guard case .allow(let object) = judged, !policy.isPrivileged else { return judged }
        let container = object.owningObject
        if Self.hostSensitiveActions.contains(action) {
            if let denial = hostSensitivity(of: container, facts: facts) {
                return .deny(Self.prefixed(denial, "\(action) into container \(Self.displayName(container)) is not allowed: "))
            }
        }
        if Self.bindMountingActions.contains(action), let hostConfig = container.hostConfig {
            let decision = PolicyEngine(policy: policy, resolver: resolver).recheckBinds(of: hostConfig)
            if case .deny = decision {
                return .deny(Self.prefixed(decision, "\(action) of container \(Self.displayName(container)) is not allowed: "))
            }
        }
        return judged
    }

    static func displayName(_ object: DaemonObject) -> String {
        let name = object.name.utf8.first == UInt8(ascii: "/") ? String(object.name.dropFirst()) : object.name
        return name.isEmpty ? String(object.id.prefix(12)) : name
    }

    static func prefixed(_ decision: PolicyDecision, _ prefix: String) -> PolicyDecision {
        guard case .deny(let rule, let reason, let status) = decision else { return decision }
        return .deny(rule: rule, reason: prefix + reason, status: status)
    }

    static func labels(of body: JSONValue?) -> JSONObject? {
        guard case .object(let object)? = body, case .object(let labels)? = object.member("Labels") else { return nil }
        return labels
    }
}
