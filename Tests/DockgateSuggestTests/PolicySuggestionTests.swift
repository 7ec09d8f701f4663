import DockgateAudit
import DockgateConfig
import DockgateDocker
import DockgatePolicy
import DockgateSuggest
import Testing

private let tls = """
    tls:
      certificate: /etc/dockgate/server-cert.pem
      key: /etc/dockgate/server-key.pem
      client_ca: /etc/dockgate/ca.pem
    bind_mounts:
      require_nosymfollow: false

    """

private func request(
    _ action: DockerAction, _ method: String, _ path: String, decision: AuditRecord.Decision = .allow, rule: String = "",
    user: String = "alice", text: [String: String] = [:], lists: [String: [String]] = [:], also: [String] = []
) -> ObservedRequest {
    ObservedRequest(
        time: "2026-12-01T10:00:00.000000Z", commonName: user, decision: decision, rule: rule, reason: "because",
        method: method, path: path, group: nil, action: action, text: text, lists: lists, alsoBroken: also)
}

/// A session as `docker run`, `exec`, `volume create` and a bind record it.
private let session: [ObservedRequest] = [
    request(.ping, "HEAD", "/_ping"),
    request(.imagePull, "POST", "/images/create", decision: .wouldDeny, rule: "images/allowlist", text: ["image": "busybox", "tag": "latest"]),
    request(
        .containerCreate, "POST", "/containers/create", decision: .wouldDeny, rule: "endpoints/containers",
        text: ["image": "busybox"], lists: ["binds": ["/srv/work/a:/data", "cache:/cache"], "cmd": ["sh"]]),
    request(
        .containerCreate, "POST", "/containers/create", text: ["image": "busybox:1.36"],
        lists: ["mounts": ["bind:/srv/work/b/c:/x"], "cap_add": ["net_admin"]]),
    request(.containerStart, "POST", "/containers/abc/start"),
    request(.containerList, "GET", "/containers/json"),
    request(.execCreate, "POST", "/containers/abc/exec"),
    request(.execStart, "POST", "/exec/0123/start"),
    request(.volumeCreate, "POST", "/volumes/create"),
    request(
        .containerCreate, "POST", "/containers/create", decision: .wouldDeny, rule: "host-escape/privileged",
        text: ["image": "busybox"], lists: ["cap_add": ["SYS_ADMIN"]], also: ["host-escape/capabilities"]),
    request(
        .containerCreate, "POST", "/containers/create", decision: .wouldDeny, rule: "host-escape/capabilities",
        text: ["image": "busybox:1.36"], lists: ["cap_add": ["sys_admin"]]),
    request(.pluginInspect, "GET", "/plugins/nosuch/json", decision: .wouldDeny, rule: "plugins/not-visible"),
    request(.containerCreate, "POST", "/containers/create", decision: .deny, rule: "host-escape/devices", text: ["image": "alpine"]),
    request(.containerCreate, "POST", "/containers/create", user: "bob", text: ["image": "nginx"]),
]

private func suggested(_ requests: [ObservedRequest]) -> PolicySuggestion {
    var suggestion = PolicySuggestion(user: "alice")
    for item in requests { suggestion.add(item) }
    return suggestion
}

@Test func suggestsTheGroupsImagesBindsAndCapabilitiesUsed() throws {
    let suggestion = suggested(session)
    #expect(suggestion.allowed + suggestion.wouldDeny == 12)
    #expect(suggestion.denied == 1)
    let yaml = suggestion.yaml(source: "test")
    let configuration = try ConfigurationLoader.parse(yaml: tls + yaml, file: "suggested.yaml")
    let policy = try #require(configuration.policies["alice-suggested"])
    #expect(configuration.user(commonName: "alice")?.policyName == "alice-suggested")
    #expect(policy.endpoints == [.containers: .write, .exec: .write, .images: .write, .volumes: .write])
    #expect(policy.isPrivileged == false && policy.isObserved == false && policy.allowsImageWrites == false)
    // Two tags of busybox: the repository, any tag — not a "busybox*" prefix.
    #expect(policy.images?.map(\.text) == ["busybox"])
    #expect(policy.bindMountRoots == ["/srv/work"])
    #expect(policy.capabilities == ["CAP_NET_ADMIN"])
    // Denied requests and other users' requests are not suggested.
    #expect(!yaml.contains("alpine") && !yaml.contains("nginx"))
    // The privileged create asked for SYS_ADMIN too; it grants nothing, it is listed.
    #expect(yaml.contains("host-escape/privileged: 1 request"))
}

