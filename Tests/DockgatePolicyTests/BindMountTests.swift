import DockgateDocker
@testable import DockgateIO
@testable import DockgatePolicy
@testable import DockgateProxy
import Foundation
import Testing

/// A resolver that answers from a table: paths below a key resolve below its value, or fail.
private struct TableResolver: HostPathResolver {
    var links: [String: String] = [:]
    var failing: [String] = []
    func resolve(_ path: String) -> HostPathResolution {
        if let bad = failing.first(where: { path == $0 || path.hasPrefix($0 + "/") }) {
            return .unresolvable(reason: "\(bad): Permission denied")
        }
        for (from, to) in links where path == from || path.hasPrefix(from + "/") {
            return .resolved(to + path.dropFirst(from.count))
        }
        return .resolved(path)
    }
}

private func create(_ hostConfig: String, resolver: any HostPathResolver = LexicalPathResolver(), policy: Policy = Policies.developer)
    -> PolicyDecision
{
    decide(policy, "POST", "/v1.41/containers/create", body: createBody(hostConfig: hostConfig), resolver: resolver)
}

// MARK: Binds options, read as dockerd's linux_parser.go

/// Propagation in a Binds mode ties the container's mounts to the host's (THREATS M-04), as in Mounts.
@Test(arguments: ["shared", "rshared", "slave", "rslave", "ro,rshared", "rshared,z", "nocopy,slave"])
func propagationInBindsIsRefused(mode: String) {
    let decision = create("{\"Binds\":[\"/srv/dev/x:/d:\(mode)\"]}")
    #expect(decision.rule == "host-escape/bind-mount", "\(decision)")
    #expect(decision.reason.contains("propagation"))
    // A named volume with a propagation is refused too (dockerd rejects it later anyway).
    #expect(create("{\"Binds\":[\"vol:/d:\(mode)\"]}").rule == "host-escape/bind-mount")
}

@Test(arguments: ["slave", "rslave", "shared"])
func propagationInMountsIsRefused(propagation: String) {
    let mount = "{\"Type\":\"bind\",\"Source\":\"/srv/dev/x\",\"Target\":\"/h\",\"BindOptions\":{\"Propagation\":\"\(propagation)\"}}"
    #expect(create("{\"Mounts\":[\(mount)]}").rule == "host-escape/bind-mount")
}

@Test(arguments: ["ro", "rw", "z", "Z", "nocopy", "private", "rprivate", "ro,z,nocopy,rprivate,cached", "delegated"])
func harmlessBindModesPass(mode: String) {
    let decision = create("{\"Binds\":[\"/srv/dev/x:/d:\(mode)\"]}")
    #expect(decision.isAllowed, "\(decision)")
}

/// What dockerd itself refuses is refused as malformed, never half-read.
@Test(arguments: ["/srv/dev/x:/d:ro,rw", "/srv/dev/x:/d:bogus", "/srv/dev/x:rw", "/srv/dev/x:", ":/d", "/srv/dev/x:/d:ro:extra", "/srv/dev/x:/d:shared,slave", "/srv/dev/x:/d:RO"])
func invalidBindSpecificationsAreMalformed(entry: String) {
    let decision = create("{\"Binds\":[\"\(entry)\"]}")
    #expect(decision.status == 400, "\(entry): \(decision)")
}

@Test func bindSpecificationMirrorsParseMountRaw() {
    #expect(BindSpecification("/data")?.source == "")
    #expect(BindSpecification("/a:/b")?.source == "/a")
    #expect(BindSpecification("/a:/b:ro,rslave")?.propagation == "rslave")
    #expect(BindSpecification("vol:/b")?.isHostBind == false)
}

// MARK: resolution failures

/// A path dockgate cannot fully resolve is refused, never passed on as written.
@Test func unresolvableBindSourceIsRefused() {
    let resolver = TableResolver(failing: ["/srv/dev/private"])
    let decision = create("{\"Binds\":[\"/srv/dev/private/x:/d\"]}", resolver: resolver)
    #expect(decision.rule == "host-escape/bind-unresolvable", "\(decision)")
    #expect(decision.reason.contains("Permission denied"))
    let mount = create("{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv/dev/private\",\"Target\":\"/h\"}]}", resolver: resolver)
    #expect(mount.rule == "host-escape/bind-unresolvable")
    #expect(create("{\"Binds\":[\"/srv/dev/ok:/d\"]}", resolver: resolver).isAllowed)
}

@Test func nulInBindSourceIsRefused() {
    #expect(create("{\"Binds\":[\"/srv/dev/x\\u0000/../../etc:/d\"]}").rule == "host-escape/bind-mount")
}

// MARK: byte-wise comparison

/// "e\u{301}" and "é" are equal Swift Strings but different names to the kernel: a root spelled
/// one way must not allow the folder spelled the other way.
@Test func prefixComparisonIsByteWise() {
    let precomposed = "/srv/caf\u{E9}"
    let decomposed = "/srv/cafe\u{301}"
    #expect(precomposed == decomposed)  // why this test exists
    let policy = Policy(name: "p", endpoints: [.containers: .write], bindMountRoots: [precomposed])
    let lookAlike = create("{\"Binds\":[\"\(decomposed)/x:/d\"]}", policy: policy)
    #expect(lookAlike.rule == "host-escape/bind-mount", "\(lookAlike)")
    #expect(create("{\"Binds\":[\"\(decomposed):/d\"]}", policy: policy).rule == "host-escape/bind-mount")
    #expect(create("{\"Binds\":[\"\(precomposed)/x:/d\"]}", policy: policy).isAllowed)
    #expect(!HostPath.isWithin(decomposed + "/x", root: precomposed))
    #expect(HostPath.isWithin(precomposed + "/x", root: precomposed + "/"))
    #expect(!HostPath.isWithin("/srv/devil", root: "/srv/dev"))
}

