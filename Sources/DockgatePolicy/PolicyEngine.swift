import DockgateDocker

/// Decides requests for one policy: first on the head (route, method, query), then, for the
/// routes whose body carries a container or mount configuration, on the body dockerd will decode.
///
/// Pure: values in, a decision out. Default deny: a route or field the engine does not know is
/// refused unless the policy says otherwise.
public struct PolicyEngine: Sendable {
    public let policy: Policy
    public let resolver: any HostPathResolver

    public init(policy: Policy, resolver: any HostPathResolver = LexicalPathResolver()) {
        self.policy = policy
        self.resolver = resolver
    }

    /// Build-time networking a policy without `privileged` may use (THREATS B-01).
    static let allowedBuildNetworks: Set<String> = ["", "default", "bridge", "none"]

    /// Below 1.24 dockerd applies a HostConfig sent with `start` and other legacy shapes
    /// (THREATS V-02, V-03); no current client needs them.
    public static let minimumAPIVersion = APIVersion(major: 1, minor: 24)

    public func decide(_ facts: RequestFacts) -> HeadVerdict {
        let request = facts.request
        if let version = request.apiVersion, version < Self.minimumAPIVersion {
            return .decided(.malformed("API version \(version) is refused; dockgate serves API \(Self.minimumAPIVersion) and later"))
        }
        if let decision = alwaysDecided(request) { return .decided(decision) }
        if facts.hasBody, MediaType.isForm(contentType: facts.contentType) {
            // Go's ParseForm merges a form body ahead of the query (THREATS I-02): refuse rather than guess.
            return .decided(.malformed(
                "form-encoded request bodies are refused (dockerd would read them as query parameters); "
                    + "send Content-Type: application/json"))
        }
        guard let route = request.route else {
            if policy.allowsUnknownEndpoints { return .decided(.allow(rule: "endpoints/unknown")) }
            return .decided(.deny("endpoints/unknown", "\(request.method) \(request.path) is not a Docker API endpoint dockgate knows"))
        }
        if policy.isReadOnly && (route.isWrite || !["GET", "HEAD", "OPTIONS"].contains(request.method)) {
            return .decided(.deny("read-only", "\(route.action) writes, and this policy is read-only"))
        }
        let needed: AccessLevel = route.isWrite ? .write : .read
        guard policy.access(to: route.group) >= needed else {
            if route.action == .pluginInspect, let name = route.objectName {
                // `docker inspect NAME` probes container, image, network, volume, then plugin, and
                // prints "No such object" only if every probe is a 404. Without plugin access the
                // answer is dockerd's own for a missing plugin, whether or not one exists: the user
                // sees what the daemon would say, and learns nothing about the daemon's plugins.
                return .decided(.deny(rule: "plugins/not-visible", reason: DockerNotFound.pluginMessage(name), status: 404))
            }
            return .decided(.deny("endpoints/\(route.group.rawValue)", "\(route.action) needs \(needed.rawValue) access to \(route.group.rawValue)"))
        }
        return routeRules(route, facts) ?? .decided(.allow(rule: "endpoints/\(route.group.rawValue)"))
    }

    /// The body of a request for which `decide` asked to see it. `body` is nil when the request had
    /// none: dockerd then decodes nothing, which is judged as an empty object (never skipped).
    public func decide(body: JSONValue?, kind: BodyKind) -> PolicyDecision {
        do throws(BodyFieldError) {
            return try BodyRules(policy: policy, resolver: resolver).decide(kind, body ?? .object(JSONObject([])))
        } catch {
            return .malformed("\(error.field) \(error.reason)")
        }
    }

    /// Reads a held body as dockerd's Go decoder would, refusing what could be read two ways, then
    /// judges it. An absent or empty body is judged as the empty object.
    public func decide(bodyBytes: [UInt8]?, kind: BodyKind, maxBodyBytes: Int = 4 * 1024 * 1024) -> PolicyDecision {
        guard let bodyBytes, !bodyBytes.isEmpty else { return decide(body: nil, kind: kind) }
        do {
            return decide(body: try StrictJSONReader(maxBytes: maxBodyBytes).read(bodyBytes, shape: kind.goShape), kind: kind)
        } catch {
            return .malformed("the \(kind.rawValue) body cannot be read unambiguously: \(error.message)")
        }
    }

    /// The bind sources of an existing container (its `HostConfig` as `GET /containers/{id}/json`
    /// shows it), judged again right before the daemon mounts them at start or restart. Between
    /// create and start a container that binds an allowed folder can turn a path below it into a
    /// symlink; the create-time decision says nothing about what the path is now (THREATS M-02).
    public func recheckBinds(of hostConfig: JSONObject) -> PolicyDecision {
        guard !policy.isPrivileged else { return .allow(rule: "binds/privileged") }
        let rules = HostConfigRules(policy: policy, binds: BindMountRules(roots: policy.bindMountRoots, resolver: resolver))
        do throws(BodyFieldError) {
            return try rules.storedBinds(hostConfig) ?? .allow(rule: "binds/recheck")
        } catch {
            return .deny("host-escape/bind-mount", "the container's mounts cannot be read (\(error.field) \(error.reason))")
        }
    }

