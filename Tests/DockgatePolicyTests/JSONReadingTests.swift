import DockgateDocker
import DockgatePolicy
import Testing

/// The same privileged request, spelled every way Go's encoding/json would honour, is denied:
/// case folding, a duplicate key, an escaped key, lower-case nesting (THREATS G-1, G-4, G-12, J-01…J-05).
@Test(arguments: [
    "{\"Image\":\"busybox\",\"HostConfig\":{\"privileged\":true}}",
    "{\"Image\":\"busybox\",\"HostConfig\":{\"PRIVILEGED\":true}}",
    "{\"Image\":\"busybox\",\"hostconfig\":{\"Privileged\":true}}",
    "{\"Image\":\"busybox\",\"HostConfig\":{\"Privileged\":false,\"Privileged\":true}}",
    "{\"Image\":\"busybox\",\"HostConfig\":{\"Privileged\":false,\"privileged\":true}}",
    "{\"Image\":\"busybox\",\"HostConfig\":{\"\\u0050rivileged\":true}}",
    "{\"Image\":\"busybox\",\"HostConfig\":{\"Privileged\":true},\"HostConfig\":{\"CpuShares\":2}}",
    "{\"Image\":\"busybox\",\"HostConfig\":{\"Bindſ\":[\"/:/h\"]}}",
    "{\"Image\":\"busybox\",\"HostConfig\":{\"Privileged\":true}} ]",
    "{\"Image\":\"busybox\"}{\"Image\":\"busybox\",\"HostConfig\":{\"Privileged\":true}}",
])
func deniesEverySpellingOfPrivileged(body: String) {
    let decision = decide(Policies.developer, "POST", "/v1.41/containers/create", body: body)
    #expect(!decision.isAllowed, "\(body) was allowed")
}

/// `null` into a bool is a no-op in Go, so `Privileged: null` is not privileged, while a wrong type
/// is refused as dockerd refuses it (THREATS G-5, G-14).
@Test func readsNullAndTypesLikeGo() {
    #expect(decide(Policies.developer, "POST", "/containers/create", body: createBody(hostConfig: "{\"Privileged\":null}")).isAllowed)
    let wrongType = decide(Policies.developer, "POST", "/containers/create", body: createBody(hostConfig: "{\"Privileged\":\"true\"}"))
    #expect(wrongType.status == 400)
}

/// A create without a body is judged as the empty configuration it is, never skipped (THREATS H-01).
@Test func judgesAMissingBody() {
    #expect(decide(Policies.developer, "POST", "/v1.41/containers/create").rule == "images/allowlist")
}

/// Form-encoded bodies are refused: Go would merge them into the query (THREATS I-02).
@Test func refusesFormBodies() {
    let decision = decide(
        Policies.developer, "POST", "/v1.41/images/create?fromImage=busybox", body: "fromImage=evil/x",
        contentType: "application/x-www-form-urlencoded")
    #expect(decision.status == 400)
}
