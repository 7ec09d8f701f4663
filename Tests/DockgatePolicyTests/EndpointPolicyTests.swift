import DockgateDocker
import DockgatePolicy
import Testing

/// The viewer reads and cannot write: ps, logs, inspect yes; run, rm, stop, exec no (THREATS X-05 for attach/ws).
@Test func viewerIsReadOnly() {
    #expect(decide(Policies.viewer, "GET", "/v1.41/containers/json").isAllowed)
    #expect(decide(Policies.viewer, "GET", "/v1.41/containers/abc/logs?stdout=1").isAllowed)
    #expect(decide(Policies.viewer, "GET", "/v1.41/containers/abc/json").isAllowed)
    for (method, target) in [
        ("POST", "/v1.41/containers/create"), ("DELETE", "/v1.41/containers/abc"), ("POST", "/v1.41/containers/abc/stop"),
        ("POST", "/v1.41/containers/abc/exec"), ("GET", "/v1.41/containers/abc/attach/ws?stdin=1"),
    ] {
        #expect(decide(Policies.viewer, method, target, body: "{}").rule == "read-only", "\(method) \(target)")
    }
}

/// Negotiation always works; the daemon's debug handlers never do (THREATS L-04, L-06).
@Test func negotiationAndDebug() {
    let nobody = Policy(name: "nobody")
    #expect(decide(nobody, "HEAD", "/_ping").isAllowed)
    #expect(decide(nobody, "GET", "/v1.41/version").isAllowed)
    #expect(decide(nobody, "GET", "/v1.41/containers/json").rule == "endpoints/containers")
    #expect(decide(Policies.admin, "GET", "/debug/pprof/cmdline").rule == "always/debug")
}

/// A route dockgate does not know is refused unless the policy grants every endpoint.
@Test func unknownRoutes() {
    #expect(decide(Policies.developer, "GET", "/v1.41/containers/abc/frobnicate").rule == "endpoints/unknown")
    #expect(decide(Policies.admin, "GET", "/v1.41/containers/abc/frobnicate").isAllowed)
}

/// Group levels: networks are read-only for the developer, build is not granted at all.
@Test func groupLevels() {
    #expect(decide(Policies.developer, "GET", "/v1.41/networks").isAllowed)
    #expect(decide(Policies.developer, "POST", "/v1.41/networks/create", body: "{\"Name\":\"n\"}").rule == "endpoints/networks")
    #expect(decide(Policies.developer, "POST", "/v1.41/build").rule == "endpoints/build")
}

/// Targets that could be read two ways are refused before any rule (THREATS H-18…H-21).
@Test(arguments: [
    "/v1.41/c%6Fntainers/create", "/v1.41/containers%2Fcreate", "/v1.41/containers//create", "/v1.41/x/../containers/create",
    "/v1.041/containers/create", "/v1.41/containers/create?a=1;b=2",
])
func refusesAmbiguousTargets(target: String) {
    #expect(decide(Policies.admin, "POST", target, body: "{}").status == 400, "\(target)")
}

/// API versions below 1.24 are refused before any rule: dockerd applies legacy shapes there
/// (THREATS V-02, V-03).
@Test func refusesAncientAPIVersions() {
    #expect(decide(Policies.admin, "POST", "/v1.23/containers/abc/start", body: "{}").status == 400)
    #expect(decide(Policies.admin, "GET", "/v1.12/containers/json").status == 400)
    #expect(decide(Policies.admin, "GET", "/v1.24/containers/json").isAllowed)
    #expect(decide(Policies.admin, "GET", "/containers/json").isAllowed)
}