    /// Both stages at once, for callers that already hold the whole body (`policy explain`, tests).
    public func decide(_ facts: RequestFacts, wholeBody: [UInt8]?) -> PolicyDecision {
        switch decide(facts) {
        case .decided(let decision): decision
        case .inspectBody(let kind): decide(bodyBytes: wholeBody, kind: kind)
        }
    }

    /// Negotiation endpoints every authenticated client needs, and the daemon's debug handlers,
    /// which nobody gets (THREATS L-04, L-06).
    private func alwaysDecided(_ request: CanonicalRequest) -> PolicyDecision? {
        guard let route = request.route else { return nil }
        switch route.action {
        case .ping, .version:
            return .allow(rule: "always/negotiation")
        case .debug:
            return .deny("always/debug", "the daemon's debug endpoints are never exposed")
        default:
            return nil
        }
    }

    private func routeRules(_ route: DockerRoute, _ facts: RequestFacts) -> HeadVerdict? {
        let query = facts.request.query
        let images = ImageRules(policy: policy)
        let restricted = !policy.isPrivileged
        switch route.action {
        // Create bodies are always read, even for privileged policies: their audit record says what
        // was run, and a body that could be read two ways is refused for everyone.
        case .containerCreate:
            return .inspectBody(.containerCreate)
        case .containerUpdate:
            return restricted ? .inspectBody(.containerUpdate) : nil
        case .execCreate:
            return .inspectBody(.execCreate)
        // Read for everyone: the owner labels are stamped into the body that is forwarded.
        case .volumeCreate:
            return .inspectBody(.volumeCreate)
        case .networkCreate:
            return .inspectBody(.networkCreate)
        case .networkConnect, .networkDisconnect:
            // The body names the container: it must be the user's own too.
            return restricted ? .inspectBody(.networkConnect) : nil
        case .containerStart:
            // Old daemons apply a HostConfig sent to start (THREATS V-02); dockerd's own test for "has a
            // body" is Content-Length > 7 or chunked.
            if restricted && (facts.isChunked || (facts.contentLength ?? 0) > 7) {
                return .decided(.deny("host-escape/legacy-start-body", "a configuration body on container start is refused"))
            }
            if restricted && (query.contains("checkpoint") || query.contains("checkpoint-dir")) {
                return .decided(.deny("host-escape/checkpoint", "restoring a checkpoint is not allowed"))
            }
            return nil
        case .imagePull:
            if let source = query.first("fromSrc") {
                if restricted && source != "-" {
                    return .decided(.deny("images/import", "importing from a URL makes the daemon fetch it; not allowed"))
                }
                return images.checkNameWrite("docker import").map(HeadVerdict.decided)
            }
            return images.checkPull(fromImage: query.first("fromImage"), tag: query.first("tag")).map(HeadVerdict.decided)
        case .imageLoad:
            return images.checkNameWrite("docker load").map(HeadVerdict.decided)
        case .imageTag:
            return images.checkNameWrite("docker tag").map(HeadVerdict.decided)
        case .imageCommit:
            return images.checkNameWrite("docker commit").map(HeadVerdict.decided)
        case .serviceCreate, .serviceUpdate:
            // A service's image sits deep in its spec (TaskTemplate.ContainerSpec.Image) and is
            // pulled on every node: an image allowlist cannot vouch for it, so it is refused.
            if policy.restrictsImages {
                return .decided(.deny("images/allowlist", "services cannot be checked against this policy's image allowlist"))
            }
            return restricted ? .decided(.deny("host-escape/swarm", "\(route.action) gives control of the swarm; not allowed")) : nil
        case .build:
            if let denial = images.checkNameWrite("docker build") { return .decided(denial) }
            return restricted ? buildQueryRules(query).map(HeadVerdict.decided) : nil
        default:
            break
        }
        guard restricted else { return nil }
        switch route.group {
        case .session:
            return .decided(.deny("host-escape/buildkit", "BuildKit's gRPC tunnel cannot be inspected request by request; not allowed"))
        case .plugins where route.isWrite:
            return .decided(.deny("host-escape/plugins", "plugins run with the privileges they ask for; not allowed"))
        case .swarm where route.isWrite || route.action == .swarmInspect || route.action == .swarmUnlockKey:
            return .decided(.deny("host-escape/swarm", "\(route.action) gives control of the swarm; not allowed"))
        default:
            return nil
        }
    }

    /// Classic-builder query parameters that reach the host (THREATS B-01…B-05).
    private func buildQueryRules(_ query: QueryParameters) -> PolicyDecision? {
        if let network = query.first("networkmode"), !Self.allowedBuildNetworks.contains(network) {
            return .deny("host-escape/build-network", "build network mode \"\(network)\" is not allowed")
        }
        for name in ["cgroupparent", "remote", "outputs", "isolation"] {
            if let value = query.first(name), !value.isEmpty {
                return .deny("host-escape/build", "build parameter \(name) is not allowed")
            }
        }
        return nil
    }
}
