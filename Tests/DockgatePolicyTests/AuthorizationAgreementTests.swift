import DockgateAudit
import DockgateAuthorization
import DockgateConfig
import DockgateCore
import DockgateDocker
import DockgateHTTP
import DockgatePolicy
import Testing

/// `policy explain` and the proxy must give the same answer: both go through `Authorizer`, the
/// proxy one step at a time (as `ClientConnection` takes them, with the head it parsed off the
/// wire), `policy explain` all at once from a described head. Every request of the table is run
/// both ways over the same configuration and daemon, and the verdicts compared field by field.

private let configuration: Configuration = {
    var observed = Policies.developer
    observed.name = "observed"
    observed.isObserved = true
    var developer = Policies.developer
    developer.endpoints[.networks] = .write
    return Configuration(
        tls: .init(certificate: "/c", key: "/k", clientCA: "/ca"),
        users: [
            .init(commonName: "alice", policyName: "developer", team: "red"),
            .init(commonName: "bob", policyName: "developer", team: "blue"),
            .init(commonName: "carol", policyName: "observed"),
            .init(commonName: "dave", policyName: "viewer"),
            .init(commonName: "root", policyName: "admin"),
        ],
        policies: ["developer": developer, "observed": observed, "viewer": Policies.viewer, "admin": Policies.admin])
}()