@Test func hostEscapeIsListedForAHumanNeverGranted() throws {
    let yaml = suggested(session).yaml(source: "test")
    let policyPart = try #require(yaml.components(separatedBy: "# Needs a human decision").first)
    let humanPart = try #require(yaml.components(separatedBy: "# Needs a human decision").last)
    #expect(humanPart.contains("host-escape/privileged: 1 request: container.create ×1"))
    #expect(humanPart.contains("capability CAP_SYS_ADMIN"))
    #expect(!policyPart.contains("SYS_ADMIN"))
    #expect(!policyPart.contains("privileged: true"))
    // Every line of the human block is a comment: pasting it changes nothing.
    for line in humanPart.split(separator: "\n").dropFirst() { #expect(line.hasPrefix("#")) }
}

@Test func everyGrantSaysWhichRequestsNeededIt() {
    let yaml = suggested(session).yaml(source: "test")
    let grantLines = yaml.split(separator: "\n").filter { $0.hasPrefix("      ") }
    #expect(!grantLines.isEmpty)
    for line in grantLines { #expect(line.contains("# ") && line.contains("request")) }
    #expect(yaml.contains("containers: write"))
    #expect(yaml.contains("container.create ×"))
}

@Test func oneTagIsSuggestedExactlyAndDigestsArePinned() throws {
    let digest = "sha256:" + String(repeating: "a", count: 64)
    let suggestion = suggested([
        request(.containerCreate, "POST", "/containers/create", text: ["image": "ghcr.io/team/app:2"]),
        request(.containerCreate, "POST", "/containers/create", text: ["image": "busybox@\(digest)"]),
        request(.imagePull, "POST", "/images/create", text: ["image": "team/tool"]),  // every tag
    ])
    let configuration = try ConfigurationLoader.parse(yaml: tls + suggestion.yaml(source: "t"), file: "s.yaml")
    let images = try #require(configuration.policies["alice-suggested"]?.images)
    #expect(images.map(\.text).sorted() == ["busybox@\(digest)", "ghcr.io/team/app:2", "team/tool"])
    let pinned = try ImageReference.parseNormalized("busybox@\(digest)")
    #expect(images.contains { $0.matches(pinned) })
    #expect(!images.contains { $0.matches(try! ImageReference.parseNormalized("busybox:latest")) })
}

@Test func imageIDsAndForbiddenBindsNeedAHuman() throws {
    let suggestion = suggested([
        request(
            .containerCreate, "POST", "/containers/create", decision: .wouldDeny, rule: "images/allowlist",
            text: ["image": String(repeating: "b", count: 64)]),
        request(
            .containerCreate, "POST", "/containers/create", decision: .wouldDeny, rule: "host-escape/bind-mount",
            text: ["image": "busybox"], lists: ["binds": ["/var/run/docker.sock:/s", "/home/alice/a:/a", "/home/bob/b:/b"]]),
    ])
    let yaml = suggestion.yaml(source: "t")
    let policy = try #require(try ConfigurationLoader.parse(yaml: tls + yaml, file: "s.yaml").policies["alice-suggested"])
    // Sources under different homes are not merged into /home.
    #expect(policy.bindMountRoots == ["/home/alice/a", "/home/bob/b"])
    #expect(yaml.contains("#   bind folder /var/run/docker.sock: dockgate never allows it"))
    #expect(yaml.contains("#   images/allowlist: 1 request"))
}

@Test func nothingObservedIsNothingAllowed() throws {
    let yaml = PolicySuggestion(user: "alice").yaml(source: "t")
    let policy = try #require(try ConfigurationLoader.parse(yaml: tls + yaml, file: "s.yaml").policies["alice-suggested"])
    #expect(policy.endpoints.isEmpty && policy.images == [])
}

@Test func auditLinesParseIntoRequests() throws {
    let line = #"{"time":"2026-12-01T10:00:00.000001Z","kind":"request","conn":3,"seq":2,"client":"127.0.0.1","port":5,"cn":"alice","policy":"p","method":"POST","path":"/containers/create","group":"containers","action":"container.create","decision":"would-deny","rule":"host-escape/privileged","reason":"privileged containers are not allowed","details":{"image":"busybox","binds":["/srv/a:/a"],"privileged":true,"also_would_deny":["host-escape/capabilities"]}}"#
    let parsed = try #require(ObservedRequest.parse(line: Array(line.utf8)))
    #expect(parsed.decision == .wouldDeny && parsed.rule == "host-escape/privileged")
    #expect(parsed.text["image"] == "busybox" && parsed.lists["binds"] == ["/srv/a:/a"])
    #expect(parsed.alsoBroken == ["host-escape/capabilities"])
    #expect(ObservedRequest.parse(line: Array(#"{"kind":"response","cn":"alice"}"#.utf8)) == nil)
    #expect(ObservedRequest.parse(line: Array(#"{"kind":"request","cn":"al"#.utf8)) == nil)
}
