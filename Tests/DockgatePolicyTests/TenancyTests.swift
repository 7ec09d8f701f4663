import DockgateCore
import DockgateDocker
import DockgatePolicy
import Synchronization
import Testing

/// A daemon with fixed objects, looked up by name or ID as dockerd does (exact bytes).
final class FakeDaemon: DaemonFacts, Sendable {
    let containers: [DaemonObject]
    let volumes: Mutex<[DaemonObject]>
    let networks: [DaemonObject]
    let execs: [(id: String, container: String)]

    init(containers: [DaemonObject] = [], volumes: [DaemonObject] = [], networks: [DaemonObject] = [], execs: [(String, String)] = []) {
        self.containers = containers
        self.volumes = Mutex(volumes)
        self.networks = networks
        self.execs = execs.map { (id: $0.0, container: $0.1) }
    }

    private func find(_ objects: [DaemonObject], _ key: String) -> DaemonLookup<DaemonObject> {
        let match = objects.first { $0.id.hasSameBytes(as: key) || $0.name.hasSameBytes(as: key) || $0.name.hasSameBytes(as: "/" + key) }
        return match.map(DaemonLookup.found) ?? .notFound
    }

    func container(_ nameOrID: String) -> DaemonLookup<DaemonObject> { find(containers, nameOrID) }
    func network(_ nameOrID: String) -> DaemonLookup<DaemonObject> { find(networks, nameOrID) }
    func volume(_ name: String) -> DaemonLookup<DaemonObject> { find(volumes.withLock { $0 }, name) }

    func exec(_ id: String) -> DaemonLookup<DaemonObject> {
        guard let exec = execs.first(where: { $0.id.hasSameBytes(as: id) }) else { return .notFound }
        guard case .found(let container) = container(exec.container) else { return .notFound }
        return .found(DaemonObject(kind: .exec, id: exec.id, name: exec.id, container: container))
    }

    func claimVolume(_ name: String, labels: [(key: String, value: String)]) -> DaemonLookup<DaemonObject> {
        if case .found(let existing) = volume(name) { return .found(existing) }
        let created = DaemonObject(kind: .volume, id: name, name: name, labels: labels, driver: "local")
        volumes.withLock { $0.append(created) }
        return .found(created)
    }
}

func ownedContainer(_ name: String, id: String, owner: String?, team: String? = nil, hostConfig: String = "{}", mounts: [DaemonObject.Mount] = []) -> DaemonObject {
    var labels: [(key: String, value: String)] = []
    if let owner { labels.append((OwnerLabels.owner, owner)) }
    if let team { labels.append((OwnerLabels.team, team)) }
    guard case .object(let config) = try! StrictJSONReader().read(Array(hostConfig.utf8)) else { fatalError() }
    return DaemonObject(kind: .container, id: id, name: "/" + name, labels: labels, hostConfig: config, mounts: mounts)
}