/// A resolved path that only looks like the root (canonically equivalent) is outside it.
@Test func resolvedLookAlikeIsOutsideTheRoot() {
    let resolver = TableResolver(links: ["/srv/dev/link": "/srv/de\u{301}v"])
    let policy = Policy(name: "p", endpoints: [.containers: .write], bindMountRoots: ["/srv/dev"])
    #expect(create("{\"Binds\":[\"/srv/dev/link/x:/d\"]}", resolver: resolver, policy: policy).rule == "host-escape/bind-mount")
}

// MARK: re-check at start

private func hostConfig(_ json: String) -> JSONObject {
    guard case .object(let object) = try! StrictJSONReader().read(Array(json.utf8)) else { fatalError() }
    return object
}

/// At start the container's stored binds are judged again, as the host resolves them now.
@Test func storedBindsAreJudgedAgainAtStart() {
    let stored = hostConfig("{\"Binds\":[\"/srv/dev/x:/data\"],\"Mounts\":null,\"MaskedPaths\":[\"/proc/kcore\"]}")
    #expect(PolicyEngine(policy: Policies.developer).recheckBinds(of: stored).isAllowed)
    let swapped = PolicyEngine(policy: Policies.developer, resolver: TableResolver(links: ["/srv/dev/x": "/"]))
    #expect(swapped.recheckBinds(of: stored).rule == "host-escape/bind-mount")
    let hidden = PolicyEngine(policy: Policies.developer, resolver: TableResolver(failing: ["/srv/dev/x"]))
    #expect(hidden.recheckBinds(of: stored).rule == "host-escape/bind-unresolvable")
    let mounts = hostConfig("{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/etc\",\"Target\":\"/e\"},{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/v\"}]}")
    #expect(PolicyEngine(policy: Policies.developer).recheckBinds(of: mounts).rule == "host-escape/bind-mount")
    #expect(PolicyEngine(policy: Policies.admin).recheckBinds(of: mounts).isAllowed)
}

// MARK: the nosymfollow requirement

@Test func nosymfollowRequirementNamesEveryUnprotectedRoot() {
    let policies: [String: Policy] = [
        "a": Policy(name: "a", bindMountRoots: ["/srv/ok", "/srv/plain"]),
        "b": Policy(name: "b", bindMountRoots: ["/srv/plain", "/srv/missing"]),
        "admin": Policy(name: "admin", isPrivileged: true, bindMountRoots: ["/srv/admin-only"]),
    ]
    let problems = BindRootMountRequirement.problems(policies: policies) { root in
        switch root {
        case "/srv/ok": .mounted(noSymlinkFollowing: true)
        case "/srv/plain": .mounted(noSymlinkFollowing: false)
        default: .unavailable("statvfs: No such file or directory")
        }
    }
    #expect(problems.count == 2, "\(problems)")
    #expect(problems[0].contains("/srv/plain") && problems[0].contains("policy a, b") && problems[0].contains("require_nosymfollow"))
    #expect(problems[1].contains("/srv/missing") && problems[1].contains("No such file"))
    #expect(BindRootMountRequirement.problems(policies: ["v": Policy(name: "v")]) { _ in .unavailable("never asked") }.isEmpty)
}

/// The real statvfs: "/" answers (this host's root is not nosymfollow), a missing folder does not.
@Test func statvfsReportsTheMountFlags() throws {
    #expect(BindRootMountCheck.state(of: "/") == .mounted(noSymlinkFollowing: false))
    guard case .unavailable(let why) = BindRootMountCheck.state(of: "/nonexistent-\(UUID().uuidString)") else {
        Issue.record("a missing folder must be unavailable")
        return
    }
    #expect(why.contains("statvfs"))
}

// MARK: the host resolver

@Test func hostResolverFollowsLinksAndRefusesWhatItCannotWalk() throws {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("dockgate-resolver-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: base + "/dir", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: base) }
    let real = try #require(SymlinkResolvingPathResolver().resolve(base).resolvedPath)
    try FileManager.default.createSymbolicLink(atPath: base + "/root", withDestinationPath: "/")
    try FileManager.default.createSymbolicLink(atPath: base + "/up", withDestinationPath: "dir/../..")
    try FileManager.default.createSymbolicLink(atPath: base + "/loop", withDestinationPath: "loop")
    FileManager.default.createFile(atPath: base + "/file", contents: Data())
    let resolver = SymlinkResolvingPathResolver()
    #expect(resolver.resolve(base + "/root/etc") == .resolved("/etc"))
    #expect(resolver.resolve(base + "/dir/missing/deeper") == .resolved(real + "/dir/missing/deeper"))
    #expect(resolver.resolve(base + "/up") == .resolved(String(real.split(separator: "/").dropLast().map { "/" + $0 }.joined())))
    #expect(resolver.resolve(base + "/loop").resolvedPath == nil)
    #expect(resolver.resolve(base + "/file/below").resolvedPath == nil)
}

extension HostPathResolution {
    var resolvedPath: String? {
        if case .resolved(let path) = self { return path }
        return nil
    }
}