private let daemon = FakeDaemon(
    containers: [
        ownedContainer("alice-box", id: "a1a1", owner: "alice", team: "red"),
        ownedContainer("bob-box", id: "b2b2", owner: "bob", team: "blue"),
        ownedContainer("carol-box", id: "c3c3", owner: "carol"),
        ownedContainer("alice-root", id: "e5e5", owner: "alice", hostConfig: #"{"Privileged":true}"#),
    ],
    volumes: [DaemonObject(kind: .volume, id: "alice-data", name: "alice-data", labels: [(OwnerLabels.owner, "alice")], driver: "local")],
    networks: [DaemonObject(kind: .network, id: "n1n1", name: "bob-net", labels: [(OwnerLabels.owner, "bob")])],
    execs: [("x1x1", "b2b2"), ("x2x2", "a1a1")])

private let authorizer = Authorizer(configuration: configuration, resolver: LexicalPathResolver())

/// The steps in the order `ClientConnection` takes them: head (observed), body when asked, then
/// the tenancy step when the verdict is an allow and the gate has something to ask.
private func proxyVerdict(_ cn: String, _ method: String, _ target: String, body: String?) throws -> AccessVerdict {
    var text = "\(method) \(target) HTTP/1.1\r\nHost: x\r\n"
    if let body { text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
    text += "\r\n"
    var parser = RequestHeadParser()
    let head = try #require(try parser.parse(Array(text.utf8)[...]))
    let identity = ClientIdentity(commonName: cn, subject: "CN=\(cn)", subjectAlternativeNames: [], serialHex: "01", sha256Fingerprint: "ab")
    var verdict = authorizer.observing(authorizer.evaluate(identity: identity, head: head))
    if case .inspectBody(let kind, let context) = verdict {
        let bytes = body.map { Array($0.utf8) }
        verdict = authorizer.evaluate(body: bytes?.isEmpty == false ? bytes : nil, kind: kind, context: context)
    }
    guard case .allow(let context) = verdict, let user = context.user, let policy = context.policy, let request = context.request
    else { return verdict }
    let gate = TenancyGate(policy: policy, tenant: user.tenant, resolver: authorizer.resolver)
    if gate.isNothingToDo(request) { return verdict }
    switch gate.judge(request, body: context.body, facts: daemon) {
    case .deny(let decision):
        return authorizer.observing(authorizer.denial(decision, context))
    case .allow(let rewrite):
        var allowed = context
        allowed.details += rewrite.auditDetails.map { ($0.0, AuditValue.string($0.1)) }
        return .allow(allowed)
    }
}

/// What `policy explain` asks.
private func explainVerdict(_ cn: String, _ method: String, _ target: String, body: String?) throws -> AccessVerdict {
    let user = try #require(configuration.user(commonName: cn))
    let policy = try #require(configuration.policies[user.policyName])
    let bytes = body.map { Array($0.utf8) }
    let head = try RequestHead.described(method: method, target: target, contentType: "application/json", bodyLength: bytes?.count)
    return authorizer.authorize(user: user, policy: policy, head: head, body: bytes, facts: daemon).verdict
}

/// Everything a verdict tells the client and the audit record, as one comparable text.
private func summary(_ verdict: AccessVerdict) -> String {
    let context = verdict.context
    let outcome: String =
        switch verdict {
        case .allow: "allow"
        case .deny(let status, let message, _): "deny \(status) \(message)"
        case .inspectBody(let kind, _): "inspect \(kind.rawValue)"
        }
    let details = context.details.map { "\($0.0)=\(describe($0.1))" }.joined(separator: "; ")
    let observed = context.wouldDeny.map { "would-deny \($0.status) \($0.rule): \($0.reason)" } ?? "-"
    return "\(outcome) | rule=\(context.rule) reason=\(context.reason ?? "-") | \(observed) | \(details)"
}

private func describe(_ value: AuditValue) -> String {
    switch value {
    case .string(let text): "\"\(text)\""
    case .strings(let texts): "[\(texts.joined(separator: ","))]"
    case .int(let number): String(number)
    case .bool(let flag): String(flag)
    case .object(let fields): "{\(fields.map { "\($0.0)=\(describe($0.1))" }.joined(separator: ","))}"
    }
}

private struct Case: Sendable, CustomStringConvertible {
    let user: String
    let method: String
    let target: String
    let body: String?
    init(_ user: String, _ method: String, _ target: String, body: String? = nil) {
        self.user = user
        self.method = method
        self.target = target
        self.body = body
    }
    var description: String { "\(user) \(method) \(target)" }
}

private let cases: [Case] = [
    Case("alice", "GET", "/v1.41/containers/json?all=1"),
    Case("alice", "GET", "/_ping"),
    Case("alice", "POST", "/v1.41/containers/create?name=web", body: createBody()),
    Case("alice", "POST", "/v1.41/containers/create", body: createBody(hostConfig: #"{"Privileged":true}"#)),
    Case("alice", "POST", "/v1.41/containers/create", body: createBody(image: "alpine")),
    Case("alice", "POST", "/v1.41/containers/create", body: createBody(hostConfig: #"{"Binds":["alice-data:/data"]}"#)),
    Case("alice", "POST", "/v1.41/containers/create", body: #"{"Image":"busybox","Labels":{"dockgate.owner":"bob"}}"#),
    Case("alice", "POST", "/v1.41/containers/create", body: #"{"Image":"busybox","HostConfig":{"Privileged":false,"privileged":true}}"#),
    Case("alice", "POST", "/v1.41/containers/create"),
    Case("alice", "POST", "/v1.41/containers/alice-box/stop"),
    Case("alice", "POST", "/v1.41/containers/bob-box/stop"),
    Case("alice", "POST", "/v1.41/containers/no-such/stop"),
    Case("alice", "POST", "/v1.41/containers/alice-root/exec", body: #"{"Cmd":["sh"]}"#),
    Case("alice", "POST", "/v1.41/containers/alice-box/exec", body: #"{"Cmd":["sh"],"Privileged":true}"#),
    Case("alice", "POST", "/v1.41/exec/x1x1/start", body: "{}"),
    Case("alice", "GET", "/v1.41/exec/x2x2/json"),
    Case("alice", "POST", "/v1.41/volumes/create", body: #"{"Name":"v"}"#),
    Case("alice", "POST", "/v1.41/networks/bob-net/connect", body: #"{"Container":"alice-box"}"#),
    Case("alice", "GET", "/v1.41/plugins/nosuch/json"),
    Case("alice", "GET", "/v1.41/system/df"),
    Case("alice", "GET", "/debug/pprof/"),
    Case("alice", "GET", "/v1.12/info"),
    Case("alice", "GET", "/v1.41/no/such/endpoint"),
    Case("alice", "POST", "/v1.41/containers/%73tart/start"),
    Case("dave", "POST", "/v1.41/containers/create", body: createBody()),
    Case("dave", "GET", "/v1.41/containers/bob-box/json"),
    Case("carol", "POST", "/v1.41/containers/create", body: createBody(image: "alpine", hostConfig: #"{"Privileged":true}"#)),
    Case("carol", "POST", "/v1.41/containers/bob-box/stop"),
    Case("carol", "GET", "/v1.41/plugins/nosuch/json"),
    Case("carol", "POST", "/v1.41/containers/create", body: #"{"Image":"busybox","HostConfig":{"Privileged":false,"privileged":true}}"#),
    Case("root", "POST", "/v1.41/containers/bob-box/stop"),
    Case("root", "POST", "/v1.41/containers/create", body: createBody(hostConfig: #"{"Privileged":true}"#)),
    Case("mallory", "GET", "/v1.41/containers/json"),
]

@Test(arguments: cases)
private func explainAnswersAsTheProxy(_ request: Case) throws {
    let proxy = try proxyVerdict(request.user, request.method, request.target, body: request.body)
    if request.user == "mallory" {
        // No such user: the proxy refuses the certificate; `policy explain` refuses the name before asking.
        #expect(summary(proxy).hasPrefix("deny 403"))
        #expect(configuration.user(commonName: request.user) == nil)
        return
    }
    let explained = try explainVerdict(request.user, request.method, request.target, body: request.body)
    #expect(summary(explained) == summary(proxy))
}

/// The table covers every kind of answer, so agreement is not agreement on one verdict only.
@Test func theTableCoversEveryKindOfVerdict() throws {
    let summaries = try cases.map { try summary(proxyVerdict($0.user, $0.method, $0.target, body: $0.body)) }
    for expected in ["allow |", "deny 403", "deny 400", "deny 404", "| would-deny 403", "| would-deny 404"] {
        #expect(summaries.contains { $0.contains(expected) }, "no case gives \(expected)")
    }
    #expect(summaries.contains { $0.contains("also_would_deny") })
    #expect(summaries.contains { $0.contains("object_id=") })
}

/// The whole path reports what the tenancy step would change, and that it was not asked without facts.
@Test func wholeAuthorizationReportsTheTenancyStep() throws {
    let user = try #require(configuration.user(commonName: "alice"))
    let policy = try #require(configuration.policies["developer"])
    let head = try RequestHead.described(method: "POST", target: "/v1.41/containers/alice-box/stop", contentType: nil, bodyLength: nil)
    let asked = authorizer.authorize(user: user, policy: policy, head: head, body: nil, facts: daemon)
    #expect(asked.rewrite?.pathObjectID == "a1a1" && !asked.tenancyNotAsked)
    let offline = authorizer.authorize(user: user, policy: policy, head: head, body: nil, facts: nil)
    #expect(offline.rewrite == nil && offline.tenancyNotAsked)
    let ping = try RequestHead.described(method: "GET", target: "/_ping", contentType: nil, bodyLength: nil)
    #expect(!authorizer.authorize(user: user, policy: policy, head: ping, body: nil, facts: nil).tenancyNotAsked)
}