private let developer: Policy = {
    var policy = Policies.developer
    policy.endpoints[.networks] = .write
    return policy
}()
private let alice = Tenant(commonName: "alice", team: "red")
private let daemon = FakeDaemon(
    containers: [
        ownedContainer("alice-box", id: "a1a1", owner: "alice", team: "red"),
        ownedContainer("bob-box", id: "b2b2", owner: "bob", team: "blue"),
        ownedContainer("carol-box", id: "c3c3", owner: "carol", team: "red"),
        ownedContainer("legacy", id: "d4d4", owner: nil),
        ownedContainer("alice-root", id: "e5e5", owner: "alice", hostConfig: #"{"Privileged":true}"#),
        ownedContainer("admin-root", id: "f6f6", owner: "admin", hostConfig: #"{"Binds":["/:/host"]}"#,
                       mounts: [.init(type: "bind", source: "/", destination: "/host")]),
        ownedContainer("admin-pid", id: "a7a7", owner: "admin", hostConfig: #"{"PidMode":"container:f6f6"}"#),
        ownedContainer("admin-cgroup", id: "a8a8", owner: "admin", hostConfig: #"{"DeviceCgroupRules":["b *:* rwm"]}"#),
    ],
    volumes: [
        DaemonObject(kind: .volume, id: "etc", name: "etc", labels: [(OwnerLabels.owner, "admin")], driver: "local",
                     options: [("type", "none"), ("o", "bind"), ("device", "/etc")]),
        DaemonObject(kind: .volume, id: "alice-data", name: "alice-data", labels: [(OwnerLabels.owner, "alice")], driver: "local"),
    ],
    networks: [DaemonObject(kind: .network, id: "n1n1", name: "bob-net", labels: [(OwnerLabels.owner, "bob")])],
    execs: [("x1x1", "b2b2"), ("x2x2", "a1a1")])

private func judge(_ method: String, _ target: String, body: String? = nil) -> TenancyOutcome {
    judge(developer, alice, method, target, body: body)
}

private func judge(_ policy: Policy, _ tenant: Tenant, _ method: String, _ target: String, body: String? = nil) -> TenancyOutcome {
    let request = try! RequestCanonicalizer.canonicalize(method: method, target: target)
    let json = body.map { try! StrictJSONReader().read(Array($0.utf8)) }
    return TenancyGate(policy: policy, tenant: tenant, resolver: LexicalPathResolver()).judge(request, body: json, facts: daemon)
}

private func rule(_ outcome: TenancyOutcome) -> String? {
    if case .deny(let decision) = outcome { return decision.rule }
    return nil
}

private func rewrite(_ outcome: TenancyOutcome) -> TenancyRewrite? {
    if case .allow(let rewrite) = outcome { return rewrite }
    return nil
}

/// Every action on another user's container is refused, by name and by ID; on one's own it is
/// allowed and forwarded with the full ID.
@Test(arguments: [
    ("POST", "/containers/NAME/stop"), ("POST", "/containers/NAME/kill"), ("DELETE", "/containers/NAME"),
    ("POST", "/containers/NAME/rename?name=x"), ("POST", "/containers/NAME/restart"), ("GET", "/containers/NAME/json"),
    ("GET", "/containers/NAME/logs?stdout=1"), ("POST", "/containers/NAME/exec"), ("POST", "/containers/NAME/attach?stream=1"),
    ("PUT", "/containers/NAME/archive?path=/tmp"), ("GET", "/containers/NAME/archive?path=/"), ("POST", "/containers/NAME/update"),
])
func ownershipOfContainers(method: String, path: String) {
    for other in ["bob-box", "b2b2", "legacy"] {
        #expect(rule(judge(method, "/v1.41" + path.replacingOccurrences(of: "NAME", with: other))) == "ownership/container", "\(other) \(path)")
    }
    let own = rewrite(judge(method, "/v1.41" + path.replacingOccurrences(of: "NAME", with: "alice-box")))
    #expect(own?.pathObjectID == "a1a1", "\(path)")
}

@Test func teamScopeSharesWithTheTeamOnly() {
    var policy = developer
    policy.configuredScope = .team
    #expect(rewrite(judge(policy, alice, "POST", "/containers/carol-box/stop"))?.pathObjectID == "c3c3")
    #expect(rule(judge(policy, alice, "POST", "/containers/bob-box/stop")) == "ownership/container")
    #expect(rule(judge(policy, Tenant(commonName: "alice"), "POST", "/containers/carol-box/stop")) == "ownership/container")
}

@Test func allScopeSeesEverything() {
    var policy = developer
    policy.configuredScope = .all
    #expect(rewrite(judge(policy, alice, "POST", "/containers/bob-box/stop"))?.pathObjectID == "b2b2")
    #expect(rewrite(judge(policy, alice, "GET", "/containers/json"))?.query.isEmpty == true)
}

/// Exec instances are owned through their container, whoever created the exec.
@Test func execOwnershipFollowsTheContainer() {
    #expect(rule(judge("POST", "/exec/x1x1/start")) == "ownership/exec")
    #expect(rule(judge("GET", "/exec/x1x1/json")) == "ownership/exec")
    #expect(rewrite(judge("POST", "/exec/x2x2/start"))?.pathObjectID == "x2x2")
}

@Test func missingObjectsAreAnsweredNotForwarded() {
    guard case .deny(let decision) = judge("POST", "/containers/ghost/stop") else { Issue.record("forwarded"); return }
    guard case .deny(_, let reason, let status) = decision else { return }
    #expect(status == 404)
    #expect(reason.contains("No such container: ghost"))
}

/// Even one's own container is out of bounds for exec, attach, cp and archive reads when its
/// configuration would not pass the user's own create rules; so are an admin's, for everyone
/// who is not privileged, a read-only viewer with scope all included.
@Test func hostSensitiveContainersAreRefused() {
    #expect(rule(judge("POST", "/containers/alice-root/exec", body: #"{"Cmd":["sh"]}"#)) == "host-escape/privileged")
    var viewer = Policies.viewer
    viewer.configuredScope = .all
    for (name, expected) in [("admin-root", "host-escape/bind-mount"), ("admin-pid", "host-escape/namespaces"), ("admin-cgroup", "host-escape/devices")] {
        #expect(rule(judge(viewer, Tenant(commonName: "viewer"), "GET", "/containers/\(name)/archive?path=/")) == expected, "\(name)")
        #expect(rule(judge(viewer, Tenant(commonName: "viewer"), "GET", "/containers/\(name)/export")) == expected, "\(name)")
    }
    #expect(rewrite(judge(viewer, Tenant(commonName: "viewer"), "GET", "/containers/bob-box/archive?path=/")) != nil)
    #expect(rewrite(judge(viewer, Tenant(commonName: "viewer"), "GET", "/containers/admin-root/logs")) != nil)
}

/// Lists and streams get the owner filter ANDed with the client's own label filters.
@Test func listsAreFiltered() throws {
    let filters = try #require(rewrite(judge("GET", "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3Dp%22%5D%7D"))?.query.first?.value)
    #expect(filters == #"{"label":{"com.docker.compose.project=p":true,"io.dockgate.owner=alice":true}}"#)
    let legacy = try #require(rewrite(judge("GET", "/events?filters=%7B%22type%22%3A%7B%22container%22%3Atrue%7D%7D"))?.query.first?.value)
    #expect(legacy == #"{"type":{"container":true},"label":{"io.dockgate.owner=alice":true}}"#)
    var team = developer
    team.configuredScope = .team
    #expect(rewrite(judge(team, alice, "GET", "/volumes"))?.query.first?.value == #"{"label":{"io.dockgate.team=red":true}}"#)
    #expect(rule(judge("GET", "/containers/json?filters=%7B%22label%22%3A1%7D")) == "request/malformed")
    #expect(rule(judge("GET", "/containers/json?filters=%7B%7D&filters=%7B%7D")) == "request/malformed")
    #expect(rule(judge("GET", "/system/df")) == "ownership/df")
}

/// Creates get the owner labels; a client may not set them itself.
@Test func createsAreStamped() throws {
    let stamped = try #require(rewrite(judge("POST", "/containers/create", body: #"{"Image":"busybox","Labels":{"team":"x"}}"#))?.body)
    #expect(String(decoding: stamped.serialized(), as: UTF8.self)
        == #"{"Image":"busybox","Labels":{"team":"x","io.dockgate.owner":"alice","io.dockgate.team":"red"}}"#)
    let volume = try #require(rewrite(judge("POST", "/volumes/create", body: nil))?.body)
    #expect(String(decoding: volume.serialized(), as: UTF8.self) == #"{"Labels":{"io.dockgate.owner":"alice","io.dockgate.team":"red"}}"#)
    for body in [#"{"Image":"busybox","Labels":{"io.dockgate.owner":"bob"}}"#, #"{"Image":"busybox","labels":{"io.dockgate.x":""}}"#] {
        #expect(rule(judge("POST", "/containers/create", body: body)) == "ownership/reserved-label")
    }
    #expect(rule(judge(Policies.admin, Tenant(commonName: "admin"), "POST", "/networks/create", body: #"{"Name":"n","Labels":{"io.dockgate.owner":"x"}}"#)) == "ownership/reserved-label")
}

/// Containers, volumes and networks named in a create body must be the tenant's own.
@Test func createReferencesAreJudged() throws {
    #expect(rule(judge("POST", "/containers/create", body: #"{"Image":"busybox","HostConfig":{"VolumesFrom":["bob-box"]}}"#)) == "ownership/container")
    #expect(rule(judge("POST", "/containers/create", body: #"{"Image":"busybox","HostConfig":{"Links":["bob-box:db"]}}"#)) == "ownership/container")
    #expect(rule(judge("POST", "/containers/create", body: #"{"Image":"busybox","HostConfig":{"VolumesFrom":["alice-root:ro"]}}"#)) == "host-escape/privileged")
    let linked = try #require(rewrite(judge("POST", "/containers/create", body: #"{"Image":"busybox","HostConfig":{"Links":["alice-box"],"VolumesFrom":["alice-box:ro"]}}"#))?.body)
    #expect(String(decoding: linked.serialized(), as: UTF8.self).contains(#""Links":["a1a1:alice-box"],"VolumesFrom":["a1a1:ro"]"#))
    #expect(rule(judge("POST", "/containers/create", body: #"{"Image":"busybox","HostConfig":{"Binds":["etc:/etc2"]}}"#)) == "ownership/volume")
    #expect(rule(judge("POST", "/containers/create", body: #"{"Image":"busybox","HostConfig":{"Mounts":[{"Type":"volume","Source":"etc","Target":"/x"}]}}"#)) == "ownership/volume")
    var all = developer
    all.configuredScope = .all
    #expect(rule(judge(all, alice, "POST", "/containers/create", body: #"{"Image":"busybox","HostConfig":{"Binds":["etc:/etc2"]}}"#)) == "host-escape/volume-options")
    #expect(rewrite(judge("POST", "/containers/create", body: #"{"Image":"busybox","HostConfig":{"Binds":["alice-data:/d","fresh:/f"]}}"#)) != nil)
    #expect(rule(judge("POST", "/containers/create", body: #"{"Image":"busybox","HostConfig":{"NetworkMode":"bob-net"}}"#)) == "ownership/network")
    #expect(rule(judge("POST", "/containers/create", body: #"{"Image":"busybox","NetworkingConfig":{"EndpointsConfig":{"bob-net":{}}}}"#)) == "ownership/network")
    #expect(rewrite(judge("POST", "/containers/create", body: #"{"Image":"busybox","HostConfig":{"NetworkMode":"bridge"}}"#)) != nil)
}

@Test func commitAndNetworkConnectNameContainers() {
    #expect(rule(judge("POST", "/commit?container=bob-box&repo=busybox-copy")) == "ownership/container")
    #expect(rewrite(judge("POST", "/commit?container=alice-box&repo=busybox-copy"))?.query.first?.value == "a1a1")
    #expect(rule(judge("POST", "/networks/bob-net/connect", body: #"{"Container":"alice-box"}"#)) == "ownership/network")
}

/// Owners and names are compared as bytes.
@Test func ownerLookAlikesDoNotMatch() {
    let kelvin = Tenant(commonName: "\u{212A}ate")
    let kate = FakeDaemon(containers: [ownedContainer("k", id: "k1", owner: "Kate")])
    let request = try! RequestCanonicalizer.canonicalize(method: "POST", target: "/containers/k/stop")
    let outcome = TenancyGate(policy: developer, tenant: kelvin, resolver: LexicalPathResolver()).judge(request, body: nil, facts: kate)
    #expect(rule(outcome) == "ownership/container")
}
