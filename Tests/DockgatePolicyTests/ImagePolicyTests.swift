import DockgateDocker
import DockgatePolicy
import Testing

/// The developer may create and pull busybox in any spelling dockerd treats as busybox, and nothing else.
@Test(arguments: ["busybox", "busybox:latest", "library/busybox:1.36", "docker.io/library/busybox", "index.docker.io/library/busybox:musl"])
func allowsBusyboxSpellings(image: String) {
    #expect(decide(Policies.developer, "POST", "/v1.41/containers/create", body: createBody(image: image)).isAllowed)
}

@Test(arguments: [
    "alpine", "evil/busybox", "ghcr.io/library/busybox", "registry-1.docker.io/library/busybox",
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "0ae06d",
    "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
])
func deniesOtherImages(image: String) {
    let decision = decide(Policies.developer, "POST", "/v1.41/containers/create", body: createBody(image: image))
    #expect(decision.rule == "images/allowlist", "\(image): \(decision)")
}

/// Pulls are judged on the reference dockerd composes from fromImage and tag (THREATS I-01).
@Test func judgesPullsOnTheComposedReference() {
    #expect(decide(Policies.developer, "POST", "/v1.41/images/create?fromImage=busybox&tag=latest").isAllowed)
    #expect(decide(Policies.developer, "POST", "/v1.41/images/create?fromImage=alpine&tag=latest").rule == "images/allowlist")
    #expect(decide(Policies.developer, "POST", "/v1.41/images/create?fromImage=busybox&fromImage=alpine&tag=1").isAllowed)
    #expect(decide(Policies.developer, "POST", "/v1.41/images/create?fromImage=alpine&fromImage=busybox&tag=1").rule == "images/allowlist")
}

/// Writing image names (tag, load, import, commit, build) would defeat the allowlist (THREATS I-03…I-06).
@Test(arguments: [
    ("/v1.41/images/evil/tag?repo=busybox&tag=mine", "images/writes"),
    ("/v1.41/images/load", "images/writes"),
    ("/v1.41/images/create?fromSrc=-&repo=busybox&tag=latest", "images/writes"),
    ("/v1.41/commit?container=abc&repo=busybox&tag=x", "images/writes"),
])
func deniesImageNameWrites(target: String, rule: String) {
    #expect(decide(Policies.developer, "POST", target, contentType: "application/x-tar").rule == rule)
}

/// An image mount obeys the allowlist too (THREATS M-10).
@Test func judgesImageMounts() {
    let body = createBody(hostConfig: "{\"Mounts\":[{\"Type\":\"image\",\"Source\":\"evil:tag\",\"Target\":\"/m\"}]}")
    #expect(decide(Policies.developer, "POST", "/containers/create", body: body).rule == "images/allowlist")
}
