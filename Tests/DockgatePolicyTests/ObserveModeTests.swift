import DockgateAudit
import DockgateAuthorization
import DockgateConfig
import DockgateCore
import DockgateDocker
import DockgateHTTP
@testable import DockgatePolicy
@testable import DockgateProxy
import Testing

/// Observe mode: policy denials are recorded as would-deny and forwarded; what is not a policy
/// decision (unreadable requests, unknown identities) is refused as before.
private func gate(policyObserves: Bool = false, userObserves: Bool = false) -> Authorizer {
    var developer = Policies.developer
    developer.isObserved = policyObserves
    let configuration = Configuration(
        tls: .init(certificate: "/c", key: "/k", clientCA: "/ca"),
        users: [
            .init(commonName: "alice", policyName: "developer", observes: userObserves),
            .init(commonName: "bob", policyName: "developer"),
        ],
        policies: ["developer": developer])
    return Authorizer(configuration: configuration, resolver: LexicalPathResolver())
}

private func identity(_ cn: String) -> ClientIdentity {
    ClientIdentity(commonName: cn, subject: "CN=\(cn)", subjectAlternativeNames: [], serialHex: "01", sha256Fingerprint: "ab")
}

/// Judges a request the way the connection does: head, then body when asked.
private func judge(_ gate: Authorizer, _ cn: String, _ method: String, _ target: String, body: String? = nil) -> AccessVerdict {
    var text = "\(method) \(target) HTTP/1.1\r\nHost: x\r\n"
    if let body { text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
    text += "\r\n"
    var parser = RequestHeadParser()
    let head = try! parser.parse(Array(text.utf8)[...])!
    let verdict = gate.observing(gate.evaluate(identity: identity(cn), head: head))
    if case .inspectBody(let kind, let context) = verdict {
        return gate.evaluate(body: body.map { Array($0.utf8) }, kind: kind, context: context)
    }
    return verdict
}

private let privileged = createBody(hostConfig: #"{"Privileged":true}"#)

@Test(arguments: [(true, false), (false, true)])
func observedDenialsAreForwardedWithTheirRule(policyObserves: Bool, userObserves: Bool) throws {
    let gate = gate(policyObserves: policyObserves, userObserves: userObserves)
    guard case .allow(let context) = judge(gate, "alice", "POST", "/v1.41/containers/create", body: privileged) else {
        Issue.record("an observed privileged create must be forwarded")
        return
    }
    #expect(context.wouldDeny == ObservedDenial(rule: "host-escape/privileged", reason: "privileged containers are not allowed"))
    // The facts of the body are in the record all the same.
    #expect(context.details.contains { $0.0 == "privileged" })
}

@Test func onlyTheObservedUserIsObserved() {
    let gate = gate(userObserves: true)
    guard case .deny(403, _, let context) = judge(gate, "bob", "POST", "/v1.41/containers/create", body: privileged) else {
        Issue.record("bob is enforced")
        return
    }
    #expect(context.rule == "host-escape/privileged")
}

@Test func allowedRequestsCarryNoWouldDeny() {
    guard case .allow(let context) = judge(gate(userObserves: true), "alice", "GET", "/v1.41/containers/json") else {
        Issue.record("allowed")
        return
    }
    #expect(context.wouldDeny == nil)
}

@Test func malformedAndAmbiguousRequestsAreStillRefused() {
    let gate = gate(policyObserves: true)
    // Two keys that Go folds alike: not a policy decision, refused for everyone.
    let ambiguous = #"{"Image":"busybox","HostConfig":{"Privileged":false,"privileged":true}}"#
    guard case .deny(400, _, _) = judge(gate, "alice", "POST", "/v1.41/containers/create", body: ambiguous) else {
        Issue.record("an ambiguous body must be refused in observe mode")
        return
    }
    guard case .deny(400, _, _) = judge(gate, "alice", "POST", "/v1.41/containers/create", body: "{\"Image\":") else {
        Issue.record("unreadable JSON must be refused in observe mode")
        return
    }
    guard case .deny(400, _, _) = judge(gate, "alice", "GET", "/v1.41/containers/a%2Fb/json") else {
        Issue.record("a target dockerd could read differently must be refused in observe mode")
        return
    }
    guard case .deny(403, _, let context) = judge(gate, "mallory", "GET", "/v1.41/containers/json") else {
        Issue.record("an unknown CN is refused in observe mode")
        return
    }
    #expect(context.rule == "identity/unknown")
}

@Test func aHeadDenialStillReadsTheBody() {
    // The viewer-like head denial (no container writes) is observed; the body is still read, and
    // a host escape in it is listed beside the first rule.
    var readOnly = Policies.viewer
    readOnly.isObserved = true
    let configuration = Configuration(
        tls: .init(certificate: "/c", key: "/k", clientCA: "/ca"), users: [.init(commonName: "v", policyName: "viewer")],
        policies: ["viewer": readOnly])
    let gate = Authorizer(configuration: configuration, resolver: LexicalPathResolver())
    guard case .allow(let context) = judge(gate, "v", "POST", "/v1.41/containers/create", body: privileged) else {
        Issue.record("observed")
        return
    }
    #expect(context.wouldDeny?.rule == "read-only")
    #expect(context.details.contains { $0.0 == "image" })
    #expect(context.details.contains { $0.0 == "also_would_deny" && $0.1 == .strings(["host-escape/privileged"]) })
}

@Test func pluginInspectWithoutAccessGetsTheDaemonsNotFound() {
    let decision = decide(Policies.developer, "GET", "/v1.41/plugins/nosuch/json")
    #expect(decision == .deny(rule: "plugins/not-visible", reason: "plugin \"nosuch\" not found", status: 404))
    guard case .deny(404, let message, let context) = judge(gate(), "alice", "GET", "/v1.41/plugins/vieux/sshfs:latest/json") else {
        Issue.record("404 in dockerd's words")
        return
    }
    #expect(message == "plugin \"vieux/sshfs:latest\" not found")
    #expect(context.details.contains { $0.0 == "answered_by" && $0.1 == .string("dockgate") })
    // Plugin listing and other plugin reads still need the group.
    #expect(decide(Policies.developer, "GET", "/v1.41/plugins").rule == "endpoints/plugins")
    #expect(decide(Policies.admin, "GET", "/v1.41/plugins/x/json").isAllowed)
    #expect(DockerNotFound.goQuoted("a\"b\\c\u{1}") == #""a\"b\\c\x01""#)
}

@Test func aHostEscapeBehindAnImageDenialIsStillNamed() {
    // The engine stops at the image; observe mode still names the privileged container beside it.
    let body = createBody(image: "alpine", hostConfig: #"{"Privileged":true}"#)
    guard case .allow(let context) = judge(gate(userObserves: true), "alice", "POST", "/v1.41/containers/create", body: body) else {
        Issue.record("observed")
        return
    }
    #expect(context.wouldDeny?.rule == "images/allowlist")
    #expect(context.details.contains { $0.0 == "also_would_deny" && $0.1 == .strings(["host-escape/privileged"]) })
}

@Test func execExitCodeIsReadOnceTheExecHasFinished() throws {
    func exec(_ json: String) throws -> JSONObject {
        guard case .object(let object) = try StrictJSONReader().read(Array(json.utf8)) else { throw JSONReadError.byteOrderMark }
        return object
    }
    #expect(ExecExitCode.finishedExitCode(try exec(#"{"ID":"x","Running":false,"ExitCode":3}"#)) == 3)
    #expect(ExecExitCode.finishedExitCode(try exec(#"{"ID":"x","Running":true,"ExitCode":null}"#)) == nil)
    #expect(ExecExitCode.finishedExitCode(try exec(#"{"ID":"x","Running":false,"ExitCode":null}"#)) == nil)
}
